import Foundation

/// Checks and repairs the identifiers and links that go into the outputs. A feed's links have been resolved by
/// the parser already; this is the publisher's own guard, so that a hostile or broken value yields a dropped link
/// rather than an invalid document or a `javascript:` link in a reader.
enum IRI {
    /// True when `text` is an absolute IRI that can stand as an `atom:id` as it is: a scheme, a colon, something
    /// after it, and no character that IRIs forbid.
    static func isAbsolute(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        guard let colon = utf8.firstIndex(of: 0x3A), colon > 0, colon + 1 < utf8.count else { return false }
        guard isAlpha(utf8[0]) else { return false }
        for byte in utf8[1..<colon]
        where !(isAlpha(byte) || isDigit(byte) || byte == 0x2B || byte == 0x2D || byte == 0x2E) {
            return false
        }
        for byte in utf8[(colon + 1)...] where byte <= 0x20 || forbidden.contains(byte) || byte == 0x7F {
            return false
        }
        if let scheme = String(bytes: utf8[0..<colon], encoding: .utf8)?.lowercased(),
            scheme == "http" || scheme == "https"
        {
            return text.contains("://") && URL(string: text)?.host != nil
        }
        return true
    }

    /// An absolute `http`/`https` URL for `href`, resolved against the first usable base when relative, with
    /// characters that URLs forbid percent-encoded. Nil when no such URL can be made (another scheme, no base).
    static func webLink(_ href: String?, bases: [String?] = []) -> String? {
        guard let href else { return nil }
        let trimmed = XMLCharacters.clean(href).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        let encoded = percentEncode(trimmed)
        if let url = URL(string: encoded), let scheme = url.scheme?.lowercased() {
            guard scheme == "http" || scheme == "https", url.host?.isEmpty == false else { return nil }
            return encoded
        }
        for case let base? in bases {
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

    /// Percent-encodes bytes that may not appear in a URI: controls, space, non-ASCII and `"<>\^`{|}`, and a `%`
    /// that does not start an escape.
    static func percentEncode(_ text: String) -> String {
        let utf8 = Array(text.utf8)
        guard utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7F || forbidden.contains($0) || $0 == 0x25 }) else {
            return text
        }
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 16)
        for (index, byte) in utf8.enumerated() {
            if byte == 0x25, index + 2 < utf8.count, isHex(utf8[index + 1]), isHex(utf8[index + 2]) {
                out.append(byte)
            } else if byte <= 0x20 || byte >= 0x7F || forbidden.contains(byte) || byte == 0x25 {
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
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix(".")
        else { return false }
        return !text.utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7F || forbidden.contains($0) || $0 == 0x28 })
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

    private static let forbidden: Set<UInt8> = Set("\"<>\\^`{|}".utf8)

    private static func isAlpha(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func isHex(_ byte: UInt8) -> Bool {
        isDigit(byte) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66)
    }
}

/// Plain text from sanitised HTML, for the places that cannot carry markup: a fallback title, the HTML page's
/// teaser, JSON Feed's `summary`.
enum PlainText {
    static func from(html: String, limit: Int = .max) -> String {
        var out = ""
        out.reserveCapacity(min(html.utf8.count, limit))
        var inTag = false
        var entity: String?
        var lastWasSpace = true
        var count = 0
        func emit(_ character: Character) {
            if character.isWhitespace {
                if !lastWasSpace {
                    out.append(" ")
                    count += 1
                }
                lastWasSpace = true
            } else {
                out.append(character)
                count += 1
                lastWasSpace = false
            }
        }
        for character in html {
            if count >= limit { break }
            if inTag {
                if character == ">" {
                    inTag = false
                    emit(" ")
                }
                continue
            }
            if var pending = entity {
                if character == ";" {
                    entity = nil
                    if let decoded = decode(entity: pending) {
                        emit(decoded)
                    } else {
                        for c in "&" + pending + ";" { emit(c) }
                    }
                } else if pending.count < 10, character.isLetter || character.isNumber || character == "#" {
                    pending.append(character)
                    entity = pending
                } else {
                    entity = nil
                    for c in "&" + pending { emit(c) }
                    emit(character)
                }
                continue
            }
            switch character {
            case "<": inTag = true
            case "&": entity = ""
            default: emit(character)
            }
        }
        if let pending = entity { for c in "&" + pending { emit(c) } }
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
