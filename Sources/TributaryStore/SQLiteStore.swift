public import Foundation
import GRDB
public import TributaryCore

/// The default `FeedStore`: one SQLite file, through GRDB, in WAL mode.
///
/// WAL lets `tributary list` read while a run writes; every write is a `BEGIN IMMEDIATE` transaction (GRDB's
/// default for writes) so a read-then-write never fails half-way on a lock; a busy timeout makes a second writer
/// wait instead of failing at once. A process killed anywhere leaves the file as of the last commit.
public final class SQLiteStore: FeedStore {
    /// Knobs that are not part of feeds.json.
    public struct Options: Sendable {
        /// Seconds a writer waits for another one before giving up.
        public var busyTimeout: TimeInterval
        /// Caps the database at this many pages, so tests can make the disk "full" on purpose.
        public var maxPageCount: Int?

        public init(busyTimeout: TimeInterval = 10, maxPageCount: Int? = nil) {
            self.busyTimeout = busyTimeout
            self.maxPageCount = maxPageCount
        }
    }

    private let pool: DatabasePool
    /// Where the database file is.
    public let path: String

    /// Opens (creating when missing) the store at `path` and brings its schema up to date.
    ///
    /// - Throws: `StoreError` when the file cannot be opened or migrated.
    public init(path: String, options: Options = Options()) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(options.busyTimeout)
        configuration.label = "tributary.store"
        let maxPageCount = options.maxPageCount
        configuration.prepareDatabase { db in
            // NORMAL is durable against a killed process in WAL mode; only a power cut can lose the last commit.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // A run's big transactions (a batch of feeds, the linker's updates) touch more pages than SQLite's
            // default 2,000-page cache holds; spilling dirty pages mid-transaction writes the same WAL frames
            // again and again. 32 MB is an upper bound: the cache grows only as pages are used. Readers keep the
            // default: a pool has several, and a scan of the articles would fill each one's cache for nothing.
            if !db.configuration.readonly {
                // A new store gets 16 KiB pages (an existing one keeps its own: WAL fixes the size at creation).
                // An article is about 2 KB of JSON, and with 4 KiB pages a quarter of each page was slack: a first
                // run of 28k articles wrote a 100 MB file, 87 MB now, with a fifth less time in the kernel writing
                // WAL frames and checkpointing them. Set before the cache size, which SQLite turns into a number
                // of pages of the size in force: set after, it made the cache four times as large.
                try db.execute(sql: "PRAGMA page_size = 16384")
                try db.execute(sql: "PRAGMA cache_size = -32768")
            }
            // Sorts and indexes built for a statement stay in memory rather than in temporary files.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            if let maxPageCount {
                try db.execute(sql: "PRAGMA max_page_count = \(maxPageCount)")
            }
        }
        do {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            try Schema.migrator.migrate(pool)
        } catch {
            throw StoreError.wrap(error, "cannot open the store at \(path)")
        }
    }

    // MARK: Feeds

    public func feedStates() async throws -> [FeedState] {
        try await reading { db in
            // Read by column position: looking each column up by name (GRDB lowercases the name every time) cost
            // more than the rest of reading ten thousand states.
            let rows = try Row.fetchCursor(db, sql: "SELECT \(Self.stateColumns) FROM feeds ORDER BY url")
            var states: [FeedState] = []
            while let row = try rows.next() {
                states.append(
                    FeedState(
                        url: row[0], etag: row[1], lastModified: row[2], lastStatus: row[3], lastError: row[4],
                        errorCount: row[5], lastFetched: Self.date(row[6]), lastSuccess: Self.date(row[7]),
                        nextDue: Self.date(row[8]),
                        disabledReason: row[9], pendingRedirect: row[10], redirectConfirmations: row[11],
                        health: row[12], keyByLink: row[13], churnStrikes: row[14]))
            }
            return states
        }
    }

    public func feedInfos(urls: [String]) async throws -> [String: FeedInfo] {
        guard !urls.isEmpty else { return [:] }
        return try await reading { db in
            let decoder = JSONDecoder()
            var infos: [String: FeedInfo] = [:]
            try Self.forEachChunk(of: urls) { marks, arguments in
                let rows = try Row.fetchAll(
                    db, sql: "SELECT url, info FROM feeds WHERE url IN (\(marks)) AND info IS NOT NULL",
                    arguments: arguments)
                for row in rows {
                    let text: String = row["info"]
                    infos[row["url"]] = try decoder.decode(FeedInfo.self, from: Data(text.utf8))
                }
            }
            return infos
        }
    }

    public func feedTitles(urls: [String]) async throws -> [String: String] {
        guard !urls.isEmpty else { return [:] }
        return try await reading { db in
            // SQLite picks the one field out of the JSON: publishing names thousands of feeds by title alone, and
            // decoding each whole info with Foundation took a third of its reads.
            var titles: [String: String] = [:]
            try Self.forEachChunk(of: urls) { marks, arguments in
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT url, json_extract(info, '$.title') FROM feeds WHERE url IN (\(marks))
                        """,
                    arguments: arguments)
                while let row = try rows.next() {
                    if let title: String = row[1] { titles[row[0]] = title }
                }
            }
            return titles
        }
    }

    /// Every column of `feeds` but `info`, in the order `feedStates()` reads them by position.
    static let stateColumns = """
        url, etag, last_modified, last_status, last_error, error_count, last_fetched, last_success, next_due,
        disabled_reason, pending_redirect, redirect_confirmations, health, key_by_link, churn_strikes
        """

    public func feedState(url: String) async throws -> FeedState? {
        try await reading { db in
            try Row.fetchOne(db, sql: "SELECT * FROM feeds WHERE url = ?", arguments: [url]).map(Self.feedState(from:))
        }
    }

    public func renameFeed(from oldURL: String, to newURL: String) async throws {
        guard oldURL != newURL else { return }
        try await writing { db in
            guard
                var state = try Row.fetchOne(db, sql: "SELECT * FROM feeds WHERE url = ?", arguments: [oldURL])
                    .map(Self.feedState(from:))
            else { return }
            state.url = newURL
            state.pendingRedirect = nil
            state.redirectConfirmations = 0
            try Self.upsert(state, db)
            try db.execute(sql: "DELETE FROM feeds WHERE url = ?", arguments: [oldURL])
            // Entries the new URL already has win; the old URL's copies of them go.
            try db.execute(
                sql: "UPDATE OR IGNORE articles SET feed_url = ? WHERE feed_url = ?", arguments: [newURL, oldURL])
            try db.execute(sql: "DELETE FROM articles WHERE feed_url = ?", arguments: [oldURL])
            try db.execute(
                sql: "UPDATE OR IGNORE identities SET feed_url = ? WHERE feed_url = ?", arguments: [newURL, oldURL])
            try db.execute(sql: "DELETE FROM identities WHERE feed_url = ?", arguments: [oldURL])
            try Self.rewriteArticleFeedURLs(feed: newURL, db)
            try Self.bumpRevision(db)
        }
    }

    // MARK: Ingest

    public func ingest(_ updates: [FeedUpdate], now: Date) async throws -> [IngestResult] {
        guard !updates.isEmpty else { return [] }
        return try await writing { db in
            var ingester = try Ingester(db: db, now: now)
            let results = try updates.map { try ingester.ingest($0) }
            if ingester.changedOutputs {
                try Self.bumpRevision(db)
            }
            return results
        }
    }

    // MARK: Articles

    /// An article row with the linker's decision for it (`storedArticle(from:_:)` reads these), from `articles a`
    /// joined with `article_links l`.
    static let articleColumns = """
        a.id, a.feed_url, a.entry_key, a.article, a.first_seen, a.content_updated, a.sort_date, a.content_hash,
        l.story_id, l.duplicate_of, l.reasons
        """

    public func articles(firstSeenSince since: Date) async throws -> [StoredArticle] {
        try await reading { db in
            let decoder = JSONDecoder()
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.articleColumns) FROM articles a LEFT JOIN article_links l ON l.article_id = a.id
                    WHERE a.first_seen >= ? ORDER BY a.first_seen, a.id
                    """,
                arguments: [since.timeIntervalSince1970]
            ).map { try Self.storedArticle(from: $0, decoder) }
        }
    }

    public func linkCandidates(firstSeenSince since: Date) async throws -> [LinkCandidate] {
        try await reading { db in
            // Title and link have columns; SQLite's own JSON functions pick the text and the canonical link out of
            // the stored article: far cheaper than decoding every article (authors, links, enclosures, content)
            // with Foundation. The synthesized Codable leaves out nil optionals, so a missing key and null both
            // read as NULL, as nil does in Swift. The date comes from its own column, bit for bit the value the
            // article had in memory.
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT a.id, a.feed_url, a.first_seen, l.story_id, l.duplicate_of, l.reasons, a.published,
                        a.title, a.link,
                        COALESCE(json_extract(a.article, '$.summary'), json_extract(a.article, '$.content')) AS text,
                        (SELECT json_extract(k.value, '$.href') FROM json_each(a.article, '$.links') AS k
                            WHERE json_extract(k.value, '$.rel') = 'canonical' ORDER BY k.key LIMIT 1) AS canonical
                    FROM articles a LEFT JOIN article_links l ON l.article_id = a.id
                    WHERE a.first_seen >= ? ORDER BY a.first_seen, a.id
                    """,
                arguments: [since.timeIntervalSince1970])
            var found: [LinkCandidate] = []
            while let row = try cursor.next() {
                var reasons: [String] = []
                if let reasonText: String = row["reasons"] {
                    reasons = try ArticleJSON.decodeStrings(reasonText)
                }
                let published: Double? = row["published"]
                found.append(
                    LinkCandidate(
                        id: row["id"], feedURL: row["feed_url"], title: row["title"], text: row["text"],
                        link: row["link"], canonicalLink: row["canonical"],
                        published: published.map(Date.init(timeIntervalSinceReferenceDate:)),
                        firstSeen: Date(timeIntervalSince1970: row["first_seen"]), storyID: row["story_id"],
                        duplicateOf: row["duplicate_of"], reasons: reasons))
            }
            return found
        }
    }

    public func leadArticles(limit: Int, feeds: Set<String>) async throws -> [StoredArticle] {
        guard limit > 0 else { return [] }
        let rows = try await reading { db in
            var found: [UndecodedArticle] = []
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT \(Self.articleColumns) FROM articles a LEFT JOIN article_links l ON l.article_id = a.id
                    WHERE l.duplicate_of IS NULL ORDER BY a.sort_date DESC, a.id DESC
                    """)
            while found.count < limit, let row = try rows.next() {
                let feedURL: String = row["feed_url"]
                if feeds.contains(feedURL) {
                    found.append(UndecodedArticle(row))
                }
            }
            return found
        }
        // Decoded on every core, outside the read: JSONDecoder takes 40 µs an article, and a publish reads hundreds
        // of leads before anything else can start.
        let slices = Parallel.slices(rows.count, width: Parallel.width(for: rows.count, worthIt: 100))
        let decoded = await Parallel.map(slices) { range in
            let decoder = JSONDecoder()
            return Result { try rows[range].map { try $0.decoded(decoder) } }
        }
        do {
            return try decoded.flatMap { try $0.get() }
        } catch {
            throw StoreError.wrap(error, "cannot read the store at \(path)")
        }
    }

    public func duplicates(of ids: [Int64]) async throws -> [StoredArticle] {
        try await articles(whereColumn: "duplicate_of", isIn: ids)
    }

    public func articles(inStories ids: [String]) async throws -> [StoredArticle] {
        try await articles(whereColumn: "story_id", isIn: ids)
    }

    public func articleRefs(inStories ids: [String]) async throws -> [ArticleRef] {
        try await refs(whereColumn: "story_id", isIn: ids)
    }

    public func founderRefs(ofStories ids: [String]) async throws -> [ArticleRef] {
        try await refs(whereColumn: "article_id", isIn: ids.compactMap { Int64($0) }).filter {
            String($0.id) == $0.storyID
        }
    }

    public func duplicateRefs(of ids: [Int64]) async throws -> [ArticleRef] {
        try await refs(whereColumn: "duplicate_of", isIn: ids)
    }

    /// `articles(whereColumn:isIn:)` reduced to `ArticleRef`: title and link have columns of their own, so no
    /// article's JSON is read. The ids are found first and the articles read in id order: a story's articles lie
    /// all over the table, and reading them in the index's order fetched most pages twice (a publish read
    /// 70 MB for 5,000 refs of a 60 MB table).
    private func refs<Value: DatabaseValueConvertible & Sendable>(
        whereColumn column: String, isIn values: [Value]
    ) async throws -> [ArticleRef] {
        guard !values.isEmpty else { return [] }
        return try await reading { db in
            var found: [ArticleRef] = []
            try Self.forEachChunk(of: values) { marks, arguments in
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT a.id, a.feed_url, a.first_seen, l.story_id, l.duplicate_of, a.title, a.link
                        FROM article_links l JOIN articles a ON a.id = l.article_id
                        WHERE l.article_id IN (SELECT article_id FROM article_links WHERE \(column) IN (\(marks)))
                        """,
                    arguments: arguments)
                while let row = try rows.next() {
                    found.append(
                        ArticleRef(
                            id: row[0], feedURL: row[1], firstSeen: Date(timeIntervalSince1970: row[2]),
                            storyID: row[3], duplicateOf: row[4], title: row[5], link: row[6]))
                }
            }
            return found.sorted { ($0.firstSeen, $0.id) < ($1.firstSeen, $1.id) }
        }
    }

    /// The articles whose `column` holds one of `values`, oldest first. Asked in chunks, so no statement passes
    /// SQLite's limit on bound parameters.
    private func articles<Value: DatabaseValueConvertible & Sendable>(
        whereColumn column: String, isIn values: [Value]
    ) async throws -> [StoredArticle] {
        guard !values.isEmpty else { return [] }
        return try await reading { db in
            let decoder = JSONDecoder()
            var found: [StoredArticle] = []
            try Self.forEachChunk(of: values) { marks, arguments in
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(Self.articleColumns) FROM article_links l JOIN articles a ON a.id = l.article_id
                        WHERE l.\(column) IN (\(marks)) ORDER BY a.first_seen, a.id
                        """,
                    arguments: arguments)
                found += try rows.map { try Self.storedArticle(from: $0, decoder) }
            }
            return found.sorted { ($0.firstSeen, $0.id) < ($1.firstSeen, $1.id) }
        }
    }

    // MARK: Links and stories

    public func saveLinks(_ links: [LinkUpdate], stories: [StoryRecord]) async throws {
        guard !links.isEmpty || !stories.isEmpty else { return }
        try await writingWithoutForeignKeyChecks { db in
            // Many rows per statement: a first run stores tens of thousands of decisions at the very end, and one
            // statement per row spent more on binding and stepping than on the rows.
            for chunk in stories.chunked(Self.rowsPerStatement) {
                try Self.execute(
                    db, rows: chunk.count, columns: 3,
                    sql: { values in
                        """
                        INSERT INTO stories (id, title, last_active) VALUES \(values)
                        ON CONFLICT(id) DO UPDATE SET title = excluded.title, last_active = excluded.last_active
                        """
                    },
                    arguments: chunk.flatMap { story -> [(any DatabaseValueConvertible)?] in
                        [story.id, story.title, story.lastActive.timeIntervalSince1970]
                    })
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                try db.cachedStatement(sql: "DELETE FROM story_related WHERE story_id IN (\(marks))").execute(
                    arguments: StatementArguments(chunk.map(\.id)))
            }
            let related = stories.flatMap { story in
                story.related.enumerated().filter { $0.element != story.id }.map { (story.id, $0.offset, $0.element) }
            }
            for chunk in related.chunked(Self.rowsPerStatement) {
                try Self.execute(
                    db, rows: chunk.count, columns: 3,
                    sql: { "INSERT OR IGNORE INTO story_related (story_id, rank, related_id) VALUES \($0)" },
                    arguments: chunk.flatMap { row -> [(any DatabaseValueConvertible)?] in [row.0, row.1, row.2] })
            }
            // One narrow row per decision; the article rows are not touched.
            for chunk in links.chunked(Self.rowsPerStatement) {
                try Self.execute(
                    db, rows: chunk.count, columns: 4,
                    sql: { values in
                        """
                        INSERT INTO article_links (article_id, story_id, duplicate_of, reasons) VALUES \(values)
                        ON CONFLICT(article_id) DO UPDATE SET story_id = excluded.story_id,
                            duplicate_of = excluded.duplicate_of, reasons = excluded.reasons
                        """
                    },
                    arguments: chunk.flatMap { link -> [(any DatabaseValueConvertible)?] in
                        [
                            link.articleID, link.storyID, link.duplicateOf == link.articleID ? nil : link.duplicateOf,
                            ArticleJSON.encode(strings: link.reasons),
                        ]
                    })
            }
            try Self.bumpRevision(db)
            // A story whose every article moved to another one is gone, and so is its list of related stories
            // (the cascade of its foreign key is off here).
            try db.execute(sql: "DELETE FROM stories WHERE id NOT IN (SELECT story_id FROM article_links)")
            try db.execute(sql: "DELETE FROM story_related WHERE story_id NOT IN (SELECT id FROM stories)")
        }
    }

    /// Runs `body` for each run of at most 500 of `values`, with that run's `?,?,…` list and its arguments: one
    /// statement may bind only so many parameters.
    static func forEachChunk<Value: DatabaseValueConvertible>(
        of values: [Value], _ body: (_ marks: String, _ arguments: StatementArguments) throws -> Void
    ) rethrows {
        for chunk in values.chunked(500) {
            try body(Array(repeating: "?", count: chunk.count).joined(separator: ","), StatementArguments(chunk))
        }
    }

    /// Rows per multi-row statement: 200 rows of at most 4 values stay far below SQLite's limit on bound values.
    static let rowsPerStatement = 200

    /// Runs `sql` (given the `(?, ?), (?, ?)…` list for `rows` rows of `columns` values) with `arguments`, row by
    /// row. A full chunk's statement is prepared once and reused.
    private static func execute(
        _ db: Database, rows: Int, columns: Int, sql: (String) -> String,
        arguments: [(any DatabaseValueConvertible)?]
    ) throws {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ",") + ")"
        let values = Array(repeating: row, count: rows).joined(separator: ",")
        try db.cachedStatement(sql: sql(values)).execute(arguments: StatementArguments(arguments))
    }

    public func stories(activeSince since: Date) async throws -> [StoryRecord] {
        try await reading { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT s.id, s.title, s.last_active, COUNT(a.id) AS n FROM stories s
                    JOIN article_links l ON l.story_id = s.id JOIN articles a ON a.id = l.article_id
                    GROUP BY s.id HAVING MAX(a.first_seen) >= ?
                    ORDER BY s.last_active DESC, s.id
                    """, arguments: [since.timeIntervalSince1970])
            return try rows.map { row in
                let id: String = row["id"]
                let related = try String.fetchAll(
                    db, sql: "SELECT related_id FROM story_related WHERE story_id = ? ORDER BY rank", arguments: [id])
                return StoryRecord(
                    id: id, title: row["title"], related: related,
                    lastActive: Date(timeIntervalSince1970: row["last_active"]), articleCount: row["n"])
            }
        }
    }

    public func stories(ids: [String]) async throws -> [StoryRecord] {
        guard !ids.isEmpty else { return [] }
        return try await reading { db in
            var found: [String: StoryRecord] = [:]
            try Self.forEachChunk(of: ids) { marks, arguments in
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT s.id, s.title, s.last_active, COUNT(l.article_id) AS n FROM stories s
                        LEFT JOIN article_links l ON l.story_id = s.id
                        WHERE s.id IN (\(marks)) GROUP BY s.id
                        """, arguments: arguments)
                for row in rows {
                    let id: String = row["id"]
                    let related = try String.fetchAll(
                        db, sql: "SELECT related_id FROM story_related WHERE story_id = ? ORDER BY rank",
                        arguments: [id])
                    found[id] = StoryRecord(
                        id: id, title: row["title"], related: related,
                        lastActive: Date(timeIntervalSince1970: row["last_active"]), articleCount: row["n"])
                }
            }
            return ids.compactMap { found[$0] }
        }
    }

    public func unlinkedCount(firstSeenSince since: Date) async throws -> Int {
        try await reading { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM articles a WHERE a.first_seen >= ?
                    AND NOT EXISTS (SELECT 1 FROM article_links l WHERE l.article_id = a.id)
                    """,
                arguments: [since.timeIntervalSince1970]) ?? 0
        }
    }

    // MARK: Retention and health

    public func prune(_ policy: RetentionPolicy, now: Date) async throws -> PruneReport {
        try await writing { db in
            var report = PruneReport()
            let cutoff = now.timeIntervalSince1970 - policy.window
            try db.execute(
                sql: """
                    DELETE FROM articles WHERE first_seen < ? AND id NOT IN (
                        SELECT id FROM (
                            SELECT id, ROW_NUMBER() OVER (
                                PARTITION BY feed_url ORDER BY sort_date DESC, id DESC) AS position
                            FROM articles)
                        WHERE position <= ?)
                    """, arguments: [cutoff, policy.keepPerFeed])
            report.articles = db.changesCount
            let identityCutoff = now.timeIntervalSince1970 - policy.identityWindow
            try db.execute(
                sql: """
                    DELETE FROM identities WHERE last_seen < ? AND NOT EXISTS (
                        SELECT 1 FROM articles a
                        WHERE a.feed_url = identities.feed_url AND a.entry_key = identities.entry_key)
                    """, arguments: [identityCutoff])
            report.identities = db.changesCount
            try db.execute(sql: "DELETE FROM stories WHERE id NOT IN (SELECT story_id FROM article_links)")
            report.stories = db.changesCount
            if report.articles > 0 || report.stories > 0 {
                try Self.bumpRevision(db)
            }
            return report
        }
    }

    public func checkpoint() async throws {
        do {
            // PASSIVE: copies what no reader still needs, and never waits for a reader.
            _ = try await pool.writeWithoutTransaction { try $0.checkpoint(.passive) }
        } catch {
            throw StoreError.wrap(error, "cannot checkpoint the store at \(path)")
        }
    }

    public func revision() async throws -> Int {
        try await reading { db in
            try Int.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'revision'") ?? 0
        }
    }

    public func value(forKey key: String) async throws -> String? {
        try await reading { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
        }
    }

    public func setValue(_ value: String?, forKey key: String) async throws {
        try await writing { db in
            if let value {
                try db.execute(
                    sql:
                        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    arguments: [key, value])
            } else {
                try db.execute(sql: "DELETE FROM meta WHERE key = ?", arguments: [key])
            }
        }
    }

    /// Counts a change the outputs depend on, inside the writing transaction.
    static func bumpRevision(_ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO meta (key, value) VALUES ('revision', '1')
                ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1
                """
        ).execute()
    }

    public func integrityProblems() async throws -> [String] {
        try await reading { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            // Rows pointing at rows that are gone: the integrity check does not look at foreign keys.
            for row in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") {
                let table: String = row[0]
                let rowid: Int64? = row[1]
                let parent: String = row[2]
                problems.append(
                    "a row of \(table) (\(rowid.map(String.init) ?? "no rowid")) points at a missing \(parent) row")
            }
            return problems
        }
    }

    // MARK: Plumbing

    private func reading<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw StoreError.wrap(error, "cannot read the store at \(path)")
        }
    }

    private func writing<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch {
            throw StoreError.wrap(error, "cannot write the store at \(path)")
        }
    }

    /// A write transaction with SQLite's foreign-key checks off, for writes whose every reference was just read from
    /// this store under the run's lock: checking that each decision's article exists cost a lookup in the articles
    /// table per row, a third of the time a first run spends storing its decisions. Cascades are off too, so the
    /// body must delete dependent rows itself.
    private func writingWithoutForeignKeyChecks<T: Sendable>(
        _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        do {
            return try await pool.writeWithoutTransaction { db in
                // The pragma is ignored inside a transaction, so it wraps the transaction.
                try db.execute(sql: "PRAGMA foreign_keys = OFF")
                defer { try? db.execute(sql: "PRAGMA foreign_keys = ON") }
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                guard let result else { throw StoreError("the transaction ended without running its body") }
                return result
            }
        } catch {
            throw StoreError.wrap(error, "cannot write the store at \(path)")
        }
    }

    static func feedState(from row: Row) throws -> FeedState {
        var info: FeedInfo?
        if let text: String = row["info"] {
            info = try JSONDecoder().decode(FeedInfo.self, from: Data(text.utf8))
        }
        return FeedState(
            url: row["url"], etag: row["etag"], lastModified: row["last_modified"], lastStatus: row["last_status"],
            lastError: row["last_error"], errorCount: row["error_count"], lastFetched: date(row["last_fetched"]),
            lastSuccess: date(row["last_success"]), nextDue: date(row["next_due"]),
            disabledReason: row["disabled_reason"], pendingRedirect: row["pending_redirect"],
            redirectConfirmations: row["redirect_confirmations"], health: row["health"], info: info,
            keyByLink: row["key_by_link"], churnStrikes: row["churn_strikes"])
    }

    /// The `info` column's text for a feed's metadata.
    static func infoJSON(_ info: FeedInfo) throws -> String {
        if let text = ArticleJSON.encode(info) {
            return text
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(info), as: UTF8.self)
    }

    /// - Parameter infoJSON: `state.info` already encoded (`infoJSON(_:)`), when the caller has it.
    static func upsert(_ state: FeedState, infoJSON: String? = nil, _ db: Database) throws {
        var info = infoJSON
        if info == nil, let value = state.info {
            info = try Self.infoJSON(value)
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO feeds (url, etag, last_modified, last_status, last_error, error_count, last_fetched,
                    last_success, next_due, disabled_reason, pending_redirect, redirect_confirmations, health, info,
                    key_by_link, churn_strikes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
                    last_status = excluded.last_status, last_error = excluded.last_error,
                    error_count = excluded.error_count, last_fetched = excluded.last_fetched,
                    last_success = excluded.last_success, next_due = excluded.next_due,
                    disabled_reason = excluded.disabled_reason, pending_redirect = excluded.pending_redirect,
                    redirect_confirmations = excluded.redirect_confirmations, health = excluded.health,
                    info = excluded.info, key_by_link = excluded.key_by_link, churn_strikes = excluded.churn_strikes
                """
        ).execute(arguments: [
            state.url, state.etag, state.lastModified, state.lastStatus, state.lastError, state.errorCount,
            state.lastFetched?.timeIntervalSince1970, state.lastSuccess?.timeIntervalSince1970,
            state.nextDue?.timeIntervalSince1970, state.disabledReason, state.pendingRedirect,
            state.redirectConfirmations, state.health, info, state.keyByLink, state.churnStrikes,
        ])
    }

    /// Stores a feed's HTTP state only, leaving what a parse maintains (`info`, link keys, churn strikes) as it was:
    /// a 304 or a failure needs no read before its write.
    static func upsertHTTP(_ state: FeedState, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO feeds (url, etag, last_modified, last_status, last_error, error_count, last_fetched,
                    last_success, next_due, disabled_reason, pending_redirect, redirect_confirmations, health)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(url) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
                    last_status = excluded.last_status, last_error = excluded.last_error,
                    error_count = excluded.error_count, last_fetched = excluded.last_fetched,
                    last_success = excluded.last_success, next_due = excluded.next_due,
                    disabled_reason = excluded.disabled_reason, pending_redirect = excluded.pending_redirect,
                    redirect_confirmations = excluded.redirect_confirmations, health = excluded.health
                """
        ).execute(arguments: [
            state.url, state.etag, state.lastModified, state.lastStatus, state.lastError, state.errorCount,
            state.lastFetched?.timeIntervalSince1970, state.lastSuccess?.timeIntervalSince1970,
            state.nextDue?.timeIntervalSince1970, state.disabledReason, state.pendingRedirect,
            state.redirectConfirmations, state.health,
        ])
    }

    /// Keeps each stored article's own `feedURL` in step with the feed it is filed under after a move.
    private static func rewriteArticleFeedURLs(feed: String, _ db: Database) throws {
        let decoder = JSONDecoder()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let rows = try Row.fetchAll(db, sql: "SELECT id, article FROM articles WHERE feed_url = ?", arguments: [feed])
        for row in rows {
            let text: String = row["article"]
            var article = try decoder.decode(Article.self, from: Data(text.utf8))
            guard article.feedURL != feed else { continue }
            article.feedURL = feed
            let id: Int64 = row["id"]
            try db.execute(
                sql: "UPDATE articles SET article = ? WHERE id = ?",
                arguments: [String(decoding: try encoder.encode(article), as: UTF8.self), id])
        }
    }

    static func storedArticle(from row: Row, _ decoder: JSONDecoder) throws -> StoredArticle {
        try UndecodedArticle(row).decoded(decoder)
    }

    private static func date(_ seconds: Double?) -> Date? {
        seconds.map(Date.init(timeIntervalSince1970:))
    }
}

