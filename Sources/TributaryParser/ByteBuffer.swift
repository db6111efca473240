/// A growable byte buffer for output written in many small pieces (tags, names, escaped runs).
///
/// `Array.append(contentsOf:)` costs a uniqueness check and a generic call per piece, more than copying the
/// few bytes themselves; the sanitiser writes several pieces per tag of every summary and body.
final class ByteBuffer {
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        storage = .allocate(capacity: self.capacity)
    }

    deinit {
        storage.deallocate()
    }

    @inline(__always)
    private func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var larger = capacity * 2
        while larger < count + extra { larger *= 2 }
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
        moved.update(from: storage, count: count)
        storage.deallocate()
        storage = moved
        capacity = larger
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count += 1
    }

    @inline(__always)
    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (storage + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends the UTF-8 form of a Unicode scalar value.
    func appendUTF8(_ scalar: UInt32) {
        reserve(4)
        switch scalar {
        case 0..<0x80:
            storage[count] = UInt8(scalar)
            count += 1
        case 0x80..<0x800:
            storage[count] = UInt8(0xC0 | (scalar >> 6))
            storage[count + 1] = UInt8(0x80 | (scalar & 0x3F))
            count += 2
        case 0x800..<0x10000:
            storage[count] = UInt8(0xE0 | (scalar >> 12))
            storage[count + 1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
            storage[count + 2] = UInt8(0x80 | (scalar & 0x3F))
            count += 3
        default:
            storage[count] = UInt8(0xF0 | (scalar >> 18))
            storage[count + 1] = UInt8(0x80 | ((scalar >> 12) & 0x3F))
            storage[count + 2] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
            storage[count + 3] = UInt8(0x80 | (scalar & 0x3F))
            count += 4
        }
    }

    /// Forgets the content, keeping the memory.
    func removeAll() {
        count = 0
    }

    /// The content so far; valid until the next append.
    var bytes: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: storage, count: count)
    }
}

@available(*, unavailable) extension ByteBuffer: Sendable {}
