/// Turns the raw bytes of a feed into UTF-8 that libxml2 can read without guessing: the character set is
/// settled here (BOM, HTTP charset, XML declaration, with fallbacks), and the XML is repaired where feeds
/// commonly break it (HTML named entities, stray ampersands, characters XML 1.0 forbids).
///
/// Every repair is reported, so a repaired feed still counts as broken ("bozo") to callers.
struct DocumentBytes {
    /// The repaired UTF-8 bytes; nil means the input (from `offset` on) was already fine.
    var utf8: [UInt8]?
    /// Bytes to skip at the start of the input (a UTF-8 byte-order mark) when `utf8` is nil.
    var offset = 0
    var errors: [String] = []
    /// The CDATA sections taken out of the document (see `prepare(_:contentType:extractingCDATA:)`).
    var cdata: CDATASections?

    /// Prepares `raw` for the XML parser.
    ///
    /// - Parameter extractingCDATA: replace the content of every CDATA section by a short placeholder and keep
    ///   the content in `cdata`. libxml2 2.9.14 reads CDATA one character at a time and copies it into the
    ///   tree, while feeds carry most of their HTML in CDATA: taking it out first makes the whole parse
    ///   several times cheaper. Readers must then take CDATA text from `cdata` (the `XMLNode` methods that
    ///   take a `CDATASections`).
    static func prepare(
        _ raw: UnsafeRawBufferPointer, contentType: String?, extractingCDATA: Bool = false
    ) -> DocumentBytes {
        var result = DocumentBytes()
        let bytes = raw.bindMemory(to: UInt8.self)
        let detected = detectEncoding(bytes, contentType: contentType, errors: &result.errors)
        var decoded: [UInt8]?
        switch detected.encoding {
        case .utf8:
            result.offset = detected.bomLength
            decoded = decodeUTF8(UnsafeBufferPointer(rebasing: bytes[detected.bomLength...]), errors: &result.errors)
        case .windows1252:
            decoded = decodeWindows1252(UnsafeBufferPointer(rebasing: bytes[detected.bomLength...]))
        case .other(let name):
            let body = UnsafeRawBufferPointer(rebasing: raw[detected.bomLength...])
            if let converted = LibXML2Transcoder.utf8(from: body, encoding: name) {
                decoded = converted.bytes
                if converted.replaced > 0 {
                    result.errors.append("\(converted.replaced) bytes are not valid \(name) and were replaced")
                }
            } else {
                result.errors.append("unknown character encoding \(name); read as UTF-8")
                result.offset = detected.bomLength
                decoded = decodeUTF8(
                    UnsafeBufferPointer(rebasing: bytes[detected.bomLength...]), errors: &result.errors)
            }
        }
        func repair(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
            if extractingCDATA {
                var sections: CDATASections? = CDATASections()
                let repaired = repairXML(input, errors: &result.errors, cdata: &sections)
                // An unterminated section runs to the end: read that document without extraction.
                if let sections {
                    result.cdata = sections
                    return repaired
                }
            }
            var none: CDATASections?
            return repairXML(input, errors: &result.errors, cdata: &none)
        }
        if let decoded {
            result.utf8 = decoded.withUnsafeBufferPointer(repair) ?? decoded
        } else {
            result.utf8 = repair(UnsafeBufferPointer(rebasing: bytes[result.offset...]))
        }
        return result
    }

    /// Calls `body` with the prepared UTF-8 bytes.
    func withBytes<R>(of raw: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        if let utf8 {
            return utf8.withUnsafeBytes(body)
        }
        return body(UnsafeRawBufferPointer(rebasing: raw[offset...]))
    }

    // MARK: - Encoding detection

    enum Encoding: Equatable {
        case utf8
        case windows1252
        case other(String)
    }

