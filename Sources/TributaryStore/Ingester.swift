import Foundation
import GRDB
import TributaryCore

/// Stores the feeds of one batch inside the caller's transaction: entry identity, edits in place, expired entries
/// and feeds that churn their ids.
struct Ingester {
    let db: Database
    let now: Date
    private let encoder: JSONEncoder
    /// True once this batch changed something the outputs are made from.
    private(set) var changedOutputs = false

    /// Fetches in a row with every id new while links repeat before a feed is keyed by link: one such fetch can be
    /// a feed that really did replace its whole page.
    static let churnStrikesToSwitch = 2
    /// How stale an identity's `last_seen` may get before a fetch that sees the entry refreshes it; saves a write
    /// per entry per fetch.
    static let lastSeenSlack: TimeInterval = 86_400

    /// The statements run once per entry, prepared once per batch: looking each up in GRDB's cache by its text
    /// hashed the whole SQL string twice per article. An article's JSON is bound as bytes (see `ArticleJSON`) and
    /// stored as text, which SQLite's JSON functions read.
    private let insertArticle: Statement
    private let insertIdentity: Statement

    init(db: Database, now: Date) throws {
        self.db = db
        self.now = now
        encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        insertArticle = try db.makeStatement(
            sql: """
                INSERT INTO articles (feed_url, entry_key, article, first_seen, content_updated, sort_date,
                    content_hash, published, title, link)
                VALUES (?, ?, CAST(? AS TEXT), ?, ?, ?, ?, ?, ?, ?)
                """)
        insertIdentity = try db.makeStatement(
            sql: """
                INSERT OR IGNORE INTO identities (feed_url, entry_key, first_seen, last_seen, link)
                VALUES (?, ?, ?, ?, ?)
                """)
    }

    private struct Known {
        var firstSeen: Double
        var lastSeen: Double
        var link: String?
    }

    private struct Stored {
        var id: Int64
        var hash: String
        var firstSeen: Double
    }

    mutating func ingest(_ update: FeedUpdate) throws -> IngestResult {
        var state = update.state
        let url = state.url
        guard let parsed = update.parsed else {
            try SQLiteStore.upsertHTTP(state, db)
            return IngestResult(feedURL: url)
        }
        let prepared = update.prepared ?? PreparedEntries(parsed, feedURL: url)
        // A feed's articles and identities are only ever written together with its row (here, or moved with it by
        // `renameFeed`), so a feed without a row has neither, and a first run need not look them up.
        var isNewFeed = false
        if let previous = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT key_by_link, churn_strikes, info FROM feeds WHERE url = ?"),
            arguments: [url])
        {
            state.keyByLink = previous["key_by_link"]
            state.churnStrikes = previous["churn_strikes"]
            // The same text is the same info (ArticleJSON writes sets sorted); other text is compared decoded, since
            // rows written by JSONEncoder have their sets in another order in every process.
            let text: String? = previous["info"]
            if text == nil || text != prepared.infoJSON {
                let old = text.flatMap { try? JSONDecoder().decode(FeedInfo.self, from: Data($0.utf8)) }
                if old != parsed.info {
                    changedOutputs = true
                }
            }
        } else {
            state.keyByLink = false
            state.churnStrikes = 0
            changedOutputs = true
            isNewFeed = true
        }
        var result = IngestResult(feedURL: url)
        state.info = parsed.info

        var known = isNewFeed ? [:] : try loadIdentities(url)
        if !state.keyByLink {
            if churns(parsed.articles, keys: prepared.entries, known: known) {
                state.churnStrikes += 1
            } else if prepared.entries.contains(where: { known[$0.key] != nil }) {
                state.churnStrikes = 0
            }
            if state.churnStrikes >= Self.churnStrikesToSwitch {
                state.keyByLink = true
                try rekeyByLink(url)
                changedOutputs = true
                known = try loadIdentities(url)
                result.switchedToLinkKeys = true
                result.warnings.append(
                    "\(url) gives every entry a new id on every fetch while its links repeat; "
                        + "its entries are now recognised by link")
            }
        }
        try SQLiteStore.upsert(state, infoJSON: prepared.infoJSON, db)

