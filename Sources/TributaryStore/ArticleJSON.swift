import Foundation
import TributaryCore

/// Writes an `Article` as the JSON `JSONDecoder` reads back into the same value, without Foundation's encoder.
///
/// Every stored article is encoded once per run that sees it new or edited; Foundation's `JSONEncoder` builds a
/// tree of boxed values and sorts keys for each one, which made it a tenth of a first run's CPU. This writes the
/// bytes straight into one buffer. The layout matches the synthesized `Codable`: nil optionals are left out, dates
/// are seconds since the reference date (JSONEncoder's default), enums are their raw values. A value it cannot
/// write exactly (a non-finite date) makes it return nil, and the caller falls back to `JSONEncoder`.
struct ArticleJSON {
    private var bytes: [UInt8] = []

    /// The JSON text of `article` as UTF-8 bytes, or nil when only `JSONEncoder` can say what it should be.
    ///
    /// Bytes, not a `String`: made of valid strings and ASCII, they need no check, and making a `String` of them
    /// validated every byte again (a fifth of preparing a feed for the store). The store binds them as text.
    static func encode(_ article: Article) -> Data? {
        var writer = ArticleJSON()
        writer.bytes.reserveCapacity(
            512 + (article.summary?.utf8.count ?? 0) + (article.content?.utf8.count ?? 0))
        guard writer.write(article) else { return nil }
        return Data(writer.bytes)
    }

