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

    /// Appends markup we wrote ourselves; never pass data from a feed here.
    mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
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
        var text = text
        text.withUTF8 { append(escaping: $0, mode: mode) }
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
            while index < count {
                let byte = utf8[index]
                if byte >= 0x20 && byte != 0x5D && byte != 0xC2 && byte != 0xEF {
                    index += 1
                    continue
                }
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

    /// Appends a JSON string literal, quotes included, with forbidden characters dropped as in `xmlText` so the
    /// three formats carry the same text.
    mutating func jsonString(_ text: String) {
        bytes.append(0x22)
        var text = text
        text.withUTF8 { append(escaping: $0, mode: .json) }
        bytes.append(0x22)
    }

    private enum Mode {
        case xml
        case xmlAttribute
        case xmlHex
        case json
    }

    private mutating func append(escaping utf8: UnsafeBufferPointer<UInt8>, mode: Mode) {
        var runStart = 0
        var index = 0
        let count = utf8.count
        while index < count {
            let byte = utf8[index]
            // Most bytes never need attention: printable ASCII other than the specials, and UTF-8 bytes other
            // than the two leads that can start a forbidden character.
            let attention =
                byte < 0x40
                ? (Self.lowAttention &>> UInt64(byte)) & 1 != 0 : byte == 0x5C || byte == 0xC2 || byte == 0xEF
            if !attention {
                index += 1
                continue
            }
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
        case .xml, .xmlHex: return byte == 0x3C || byte == 0x26 || byte == 0x3E || byte == 0x22 || byte == 0x0D
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

    /// The text with forbidden characters removed (the same string when it has none, which is the usual case).
    static func clean(_ text: String) -> String {
        var text = text
        return text.withUTF8 { utf8 -> String? in
            var index = 0
            var firstBad: Int?
            while index < utf8.count {
                let byte = utf8[index]
                if (byte < 0x20 || byte == 0xC2 || byte == 0xEF), forbiddenLength(utf8, at: index) > 0 {
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
