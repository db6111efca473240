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
    ///
    /// Each part is hashed where it lies, with its length, a word at a time; the `h2:` prefix tells it from the
    /// byte-at-a-time hashes of stores written before (`legacyContentHash`).
    static func contentHash(of article: Article) -> String {
        var hasher = ContentHasher()
        for part in [article.title, article.link, article.summary, article.content] {
            hasher.add(part ?? "")
        }
        hasher.add(count: article.authors.count)
        for author in article.authors {
            hasher.add(author.name ?? "")
            hasher.add(author.email ?? "")
            hasher.add(author.uri ?? "")
        }
        hasher.add(count: article.enclosures.count)
        for enclosure in article.enclosures {
            hasher.add(enclosure.href)
            hasher.add(enclosure.type ?? "")
            hasher.add(count: Int(enclosure.length ?? -1))
        }
        hasher.add(count: article.categories.count)
        for category in article.categories {
            hasher.add(category.term)
        }
        return contentHashPrefix + hasher.hex()
    }

    static let contentHashPrefix = "h2:"

    /// The content hash as stores kept it before `h2:`: still needed to tell an old store's unchanged article
    /// from an edited one, once, after an upgrade.
    static func legacyContentHash(of article: Article) -> String {
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

/// A 128-bit hash for change detection that is the same in every process, reading eight bytes per step.
///
/// Not a defence against anyone: a feed that wants its edits unseen can simply not change its text. What it must be
/// is fast on long article bodies and stable across runs and machines (always little-endian words).
struct ContentHasher {
    private var first: UInt64 = 0x243F_6A88_85A3_08D3
    private var second: UInt64 = 0x1319_8A2E_0370_7344

    mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { add(bytes: $0) }
    }

    mutating func add(count: Int) {
        mix(UInt64(bitPattern: Int64(count)))
    }

    mutating func add(bytes: UnsafeBufferPointer<UInt8>) {
        add(count: bytes.count)
        guard let base = bytes.baseAddress else { return }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= bytes.count {
            mix(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            offset += 8
        }
        if offset < bytes.count {
            var tail: UInt64 = 0
            for (shift, index) in (offset..<bytes.count).enumerated() {
                tail |= UInt64(bytes[index]) << (UInt64(shift) * 8)
            }
            mix(tail)
        }
    }

    private mutating func mix(_ word: UInt64) {
        first = ((first ^ word) &* 0x9E37_79B9_7F4A_7C15).rotatedLeft(by: 31)
        second = ((second &+ word) &* 0xC2B2_AE3D_27D4_EB4F).rotatedLeft(by: 29) ^ first
    }

    func hex() -> String {
        StableHash.hex64(Self.finalized(first)) + StableHash.hex64(Self.finalized(second ^ first))
    }

    /// A full avalanche of each lane, so nearby inputs give unrelated digits.
    private static func finalized(_ value: UInt64) -> UInt64 {
        var mixed = value
        mixed ^= mixed >> 33
        mixed = mixed &* 0xFF51_AFD7_ED55_8CCD
        mixed ^= mixed >> 33
        mixed = mixed &* 0xC4CE_B9FE_1A85_EC53
        mixed ^= mixed >> 33
        return mixed
    }
}

extension UInt64 {
    fileprivate func rotatedLeft(by count: UInt64) -> UInt64 {
        (self << count) | (self >> (64 - count))
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

    static func hex64(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
