import Foundation

/// The sanitiser's fast path: one pass over the bytes of tidy HTML, without building a tree.
///
/// Most feed HTML is tidy: known elements, properly nested and closed, ordinary attributes, no scripts. For
/// such input this pass writes exactly what the allowlist rebuild would, several times faster than
/// libxml2's HTML parser plus the tree walk. At the first thing it is not sure about (an unknown or
/// dangerous element, a stray end tag, an implied end, a doctype, a malformed tag or reference) it gives up
/// and the caller runs the full rebuild, so the fast path never has to be clever to be safe: every
/// attribute it writes still goes through the allowlist, URL and style checks.
///
/// It runs on almost every summary and body of every feed, so it works on bytes throughout: names are
/// packed into two words (`PackedName`) and looked up in small open-addressing tables, values are escaped
/// straight from the input unless they hold a character reference, and nothing allocates per tag.
enum FastSanitizer {
    /// Sanitises `bytes` into `writer`. Returns false, with the writer reset, when the input needs the full
    /// rebuild.
    static func run(_ bytes: UnsafeBufferPointer<UInt8>, into writer: inout MarkupWriter) -> Bool {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return true }
        var scanner = Scanner(base: base, count: bytes.count)
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

    /// What the fast path needs to know about an element, found with one table look-up.
    struct ElementTraits {
        var policy: ElementPolicy = .unwrap
        var isBlock = false
        /// A dropped element without content (`voidDrops`).
        var isVoidDrop = false
        /// `script` or `style`: raw text up to the matching end tag.
        var isRawText = false
        /// An element HTML parsers never nest inside itself.
        var isNoSelfNesting = false
        var isHeading = false
    }

    /// What the fast path needs to know about an attribute.
    struct AttributeTraits {
        var isURL = false
        var isStyle = false
    }

    static let elements: NameTable<ElementTraits> = {
        var names = SanitizerRules.voidElements.union(SanitizerRules.keptElements)
        names.formUnion(SanitizerRules.droppedElements)
        names.formUnion(voidDrops)
        names.formUnion(blocks)
        var entries: [(String, ElementTraits)] = []
        for name in names {
            var traits = ElementTraits()
            traits.policy = SanitizerRules.policy(for: name)
            traits.isBlock = blocks.contains(name)
            traits.isVoidDrop = voidDrops.contains(name)
            traits.isRawText = name == "script" || name == "style"
            traits.isNoSelfNesting = name == "a" || name == "form" || name == "button"
            traits.isHeading = ["h1", "h2", "h3", "h4", "h5", "h6"].contains(name)
            entries.append((name, traits))
        }
        return NameTable(entries, missing: ElementTraits())
    }()

    /// Allowed attributes only: a name missing from the table is dropped.
    static let attributes: NameTable<AttributeTraits?> = {
        var entries: [(String, AttributeTraits?)] = []
        for name in SanitizerRules.allowedAttributes {
            entries.append(
                (name, AttributeTraits(isURL: SanitizerRules.urlAttributes.contains(name), isStyle: name == "style")))
        }
        return NameTable(entries, missing: nil)
    }()

    private static let paragraph = PackedName("p")

    private struct Scanner {
        let base: UnsafePointer<UInt8>
        let count: Int
        var index = 0

        /// Open elements; `kept` is false for unwrapped ones (their tags are not written).
        var open: [(name: PackedName, kept: Bool, heading: Bool)] = []
        /// Attribute names of the tag being read, to catch duplicates.
        var seen: [PackedName] = []
        /// Decoded text or attribute value, when it held a character reference.
        var decoded: [UInt8] = []
        /// Whether the last `decode` left the value in the input unchanged (no reference in it).
        var decodedInPlace = true

        init(base: UnsafePointer<UInt8>, count: Int) {
            self.base = base
            self.count = count
        }

