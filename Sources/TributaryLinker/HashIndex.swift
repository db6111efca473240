/// An open-addressing map from already well-mixed 64-bit hashes to 32-bit values.
///
/// The linker's keys are hashes that are uniformly distributed, so hashing them again (as `Dictionary` does with
/// SipHash) is wasted work, and its per-entry overhead would dominate the index. Linear probing over two flat
/// arrays costs 8 bytes per slot, at most 70% full. A slot keeps only the key's high 32 bits, so two keys that
/// share them are confused: for the LSH buckets that merely lengthens a chain (every candidate is verified); in a
/// vocabulary of a million words it joins about a hundred pairs of rare words.
struct HashIndex {
    private var keys: [UInt32]
    private var values: [Int32]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: 0, count: size)
        mask = size - 1
    }

    /// Zero marks an empty slot, so the one key that hashes to zero is stored as one.
    @inline(__always) private static func stored(_ key: UInt64) -> UInt32 {
        let high = UInt32(truncatingIfNeeded: key >> 32)
        return high == 0 ? 1 : high
    }

    subscript(key: UInt64) -> Int32? {
        get {
            let wanted = Self.stored(key)
            var slot = Int(wanted) & mask
            while true {
                let found = keys[slot]
                if found == wanted { return values[slot] }
                if found == 0 { return nil }
                slot = (slot + 1) & mask
            }
        }
        set {
            guard let newValue else { return }  // removal is never needed: the linker only adds
            let wanted = Self.stored(key)
            var slot = Int(wanted) & mask
            while true {
                let found = keys[slot]
                if found == wanted {
                    values[slot] = newValue
                    return
                }
                if found == 0 {
                    keys[slot] = wanted
                    values[slot] = newValue
                    count += 1
                    if count * 10 > keys.count * 7 { grow() }
                    return
                }
                slot = (slot + 1) & mask
            }
        }
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldValues = values
        keys = Array(repeating: 0, count: oldKeys.count * 2)
        values = Array(repeating: 0, count: oldKeys.count * 2)
        mask = keys.count - 1
        for index in oldKeys.indices where oldKeys[index] != 0 {
            var slot = Int(oldKeys[index]) & mask
            while keys[slot] != 0 { slot = (slot + 1) & mask }
            keys[slot] = oldKeys[index]
            values[slot] = oldValues[index]
        }
    }

    var bytes: Int { keys.count * 8 }
}
