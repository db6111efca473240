import Foundation

/// Repairs text that was UTF-8, was read as windows-1252 (or ISO-8859-1), and was encoded as UTF-8 again: the
/// "â€¦" that stands for "…" in many real feeds, often written as character references (`&#226;&#128;&#166;`).
///
/// The repair is conservative: it applies only when every non-ASCII character of the text has a windows-1252
/// byte and those bytes, taken together, are valid UTF-8 with at least one multi-byte sequence. Ordinary
/// accented text ("café", "Kovač") never passes that test, because a lone Latin-1 letter is not a valid UTF-8
/// lead byte followed by continuation bytes.
enum Mojibake {
    static func repair(_ text: String) -> String {
        // Every double-encoded sequence starts with a character in U+00C2–U+00F4, whose UTF-8 form begins with
        // the byte 0xC3: text without that byte (nearly all of it) costs one memchr.
        let mayBeDoubleEncoded =
            text.utf8.withContiguousStorageIfAvailable { buffer in
                guard let base = buffer.baseAddress else { return false }
                return memchr(base, 0xC3, buffer.count) != nil
            } ?? true
        guard mayBeDoubleEncoded else { return text }
        // Rebuild the bytes the text would have been, checking UTF-8 structure on the way so that ordinary
        // accented text ("é" then a space) is given up at its first non-ASCII letter.
        var bytes: [UInt8] = []
        var pendingContinuations = 0
        for scalar in text.unicodeScalars {
            if scalar.value < 0x80 {
                guard pendingContinuations == 0 else { return text }
                bytes.append(UInt8(scalar.value))
                continue
            }
            guard let byte = windows1252Byte(scalar), step(&pendingContinuations, byte) else { return text }
            bytes.append(byte)
        }
        guard pendingContinuations == 0, let decoded = String(validating: bytes, as: UTF8.self),
            decoded.utf8.count < text.utf8.count
        else { return text }
        return decoded
    }

    /// One byte of the UTF-8 the text would have been: a continuation where one is owed, else a lead byte that
    /// says how many follow. False when the byte breaks UTF-8's structure.
    @inline(__always)
    private static func step(_ pendingContinuations: inout Int, _ byte: UInt8) -> Bool {
        if pendingContinuations > 0 {
            guard byte & 0xC0 == 0x80 else { return false }
            pendingContinuations -= 1
            return true
        }
        switch byte {
        case 0xC2...0xDF: pendingContinuations = 1
        case 0xE0...0xEF: pendingContinuations = 2
        case 0xF0...0xF4: pendingContinuations = 3
        default: return false
        }
        return true
    }

    /// Whether `repair` might change the text whose UTF-8 bytes these are; false means it would return the
    /// text unchanged, so callers holding bytes can skip building a String. Follows `repair` step by step and
    /// answers true whenever in doubt.
    static func mayChange(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress, memchr(base, 0xC3, bytes.count) != nil else { return false }
        var pendingContinuations = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                guard pendingContinuations == 0 else { return false }
                index += 1
                continue
            }
            let length: Int
            var value: UInt32
            switch lead {
            case 0xC2...0xDF:
                length = 2
                value = UInt32(lead & 0x1F)
            case 0xE0...0xEF:
                length = 3
                value = UInt32(lead & 0x0F)
            case 0xF0...0xF4:
                length = 4
                value = UInt32(lead & 0x07)
            default:
                return true
            }
            guard index + length <= count else { return true }
            for offset in 1..<length {
                let byte = bytes[index + offset]
                guard byte & 0xC0 == 0x80 else { return true }
                value = value << 6 | UInt32(byte & 0x3F)
            }
            index += length
            guard let scalar = Unicode.Scalar(value), let byte = windows1252Byte(scalar),
                step(&pendingContinuations, byte)
            else { return false }
        }
        return pendingContinuations == 0
    }

    /// The windows-1252 byte that decodes to `scalar`, if any: Latin-1 above 0xA0, and the printable
    /// characters that windows-1252 puts in 0x80–0x9F. The C1 controls themselves (U+0080–U+009F) map to their
    /// own byte, as ISO-8859-1 reads them.
    private static func windows1252Byte(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x80...0xFF: return UInt8(scalar.value)
        default: return specials[scalar.value]
        }
    }

    private static let specials: [UInt32: UInt8] = [
        0x20AC: 0x80, 0x201A: 0x82, 0x0192: 0x83, 0x201E: 0x84, 0x2026: 0x85, 0x2020: 0x86, 0x2021: 0x87,
        0x02C6: 0x88, 0x2030: 0x89, 0x0160: 0x8A, 0x2039: 0x8B, 0x0152: 0x8C, 0x017D: 0x8E, 0x2018: 0x91,
        0x2019: 0x92, 0x201C: 0x93, 0x201D: 0x94, 0x2022: 0x95, 0x2013: 0x96, 0x2014: 0x97, 0x02DC: 0x98,
        0x2122: 0x99, 0x0161: 0x9A, 0x203A: 0x9B, 0x0153: 0x9C, 0x017E: 0x9E, 0x0178: 0x9F,
    ]
}