    /// Decides the encoding: a byte-order mark wins, then the HTTP charset, then the XML declaration, then
    /// the UTF-16/32 shape of `<?xml`, then UTF-8.
    static func detectEncoding(
        _ bytes: UnsafeBufferPointer<UInt8>, contentType: String?, errors: inout [String]
    ) -> (encoding: Encoding, bomLength: Int) {
        var b: [UInt8] = [1, 1, 1, 1]
        for index in 0..<min(4, bytes.count) { b[index] = bytes[index] }
        if b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { return (.utf8, 3) }
        if b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF { return (.other("UTF-32BE"), 4) }
        if b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0 { return (.other("UTF-32LE"), 4) }
        if b[0] == 0xFE && b[1] == 0xFF { return (.other("UTF-16BE"), 2) }
        if b[0] == 0xFF && b[1] == 0xFE { return (.other("UTF-16LE"), 2) }
        if b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0x3C { return (.other("UTF-32BE"), 0) }
        if b[0] == 0x3C && b[1] == 0 && b[2] == 0 && b[3] == 0 { return (.other("UTF-32LE"), 0) }
        if b[0] == 0 && b[1] == 0x3C { return (.other("UTF-16BE"), 0) }
        if b[0] == 0x3C && b[1] == 0 { return (.other("UTF-16LE"), 0) }
        let declared = xmlDeclarationEncoding(bytes)
        let http = contentType.flatMap(charset(inContentType:))
        guard let name = http ?? declared else { return (.utf8, 0) }
        return (encoding(named: name, errors: &errors), 0)
    }

    static func encoding(named name: String, errors: inout [String]) -> Encoding {
        let lower = name.lowercased()
        switch lower {
        case "utf-8", "utf8", "unicode-1-1-utf-8": return .utf8
        case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "windows-1252", "cp1252", "us-ascii", "ascii",
            "iso_8859-1", "x-cp1252", "ansi_x3.4-1968":
            // Feeds labelled Latin-1 or ASCII are nearly always windows-1252 in practice.
            return .windows1252
        case "utf-7", "utf7", "unicode-1-1-utf-7", "csunicode11utf7":
            // UTF-7 smuggles markup past filters ("+ADw-script+AD4-"); read the bytes as UTF-8 instead.
            errors.append("the UTF-7 encoding is refused; the document was read as UTF-8")
            return .utf8
        case "utf-16", "utf16", "utf-32", "utf32":
            // Without a byte-order mark these cannot be the real encoding of an ASCII-compatible prologue.
            errors.append("the document claims \(name) but has no byte-order mark; read as UTF-8")
            return .utf8
        default:
            return .other(name)
        }
    }

