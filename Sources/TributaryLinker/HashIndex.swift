/// An open-addressing map from already well-mixed 64-bit hashes to 32-bit values.
///
/// The linker's keys are hashes that are uniformly distributed, so hashing them again (as `Dictionary` does with
/// SipHash) is wasted work, and its per-entry overhead would dominate the index. Linear probing over two flat
/// arrays costs 8 bytes per slot, at most 70% full. A slot keeps only the key's high 32 bits, so two keys that
/// share them are confused: for the LSH buckets that merely lengthens a chain (every candidate is verified); in a
/// vocabulary of a million words it joins about a hundred pairs of rare words.
struct HashIndex {
    /// Each slot holds the key's high 32 bits above the value's 32 bits, so a probe reads one cache line, not two.
    private var slots: [UInt64]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
    }

    /// Zero marks an empty slot, so the one key that hashes to zero is stored as one.
    @inline(__always) private static func stored(_ key: UInt64) -> UInt32 {
        let high = UInt32(truncatingIfNeeded: key >> 32)
        return high == 0 ? 1 : high
    }

    @inline(__always) private static func slot(_ key: UInt32, _ value: Int32) -> UInt64 {
        UInt64(key) << 32 | UInt64(UInt32(bitPattern: value))
    }

    subscript(key: UInt64) -> Int32? {
        get {
            let wanted = Self.stored(key)
            let mask = mask
            return slots.withUnsafeBufferPointer { slots in
                var slot = Int(wanted) & mask
                while true {
                    let found = slots[slot]
                    if UInt32(truncatingIfNeeded: found >> 32) == wanted {
                        return Int32(bitPattern: UInt32(truncatingIfNeeded: found))
                    }
                    if found == 0 { return nil }
                    slot = (slot + 1) & mask
                }
            }
        }
        set {
            guard let newValue else { return }  // removal is never needed: the linker only adds
            exchange(key, with: newValue)
        }
    }

    /// Stores `value` under `key` and returns what was stored there before: a read and a write in one probe.
    @discardableResult
    mutating func exchange(_ key: UInt64, with value: Int32) -> Int32? {
        let wanted = Self.stored(key)
        var slot = Int(wanted) & mask
        while true {
            let found = slots[slot]
            if UInt32(truncatingIfNeeded: found >> 32) == wanted {
                slots[slot] = Self.slot(wanted, value)
                return Int32(bitPattern: UInt32(truncatingIfNeeded: found))
            }
            if found == 0 {
                slots[slot] = Self.slot(wanted, value)
                count += 1
                if count * 10 > slots.count * 7 { grow() }
                return nil
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for entry in old where entry != 0 {
            var slot = Int(entry >> 32) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = entry
        }
    }

    var bytes: Int { slots.count * 8 }
}
