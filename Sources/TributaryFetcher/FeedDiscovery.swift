public import Foundation

/// A feed that a web page points to with `<link rel="alternate">`.
public struct DiscoveredFeed: Sendable, Hashable {
    /// Absolute http(s) URL of the feed.
    public var url: String
    /// The link's media type, lower-cased, without parameters.
    public var type: String
    public var title: String?

    public init(url: String, type: String, title: String? = nil) {
        self.url = url
        self.type = type
        self.title = title
    }
}

/// Finding the feeds behind a web page's URL, for `tributary add` (autodiscovery as browsers and readers do it).
///
/// A small tag scanner rather than an HTML parser: only `<base>` and `<link>` tags matter, they carry plain
/// attributes, and the scanner has to survive any page, well-formed or not, without a second parser in this
/// stage. Comments and script/style bodies are skipped so commented-out or generated links are not offered.
public enum FeedDiscovery {
    /// Media types a feed link announces. Plain `application/json` is left out on purpose: WordPress uses it
    /// for REST API links that are not feeds.
    public static let feedTypes: Set<String> = [
        "application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml",
        "application/xml", "text/xml",
    ]

    /// Pages larger than this are scanned only this far; feed links live in the head.
    static let scanLimit = 1 << 20

    /// True when a fetched body is a web page rather than a feed: by its Content-Type, or by its first tag when
    /// the server sent a generic or no type.
    public static func isWebPage(_ data: Data, contentType: String?) -> Bool {
        if let type = contentType?.lowercased() {
            if type.hasPrefix("text/html") || type.hasPrefix("application/xhtml+xml") { return true }
            if type.contains("rss") || type.contains("atom") || type.contains("json") { return false }
        }
        let head = String(decoding: data.prefix(512), as: UTF8.self).lowercased()
        let trimmed = head.drop(while: { $0.isWhitespace || $0 == "\u{FEFF}" })
        return trimmed.hasPrefix("<!doctype html") || trimmed.hasPrefix("<html")
    }

    /// The feeds a page links to, in document order, without duplicates, resolved against `<base href>` or
    /// the page's own URL. Only http(s) results are kept.
    public static func feeds(inPage data: Data, pageURL: String) -> [DiscoveredFeed] {
        let text = Array(String(decoding: data.prefix(scanLimit), as: UTF8.self).utf8)
        var base = URL(string: pageURL)
        var found: [DiscoveredFeed] = []
        var seen: Set<String> = []
        var index = 0
        while let open = text[index...].firstIndex(of: UInt8(ascii: "<")) {
            index = open + 1
            if text[index...].starts(with: "!--".utf8) {
                index = find("-->", in: text, from: index + 3).map { $0 + 3 } ?? text.count
                continue
            }
            let name = tagName(text, from: index)
            guard !name.isEmpty else { continue }
            guard let close = text[index...].firstIndex(of: UInt8(ascii: ">")) else { break }
            let attributes = parseAttributes(text[(index + name.count)..<close])
            index = close + 1
            switch name {
            case "script", "style":
                index = find("</\(name)", in: text, from: index) ?? text.count
            case "base":
                if let href = attributes["href"], let url = URL(string: href, relativeTo: base) {
                    base = url.absoluteURL
                }
            case "link":
                let rels = Set((attributes["rel"] ?? "").lowercased().split(whereSeparator: \.isWhitespace))
                guard rels.contains("alternate"), !rels.contains("stylesheet"),
                    let type = attributes["type"]?.lowercased().split(separator: ";").first?
                        .trimmingCharacters(in: .whitespaces),
                    feedTypes.contains(type),
                    let href = attributes["href"]?.trimmingCharacters(in: .whitespacesAndNewlines), !href.isEmpty,
                    let url = URL(string: href, relativeTo: base)?.absoluteString,
                    url.lowercased().hasPrefix("http://") || url.lowercased().hasPrefix("https://"),
                    seen.insert(url).inserted
                else { continue }
                let title = attributes["title"].flatMap { $0.isEmpty ? nil : $0 }
                found.append(DiscoveredFeed(url: url, type: type, title: title))
            default:
                continue
            }
        }
        return found
    }

    private static func find(_ needle: String, in text: [UInt8], from start: Int) -> Int? {
        let pattern = Array(needle.utf8)
        guard !pattern.isEmpty, start < text.count else { return nil }
        var position = start
        while position + pattern.count <= text.count {
            var matches = true
            for offset in 0..<pattern.count where lower(text[position + offset]) != pattern[offset] {
                matches = false
                break
            }
            if matches { return position }
            position += 1
        }
        return nil
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    private static func tagName(_ text: [UInt8], from start: Int) -> String {
        var end = start
        while end < text.count, (0x41...0x5A).contains(text[end]) || (0x61...0x7A).contains(text[end]) {
            end += 1
        }
        guard end < text.count, end > start else { return "" }
        let next = text[end]
        guard next == UInt8(ascii: ">") || next == UInt8(ascii: "/") || next <= 0x20 else { return "" }
        return String(decoding: text[start..<end].map(lower), as: UTF8.self)
    }

    /// Attributes of one tag: `name=value`, `name='value'`, `name="value"` or a bare name; names lower-cased,
    /// values with the common character references decoded. The first occurrence of a name wins, as in HTML.
    static func parseAttributes(_ bytes: ArraySlice<UInt8>) -> [String: String] {
        var attributes: [String: String] = [:]
        var index = bytes.startIndex
        func isSpace(_ byte: UInt8) -> Bool { byte <= 0x20 || byte == UInt8(ascii: "/") }
        while index < bytes.endIndex {
            while index < bytes.endIndex && isSpace(bytes[index]) { index += 1 }
            let nameStart = index
            while index < bytes.endIndex && !isSpace(bytes[index]) && bytes[index] != UInt8(ascii: "=") { index += 1 }
            guard index > nameStart else { break }
            let name = String(decoding: bytes[nameStart..<index].map(lower), as: UTF8.self)
            while index < bytes.endIndex && bytes[index] <= 0x20 { index += 1 }
            var value = ""
            if index < bytes.endIndex && bytes[index] == UInt8(ascii: "=") {
                index += 1
                while index < bytes.endIndex && bytes[index] <= 0x20 { index += 1 }
                if index < bytes.endIndex, bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") {
                    let quote = bytes[index]
                    let valueStart = index + 1
                    index = valueStart
                    while index < bytes.endIndex && bytes[index] != quote { index += 1 }
                    value = String(decoding: bytes[valueStart..<index], as: UTF8.self)
                    index = min(index + 1, bytes.endIndex)
                } else {
                    let valueStart = index
                    while index < bytes.endIndex && bytes[index] > 0x20 { index += 1 }
                    value = String(decoding: bytes[valueStart..<index], as: UTF8.self)
                }
            }
            if attributes[name] == nil { attributes[name] = decodeReferences(value) }
        }
        return attributes
    }

    private static func decodeReferences(_ value: String) -> String {
        guard value.contains("&") else { return value }
        var result = value
        for (reference, character) in [
            ("&quot;", "\""), ("&#34;", "\""), ("&lt;", "<"), ("&gt;", ">"), ("&#39;", "'"), ("&apos;", "'"),
            ("&#x27;", "'"), ("&#38;", "&"), ("&#x26;", "&"), ("&amp;", "&"),
        ] {
            result = result.replacingOccurrences(of: reference, with: character)
        }
        return result
    }
}
