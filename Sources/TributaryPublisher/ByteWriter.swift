import Foundation
import TributaryCore

/// An append-only UTF-8 buffer with the escaping every output format needs.
///
/// The writers build documents byte by byte rather than through an XML or JSON library because publishing
/// 10,000 entries sits on the hot path of every run, and because exact control over the bytes is what makes the
/// output deterministic. Escaping works on the string's contiguous UTF-8 in one pass, copying runs of ordinary
/// bytes at once.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// Continues writing after `bytes`, in their buffer (and its spare capacity).
    init(taking bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Appends markup we wrote ourselves; never pass data from a feed here. Static text only, which is copied
    /// straight from the program's constants.
    mutating func raw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends bytes already written by another `ByteWriter`.
    mutating func raw(_ other: [UInt8]) {
        bytes.append(contentsOf: other)
    }

    mutating func raw(_ byte: UInt8) {
        bytes.append(byte)
    }

    /// Appends character data escaped for an XML text node or a double-quoted attribute, with the characters
    /// XML 1.0 forbids (C0 controls but tab, newline and return; U+FFFE, U+FFFF) and the C1 controls dropped,
    /// so that hostile input can never make the document ill-formed.
    /// - Parameter hexReferences: writes `&` and `<` as `&#x26;` and `&#x3C;`, which is how RSS 2.0 plain-text
    ///   elements say "this is a literal character, not markup" to readers that guess.
    mutating func xmlText(_ text: String, attribute: Bool = false, hexReferences: Bool = false) {
        let mode: Mode = hexReferences ? .xmlHex : (attribute ? .xmlAttribute : .xml)
        escaping(text, mode: mode)
    }

    /// Appends text escaped for an XML text node twice over: the text as HTML source (`&` as `&amp;`), carried in
    /// an XML element (`&amp;amp;`). The same bytes as escaping into a scratch string and escaping that again,
    /// without the scratch string.
    mutating func xmlTextTwice(_ text: String) {
        escaping(text, mode: .xmlTwice)
    }

    /// Appends text escaped as swift-mustache escapes a `{{…}}` value (`<`, `>`, `&`, `"`, `'`; nothing dropped),
    /// byte by byte: for text in which every scalar is a character of its own (`PlainText.isSimple`), that is the
    /// same as Mustache's character-by-character escaping.
    mutating func htmlText(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            for index in utf8.indices {
                let replacement: StaticString
                switch utf8[index] {
                case 0x3C: replacement = "&lt;"
                case 0x3E: replacement = "&gt;"
                case 0x26: replacement = "&amp;"
                case 0x22: replacement = "&quot;"
                case 0x27: replacement = "&#39;"
                default: continue
                }
                if runStart < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
                raw(replacement)
                runStart = index + 1
            }
            if runStart < utf8.count {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
            }
        }
    }

    /// Appends `2026-11-29T19:26:51Z`: the instant in UTC to the whole second (see `DateText`).
    mutating func rfc3339(_ date: Date) {
        let (days, second) = CivilCalendar.split(DateText.clampedToPrintable(date))
        let (year, month, day) = CivilCalendar.date(days: days)
        fourDigits(year)
        bytes.append(0x2D)
        twoDigits(month)
        bytes.append(0x2D)
        twoDigits(day)
        bytes.append(0x54)
        twoDigits(second / 3_600)
        bytes.append(0x3A)
        twoDigits(second / 60 % 60)
        bytes.append(0x3A)
        twoDigits(second % 60)
        bytes.append(0x5A)
    }

    /// Two digits of a number in 0...99 (a month, day, hour, minute or second).
    @inline(__always)
    private mutating func twoDigits(_ value: Int) {
        bytes.append(UInt8(truncatingIfNeeded: 0x30 + value / 10))
        bytes.append(UInt8(truncatingIfNeeded: 0x30 + value % 10))
    }

    /// Four digits of a year in 1...9999, which is all `DateText.clampedToPrintable` lets through.
    @inline(__always)
    private mutating func fourDigits(_ value: Int) {
        twoDigits(value / 100)
        twoDigits(value % 100)
    }

    /// Appends RFC 822 as RSS 2.0 wants it, `Sun, 29 Nov 2026 19:26:51 +0000` (see `DateText.rfc822`).
    mutating func rfc822(_ date: Date) {
        let (days, second) = CivilCalendar.split(DateText.clampedToPrintable(date))
        let (year, month, day) = CivilCalendar.date(days: days)
        let weekday = CivilCalendar.weekday(days: days)
        let weekdays: StaticString = "SunMonTueWedThuFriSat"
        let months: StaticString = "JanFebMarAprMayJunJulAugSepOctNovDec"
        bytes.append(contentsOf: UnsafeBufferPointer(start: weekdays.utf8Start + weekday * 3, count: 3))
        raw(", ")
        twoDigits(day)
        bytes.append(0x20)
        bytes.append(contentsOf: UnsafeBufferPointer(start: months.utf8Start + (month - 1) * 3, count: 3))
        bytes.append(0x20)
        fourDigits(year)
        bytes.append(0x20)
        twoDigits(second / 3_600)
        bytes.append(0x3A)
        twoDigits(second / 60 % 60)
        bytes.append(0x3A)
        twoDigits(second % 60)
        raw(" +0000")
    }

    /// Appends a decimal number.
    mutating func decimal(_ value: Int64) {
        if value < 0 { bytes.append(0x2D) }
        var magnitude = value.magnitude
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { buffer in
            var position = buffer.count
            repeat {
                position -= 1
                buffer[position] = UInt8(truncatingIfNeeded: 0x30 &+ magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[position...]))
        }
    }

    /// Appends a non-negative number with leading zeros to at least `width` digits, as `DateText` prints it.
    mutating func digits(_ value: Int, _ width: Int) {
        var length = 1
        var limit = 10
        while value >= limit, length < 19 {
            length += 1
            limit &*= 10
        }
        for _ in length..<max(width, length) { bytes.append(0x30) }
        var divisor = 1
        for _ in 1..<length { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(truncatingIfNeeded: 0x30 + rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// Appends text as XML CDATA sections: the escaped-HTML bodies of Atom and RSS, which are most of the bytes.
    /// Inside CDATA only forbidden characters and `]]>` need attention, so long runs are copied at once and
    /// markup is not inflated by `&lt;`. A `]]>` in the text is split across two sections.
    mutating func cdata(_ text: String) {
        bytes.append(contentsOf: "<![CDATA[".utf8)
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            var index = 0
            let count = utf8.count
            while true {
                index = Self.skipQuiet(utf8, from: index, cdata: true)
                guard index < count else { break }
                let byte = utf8[index]
                if byte == 0x5D {
                    if index + 2 < count, utf8[index + 1] == 0x5D, utf8[index + 2] == 0x3E {
                        // "]]" ends this section, ">" starts the next.
                        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<(index + 2)]))
                        bytes.append(contentsOf: "]]><![CDATA[".utf8)
                        index += 2
                        runStart = index
                    } else {
                        index += 1
                    }
                    continue
                }
                let skip = XMLCharacters.forbiddenLength(utf8, at: index)
                if skip == 0 {
                    index += 1
                    continue
                }
                if runStart < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
                index += skip
                runStart = index
            }
            if runStart < count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count])) }
        }
        bytes.append(contentsOf: "]]>".utf8)
    }

    /// The first position at or after `start` whose byte may need attention: in CDATA a control character, `]`
    /// or a lead byte of a forbidden character (0xC2, 0xEF); elsewhere also `"`, `&`, `<`, `>` and `\\`.
    ///
    /// Looks at eight bytes at a time with word arithmetic: bodies and titles are long runs of ordinary text,
    /// and this loop is where publishing spends most of its time per byte. For a byte value `c`, the expression
    /// `(y - 0x01…) & ~y & 0x80…` with `y = word ^ c…` is non-zero exactly when some byte equals `c`, and its
    /// lowest set bit is in the first such byte (a borrow can only mark bytes above a true match).
    @inline(__always)
    private static func skipQuiet(_ utf8: UnsafeBufferPointer<UInt8>, from start: Int, cdata: Bool) -> Int {
        var index = start
        let count = utf8.count
        if let base = utf8.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index + 8 <= count {
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                var hit = Words.below(word, 0x20) | Words.equal(word, 0xC2) | Words.equal(word, 0xEF)
                if cdata {
                    hit |= Words.equal(word, 0x5D)
                } else {
                    hit |=
                        Words.equal(word, 0x22) | Words.equal(word, 0x26) | Words.equal(word, 0x3C)
                        | Words.equal(word, 0x3E)
                    hit |= Words.equal(word, 0x5C)
                }
                if hit != 0 { return index + hit.trailingZeroBitCount / 8 }
                index += 8
            }
        }
        while index < count {
            let byte = utf8[index]
            let attention: Bool
            if cdata {
                attention = byte < 0x20 || byte == 0x5D || byte == 0xC2 || byte == 0xEF
            } else {
                attention =
                    byte < 0x40
                    ? (lowAttention &>> UInt64(byte)) & 1 != 0 : byte == 0x5C || byte == 0xC2 || byte == 0xEF
            }
            if attention { return index }
            index += 1
        }
        return count
    }

    /// Appends a JSON string literal, quotes included, with forbidden characters dropped as in `xmlText` so the
    /// three formats carry the same text.
    mutating func jsonString(_ text: String) {
        bytes.append(0x22)
        escaping(text, mode: .json)
        bytes.append(0x22)
    }

    /// `append(escaping:mode:)` on the string's UTF-8, read in place when the string is native (nearly always).
    private mutating func escaping(_ text: String, mode: Mode) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { append(escaping: $0, mode: mode) }
        if done == nil {
            var text = text
            text.withUTF8 { append(escaping: $0, mode: mode) }
        }
    }

    private enum Mode {
        case xml
        /// Escaped as `.xml` would, and the result escaped again: HTML source text carried in an XML element.
        case xmlTwice
        case xmlAttribute
        case xmlHex
        case json
    }

    private mutating func append(escaping utf8: UnsafeBufferPointer<UInt8>, mode: Mode) {
        var runStart = 0
        var index = 0
        let count = utf8.count
        while true {
            // Most bytes never need attention: printable ASCII other than the specials, and UTF-8 bytes other
            // than the two leads that can start a forbidden character.
            index = Self.skipQuiet(utf8, from: index, cdata: false)
            guard index < count else { break }
            let byte = utf8[index]
            let skip = XMLCharacters.forbiddenLength(utf8, at: index)
            guard skip > 0 || Self.needsReplacement(byte, mode: mode) else {
                index += 1
                continue
            }
            if runStart < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index])) }
            if skip == 0 { appendReplacement(for: byte, mode: mode) }
            index += max(skip, 1)
            runStart = index
        }
        if runStart < count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count])) }
    }

    /// The bytes below 0x40 `append(escaping:)` must look at, as a bit set: C0 controls, `"`, `&`, `<` and `>`.
    /// Above 0x40 only `\\` and the UTF-8 leads 0xC2 and 0xEF need a look.
    private static let lowAttention: UInt64 = 0xFFFF_FFFF | 1 << 0x22 | 1 << 0x26 | 1 << 0x3C | 1 << 0x3E

    private static func needsReplacement(_ byte: UInt8, mode: Mode) -> Bool {
        switch mode {
        case .json: return byte == 0x22 || byte == 0x5C || byte == 0x0A || byte == 0x0D || byte == 0x09
        case .xml, .xmlTwice, .xmlHex:
            return byte == 0x3C || byte == 0x26 || byte == 0x3E || byte == 0x22 || byte == 0x0D
        case .xmlAttribute:
            return byte == 0x3C || byte == 0x26 || byte == 0x3E || byte == 0x22 || byte == 0x0D || byte == 0x09
                || byte == 0x0A
        }
    }

    /// Appends the escape for a byte `needsReplacement` accepted. The literals are small strings, so appending
    /// them allocates nothing.
    private mutating func appendReplacement(for byte: UInt8, mode: Mode) {
        let replacement: String
        switch (mode, byte) {
        case (.json, 0x22): replacement = "\\\""
        case (.json, 0x5C): replacement = "\\\\"
        case (.json, 0x0A): replacement = "\\n"
        case (.json, 0x0D): replacement = "\\r"
        case (.json, 0x09): replacement = "\\t"
        case (.xmlHex, 0x3C): replacement = "&#x3C;"
        case (.xmlHex, 0x26): replacement = "&#x26;"
        case (.xmlTwice, 0x3C): replacement = "&amp;lt;"
        case (.xmlTwice, 0x26): replacement = "&amp;amp;"
        case (.xmlTwice, 0x3E): replacement = "&amp;gt;"
        case (.xmlTwice, 0x22): replacement = "&amp;quot;"
        case (.xmlTwice, 0x0D): replacement = "&amp;#13;"
        case (_, 0x3C): replacement = "&lt;"
        case (_, 0x26): replacement = "&amp;"
        case (_, 0x3E): replacement = "&gt;"
        case (_, 0x22): replacement = "&quot;"
        case (_, 0x0D): replacement = "&#13;"
        case (_, 0x09): replacement = "&#9;"
        case (_, 0x0A): replacement = "&#10;"
        default: replacement = ""
        }
        bytes.append(contentsOf: replacement.utf8)
    }
}

