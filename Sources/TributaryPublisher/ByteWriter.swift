/// An append-only UTF-8 buffer with the escaping every output format needs.
///
/// The writers build documents byte by byte rather than through an XML or JSON library because publishing
/// 10,000 entries sits on the hot path of every run, and because exact control over the bytes is what makes the
/// output deterministic.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends markup we wrote ourselves; never pass data from a feed here.
    mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
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
        var utf8 = Array(text.utf8)
        if !utf8.contains(where: { $0 < 0x20 || $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 == 0x22 || $0 >= 0xC2 }) {
            bytes.append(contentsOf: utf8)
            return
        }
        utf8 = XMLCharacters.clean(utf8)
        for byte in utf8 {
            switch byte {
            case 0x3C where hexReferences: bytes.append(contentsOf: Self.hexLT)
            case 0x26 where hexReferences: bytes.append(contentsOf: Self.hexAmp)
            case 0x3C: bytes.append(contentsOf: Self.lt)
            case 0x3E: bytes.append(contentsOf: Self.gt)
            case 0x26: bytes.append(contentsOf: Self.amp)
            case 0x22: bytes.append(contentsOf: Self.quot)
            case 0x09 where attribute: bytes.append(contentsOf: Self.tab)
            case 0x0A where attribute: bytes.append(contentsOf: Self.newline)
            case 0x0D: bytes.append(contentsOf: Self.carriageReturn)
            default: bytes.append(byte)
            }
        }
    }

    /// Appends a JSON string literal, quotes included, with forbidden characters dropped as in `xmlText` so the
    /// three formats carry the same text.
    mutating func jsonString(_ text: String) {
        let utf8 = XMLCharacters.clean(Array(text.utf8))
        bytes.append(0x22)
        for byte in utf8 {
            switch byte {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
            case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
            case 0x3C: bytes.append(contentsOf: Array("\\u003c".utf8))
            default: bytes.append(byte)
            }
        }
        bytes.append(0x22)
    }

    private static let lt = Array("&lt;".utf8)
    private static let hexLT = Array("&#x3C;".utf8)
    private static let hexAmp = Array("&#x26;".utf8)
    private static let gt = Array("&gt;".utf8)
    private static let amp = Array("&amp;".utf8)
    private static let quot = Array("&quot;".utf8)
    private static let tab = Array("&#9;".utf8)
    private static let newline = Array("&#10;".utf8)
    private static let carriageReturn = Array("&#13;".utf8)
}

/// Which characters may appear in what we publish.
enum XMLCharacters {
    /// Drops C0 controls other than tab, newline and return, the C1 controls U+0080–U+009F, and the
    /// noncharacters U+FFFE and U+FFFF from UTF-8 bytes. The input is valid UTF-8 (it came from a Swift String),
    /// so sequences can be recognised by their lead byte alone.
    static func clean(_ utf8: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte < 0x20 {
                if byte == 0x09 || byte == 0x0A || byte == 0x0D { out.append(byte) }
                index += 1
            } else if byte == 0xC2, index + 1 < utf8.count, utf8[index + 1] >= 0x80, utf8[index + 1] <= 0x9F {
                index += 2
            } else if byte == 0xEF, index + 2 < utf8.count, utf8[index + 1] == 0xBF,
                utf8[index + 2] == 0xBE || utf8[index + 2] == 0xBF
            {
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }

    /// The text with forbidden characters removed, for values that are compared or measured before writing.
    static func clean(_ text: String) -> String {
        String(decoding: clean(Array(text.utf8)), as: UTF8.self)
    }
}