        mutating func run(into writer: inout MarkupWriter) -> Bool {
            var textStart = 0
            let raw = UnsafeRawPointer(base)
            while index < count {
                // Eight bytes at a time past text without '<' or a control byte.
                while index + 8 <= count {
                    let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    if SWAR.controlsOtherThanLineSpace(word) | SWAR.matches(word, UInt8(ascii: "<")) != 0 { break }
                    index += 8
                }
                guard index < count else { break }
                let byte = base[index]
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
            guard start + 1 < count else { return false }
            let next = base[start + 1]
            if next == UInt8(ascii: "!") {
                guard starts("<!--", at: start), let end = find("-->", from: start + 4) else { return false }
                // A comment containing "--!>" or a nested "<!--" is parsed differently by different parsers.
                guard find("--!>", from: start + 4, before: end) == nil else { return false }
                index = end + 3
                return true
            }
            if next == UInt8(ascii: "/") {
                index = start + 2
                guard let name = readName() else { return false }
                skipSpaces()
                guard index < count, base[index] == UInt8(ascii: ">") else { return false }
                index += 1
                guard let last = open.last, last.name == name else { return false }
                open.removeLast()
                if last.kept { writer.writeEndTag(name) }
                return true
            }
            guard isLetter(next) else { return false }
            index = start + 1
            guard let name = readName() else { return false }
            let traits = FastSanitizer.elements[name]
            let writes = traits.policy == .keep || traits.policy == .void
            if writes {
                writer.appendASCII("<")
                writer.append(name)
            }
            seen.removeAll(keepingCapacity: true)
            var selfClosing = false
            while true {
                skipSpaces()
                guard index < count else { return false }
                let byte = base[index]
                if byte == UInt8(ascii: ">") {
                    index += 1
                    break
                }
                if byte == UInt8(ascii: "/") {
                    guard index + 1 < count, base[index + 1] == UInt8(ascii: ">") else { return false }
                    selfClosing = true
                    index += 2
                    break
                }
                guard readAttribute(into: &writer, writing: writes) else { return false }
            }
            switch traits.policy {
            case .void:
                writer.appendASCII(" />")
            case .keep:
                // Deep nesting is left to the full rebuild, which caps it; this also bounds the scans below.
                if selfClosing || open.count >= 128 { return false }
                if traits.isBlock && isOpen(FastSanitizer.paragraph) { return false }
                if traits.isNoSelfNesting && isOpen(name) { return false }
                if traits.isHeading && open.contains(where: { $0.kept && $0.heading }) { return false }
                writer.appendASCII(">")
                open.append((name, true, traits.isHeading))
            case .unwrap:
                if selfClosing || open.count >= 128 { return false }
                open.append((name, false, false))
            case .drop:
                if traits.isVoidDrop { return true }
                guard !selfClosing, traits.isRawText else { return false }
                // Raw text up to the matching end tag, as libxml2 reads script and style in recovery mode.
                guard let close = findEndTag(name, from: index), let end = find(">", from: close) else { return false }
                index = end + 1
            }
            return true
        }

        private func isOpen(_ name: PackedName) -> Bool {
            open.contains { $0.kept && $0.name == name }
        }

        /// The position of `</name` (any case) at or after `start`.
        private func findEndTag(_ name: PackedName, from start: Int) -> Int? {
            let length = name.count
            var position = start
            while position + 2 + length <= count {
                if base[position] == UInt8(ascii: "<") && base[position + 1] == UInt8(ascii: "/") {
                    var matches = true
                    for offset in 0..<length where base[position + 2 + offset] | 0x20 != name[offset] {
                        matches = false
                        break
                    }
                    if matches { return position }
                }
                position += 1
            }
            return nil
        }

        /// A lower-cased tag name; nil when malformed or too long to pack (the full rebuild handles those).
        private mutating func readName() -> PackedName? {
            let start = index
            var name = PackedName()
            var fits = true
            while index < count {
                let byte = base[index]
                guard isLetter(byte) || isDigit(byte) else { break }
                if !name.append(lowercased(byte)) { fits = false }
                index += 1
            }
            guard index > start, fits else { return nil }
            if index < count {
                let byte = base[index]
                guard byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || isSpace(byte) else { return nil }
            }
            return name
        }

        /// Reads one attribute and, when `writing` and the attribute is allowed, writes it checked and escaped.
        private mutating func readAttribute(into writer: inout MarkupWriter, writing: Bool) -> Bool {
            let start = index
            var name = PackedName()
            var fits = true
            while index < count {
                let byte = base[index]
                if isSpace(byte) || byte == UInt8(ascii: "=") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/")
                {
                    break
                }
                guard
                    isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                        || byte == UInt8(ascii: ":")
                else { return false }
                if !name.append(lowercased(byte)) { fits = false }
                index += 1
            }
            // Names too long to pack are never allowed, but duplicates among them could not be caught here.
            guard index > start, fits else { return false }
            if seen.contains(name) { return false }
            seen.append(name)
            skipSpaces()
            guard index < count, base[index] == UInt8(ascii: "=") else {
                if writing, let traits = FastSanitizer.attributes[name] {
                    writeAttribute(name, traits, value: UnsafeBufferPointer(start: base, count: 0), into: &writer)
                }
                return true
            }
            index += 1
            skipSpaces()
            guard index < count else { return false }
            let quote = base[index]
            let valueRange: Range<Int>
            if quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") {
                let valueStart = index + 1
                var end = valueStart
                while end < count, base[end] != quote {
                    if base[end] == UInt8(ascii: "<") { return false }
                    end += 1
                }
                guard end < count else { return false }
                valueRange = valueStart..<end
                index = end + 1
                guard index < count,
                    isSpace(base[index]) || base[index] == UInt8(ascii: ">") || base[index] == UInt8(ascii: "/")
                else { return false }
            } else {
                let valueStart = index
                while index < count, !isSpace(base[index]), base[index] != UInt8(ascii: ">") {
                    let byte = base[index]
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "<")
                        || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "`") || byte == UInt8(ascii: "/")
                    {
                        return false
                    }
                    index += 1
                }
                guard index > valueStart else { return false }
                valueRange = valueStart..<index
            }
            guard decode(valueRange) else { return false }
            let clean = withDecoded(valueRange) { value in
                for byte in value where byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D { return false }
                return true
            }
            guard clean else { return false }
            if writing, let traits = FastSanitizer.attributes[name] {
                withDecoded(valueRange) { writeAttribute(name, traits, value: $0, into: &writer) }
            }
            return true
        }

        /// Writes ` name="value"`: URLs checked against the scheme allowlist and made absolute, styles filtered.
        private func writeAttribute(
            _ name: PackedName, _ traits: AttributeTraits, value: UnsafeBufferPointer<UInt8>,
            into writer: inout MarkupWriter
        ) {
            if traits.isStyle {
                let style = SanitizerRules.sanitizeStyle(String(decoding: value, as: UTF8.self))
                guard !style.isEmpty else { return }
                writer.writeAttribute(name, value: style)
                return
            }
            guard traits.isURL else {
                writer.writeAttribute(name, value: value)
                return
            }
            // An unsafe URL is emptied rather than removed, so the element keeps its shape.
            guard let safe = SanitizerRules.safeURL(value) else {
                writer.writeAttribute(name, value: UnsafeBufferPointer(start: value.baseAddress, count: 0))
                return
            }
            let url = UnsafeBufferPointer(rebasing: value[safe.range])
            if safe.isRelative, !url.isEmpty, let base = writer.baseURL() {
                let resolved = LibXML2Support.resolve(String(decoding: url, as: UTF8.self), against: base)
                writer.writeAttribute(name, value: SanitizerRules.safeURL(resolved) == nil ? "" : resolved)
                return
            }
            writer.writeAttribute(name, value: url)
        }

        private mutating func writeText(_ range: Range<Int>, into writer: inout MarkupWriter) -> Bool {
            guard !range.isEmpty else { return true }
            guard decode(range) else { return false }
            withDecoded(range) { writer.writeText($0) }
            return true
        }

        /// Calls `body` with what the last `decode(range)` produced.
        private func withDecoded<R>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
            if decodedInPlace {
                return body(UnsafeBufferPointer(start: base + range.lowerBound, count: range.count))
            }
            return decoded.withUnsafeBufferPointer(body)
        }

        /// Decodes character references (into `decoded`, or nothing to do when there are none). False for
        /// anything libxml2 might read another way (an unknown entity, a reference without `;`, a number that
        /// is no character).
        private mutating func decode(_ range: Range<Int>) -> Bool {
            guard
                let first = memchrIndex(UInt8(ascii: "&"), range)
            else {
                decodedInPlace = true
                return true
            }
            decodedInPlace = false
            decoded.removeAll(keepingCapacity: true)
            var position = first
            var copied = range.lowerBound
            while position < range.upperBound {
                guard base[position] == UInt8(ascii: "&") else {
                    position += 1
                    continue
                }
                decoded.append(contentsOf: UnsafeBufferPointer(start: base + copied, count: position - copied))
                let after = position + 1
                guard after < range.upperBound else { return false }
                var end = after
                if base[after] == UInt8(ascii: "#") {
                    end += 1
                    var hex = false
                    if end < range.upperBound, base[end] | 0x20 == UInt8(ascii: "x") {
                        hex = true
                        end += 1
                    }
                    let digitsStart = end
                    var value: UInt32 = 0
                    while end < range.upperBound, end - digitsStart < 8 {
                        let byte = base[end]
                        if isDigit(byte) {
                            value = value &* (hex ? 16 : 10) &+ UInt32(byte - 0x30)
                        } else if hex && isHexDigit(byte) {
                            value = value &* 16 &+ UInt32((byte | 0x20) - UInt8(ascii: "a") + 10)
                        } else {
                            break
                        }
                        end += 1
                    }
                    guard end > digitsStart, end < range.upperBound, base[end] == UInt8(ascii: ";"),
                        value >= 0x20 || value == 0x09 || value == 0x0A || value == 0x0D,
                        let scalar = Unicode.Scalar(value), value != 0x7F
                    else { return false }
                    DocumentBytes.appendUTF8(scalar.value, to: &decoded)
                } else if isLetter(base[after]) {
                    while end < range.upperBound, end - after < 32, isLetter(base[end]) || isDigit(base[end]) {
                        end += 1
                    }
                    // Without its `;`, or unknown, a reference is literal text (libxml2 reads it the same way).
                    guard end < range.upperBound, base[end] == UInt8(ascii: ";"),
                        let value = LibXML2Support.htmlEntity(
                            UnsafeBufferPointer(start: base + after, count: end - after))
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
            decoded.append(contentsOf: UnsafeBufferPointer(start: base + copied, count: range.upperBound - copied))
            return true
        }

        private func memchrIndex(_ byte: UInt8, _ range: Range<Int>) -> Int? {
            guard !range.isEmpty, let found = memchr(base + range.lowerBound, Int32(byte), range.count) else {
                return nil
            }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }

        private mutating func skipSpaces() {
            while index < count, isSpace(base[index]) { index += 1 }
        }

        private func starts(_ literal: StaticString, at position: Int) -> Bool {
            let length = literal.utf8CodeUnitCount
            guard position + length <= count else { return false }
            for offset in 0..<length where base[position + offset] != literal.utf8Start[offset] { return false }
            return true
        }

        private func find(_ literal: StaticString, from start: Int, before limit: Int? = nil) -> Int? {
            let end = limit ?? count
            let first = literal.utf8Start[0]
            var position = start
            while position + literal.utf8CodeUnitCount <= end {
                if base[position] == first && starts(literal, at: position) { return position }
                position += 1
            }
            return nil
        }
    }
}

