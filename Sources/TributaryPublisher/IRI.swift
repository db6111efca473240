import Foundation

/// Checks and repairs the identifiers and links that go into the outputs. A feed's links have been resolved by
/// the parser already; this is the publisher's own guard, so that a hostile or broken value yields a dropped link
/// rather than an invalid document or a `javascript:` link in a reader.
enum IRI {
    /// True when `text` is an absolute IRI that can stand as an `atom:id` as it is: a scheme, a colon, something
    /// after it, and no character that IRIs forbid.
    static func isAbsolute(_ text: String) -> Bool {
        var text = text
        let shape = text.withUTF8 { utf8 -> Shape in
            guard let colon = utf8.firstIndex(of: 0x3A), colon > 0, colon + 1 < utf8.count else { return .invalid }
            guard isAlpha(utf8[0]) else { return .invalid }
            for byte in utf8[1..<colon]
            where !(isAlpha(byte) || isDigit(byte) || byte == 0x2B || byte == 0x2D || byte == 0x2E) {
                return .invalid
            }
            for byte in utf8[(colon + 1)...] where byte <= 0x20 || isForbidden(byte) || byte == 0x7F {
                return .invalid
            }
            let web =
                (colon == 4 || colon == 5) && (utf8[0] | 0x20) == 0x68 && (utf8[1] | 0x20) == 0x74
                && (utf8[2] | 0x20) == 0x74 && (utf8[3] | 0x20) == 0x70 && (colon == 4 || (utf8[4] | 0x20) == 0x73)
            return web ? .web : .other
        }
        switch shape {
        case .invalid: return false
        case .other: return true
        case .web: return isPlainWebURL(text) || (text.contains("://") && URL(string: text)?.host != nil)
        }
    }

    private enum Shape {
        case invalid
        case web
        case other
    }

    /// An absolute `http`/`https` URL for `href`, resolved against the first usable base when relative, with
    /// characters that URLs forbid percent-encoded. Nil when no such URL can be made (another scheme, no base).
    static func webLink(_ href: String?, bases: Bases = Bases()) -> String? {
        guard let href else { return nil }
        let trimmed = trim(XMLCharacters.clean(href))
        guard !trimmed.isEmpty else { return nil }
        let encoded = percentEncode(trimmed)
        if isPlainWebURL(encoded) { return encoded }
        if let url = URL(string: encoded), let scheme = url.scheme?.lowercased() {
            guard scheme == "http" || scheme == "https", url.host?.isEmpty == false else { return nil }
            return encoded
        }
        for case let base? in [bases.first, bases.second, bases.third] {
            guard let baseURL = URL(string: percentEncode(base)),
                let scheme = baseURL.scheme?.lowercased(), scheme == "http" || scheme == "https"
            else { continue }
            guard let resolved = URL(string: encoded, relativeTo: baseURL)?.absoluteURL,
                let resolvedScheme = resolved.scheme?.lowercased(),
                resolvedScheme == "http" || resolvedScheme == "https", resolved.host?.isEmpty == false
            else { continue }
            return resolved.absoluteString
        }
        return nil
    }

    /// Up to three bases a relative link is tried against, in order. A struct rather than an array: nearly every
    /// link is absolute already, so the bases are almost never looked at and should cost nothing to pass.
    struct Bases {
        var first: String?
        var second: String?
        var third: String?

        init(_ first: String? = nil, _ second: String? = nil, _ third: String? = nil) {
            self.first = first
            self.second = second
            self.third = third
        }
    }

    /// True for the common case that needs no URL parser: `http://` or `https://` (any case), a host of letters,
    /// digits, dots and hyphens, an optional port, then nothing or a path, query or fragment. Anything else
    /// (user info, IPv6 literals, odd hosts) goes through Foundation's parser.
    static func isPlainWebURL(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { utf8 in
            func lower(_ byte: UInt8) -> UInt8 { byte | 0x20 }
            var index: Int
            if utf8.count > 8, lower(utf8[0]) == 0x68, lower(utf8[1]) == 0x74, lower(utf8[2]) == 0x74,
                lower(utf8[3]) == 0x70
            {
                index = 4
                if lower(utf8[index]) == 0x73 { index += 1 }
                guard index + 3 <= utf8.count, utf8[index] == 0x3A, utf8[index + 1] == 0x2F, utf8[index + 2] == 0x2F
                else { return false }
                index += 3
            } else {
                return false
            }
            let hostStart = index
            while index < utf8.count,
                isAlpha(utf8[index]) || isDigit(utf8[index]) || utf8[index] == 0x2E
                    || utf8[index] == 0x2D
            {
                index += 1
            }
            guard index > hostStart, utf8[hostStart] != 0x2E, utf8[hostStart] != 0x2D else { return false }
            if index < utf8.count, utf8[index] == 0x3A {
                index += 1
                let portStart = index
                while index < utf8.count, isDigit(utf8[index]) { index += 1 }
                guard index > portStart, index - portStart <= 5 else { return false }
            }
            guard index == utf8.count || utf8[index] == 0x2F || utf8[index] == 0x3F || utf8[index] == 0x23 else {
                return false
            }
            for byte in utf8[index...] where byte <= 0x20 || byte >= 0x7F || isForbidden(byte) {
                return false
            }
            return true
        }
    }

