import Foundation
import TributaryCore

/// How an entry is recognised within its feed from one fetch to the next.
enum EntryIdentity {
    /// The entry's key: its id; without one (or when the feed churns ids), its link; else a hash of its text.
    ///
    /// The prefix keeps an id that happens to look like a URL apart from a link key.
    static func key(for article: Article, byLink: Bool) -> String {
        let id = trimmed(article.id)
        let link = article.link.map(trimmed) ?? ""
        if byLink, !link.isEmpty {
            return "link:" + link
        }
        if !id.isEmpty {
            return "id:" + id
        }
        if !link.isEmpty {
            return "link:" + link
        }
        var text = article.title ?? ""
        text += "\u{1F}"
        text += (article.published ?? article.updated).map { String($0.timeIntervalSince1970) } ?? ""
        text += "\u{1F}"
        text += article.content ?? article.summary ?? ""
        return "hash:" + StableHash.hex(text)
    }

    /// The text without surrounding whitespace. Almost every id and link starts and ends with a visible ASCII
    /// character, and then there is nothing to trim: Foundation's trimming (a bridge through NSString) was a third of
    /// the time the store spent on a batch.
    static func trimmed(_ text: String) -> String {
        let utf8 = text.utf8
        if let first = utf8.first, let last = utf8.last, (0x21...0x7E).contains(first), (0x21...0x7E).contains(last) {
            return text
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A hash of what a reader sees, so an edit in place is noticed and a feed that only re-stamps dates is not.
    static func contentHash(of article: Article) -> String {
        var text = ""
        for part in [article.title, article.link, article.summary, article.content] {
            text += part ?? ""
            text += "\u{1F}"
        }
        for author in article.authors {
            text += [author.name, author.email, author.uri].map { $0 ?? "" }.joined(separator: "\u{1E}")
            text += "\u{1D}"
        }
        for enclosure in article.enclosures {
            text += enclosure.href + "\u{1E}" + (enclosure.type ?? "") + "\u{1E}" + String(enclosure.length ?? -1)
            text += "\u{1D}"
        }
        for category in article.categories {
            text += category.term + "\u{1D}"
        }
        return StableHash.hex(text)
    }
}

/// A 128-bit FNV-1a hash that is the same in every process (Swift's `Hasher` is seeded per process).
enum StableHash {
    static func hex(_ text: String) -> String {
        var first: UInt64 = 0xcbf2_9ce4_8422_2325
        var second: UInt64 = 0x8422_2325_cbf2_9ce4
        let prime: UInt64 = 0x0000_0100_0000_01b3
        for byte in text.utf8 {
            first = (first ^ UInt64(byte)) &* prime
            second = (second ^ UInt64(byte ^ 0x5c)) &* prime
        }
        return hex64(first) + hex64(second)
    }

    private static func hex64(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