/// A lower-case ASCII name of at most 16 bytes packed into two words: element, attribute and scheme names
/// compare and hash as integers instead of as Strings.
struct PackedName: Equatable {
    private(set) var low: UInt64 = 0
    private(set) var high: UInt64 = 0
    private(set) var count = 0

    static let capacity = 16

    init() {}

    /// Packs `text`; a name longer than `capacity` keeps only its first bytes (callers check `fits`).
    init(_ text: String) {
        for byte in text.utf8 where !append(byte) { break }
    }

    /// Adds a byte; false when the name is full.
    @inline(__always)
    mutating func append(_ byte: UInt8) -> Bool {
        guard count < Self.capacity else { return false }
        if count < 8 {
            low |= UInt64(byte) << UInt64(8 * count)
        } else {
            high |= UInt64(byte) << UInt64(8 * (count - 8))
        }
        count += 1
        return true
    }

    subscript(offset: Int) -> UInt8 {
        offset < 8
            ? UInt8(truncatingIfNeeded: low >> UInt64(8 * offset))
            : UInt8(truncatingIfNeeded: high >> UInt64(8 * (offset - 8)))
    }

    var hashValue64: UInt64 {
        (low &* 0x9E37_79B9_7F4A_7C15) ^ (high &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(count)
    }
}

/// A fixed open-addressing table from packed names to values, built once: a look-up is a multiply, a
/// shift and usually one comparison.
struct NameTable<Value>: Sendable where Value: Sendable {
    private let keys: [PackedName]
    private let values: [Value]
    private let missing: Value
    private let shift: UInt64
    private let mask: Int