/// Which characters may appear in what we publish.
enum XMLCharacters {
    /// How many bytes at `index` form a character we never publish: C0 controls other than tab, newline and
    /// return, the C1 controls U+0080–U+009F, and the noncharacters U+FFFE and U+FFFF; 0 for any other. The
    /// input is valid UTF-8 (it came from a Swift String), so a character is recognised by its first bytes.
    static func forbiddenLength(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let byte = utf8[index]
        if byte < 0x20 { return byte == 0x09 || byte == 0x0A || byte == 0x0D ? 0 : 1 }
        if byte == 0xC2, index + 1 < utf8.count, utf8[index + 1] >= 0x80, utf8[index + 1] <= 0x9F { return 2 }
        if byte == 0xEF, index + 2 < utf8.count, utf8[index + 1] == 0xBF,
            utf8[index + 2] == 0xBE || utf8[index + 2] == 0xBF
        {
            return 3
        }
        return 0
    }

    /// How many bytes at `index` form a non-ASCII white-space character (U+0085, U+00A0, U+1680, U+2000–U+200A,
    /// U+2028, U+2029, U+202F, U+205F, U+3000); 0 for any other.
    static func unicodeSpaceLength(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let byte = utf8[index]
        guard byte == 0xC2 || byte == 0xE1 || byte == 0xE2 || byte == 0xE3, index + 1 < utf8.count else { return 0 }
        let second = utf8[index + 1]
        if byte == 0xC2 { return second == 0x85 || second == 0xA0 ? 2 : 0 }
        guard index + 2 < utf8.count else { return 0 }
        let third = utf8[index + 2]
        switch (byte, second) {
        case (0xE1, 0x9A): return third == 0x80 ? 3 : 0
        case (0xE2, 0x80): return third <= 0x8A || third == 0xA8 || third == 0xA9 || third == 0xAF ? 3 : 0
        case (0xE2, 0x81): return third == 0x9F ? 3 : 0
        case (0xE3, 0x80): return third == 0x80 ? 3 : 0
        default: return 0
        }
    }

