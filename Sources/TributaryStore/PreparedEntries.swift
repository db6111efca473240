import Foundation
import TributaryCore

/// A parsed feed's entries as the store writes them, computed outside the store's transaction (`FeedUpdate.prepare`).
struct PreparedEntries: Sendable, Hashable {
    struct Entry: Sendable, Hashable {
        /// `EntryIdentity.key(for:byLink: false)`; a feed keyed by link computes its keys again.
        var key: String
        var contentHash: String
        /// The article's JSON (UTF-8) with `feedURL` set to the feed's URL; nil when only `JSONEncoder` can write
        /// it.
        var json: Data?
    }

    /// One per parsed article, in the same order.
    var entries: [Entry]
    /// The feed's `info` as the store writes it.
    var infoJSON: String?

    init(_ parsed: ParsedFeed, feedURL: String) {
        entries = parsed.articles.map { original in
            var article = original
            article.feedURL = feedURL
            return Entry(
                key: EntryIdentity.key(for: article, byLink: false),
                contentHash: EntryIdentity.contentHash(of: article), json: ArticleJSON.encode(article))
        }
        infoJSON = try? SQLiteStore.infoJSON(parsed.info)
    }
}