    init(_ entries: [(String, Value)], missing: Value) {
        var bits: UInt64 = 4
        while (1 << bits) < entries.count * 4 { bits += 1 }
        let size = 1 << Int(bits)
        var keys = [PackedName](repeating: PackedName(), count: size)
        var values = [Value](repeating: missing, count: size)
        shift = 64 - bits
        mask = size - 1
        for (name, value) in entries where name.utf8.count <= PackedName.capacity {
            let key = PackedName(name)
            var slot = Int(truncatingIfNeeded: key.hashValue64 >> shift)
            while keys[slot].count != 0 && keys[slot] != key { slot = (slot + 1) & mask }
            keys[slot] = key
            values[slot] = value
        }
        self.keys = keys
        self.values = values
        self.missing = missing
    }

    subscript(name: PackedName) -> Value {
        var slot = Int(truncatingIfNeeded: name.hashValue64 >> shift)
        while true {
            let key = keys[slot]
            if key == name { return values[slot] }
            if key.count == 0 { return missing }
            slot = (slot + 1) & mask
        }
    }
}

extension PackedName: Sendable {}

/// Word-at-a-time byte tests (SWAR): whether any of eight bytes matches, without looking at each alone.
enum SWAR {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether any byte of `word` equals `byte`.
    @inline(__always)
    static func has(_ word: UInt64, _ byte: UInt8) -> Bool {
        matches(word, byte) != 0
    }