    /// The JSON text of a feed's `info`, or nil when only `JSONEncoder` can write it. Written for every feed a run
    /// parses; `JSONEncoder` made it a third of what preparing a feed for the store cost.
    static func encode(_ info: FeedInfo) -> String? {
        var writer = ArticleJSON()
        var object = ObjectState()
        writer.optional("id", info.id, &object)
        writer.optional("title", info.title, &object)
        writer.optional("subtitle", info.subtitle, &object)
        writer.optional("link", info.link, &object)
        writer.key("links", &object)
        writer.array(info.links) { $0.write($1) }
        writer.key("authors", &object)
        writer.array(info.authors) { $0.write($1) }
        writer.key("categories", &object)
        writer.array(info.categories) { $0.write($1) }
        guard writer.optionalDate("updated", info.updated, &object),
            writer.optionalDate("published", info.published, &object)
        else { return nil }
        writer.optional("icon", info.icon, &object)
        writer.optional("logo", info.logo, &object)
        writer.optional("language", info.language, &object)
        writer.key("schedule", &object)
        writer.write(info.schedule)
        writer.close(&object)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    private mutating func write(_ schedule: ScheduleHints) {
        var object = ObjectState()
        if let ttl = schedule.ttlMinutes {
            key("ttlMinutes", &object)
            bytes.append(contentsOf: String(ttl).utf8)
        }
        // Sets in a fixed order, so the same hints are always the same text.
        key("skipHours", &object)
        array(schedule.skipHours.sorted()) { $0.bytes.append(contentsOf: String($1).utf8) }
        key("skipDays", &object)
        array(schedule.skipDays.sorted()) { $0.string($1) }
        optional("updatePeriod", schedule.updatePeriod, &object)
        if let frequency = schedule.updateFrequency {
            key("updateFrequency", &object)
            bytes.append(contentsOf: String(frequency).utf8)
        }
        close(&object)
    }

    /// A list of strings as JSON (the `reasons` column): written for every link decision, so not through
    /// `JSONEncoder`.
    static func encode(strings: [String]) -> String {
        var writer = ArticleJSON()
        writer.array(strings) { $0.string($1) }
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Reads what `encode(strings:)` writes. A list with an escape in it, or anything else unusual, goes to
    /// `JSONDecoder`; the common case (plain text between quotes) is cut out directly.
    static func decodeStrings(_ text: String) throws -> [String] {
        var text = text
        if let fast = text.withUTF8(plainStrings) {
            return fast
        }
        return try JSONDecoder().decode([String].self, from: Data(text.utf8))
    }

    /// `["a","b"]` without escapes or spaces, else nil.
    private static func plainStrings(_ bytes: UnsafeBufferPointer<UInt8>) -> [String]? {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "["), bytes[bytes.count - 1] == UInt8(ascii: "]"),
            !bytes.contains(UInt8(ascii: "\\"))
        else { return nil }
        var strings: [String] = []
        var index = 1
        let end = bytes.count - 1
        while index < end {
            guard bytes[index] == UInt8(ascii: "\"") else { return nil }
            var close = index + 1
            while close < end, bytes[close] != UInt8(ascii: "\"") { close += 1 }
            guard close < end else { return nil }
            strings.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[(index + 1)..<close]), as: UTF8.self))
            index = close + 1
            if index < end {
                guard bytes[index] == UInt8(ascii: ","), index + 1 < end else { return nil }
                index += 1
            }
        }
        return strings
    }

    /// Field counts of the model types as this writer knows them; a test compares them with the types themselves,
    /// so a field added to the model cannot be dropped here unnoticed.
    static let knownFieldCounts: [String: Int] = [
        "Article": 15, "Person": 3, "Link": 5, "Enclosure": 3, "Category": 3, "Source": 6, "FeedInfo": 13,
        "ScheduleHints": 5,
    ]

    private mutating func write(_ article: Article) -> Bool {
        var object = ObjectState()
        key("id", &object)
        string(article.id)
        optional("title", article.title, &object)
        key("titleType", &object)
        string(article.titleType.rawValue)
        optional("link", article.link, &object)
        key("links", &object)
        array(article.links) { $0.write($1) }
        key("authors", &object)
        array(article.authors) { $0.write($1) }
        guard optionalDate("published", article.published, &object),
            optionalDate("updated", article.updated, &object)
        else { return false }
        optional("summary", article.summary, &object)
        optional("content", article.content, &object)
        key("categories", &object)
        array(article.categories) { $0.write($1) }
        key("enclosures", &object)
        array(article.enclosures) { $0.write($1) }
        if let source = article.source {
            key("source", &object)
            guard write(source) else { return false }
        }
        key("feedURL", &object)
        string(article.feedURL)
        optional("language", article.language, &object)
        close(&object)
        return true
    }

    private mutating func write(_ source: Source) -> Bool {
        var object = ObjectState()
        optional("id", source.id, &object)
        optional("title", source.title, &object)
        optional("link", source.link, &object)
        key("links", &object)
        array(source.links) { $0.write($1) }
        guard optionalDate("updated", source.updated, &object) else { return false }
        key("authors", &object)
        array(source.authors) { $0.write($1) }
        close(&object)
        return true
    }

    private mutating func write(_ link: Link) {
        var object = ObjectState()
        key("href", &object)
        string(link.href)
        key("rel", &object)
        string(link.rel)
        optional("type", link.type, &object)
        if let length = link.length {
            key("length", &object)
            bytes.append(contentsOf: String(length).utf8)
        }
        optional("title", link.title, &object)
        close(&object)
    }

    private mutating func write(_ person: Person) {
        var object = ObjectState()
        optional("name", person.name, &object)
        optional("email", person.email, &object)
        optional("uri", person.uri, &object)
        close(&object)
    }

    private mutating func write(_ enclosure: Enclosure) {
        var object = ObjectState()
        key("href", &object)
        string(enclosure.href)
        optional("type", enclosure.type, &object)
        if let length = enclosure.length {
            key("length", &object)
            bytes.append(contentsOf: String(length).utf8)
        }
        close(&object)
    }

    private mutating func write(_ category: Category) {
        var object = ObjectState()
        key("term", &object)
        string(category.term)
        optional("scheme", category.scheme, &object)
        optional("label", category.label, &object)
        close(&object)
    }

    /// Whether the object being written has a member yet: the first key opens it, later ones need a comma.
    private struct ObjectState {
        var open = false
    }

    private mutating func key(_ name: StaticString, _ object: inout ObjectState) {
        bytes.append(object.open ? UInt8(ascii: ",") : UInt8(ascii: "{"))
        object.open = true
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// Ends an object; one with no member (a person with no name, email or uri) is `{}`.
    private mutating func close(_ object: inout ObjectState) {
        if !object.open {
            bytes.append(UInt8(ascii: "{"))
        }
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func optional(_ name: StaticString, _ value: String?, _ object: inout ObjectState) {
        guard let value else { return }
        key(name, &object)
        string(value)
    }

    private mutating func optionalDate(_ name: StaticString, _ value: Date?, _ object: inout ObjectState) -> Bool {
        guard let value else { return true }
        let seconds = value.timeIntervalSinceReferenceDate
        guard seconds.isFinite else { return false }
        key(name, &object)
        // Swift's description of a Double is the shortest text that reads back as the same Double.
        bytes.append(contentsOf: seconds.description.utf8)
        return true
    }

    private mutating func array<Element>(_ values: [Element], _ body: (inout ArticleJSON, Element) -> Void) {
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            body(&self, value)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { text in
            // Runs of bytes that need no escape (almost all of any text) are found a word at a time and copied whole.
            var start = 0
            var index = Self.firstToEscape(in: text, from: 0)
            while index < text.count {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[start..<index]))
                escape(text[index])
                start = index + 1
                index = Self.firstToEscape(in: text, from: start)
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The first position at or after `start` whose byte JSON must escape (a control character, `"` or `\\`), or
    /// the count. Eight bytes are tested at once: for `y = word ^ c…`, `(y - 0x01…) & ~y & 0x80…` is non-zero when
    /// some byte equals `c`, and `(word - 0x20…) & ~word & 0x80…` when some byte is below 0x20; either can also
    /// mark a byte above a true hit, which only sends that word to the byte-by-byte test.
    private static func firstToEscape(in text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let base = text.baseAddress else { return text.count }
        let raw = UnsafeRawPointer(base)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var index = start
        while index < text.count {
            if index + 8 <= text.count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let quote = word ^ (ones &* 0x22)
                let backslash = word ^ (ones &* 0x5C)
                let hits =
                    ((word &- ones &* 0x20) & ~word) | ((quote &- ones) & ~quote)
                    | ((backslash &- ones) & ~backslash)
                if hits & highs == 0 {
                    index += 8
                    continue
                }
            }
            let byte = text[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return index }
            index += 1
        }
        return text.count
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""):
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(byte)
        case UInt8(ascii: "\\"):
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(byte)
        case 0x0A:
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(UInt8(ascii: "n"))
        case 0x0D:
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(UInt8(ascii: "r"))
        case 0x09:
            bytes.append(UInt8(ascii: "\\"))
            bytes.append(UInt8(ascii: "t"))
        case 0..<0x20:
            bytes.append(contentsOf: "\\u00".utf8)
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 0x0F)])
        default:
            bytes.append(byte)
        }
    }
}