    /// True when the text holds `<` or `&`.
    static func containsMarkup(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { utf8 in
            Words.first(
                in: utf8, from: 0, hit: { Words.equal($0, 0x3C) | Words.equal($0, 0x26) },
                byteHit: { $0 == 0x3C || $0 == 0x26 }) < utf8.count
        } ?? text.utf8.contains { $0 == 0x3C || $0 == 0x26 }
    }

    /// The text with forbidden characters removed (the same string when it has none, which is the usual case).
    static func clean(_ text: String) -> String {
        var text = text
        return text.withUTF8 { utf8 -> String? in
            var index = 0
            var firstBad: Int?
            while index < utf8.count {
                // Only controls and the lead bytes 0xC2 and 0xEF can start a forbidden character.
                index = Words.first(
                    in: utf8, from: index,
                    hit: { Words.below($0, 0x20) | Words.equal($0, 0xC2) | Words.equal($0, 0xEF) },
                    byteHit: { $0 < 0x20 || $0 == 0xC2 || $0 == 0xEF })
                guard index < utf8.count else { break }
                if forbiddenLength(utf8, at: index) > 0 {
                    firstBad = index
                    break
                }
                index += 1
            }
            guard let firstBad else { return nil }
            var out = Array(utf8[0..<firstBad])
            out.reserveCapacity(utf8.count)
            index = firstBad
            while index < utf8.count {
                let skip = forbiddenLength(utf8, at: index)
                if skip > 0 {
                    index += skip
                } else {
                    out.append(utf8[index])
                    index += 1
                }
            }
            return String(decoding: out, as: UTF8.self)
        } ?? text
    }
}