    /// Nonzero when some byte of `word` equals `byte` (flags may be wrong above a true match, never all of them):
    /// OR several of these and test once, so a scan loop has one branch per word instead of one per byte value.
    @inline(__always)
    static func matches(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let value = word ^ (ones &* UInt64(byte))
        return (value &- ones) & ~value & highs
    }

    /// Flags bytes of `word` below 0x20 other than tab, line feed and carriage return, which fill every
    /// line of real HTML and must not stop an eight-byte step. Exact per-byte flags (no borrow between bytes).
    @inline(__always)
    static func controlsOtherThanLineSpace(_ word: UInt64) -> UInt64 {
        // Most words have no control byte at all: the cheap test (exact for "any") settles those.
        guard (word &- ones &* 0x20) & ~word & highs != 0 else { return 0 }
        let lows: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        func equal(_ byte: UInt64) -> UInt64 {
            let value = word ^ (ones &* byte)
            return ~(((value & lows) &+ lows) | value) & highs
        }
        let below0x20 = ~(((word & lows) &+ ones &* 0x60) | word) & highs
        return below0x20 & ~(equal(0x09) | equal(0x0A) | equal(0x0D))
    }
}

@inline(__always)
private func lowercased(_ byte: UInt8) -> UInt8 {
    byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
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