    /// The `charset` parameter of a Content-Type header.
    static func charset(inContentType contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingASCIIWhitespace().lowercased() == "charset" else { continue }
            let value = pair[1].trimmingASCIIWhitespace().filter { $0 != "\"" && $0 != "'" }
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// The `encoding` pseudo-attribute of an XML declaration at the very start of the document.
    static func xmlDeclarationEncoding(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let prologue = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes).prefix(512))
        guard ByteSearch.find("<?xml", in: prologue) == 0, let end = ByteSearch.find("?>", in: prologue) else {
            return nil
        }
        let declaration = UnsafeRawBufferPointer(rebasing: prologue[..<end])
        guard let key = ByteSearch.find("encoding", in: declaration) else { return nil }
        var index = key + 8
        while index < declaration.count, declaration[index] == 0x20 || declaration[index] == 0x3D {
            index += 1
        }
        guard index < declaration.count else { return nil }
        let quote = declaration[index]
        guard quote == 0x22 || quote == 0x27 else { return nil }
        let start = index + 1
        var close = start
        while close < declaration.count, declaration[close] != quote { close += 1 }
        guard close < declaration.count, close > start else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: declaration[start..<close]), as: UTF8.self)
    }

    // MARK: - Decoding

    /// Validates UTF-8. Returns nil when the bytes are valid; otherwise repaired bytes: invalid sequences
    /// replaced by U+FFFD, or the whole document read as windows-1252 when it holds no valid multi-byte
    /// sequence at all (a Latin-1 document without a label).
    static func decodeUTF8(_ bytes: UnsafeBufferPointer<UInt8>, errors: inout [String]) -> [UInt8]? {
        guard let firstBad = firstInvalidUTF8(bytes, from: 0) else { return nil }
        var multiByte = 0
        var invalid = 0
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 64)
        output.append(contentsOf: bytes[0..<firstBad])
        var index = firstBad
        for byte in bytes[0..<firstBad] where byte >= 0xC0 { _ = byte; multiByte += 1 }
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x80 {
                output.append(byte)
                index += 1
                continue
            }
            let length = validSequenceLength(bytes, at: index)
            if length > 0 {
                output.append(contentsOf: bytes[index..<index + length])
                multiByte += 1
                index += length
            } else {
                output.append(contentsOf: [0xEF, 0xBF, 0xBD])
                invalid += 1
                index += 1
            }
        }
        if multiByte == 0 {
            errors.append("the document is not valid UTF-8; read as windows-1252")
            return decodeWindows1252(bytes)
        }
        errors.append("\(invalid) bytes are not valid UTF-8 and were replaced")
        return output
    }

    private static func firstInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        let count = bytes.count
        let raw = UnsafeRawPointer(bytes.baseAddress)
        while index < count {
            // Eight ASCII bytes at a time.
            if let raw {
                while index + 8 <= count,
                    raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
                {
                    index += 8
                }
                if index >= count { break }
            }
            if bytes[index] < 0x80 {
                index += 1
                continue
            }
            let length = validSequenceLength(bytes, at: index)
            if length == 0 { return index }
            index += length
        }
        return nil
    }

    /// The length of the valid UTF-8 sequence starting at `index`, or 0 (overlong forms and surrogates are
    /// invalid).
    private static func validSequenceLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let lead = bytes[index]
        let remaining = bytes.count - index
        func continuation(_ offset: Int) -> Bool { bytes[index + offset] & 0xC0 == 0x80 }
        switch lead {
        case 0xC2...0xDF:
            return remaining >= 2 && continuation(1) ? 2 : 0
        case 0xE0...0xEF:
            guard remaining >= 3, continuation(1), continuation(2) else { return 0 }
            let second = bytes[index + 1]
            if lead == 0xE0 && second < 0xA0 { return 0 }
            if lead == 0xED && second > 0x9F { return 0 }
            return 3
        case 0xF0...0xF4:
            guard remaining >= 4, continuation(1), continuation(2), continuation(3) else { return 0 }
            let second = bytes[index + 1]
            if lead == 0xF0 && second < 0x90 { return 0 }
            if lead == 0xF4 && second > 0x8F { return 0 }
            return 4
        default:
            return 0
        }
    }

    /// windows-1252's 0x80–0x9F block (ISO-8859-1 has C1 controls there, which no feed means).
    static let windows1252High: [UInt32] = [
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152,
        0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122,
        0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
    ]

    static func decodeWindows1252(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        // Every byte becomes at most three (U+20AC and friends), so one allocation holds the result.
        [UInt8](unsafeUninitializedCapacity: bytes.count * 3) { output, written in
            var position = 0
            for byte in bytes {
                if byte < 0x80 {
                    output[position] = byte
                    position += 1
                    continue
                }
                let scalar = byte < 0xA0 ? windows1252High[Int(byte - 0x80)] : UInt32(byte)
                if scalar < 0x800 {
                    output[position] = UInt8(0xC0 | (scalar >> 6))
                    output[position + 1] = UInt8(0x80 | (scalar & 0x3F))
                    position += 2
                } else {
                    output[position] = UInt8(0xE0 | (scalar >> 12))
                    output[position + 1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
                    output[position + 2] = UInt8(0x80 | (scalar & 0x3F))
                    position += 3
                }
            }
            written = position
        }
    }

    static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            output.append(UInt8(scalar))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | (scalar >> 6)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            output.append(UInt8(0xE0 | (scalar >> 12)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            output.append(UInt8(0xF0 | (scalar >> 18)))
            output.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    // MARK: - XML repair

    /// Rewrites what would make libxml2 stop or drop text, outside CDATA sections and comments:
    /// HTML named entities become character references, unknown entities and bare `&` are escaped,
    /// references to C1 controls are read as windows-1252, and characters XML 1.0 forbids are removed
    /// everywhere. Returns nil when nothing needed a change (the common case costs one scan, no copy).
    ///
    /// With `cdata` set, the content of each CDATA section goes into it and the section in the output holds
    /// only its number and its line breaks (so libxml2's line numbers stay right). An unterminated section
    /// sets `cdata` to nil and stops: the caller repairs again without extraction.
    static func repairXML(
        _ bytes: UnsafeBufferPointer<UInt8>, errors: inout [String], cdata: inout CDATASections?
    ) -> [UInt8]? {
        var output: [UInt8]?
        var copied = 0
        var index = 0
        let count = bytes.count
        var entityProblems = 0
        var forbidden = 0

        func replace(_ range: Range<Int>, with replacement: [UInt8]) {
            if output == nil {
                output = []
                output?.reserveCapacity(count + 256)
            }
            output?.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<range.lowerBound]))
            output?.append(contentsOf: replacement)
            copied = range.upperBound
        }

        /// Moves the section whose content starts at `start` into `cdata`; the index just past its `]]>`, or
        /// nil when it has no end.
        func extractSection(from start: Int) -> Int? {
            guard let base = UnsafeRawPointer(bytes.baseAddress), cdata != nil else { return nil }
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            let brackets = ones &* UInt64(UInt8(ascii: "]"))
            let lead = ones &* 0xEF
            var position = start
            var newlines = 0
            // Characters XML forbids, removed from the section as libxml2 would refuse them.
            var removed: [Range<Int>] = []
            while position < count {
                // Skip plain words: no control byte, no ']', no 0xEF (U+FFFE and U+FFFF start with it).
                while position + 8 <= count {
                    let word = base.loadUnaligned(fromByteOffset: position, as: UInt64.self)
                    let match = word ^ brackets
                    let special = word ^ lead
                    if ((match &- ones) & ~match & highs) | ((special &- ones) & ~special & highs) != 0 { break }
                    if (word &- ones &* 0x20) & ~word & highs != 0 {
                        // Line breaks are counted here rather than stopping at each (exact per-byte flags).
                        let lineBreaks = exactMatches(word, 0x0A)
                        if exactControls(word) & ~(lineBreaks | exactMatches(word, 0x09) | exactMatches(word, 0x0D))
                            != 0
                        {
                            break
                        }
                        newlines += lineBreaks.nonzeroBitCount
                    }
                    position += 8
                }
                if position >= count { break }
                let byte = bytes[position]
                if byte == UInt8(ascii: "]") && starts("]]>", at: position) {
                    var sections = cdata ?? CDATASections()
                    cdata = nil
                    // Sections hold most of a feed: one allocation for all of them.
                    if sections.bytes.isEmpty { sections.bytes.reserveCapacity(count - start) }
                    var from = start
                    for range in removed {
                        sections.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[from..<range.lowerBound]))
                        from = range.upperBound
                    }
                    sections.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[from..<position]))
                    sections.ends.append(sections.bytes.count)
                    forbidden += removed.count
                    var placeholder = Array("<![CDATA[\(sections.ends.count - 1)".utf8)
                    placeholder.append(contentsOf: repeatElement(0x0A, count: newlines))
                    placeholder.append(contentsOf: "]]>".utf8)
                    cdata = sections
                    replace(start - 9..<position + 3, with: placeholder)
                    return position + 3
                }
                if byte == 0x0A {
                    newlines += 1
                } else if byte < 0x20 && byte != 0x09 && byte != 0x0D {
                    removed.append(position..<position + 1)
                } else if byte == 0xEF && position + 2 < count && bytes[position + 1] == 0xBF
                    && (bytes[position + 2] == 0xBE || bytes[position + 2] == 0xBF)
                {
                    removed.append(position..<position + 3)
                    position += 3
                    continue
                }
                position += 1
            }
            return nil
        }

        func starts(_ literal: StaticString, at position: Int) -> Bool {
            let length = literal.utf8CodeUnitCount
            guard position + length <= count else { return false }
            let pointer = literal.utf8Start
            for offset in 0..<length where bytes[position + offset] != pointer[offset] { return false }
            return true
        }

        /// Skips to just past `terminator`, removing forbidden characters on the way.
        func skipSection(from start: Int, terminator: StaticString) -> Int {
            var position = start
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            let first = ones &* UInt64(terminator.utf8Start[0])
            while position < count {
                if let base = UnsafeRawPointer(bytes.baseAddress) {
                    // Skip plain words: no control byte, no first byte of the terminator.
                    while position + 8 <= count {
                        let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt64.self))
                        let control = (word &- ones &* 0x20) & ~word & highs
                        let match = word ^ first
                        if control | ((match &- ones) & ~match & highs) != 0 { break }
                        position += 8
                    }
                    if position >= count { break }
                }
                let byte = bytes[position]
                if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D {
                    replace(position..<position + 1, with: [])
                    forbidden += 1
                } else if byte == terminator.utf8Start[0] && starts(terminator, at: position) {
                    return position + terminator.utf8CodeUnitCount
                }
                position += 1
            }
            return count
        }

        let base = UnsafeRawPointer(bytes.baseAddress)
        while index < count {
            // Eight bytes at a time past plain text: nothing below 0x20, no '<', '&' or 0xEF.
            if let base {
                while index + 8 <= count {
                    let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                    if mayNeedRepair(word) { break }
                    index += 8
                }
                if index >= count { break }
            }
            let byte = bytes[index]
            if byte == 0x3C {  // <
                // Nearly every '<' opens a tag: only "<!" can start a section or comment.
                guard index + 1 < count, bytes[index + 1] == UInt8(ascii: "!") else {
                    index += 1
                    continue
                }
                if starts("<![CDATA[", at: index) {
                    if cdata != nil {
                        guard let end = extractSection(from: index + 9) else {
                            cdata = nil
                            return nil
                        }
                        index = end
                        continue
                    }
                    index = skipSection(from: index + 9, terminator: "]]>")
                    continue
                }
                if starts("<!--", at: index) {
                    index = skipSection(from: index + 4, terminator: "-->")
                    continue
                }
                index += 1
            } else if byte == 0x26 {  // &
                let end = entityEnd(bytes, from: index + 1)
                if let end, bytes[index + 1] == 0x23 {  // &#…;
                    if let scalar = numericReference(bytes, index + 2..<end), (0x80...0x9F).contains(scalar) {
                        let mapped = windows1252High[Int(scalar - 0x80)]
                        replace(index..<end + 1, with: Array("&#\(mapped);".utf8))
                    } else if bytes[index + 2] == UInt8(ascii: "X") {
                        replace(index + 2..<index + 3, with: [UInt8(ascii: "x")])  // XML only knows &#x
                    }
                    index = end + 1
                } else if let end {
                    let name = String(decoding: bytes[index + 1..<end], as: UTF8.self)
                    switch name {
                    case "amp", "lt", "gt", "quot", "apos":
                        break
                    default:
                        if let value = LibXML2Support.htmlEntity(name) {
                            replace(index..<end + 1, with: Array("&#\(value);".utf8))
                        } else {
                            replace(index..<index + 1, with: Array("&amp;".utf8))
                        }
                        entityProblems += 1
                    }
                    index = end + 1
                } else {
                    replace(index..<index + 1, with: Array("&amp;".utf8))
                    entityProblems += 1
                    index += 1
                }
            } else if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D {
                replace(index..<index + 1, with: [])
                forbidden += 1
                index += 1
            } else if byte == 0xEF && index + 2 < count && bytes[index + 1] == 0xBF
                && (bytes[index + 2] == 0xBE || bytes[index + 2] == 0xBF)
            {
                replace(index..<index + 3, with: [])  // U+FFFE, U+FFFF
                forbidden += 1
                index += 3
            } else {
                index += 1
            }
        }
        if entityProblems > 0 {
            errors.append("\(entityProblems) entity references are undefined in XML (HTML entities or a bare &)")
        }
        if forbidden > 0 {
            errors.append("\(forbidden) characters that XML 1.0 forbids were removed")
        }
        guard var result = output else { return nil }
        result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<count]))
        return result
    }

    /// Whether any byte of `word` is a control byte other than tab, line feed and carriage return, '<', '&' or
    /// 0xEF (SWAR tests, so no byte is looked at alone). Line breaks and indentation are in every line of a feed:
    /// they must not stop the eight-byte steps.
    /// Flags (high bits) for the bytes of `word` equal to `byte`, exactly: no borrow from one byte to the next.
    @inline(__always)
    private static func exactMatches(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let lows: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let value = word ^ (0x0101_0101_0101_0101 &* UInt64(byte))
        return ~(((value & lows) &+ lows) | value) & 0x8080_8080_8080_8080
    }

    /// Flags for the bytes of `word` below 0x20, exactly.
    @inline(__always)
    private static func exactControls(_ word: UInt64) -> UInt64 {
        let lows: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((word & lows) &+ 0x6060_6060_6060_6060) | word) & 0x8080_8080_8080_8080
    }

    @inline(__always)
    private static func mayNeedRepair(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        // The cheap tests are exact for "any byte" (a borrow only flags bytes above a true match).
        func zeroBytes(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highs }
        let markup =
            zeroBytes(word ^ (ones &* 0x3C)) | zeroBytes(word ^ (ones &* 0x26)) | zeroBytes(word ^ (ones &* 0xEF))
        if markup != 0 { return true }
        guard (word &- ones &* 0x20) & ~word & highs != 0 else { return false }
        // A control byte, most often a line break: exact per-byte flags tell whether anything but tab, line feed
        // and carriage return is there.
        let lineSpace = exactMatches(word, 0x09) | exactMatches(word, 0x0A) | exactMatches(word, 0x0D)
        return exactControls(word) & ~lineSpace != 0
    }

    /// The index of the `;` closing an entity reference that starts after `&` at `start`, or nil when the
    /// text after `&` is not a reference (`AT&T`, `a & b`).
    private static func entityEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < bytes.count else { return nil }
        var index = start
        if bytes[index] == 0x23 {
            index += 1
            if index < bytes.count, bytes[index] | 0x20 == 0x78 { index += 1 }
        }
        let nameStart = index
        while index < bytes.count, index - start < 40 {
            let byte = bytes[index]
            let isNameByte =
                (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D
                || byte == 0x2E || byte == 0x5F || byte == 0x3A
            guard isNameByte else { break }
            index += 1
        }
        guard index > nameStart, index < bytes.count, bytes[index] == 0x3B else { return nil }
        return index
    }

    private static func numericReference(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt32? {
        var digits = bytes[range]
        var radix: UInt32 = 10
        if let first = digits.first, first | 0x20 == 0x78 {
            radix = 16
            digits = digits.dropFirst()
        }
        return UInt32(String(decoding: digits, as: UTF8.self), radix: Int(radix))
    }
}

extension Substring {
    fileprivate func trimmingASCIIWhitespace() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}

/// The contents of a document's CDATA sections, taken out before libxml2 reads the document. In the
/// document each section holds its number here (then its line breaks): `<![CDATA[17\n]]>`.
struct CDATASections {
    /// Every section's content, one after another.
    var bytes: [UInt8] = []
    /// Where each section ends in `bytes`.
    var ends: [Int] = []

    /// Calls `body` with the content a placeholder stands for (empty when it names no section).
    func withSection<R>(placeholder: UnsafePointer<UInt8>?, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var number = 0
        var digits = 0
        if let placeholder {
            while digits < 12, placeholder[digits] >= 0x30 && placeholder[digits] <= 0x39 {
                number = number * 10 + Int(placeholder[digits] - 0x30)
                digits += 1
            }
        }
        guard digits > 0, number < ends.count else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        let start = number == 0 ? 0 : ends[number - 1]
        return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<ends[number]])) }
    }
}