        let stored = isNewFeed ? [:] : try loadArticles(url)
        let nowSeconds = now.timeIntervalSince1970
        var seen: Set<String> = []
        // Each key once: `seen` skips repeats, so the maps of stored articles and identities are only read here.
        for (article, entry) in zip(parsed.articles, prepared.entries) {
            let key = state.keyByLink ? EntryIdentity.key(for: article, byLink: true) : entry.key
            guard seen.insert(key).inserted else { continue }
            let hash = entry.contentHash
            if let existing = stored[key] {
                if existing.hash != hash, Self.isLegacy(existing.hash),
                    existing.hash == EntryIdentity.legacyContentHash(of: article)
                {
                    // Unchanged since a store written before today's hash: only the hash is brought up to date.
                    try db.cachedStatement(sql: "UPDATE articles SET content_hash = ? WHERE id = ?").execute(
                        arguments: [hash, existing.id])
                    result.unchanged += 1
                } else if existing.hash != hash {
                    try db.cachedStatement(
                        sql: """
                            UPDATE articles SET article = CAST(? AS TEXT), content_hash = ?, content_updated = ?,
                                sort_date = ?, published = ?, title = ?, link = ?
                            WHERE id = ?
                            """
                    ).execute(arguments: [
                        try entry.json ?? json(article, feedURL: url), hash, nowSeconds,
                        sortDate(article, firstSeen: existing.firstSeen), Self.published(article), article.title,
                        article.link, existing.id,
                    ])
                    result.updatedArticles.append(existing.id)
                    changedOutputs = true
                } else {
                    result.unchanged += 1
                }
            } else if known[key] != nil {
                result.expired += 1
            } else {
                try insertArticle.execute(arguments: [
                    url, key, try entry.json ?? json(article, feedURL: url), nowSeconds, nowSeconds,
                    sortDate(article, firstSeen: nowSeconds), hash, Self.published(article), article.title,
                    article.link,
                ])
                let id = db.lastInsertedRowID
                result.newArticles.append(id)
                result.newCandidates.append(
                    LinkCandidate(
                        id: id, feedURL: url, title: article.title, text: article.summary ?? article.content,
                        link: article.link, canonicalLink: article.links.first { $0.rel == "canonical" }?.href,
                        published: Self.published(article).map(Date.init(timeIntervalSinceReferenceDate:)),
                        firstSeen: Date(timeIntervalSince1970: nowSeconds)))
                changedOutputs = true
            }
            if let identity = known[key] {
                if identity.lastSeen < nowSeconds - Self.lastSeenSlack {
                    try db.cachedStatement(
                        sql: "UPDATE identities SET last_seen = ? WHERE feed_url = ? AND entry_key = ?"
                    ).execute(arguments: [nowSeconds, url, key])
                }
            } else {
                try insertIdentity.execute(arguments: [url, key, nowSeconds, nowSeconds, article.link])
            }
        }
        return result
    }

    /// True when every entry of this fetch has an id never seen before while most of their (distinct) links were
    /// seen: the feed regenerates ids rather than publishing new entries.
    private func churns(_ articles: [Article], keys: [PreparedEntries.Entry], known: [String: Known]) -> Bool {
        guard articles.count >= 2, !known.isEmpty else { return false }
        var links: Set<String> = []
        for (article, entry) in zip(articles, keys) {
            guard !article.id.isEmpty, known[entry.key] == nil else {
                return false
            }
            guard let link = article.link, !link.isEmpty, links.insert(link).inserted else { return false }
        }
        let knownLinks = Set(known.values.compactMap(\.link))
        let repeated = links.filter { knownLinks.contains($0) }.count
        return repeated >= max(2, (articles.count + 1) / 2)
    }

    /// Re-files a feed's articles and identities under link keys; of several articles sharing a link (the copies
    /// churn made) the first stored is kept.
    private func rekeyByLink(_ url: String) throws {
        let decoder = JSONDecoder()
        let rows = try Row.fetchAll(
            db, sql: "SELECT id, entry_key, article FROM articles WHERE feed_url = ? ORDER BY id", arguments: [url])
        var taken: Set<String> = []
        for row in rows {
            let text: String = row["article"]
            let article = try decoder.decode(Article.self, from: Data(text.utf8))
            let key = EntryIdentity.key(for: article, byLink: true)
            let id: Int64 = row["id"]
            if taken.insert(key).inserted {
                try db.execute(
                    sql: "DELETE FROM articles WHERE feed_url = ? AND entry_key = ? AND id != ?",
                    arguments: [url, key, id])
                try db.execute(sql: "UPDATE articles SET entry_key = ? WHERE id = ?", arguments: [key, id])
            } else {
                try db.execute(sql: "DELETE FROM articles WHERE id = ?", arguments: [id])
            }
        }
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO identities (feed_url, entry_key, first_seen, last_seen, link)
                SELECT feed_url, 'link:' || link, MIN(first_seen), MAX(last_seen), link FROM identities
                WHERE feed_url = ? AND link IS NOT NULL AND link != '' GROUP BY link
                """, arguments: [url])
    }

    private func loadIdentities(_ url: String) throws -> [String: Known] {
        var known: [String: Known] = [:]
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT entry_key, first_seen, last_seen, link FROM identities WHERE feed_url = ?"),
            arguments: [url])
        while let row = try rows.next() {
            known[row["entry_key"]] = Known(firstSeen: row["first_seen"], lastSeen: row["last_seen"], link: row["link"])
        }
        return known
    }

    /// A content hash from before `EntryIdentity.contentHashPrefix`.
    private static func isLegacy(_ hash: String) -> Bool {
        !hash.hasPrefix(EntryIdentity.contentHashPrefix)
    }

    private func loadArticles(_ url: String) throws -> [String: Stored] {
        var stored: [String: Stored] = [:]
        let rows = try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT id, entry_key, content_hash, first_seen FROM articles WHERE feed_url = ?"),
            arguments: [url])
        while let row = try rows.next() {
            stored[row["entry_key"]] = Stored(id: row["id"], hash: row["content_hash"], firstSeen: row["first_seen"])
        }
        return stored
    }

    /// The article's JSON as stored (UTF-8): with the feed's URL, which the parser leaves out.
    private func json(_ original: Article, feedURL: String) throws -> Data {
        var article = original
        article.feedURL = feedURL
        if let bytes = ArticleJSON.encode(article) {
            return bytes
        }
        return try encoder.encode(article)
    }

    /// The `published` column: the date the linker reads (published, else updated), as seconds since the reference
    /// date, the form that gives back the very same `Date`.
    static func published(_ article: Article) -> Double? {
        (article.published ?? article.updated)?.timeIntervalSinceReferenceDate
    }

    /// The date the entry claims, but never later than when it was first seen: a feed cannot pin an entry to the top
    /// with a date in the future.
    private func sortDate(_ article: Article, firstSeen: Double) -> Double {
        guard let claimed = article.published ?? article.updated else { return firstSeen }
        return min(claimed.timeIntervalSince1970, firstSeen)
    }
}
