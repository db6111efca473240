/// SHA-1 (FIPS 180-4), used only to derive name-based UUIDs (RFC 9562 version 5) for entries whose own id cannot
/// serve as an `atom:id`. It is not used for anything that needs collision resistance against an attacker: a
/// feed can only collide with its own entries, since the feed URL is part of the name.
///
/// Streaming and free of heap allocations (the block lives in the value, the message schedule on the stack):
/// two entries in three of a busy day need one, and an allocation per step would cost more than the hashing.
struct SHA1 {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32) = (
        0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0
    )
    /// The block being filled, as bytes.
    private var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var filled = 0
    private var length: UInt64 = 0

    static func digest(_ message: [UInt8]) -> [UInt8] {
        var hasher = SHA1()
        message.withUnsafeBytes { hasher.update($0) }
        return hasher.finalize()
    }

    mutating func update(_ text: String) {
        var text = text
        text.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        length &+= UInt64(bytes.count)
        var offset = 0
        while offset < bytes.count {
            let take = min(64 - filled, bytes.count - offset)
            let start = filled
            withUnsafeMutableBytes(of: &block) { block in
                UnsafeMutableRawBufferPointer(rebasing: block[start..<(start + take)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + take)]))
            }
            filled += take
            offset += take
            if filled == 64 {
                compressBlock()
                filled = 0
            }
        }
    }

    /// The 20-byte digest; the hasher is spent afterwards.
    mutating func finalize() -> [UInt8] {
        let words = finalizeWords()
        var out: [UInt8] = []
        out.reserveCapacity(20)
        for word in [words.0, words.1, words.2, words.3, words.4] {
            out.append(UInt8(truncatingIfNeeded: word >> 24))
            out.append(UInt8(truncatingIfNeeded: word >> 16))
            out.append(UInt8(truncatingIfNeeded: word >> 8))
            out.append(UInt8(truncatingIfNeeded: word))
        }
        return out
    }

    /// The digest as five big-endian words; the hasher is spent afterwards.
    mutating func finalizeWords() -> (UInt32, UInt32, UInt32, UInt32, UInt32) {
        let bitLength = length &* 8
        var pad: UInt8 = 0x80
        withUnsafeBytes(of: &pad) { update($0) }
        var zero: UInt8 = 0
        while filled != 56 { withUnsafeBytes(of: &zero) { update($0) } }
        var bigEndian = bitLength.bigEndian
        withUnsafeBytes(of: &bigEndian) { update($0) }
        return state
    }

    private mutating func compressBlock() {
        var (a, b, c, d, e) = state
        withUnsafeBytes(of: &block) { block in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { words in
                for index in 0..<16 {
                    words[index] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))
                }
                for index in 16..<80 {
                    let mixed = words[index - 3] ^ words[index - 8] ^ words[index - 14] ^ words[index - 16]
                    words[index] = mixed << 1 | mixed >> 31
                }
                // Four rounds of twenty, each with its own function and constant.
                for index in 0..<20 {
                    let temp = (a << 5 | a >> 27) &+ ((b & c) | (~b & d)) &+ e &+ 0x5A82_7999 &+ words[index]
                    (e, d, c, b, a) = (d, c, b << 30 | b >> 2, a, temp)
                }
                for index in 20..<40 {
                    let temp = (a << 5 | a >> 27) &+ (b ^ c ^ d) &+ e &+ 0x6ED9_EBA1 &+ words[index]
                    (e, d, c, b, a) = (d, c, b << 30 | b >> 2, a, temp)
                }
                for index in 40..<60 {
                    let temp = (a << 5 | a >> 27) &+ ((b & c) | (b & d) | (c & d)) &+ e &+ 0x8F1B_BCDC &+ words[index]
                    (e, d, c, b, a) = (d, c, b << 30 | b >> 2, a, temp)
                }
                for index in 60..<80 {
                    let temp = (a << 5 | a >> 27) &+ (b ^ c ^ d) &+ e &+ 0xCA62_C1D6 &+ words[index]
                    (e, d, c, b, a) = (d, c, b << 30 | b >> 2, a, temp)
                }
            }
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e)
    }
}

/// Name-based UUIDs (RFC 9562 §5.5, version 5).
enum NameUUID {
    /// The URL namespace of RFC 9562 (6ba7b811-9dad-11d1-80b4-00c04fd430c8).
    static let urlNamespace: [UInt8] = [
        0x6B, 0xA7, 0xB8, 0x11, 0x9D, 0xAD, 0x11, 0xD1, 0x80, 0xB4, 0x00, 0xC0, 0x4F, 0xD4, 0x30, 0xC8,
    ]

    /// `urn:uuid:…` for a name in the URL namespace.
    static func urn(for name: String) -> String {
        var hasher = namespaced()
        hasher.update(name)
        return text(hasher.finalizeWords())
    }

    /// `urn(for: feedURL + "\n" + id)`, without building that string.
    static func urn(feedURL: String, entryID id: String) -> String {
        var hasher = namespaced()
        hasher.update(feedURL)
        hasher.update("\n")
        hasher.update(id)
        return text(hasher.finalizeWords())
    }

    private static func namespaced() -> SHA1 {
        var hasher = SHA1()
        urlNamespace.withUnsafeBytes { hasher.update($0) }
        return hasher
    }

    /// The first 16 bytes of the digest with the version and variant bits set, as `urn:uuid:` and 36 characters.
    private static func text(_ words: (UInt32, UInt32, UInt32, UInt32, UInt32)) -> String {
        let hex: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 45) { out in
            let prefix: StaticString = "urn:uuid:"
            var position = 0
            for offset in 0..<prefix.utf8CodeUnitCount {
                out[position] = prefix.utf8Start[offset]
                position += 1
            }
            for index in 0..<16 {
                let word: UInt32
                switch index / 4 {
                case 0: word = words.0
                case 1: word = words.1
                case 2: word = words.2
                default: word = words.3
                }
                var byte = UInt8(truncatingIfNeeded: word >> UInt32(24 - 8 * (index % 4)))
                if index == 6 { byte = (byte & 0x0F) | 0x50 }
                if index == 8 { byte = (byte & 0x3F) | 0x80 }
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    out[position] = 0x2D
                    position += 1
                }
                out[position] = hex.utf8Start[Int(byte >> 4)]
                out[position + 1] = hex.utf8Start[Int(byte & 0x0F)]
                position += 2
            }
            return position
        }
    }
}