    /// The text without leading and trailing white space (Unicode's definition), cheaply when there is none.
    static func trim(_ text: String) -> String {
        if let first = text.utf8.first, let last = text.utf8.last, first > 0x20, first < 0x7F, last > 0x20,
            last < 0x7F
        {
            return text
        }
        let scalars = text.unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return text }
        if !first.properties.isWhitespace && !last.properties.isWhitespace { return text }
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[start...end])
    }

    /// Percent-encodes bytes that may not appear in a URI: controls, space, non-ASCII and `"<>\^`{|}`, and a `%`
    /// that does not start an escape.
    static func percentEncode(_ text: String) -> String {
        var text = text
        let clean = text.withUTF8 { utf8 in
            !utf8.contains { $0 <= 0x20 || $0 >= 0x7F || $0 == 0x25 || isForbidden($0) }
        }
        if clean { return text }
        let utf8 = Array(text.utf8)
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 16)
        for (index, byte) in utf8.enumerated() {
            if byte == 0x25, index + 2 < utf8.count, isHex(utf8[index + 1]), isHex(utf8[index + 2]) {
                out.append(byte)
            } else if byte <= 0x20 || byte >= 0x7F || isForbidden(byte) || byte == 0x25 {
                out.append(0x25)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A plausible e-mail address (one `@`, a dot in the domain, no spaces or brackets): the Atom validator
    /// rejects anything else in `atom:email`, so anything else is left out.
    static func isEmail(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { utf8 in
            guard let at = utf8.firstIndex(of: 0x40), at > 0, at + 1 < utf8.count else { return false }
            let domain = UnsafeBufferPointer(rebasing: utf8[(at + 1)...])
            guard domain.first != 0x2E, domain.last != 0x2E, domain.contains(0x2E), !domain.contains(0x40) else {
                return false
            }
            return !utf8.contains { $0 <= 0x20 || $0 >= 0x7F || isForbidden($0) || $0 == 0x28 }
        }
    }

    /// A BCP 47 language tag shape (`en`, `pt-BR`, `sr-Latn-RS`), for `xml:lang` and JSON Feed's `language`.
    static func isLanguageTag(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, (2...8).contains(first.count), first.utf8.allSatisfy(isAlpha) else {
            return false
        }
        return parts.dropFirst().allSatisfy { part in
            (1...8).contains(part.count) && part.utf8.allSatisfy { isAlpha($0) || isDigit($0) }
        }
    }

    /// `"<>\^`{|}`, by comparison rather than a set lookup: this runs for every byte of every link.
    private static func isForbidden(_ byte: UInt8) -> Bool {
        byte == 0x22 || byte == 0x3C || byte == 0x3E || byte == 0x5C || byte == 0x5E || byte == 0x60 || byte == 0x7B
            || byte == 0x7C || byte == 0x7D
    }

    private static func isAlpha(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func isHex(_ byte: UInt8) -> Bool {
        isDigit(byte) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66)
    }
}

/// Plain text from sanitised HTML, for the places that cannot carry markup: a fallback title, the HTML page's
/// teaser, JSON Feed's `summary`.
enum PlainText {
    /// `from(html:)` for text `EntryPreparation.plain` has tidied already. Plain ASCII without `<` or `&` (most
    /// headlines) has nothing to strip or decode and comes back as it is.
    static func from(tidyHTML text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 && $0 != 0x3C && $0 != 0x26 }) { return text }
        return from(html: text)
    }

    /// The text of sanitised HTML: tags dropped (each leaves a space), the common entities and numeric references
    /// decoded, white space collapsed, at most `limit` characters.
    static func from(html: String, limit: Int = .max) -> String {
        if isSimple(html) { return fromScalars(html, limit: limit) }
        return fromCharacters(html, limit: limit)
    }

    /// True when every Unicode scalar of the text is a character of its own (no combining marks, joiners,
    /// variation selectors, emoji sequences or Hangul jamo can glue scalars together; CR LF is harmless here):
    /// ASCII, Latin, Greek, Cyrillic, Armenian, common punctuation and symbols, CJK ideographs. For such text,
    /// walking scalars gives exactly what walking characters gives, without the cost of finding grapheme
    /// boundaries, which was most of the time the JSON Feed summaries and the HTML teasers took.
    static func isSimple(_ text: String) -> Bool {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return true }
        return text.unicodeScalars.allSatisfy { scalar in
            switch scalar.value {
            case 0..<0x300, 0x370..<0x483, 0x48A..<0x591, 0x2000..<0x200C, 0x2010..<0x2060,
                0x20A0..<0x20D0, 0x2100..<0x2400, 0x4E00..<0xA000:
                return true
            default:
                return false
            }
        }
    }

    /// `from(html:limit:)` by scalars, for text `isSimple` accepts.
    static func fromScalars(_ html: String, limit: Int) -> String {
        strip(html.unicodeScalars, limit: limit, byteCount: html.utf8.count)
    }

    /// `from(html:limit:)` by characters, for any text.
    static func fromCharacters(_ html: String, limit: Int) -> String {
        strip(html, limit: limit, byteCount: html.utf8.count)
    }

    /// The one tag-dropping, entity-decoding, space-collapsing pass, over characters or over scalars (the same
    /// steps either way; see `isSimple` for when scalars are enough).
    private static func strip<Units: Sequence>(_ units: Units, limit: Int, byteCount: Int) -> String
    where Units.Element: TextUnit {
        var out = ""
        out.reserveCapacity(min(byteCount, limit))
        var inTag = false
        var entity: String?
        var entityLength = 0
        var lastWasSpace = true
        var count = 0
        func emit(_ unit: Units.Element) {
            if unit.isSpace {
                if !lastWasSpace {
                    out.append(" ")
                    count += 1
                }
                lastWasSpace = true
            } else {
                unit.append(to: &out)
                count += 1
                lastWasSpace = false
            }
        }
        func emit(_ text: String) {
            for unit in Units.Element.units(of: text) { emit(unit) }
        }
        for unit in units {
            if count >= limit { break }
            if inTag {
                if unit.isTagEnd {
                    inTag = false
                    emit(" ")
                }
                continue
            }
            if let pending = entity {
                if unit.isEntityEnd {
                    entity = nil
                    emit(decode(entity: pending).map(String.init) ?? "&" + pending + ";")
                } else if entityLength < 10, unit.isEntityPart {
                    var longer = pending
                    unit.append(to: &longer)
                    entity = longer
                    entityLength += 1
                } else {
                    entity = nil
                    emit("&" + pending)
                    emit(unit)
                }
                continue
            }
            if unit.isTagStart {
                inTag = true
            } else if unit.isEntityStart {
                entity = ""
                entityLength = 0
            } else {
                emit(unit)
            }
        }
        if let pending = entity { emit("&" + pending) }
        let trimmed = out.trimmingCharacters(in: .whitespaces)
        return XMLCharacters.clean(trimmed)
    }

    /// The text cut to about `limit` characters at a word boundary, with an ellipsis when cut.
    static func teaser(_ text: String, limit: Int) -> String {
        guard text.count > limit else { return text }
        let cut = text.prefix(limit)
        let atWord = cut.lastIndex(of: " ").map { cut[..<$0] } ?? cut
        return atWord.trimmingCharacters(in: .whitespaces) + "…"
    }

    private static func decode(entity: String) -> Character? {
        switch entity {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        case "nbsp": return " "
        default: break
        }
        guard entity.hasPrefix("#") else { return nil }
        let digits = entity.dropFirst()
        let value: UInt32?
        if digits.hasPrefix("x") || digits.hasPrefix("X") {
            value = UInt32(digits.dropFirst(), radix: 16)
        } else {
            value = UInt32(digits)
        }
        guard let value, let scalar = Unicode.Scalar(value) else { return nil }
        return Character(scalar)
    }
}

