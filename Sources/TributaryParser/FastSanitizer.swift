/// The sanitiser's fast path: one pass over the bytes of tidy HTML, without building a tree.
///
/// Most feed HTML is tidy: known elements, properly nested and closed, ordinary attributes, no scripts. For
/// such input this pass writes exactly what the allowlist rebuild would, several times faster than
/// libxml2's HTML parser plus the tree walk. At the first thing it is not sure about (an unknown or
/// dangerous element, a stray end tag, an implied end, a doctype, a malformed tag or reference) it gives up
/// and the caller runs the full rebuild, so the fast path never has to be clever to be safe: everything it
/// writes still goes through `MarkupWriter`'s attribute, URL and style checks.
enum FastSanitizer {
    /// Sanitises `bytes` into `writer`. Returns false, with the writer reset, when the input needs the full
    /// rebuild.
    static func run(_ bytes: UnsafeBufferPointer<UInt8>, into writer: inout MarkupWriter) -> Bool {
        var scanner = Scanner(bytes: bytes)
        if scanner.run(into: &writer) { return true }
        writer.reset()
        return false
    }

    /// Dropped elements that have no content, so dropping the tag is all there is to do.
    static let voidDrops: Set<String> = ["input", "meta", "link", "base", "param", "keygen"]

    /// Elements that an open `<p>` may not contain: HTML parsers end the paragraph first.
    static let blocks: Set<String> = [
        "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div", "dl",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
        "li", "menu", "nav", "ol", "p", "pre", "section", "table", "ul", "dd", "dt", "caption", "tr", "td", "th",
        "thead", "tbody", "tfoot",
    ]

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        /// Open elements; `kept` is false for unwrapped ones (their tags are not written).
        var open: [(name: String, kept: Bool)] = []
        var decoded: [UInt8] = []

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        mutating func run(into writer: inout MarkupWriter) -> Bool {
            var textStart = 0
            let count = bytes.count
            while index < count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "<") {
                    guard writeText(textStart..<index, into: &writer) else { return false }
                    guard tag(into: &writer) else { return false }
                    textStart = index
                } else if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D {
                    return false
                } else {
                    index += 1
                }
            }
            guard writeText(textStart..<count, into: &writer) else { return false }
            return open.isEmpty
        }

        /// Reads one tag (or comment) starting at `<`.
        private mutating func tag(into writer: inout MarkupWriter) -> Bool {
            let start = index
            guard start + 1 < bytes.count else { return false }
            let next = bytes[start + 1]
            if next == UInt8(ascii: "!") {
                guard starts("<!--", at: start), let end = find("-->", from: start + 4) else { return false }
                // A comment containing "--!>" or a nested "<!--" is parsed differently by different parsers.
                guard find("--!>", from: start + 4, before: end) == nil else { return false }
                index = end + 3
                return true
            }
            if next == UInt8(ascii: "/") {
                index = start + 2
                guard let name = readName(), !name.isEmpty else { return false }
                skipSpaces()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else { return false }
                index += 1
                guard let last = open.last, last.name == name else { return false }
                open.removeLast()
                if last.kept { writer.writeEndTag(name) }
                return true
            }
            guard isLetter(next) else { return false }
            index = start + 1
            guard let name = readName() else { return false }
            var attributes: [(name: String, value: String)] = []
            var selfClosing = false
            while true {
                skipSpaces()
                guard index < bytes.count else { return false }
                let byte = bytes[index]
                if byte == UInt8(ascii: ">") {
                    index += 1
                    break
                }
                if byte == UInt8(ascii: "/") {
                    guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ">") else { return false }
                    selfClosing = true
                    index += 2
                    break
                }
                guard let attribute = readAttribute() else { return false }
                if attributes.contains(where: { $0.name == attribute.name }) { return false }
                attributes.append(attribute)
            }
            switch SanitizerRules.policy(for: name) {
            case .void:
                writer.writeStartTag(name, attributes: attributes)
            case .keep:
                // Deep nesting is left to the full rebuild, which caps it; this also bounds the scans below.
                if selfClosing || open.count >= 128 { return false }
                if FastSanitizer.blocks.contains(name) && isOpen("p") { return false }
                if ["a", "form", "button"].contains(name) && isOpen(name) { return false }
                if name.count == 2 && name.hasPrefix("h") && open.contains(where: { $0.kept && isHeading($0.name) }) {
                    return false
                }
                writer.writeStartTag(name, attributes: attributes)
                open.append((name, true))
            case .unwrap:
                if selfClosing || open.count >= 128 { return false }
                open.append((name, false))
            case .drop:
                if FastSanitizer.voidDrops.contains(name) { return true }
                guard !selfClosing, name == "script" || name == "style" else { return false }
                // Raw text up to the matching end tag, as libxml2 reads script and style in recovery mode.
                guard let close = findEndTag(name, from: index),
                    let end = bytes[close...].firstIndex(of: UInt8(ascii: ">"))
                else { return false }
                index = end + 1
            }
            return true
        }

        private func isOpen(_ name: String) -> Bool {
            open.contains { $0.kept && $0.name == name }
        }

        private func isHeading(_ name: String) -> Bool {
            name.count == 2 && name.hasPrefix("h") && name.utf8.last.map { $0 >= 0x31 && $0 <= 0x36 } == true
        }

        /// The position of `</name` (any case) at or after `start`.
        private func findEndTag(_ name: String, from start: Int) -> Int? {
            let pattern = Array(name.utf8)
            var position = start
            while position + 2 + pattern.count <= bytes.count {
                if bytes[position] == UInt8(ascii: "<") && bytes[position + 1] == UInt8(ascii: "/") {
                    var matches = true
                    for (offset, byte) in pattern.enumerated() where bytes[position + 2 + offset] | 0x20 != byte {
                        matches = false
                        break
                    }
                    if matches { return position }
                }
                position += 1
            }
            return nil
        }

        private mutating func readName() -> String? {
            let start = index
            while index < bytes.count, isLetter(bytes[index]) || isDigit(bytes[index]) { index += 1 }
            guard index > start, index - start <= 32 else { return nil }
            if index < bytes.count {
                let byte = bytes[index]
                guard byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || isSpace(byte) else { return nil }
            }
            return lowercase(start..<index)
        }

        private mutating func readAttribute() -> (name: String, value: String)? {
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if isSpace(byte) || byte == UInt8(ascii: "=") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/")
                {
                    break
                }
                guard
                    isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                        || byte == UInt8(ascii: ":")
                else { return nil }
                index += 1
            }
            guard index > start, index - start <= 64 else { return nil }
            let name = lowercase(start..<index)
            skipSpaces()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else { return (name, "") }
            index += 1
            skipSpaces()
            guard index < bytes.count else { return nil }
            let quote = bytes[index]
            let valueRange: Range<Int>
            if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
                let valueStart = index + 1
                var end = valueStart
                while end < bytes.count, bytes[end] != quote {
                    if bytes[end] == UInt8(ascii: "<") { return nil }
                    end += 1
                }
                guard end < bytes.count else { return nil }
                valueRange = valueStart..<end
                index = end + 1
                guard index < bytes.count,
                    isSpace(bytes[index]) || bytes[index] == UInt8(ascii: ">") || bytes[index] == UInt8(ascii: "/")
                else { return nil }
            } else {
                let valueStart = index
                while index < bytes.count, !isSpace(bytes[index]), bytes[index] != UInt8(ascii: ">") {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "<")
                        || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "`") || byte == UInt8(ascii: "/")
                    {
                        return nil
                    }
                    index += 1
                }
                guard index > valueStart else { return nil }
                valueRange = valueStart..<index
            }
            guard decode(valueRange, inAttribute: true) else { return nil }
            for byte in decoded where byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D { return nil }
            return (name, String(decoding: decoded, as: UTF8.self))
        }

        private mutating func writeText(_ range: Range<Int>, into writer: inout MarkupWriter) -> Bool {
            guard !range.isEmpty else { return true }
            guard decode(range, inAttribute: false) else { return false }
            decoded.withUnsafeBufferPointer { writer.writeText($0) }
            return true
        }

        /// Decodes character references into `decoded`. False for anything libxml2 might read another way
        /// (an unknown entity, a reference without `;`, a number that is no character).
        private mutating func decode(_ range: Range<Int>, inAttribute: Bool) -> Bool {
            decoded.removeAll(keepingCapacity: true)
            var position = range.lowerBound
            var copied = position
            while position < range.upperBound {
                guard bytes[position] == UInt8(ascii: "&") else {
                    position += 1
                    continue
                }
                decoded.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<position]))
                let after = position + 1
                guard after < range.upperBound else { return false }
                var end = after
                if bytes[after] == UInt8(ascii: "#") {
                    end += 1
                    var radix = 10
                    if end < range.upperBound, bytes[end] | 0x20 == UInt8(ascii: "x") {
                        radix = 16
                        end += 1
                    }
                    let digitsStart = end
                    while end < range.upperBound, end - digitsStart < 8,
                        radix == 16 ? isHexDigit(bytes[end]) : isDigit(bytes[end])
                    {
                        end += 1
                    }
                    guard end > digitsStart, end < range.upperBound, bytes[end] == UInt8(ascii: ";"),
                        let value = UInt32(String(decoding: bytes[digitsStart..<end], as: UTF8.self), radix: radix),
                        value >= 0x20 || value == 0x09 || value == 0x0A || value == 0x0D,
                        let scalar = Unicode.Scalar(value), value != 0x7F
                    else { return false }
                    DocumentBytes.appendUTF8(scalar.value, to: &decoded)
                } else if isLetter(bytes[after]) {
                    while end < range.upperBound, end - after < 32, isLetter(bytes[end]) || isDigit(bytes[end]) {
                        end += 1
                    }
                    // Without its `;`, or unknown, a reference is literal text (libxml2 reads it the same way).
                    guard end < range.upperBound, bytes[end] == UInt8(ascii: ";"),
                        let value = LibXML2Support.htmlEntity(String(decoding: bytes[after..<end], as: UTF8.self))
                    else {
                        decoded.append(UInt8(ascii: "&"))
                        position = after
                        copied = after
                        continue
                    }
                    DocumentBytes.appendUTF8(value, to: &decoded)
                } else {
                    // "AT&T", "a & b": a literal ampersand.
                    decoded.append(UInt8(ascii: "&"))
                    position = after
                    copied = after
                    continue
                }
                position = end + 1
                copied = position
            }
            decoded.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<range.upperBound]))
            return true
        }

        private mutating func skipSpaces() {
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
        }

        private func starts(_ literal: StaticString, at position: Int) -> Bool {
            let length = literal.utf8CodeUnitCount
            guard position + length <= bytes.count else { return false }
            for offset in 0..<length where bytes[position + offset] != literal.utf8Start[offset] { return false }
            return true
        }

        private func find(_ literal: StaticString, from start: Int, before limit: Int? = nil) -> Int? {
            let end = limit ?? bytes.count
            var position = start
            while position + literal.utf8CodeUnitCount <= end {
                if starts(literal, at: position) { return position }
                position += 1
            }
            return nil
        }

        private func lowercase(_ range: Range<Int>) -> String {
            var name = [UInt8](UnsafeBufferPointer(rebasing: bytes[range]))
            for offset in name.indices where name[offset] >= 0x41 && name[offset] <= 0x5A { name[offset] |= 0x20 }
            return String(decoding: name, as: UTF8.self)
        }
    }
}

private func isLetter(_ byte: UInt8) -> Bool {
    (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
}

private func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
}

private func isHexDigit(_ byte: UInt8) -> Bool {
    isDigit(byte) || ((byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "f"))
}

private func isSpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == 0x0C
}