extension StoreError {
    /// Names what failed and why, with SQLite's own words for a full disk or a locked file.
    static func wrap(_ error: any Error, _ context: String) -> StoreError {
        if let storeError = error as? StoreError {
            return storeError
        }
        if let databaseError = error as? DatabaseError {
            switch databaseError.resultCode {
            case .SQLITE_FULL:
                return StoreError(
                    "\(context): the disk or the database is full (\(databaseError.message ?? "SQLITE_FULL"))")
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return StoreError("\(context): another process holds the database")
            case .SQLITE_IOERR:
                return StoreError(
                    "\(context): the disk refused a write (full, or a file-size limit reached?): "
                        + (databaseError.message ?? "disk I/O error"))
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                return StoreError("\(context): the database file is damaged (\(databaseError.message ?? "corrupt"))")
            default:
                return StoreError("\(context): \(databaseError.message ?? "\(databaseError.resultCode)")")
            }
        }
        return StoreError("\(context): \(error)")
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}

/// A row of `SQLiteStore.articleColumns` with the article's JSON not yet decoded: rows are read on the store's
/// connection, and decoded wherever the caller likes.
struct UndecodedArticle: Sendable {
    var id: Int64
    var feedURL: String
    var entryKey: String
    var json: String
    var firstSeen: Double
    var contentUpdated: Double
    var sortDate: Double
    var contentHash: String
    var storyID: String?
    var duplicateOf: Int64?
    var reasons: String?

    init(_ row: Row) {
        id = row["id"]
        feedURL = row["feed_url"]
        entryKey = row["entry_key"]
        json = row["article"]
        firstSeen = row["first_seen"]
        contentUpdated = row["content_updated"]
        sortDate = row["sort_date"]
        contentHash = row["content_hash"]
        storyID = row["story_id"]
        duplicateOf = row["duplicate_of"]
        reasons = row["reasons"]
    }

    func decoded(_ decoder: JSONDecoder) throws -> StoredArticle {
        let article = try decoder.decode(Article.self, from: Data(json.utf8))
        return StoredArticle(
            id: id, feedURL: feedURL, entryKey: entryKey, article: article,
            firstSeen: Date(timeIntervalSince1970: firstSeen),
            contentUpdated: Date(timeIntervalSince1970: contentUpdated),
            sortDate: Date(timeIntervalSince1970: sortDate), contentHash: contentHash, storyID: storyID,
            duplicateOf: duplicateOf, reasons: try reasons.map(ArticleJSON.decodeStrings) ?? [])
    }
}