/// What `PlainText.strip` reads: a character, or a scalar where each scalar is a character of its own.
private protocol TextUnit {
    var isSpace: Bool { get }
    /// A letter, a digit or `#`: may continue an entity reference.
    var isEntityPart: Bool { get }
    var isTagStart: Bool { get }
    var isTagEnd: Bool { get }
    var isEntityStart: Bool { get }
    var isEntityEnd: Bool { get }
    func append(to text: inout String)
    static func units(of text: String) -> [Self]
}

extension Character: TextUnit {
    var isSpace: Bool { isWhitespace }
    var isEntityPart: Bool { isLetter || isNumber || self == "#" }
    var isTagStart: Bool { self == "<" }
    var isTagEnd: Bool { self == ">" }
    var isEntityStart: Bool { self == "&" }
    var isEntityEnd: Bool { self == ";" }
    func append(to text: inout String) { text.append(self) }
    static func units(of text: String) -> [Character] { Array(text) }
}

extension Unicode.Scalar: TextUnit {
    var isSpace: Bool { isASCII ? self == " " || (0x09...0x0D).contains(value) : properties.isWhitespace }
    var isEntityPart: Bool { Character(self).isLetter || Character(self).isNumber || self == "#" }
    var isTagStart: Bool { self == "<" }
    var isTagEnd: Bool { self == ">" }
    var isEntityStart: Bool { self == "&" }
    var isEntityEnd: Bool { self == ";" }
    func append(to text: inout String) { text.unicodeScalars.append(self) }
    static func units(of text: String) -> [Unicode.Scalar] { Array(text.unicodeScalars) }
}