/// Byte tests on eight bytes at once. For a byte value `c`, `(y - 0x01…) & ~y & 0x80…` with `y = word ^ c…` is
/// non-zero exactly when some byte of the word equals `c`, and its lowest set bit is in the first such byte (a
/// borrow can only mark bytes above a true match); the same holds for "below a limit".
enum Words {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Non-zero when some byte of `word` is below `limit` (at most 0x80); the lowest set bit marks the first.
    @inline(__always)
    static func below(_ word: UInt64, _ limit: UInt8) -> UInt64 {
        (word &- ones &* UInt64(limit)) & ~word & highs
    }

    /// Non-zero when some byte of `word` equals `value`; the lowest set bit marks the first.
    @inline(__always)
    static func equal(_ word: UInt64, _ value: UInt8) -> UInt64 {
        let difference = word ^ (ones &* UInt64(value))
        return (difference &- ones) & ~difference & highs
    }

    /// The first position at or after `start` whose byte `hit` marks (`hit` tests a whole word, `byteHit` one
    /// byte the same way), or the count.
    @inline(__always)
    static func first(
        in utf8: UnsafeBufferPointer<UInt8>, from start: Int, hit: (UInt64) -> UInt64, byteHit: (UInt8) -> Bool
    ) -> Int {
        var index = start
        if let base = utf8.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index + 8 <= utf8.count {
                let found = hit(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
                if found != 0 { return index + found.trailingZeroBitCount / 8 }
                index += 8
            }
        }
        while index < utf8.count, !byteHit(utf8[index]) { index += 1 }
        return index
    }
}
