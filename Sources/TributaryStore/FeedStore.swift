public import Foundation
public import TributaryCore

/// The state Tributary keeps between runs, as the pipeline sees it.
///
/// The pipeline talks to this protocol only, so a server database can take SQLite's place when one machine is no
/// longer enough. Every method is one transaction: either all of it is stored or none of it is.
public protocol FeedStore: Sendable {
    /// Every feed the store knows, in URL order, without `info` (large, and not needed to schedule a run).
    func feedStates() async throws -> [FeedState]

    /// What the given feeds said about themselves on their last successful parse.
    func feedInfos(urls: [String]) async throws -> [String: FeedInfo]

    /// The title each of the given feeds gave itself, for those that gave one.
    func feedTitles(urls: [String]) async throws -> [String: String]

    /// One feed's state, or nil when it was never fetched.
    func feedState(url: String) async throws -> FeedState?

    /// Stores feeds' HTTP state and entries, one transaction for the whole batch.
    ///
    /// - Returns: one result per update, in the same order.
    func ingest(_ updates: [FeedUpdate], now: Date) async throws -> [IngestResult]

    /// Moves a feed's state, articles and identities to a new URL (a confirmed permanent redirect).
    func renameFeed(from oldURL: String, to newURL: String) async throws

    /// Articles first seen at or after `since`, oldest first: what the linker replays to rebuild its window.
    func articles(firstSeenSince since: Date) async throws -> [StoredArticle]

    /// The same articles as `articles(firstSeenSince:)`, reduced to what the linker reads: no article is decoded
    /// whole, so replaying a large window stays fast and small.
    func linkCandidates(firstSeenSince since: Date) async throws -> [LinkCandidate]

    /// The newest `limit` articles of the given feeds that lead their group (not duplicates of another), newest
    /// first, each followed by nothing else: ask `duplicates(of:)` for the copies.
    func leadArticles(limit: Int, feeds: Set<String>) async throws -> [StoredArticle]

    /// The articles marked as duplicates of the given ones.
    func duplicates(of ids: [Int64]) async throws -> [StoredArticle]

    /// The same articles as `articles(inStories:)`, reduced to what names them in a list of sources.
    func articleRefs(inStories ids: [String]) async throws -> [ArticleRef]

    /// The same articles as `duplicates(of:)`, reduced to what names them in a list of sources.
    func duplicateRefs(of ids: [Int64]) async throws -> [ArticleRef]

    /// The founding article of each of the given stories that still has it (a story's id is its founder's id).
    func founderRefs(ofStories ids: [String]) async throws -> [ArticleRef]

    /// Stores the linker's decisions and the stories they form.
    func saveLinks(_ links: [LinkUpdate], stories: [StoryRecord]) async throws

    /// Stories with an article first seen at or after `since`, most recently active first.
    func stories(activeSince since: Date) async throws -> [StoryRecord]

    /// The given stories, in the order asked for (unknown ids are left out).
    func stories(ids: [String]) async throws -> [StoryRecord]

    /// How many articles first seen at or after `since` the linker has not placed yet (a run died before linking).
    func unlinkedCount(firstSeenSince since: Date) async throws -> Int

    /// Articles belonging to the given stories, oldest first.
    func articles(inStories ids: [String]) async throws -> [StoredArticle]

    /// Drops articles past the retention window (keeping the newest per feed) and identities long unseen.
    func prune(_ policy: RetentionPolicy, now: Date) async throws -> PruneReport

    /// Copies what a write-ahead log holds into the database file, for a store that keeps one. A run calls it
    /// when everything but the publish record is written, while the publisher reads, so closing the store at the
    /// end has little left to copy. Not required: the store stays correct either way.
    func checkpoint() async throws

    /// A number that grows whenever something the outputs are made from changes (articles, feed metadata, stories);
    /// a run compares it with the one recorded at the last publish to skip a publish that would change nothing.
    func revision() async throws -> Int

    /// A small value the pipeline keeps between runs (such as what the last publish was made from).
    func value(forKey key: String) async throws -> String?

    func setValue(_ value: String?, forKey key: String) async throws

    /// Problems SQLite's own consistency and foreign-key checks find; empty when the store is sound.
    func integrityProblems() async throws -> [String]
}

/// One feed's polling state: HTTP validators, health, scheduling and redirect bookkeeping.
public struct FeedState: Sendable, Hashable, Codable {
    public var url: String
    public var etag: String?
    public var lastModified: String?
    /// The HTTP status of the last attempt (0 when none was received).
    public var lastStatus: Int?
    /// A person-readable reason the last attempt failed; nil after a success.
    public var lastError: String?
    /// Failures in a row.
    public var errorCount: Int
    public var lastFetched: Date?
    public var lastSuccess: Date?
    /// When the feed should be polled next; nil means now.
    public var nextDue: Date?
    /// Why the feed is no longer polled (410 Gone, too many failures); nil while it is active.
    public var disabledReason: String?
    /// A permanent redirect seen but not yet confirmed.
    public var pendingRedirect: String?
    /// How many runs in a row saw `pendingRedirect`.
    public var redirectConfirmations: Int
    /// The fetcher's own health record (JSON), kept whole so fields the store does not query survive.
    public var health: Data?
    /// What the feed said about itself on its last successful parse.
    public var info: FeedInfo?
    /// True once the feed was found to churn entry ids: its entries are then keyed by link.
    public var keyByLink: Bool
    /// Fetches in a row where every id was new while links repeated.
    public var churnStrikes: Int

    public init(
        url: String, etag: String? = nil, lastModified: String? = nil, lastStatus: Int? = nil,
        lastError: String? = nil, errorCount: Int = 0, lastFetched: Date? = nil, lastSuccess: Date? = nil,
        nextDue: Date? = nil, disabledReason: String? = nil, pendingRedirect: String? = nil,
        redirectConfirmations: Int = 0, health: Data? = nil, info: FeedInfo? = nil, keyByLink: Bool = false,
        churnStrikes: Int = 0
    ) {
        self.url = url
        self.etag = etag
        self.lastModified = lastModified
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.errorCount = errorCount
        self.lastFetched = lastFetched
        self.lastSuccess = lastSuccess
        self.nextDue = nextDue
        self.disabledReason = disabledReason
        self.pendingRedirect = pendingRedirect
        self.redirectConfirmations = redirectConfirmations
        self.health = health
        self.info = info
        self.keyByLink = keyByLink
        self.churnStrikes = churnStrikes
    }
}

/// What one fetch of one feed brought: its new HTTP state, and the parsed document when there was a body.
public struct FeedUpdate: Sendable, Hashable {
    /// Stored as given, except `keyByLink` and `churnStrikes`, which the store itself maintains.
    public var state: FeedState
    /// Nil for a 304 or a failure: the feed's articles are then left as they are.
    public var parsed: ParsedFeed? {
        didSet { prepared = nil }
    }
    /// What `prepare()` worked out ahead of the store's transaction; nil until then.
    var prepared: PreparedEntries?

    public init(state: FeedState, parsed: ParsedFeed? = nil) {
        self.state = state
        self.parsed = parsed
    }

    /// Does the CPU-heavy part of storing ahead of time: entry keys, content hashes, the article and feed JSON.
    ///
    /// A store has one writer, so whatever it computes inside its transaction is done on one core while the others
    /// wait; the pipeline calls this where it parses, on every core. Storing an unprepared update gives the same
    /// result, only slower.
    public mutating func prepare() {
        guard let parsed else { return }
        prepared = PreparedEntries(parsed, feedURL: state.url)
    }
}

/// What storing one feed's entries changed.
public struct IngestResult: Sendable, Hashable {
    public var feedURL: String
    /// Store ids of articles seen for the first time.
    public var newArticles: [Int64]
    /// Store ids of articles whose content changed in place.
    public var updatedArticles: [Int64]
    /// Entries already stored with the same content.
    public var unchanged: Int
    /// Entries whose article has expired but whose identity is still known: they do not come back as new.
    public var expired: Int
    /// True when this fetch switched the feed to keying entries by link.
    public var switchedToLinkKeys: Bool
    /// Things a person should know, for the log.
    public var warnings: [String]
    /// The new articles as `linkCandidates(firstSeenSince:)` will read them back, in the order of `newArticles`:
    /// a linker can take them as they are stored instead of waiting for the run's last feed.
    public var newCandidates: [LinkCandidate]

    public init(
        feedURL: String, newArticles: [Int64] = [], updatedArticles: [Int64] = [], unchanged: Int = 0,
        expired: Int = 0, switchedToLinkKeys: Bool = false, warnings: [String] = [], newCandidates: [LinkCandidate] = []
    ) {
        self.feedURL = feedURL
        self.newArticles = newArticles
        self.updatedArticles = updatedArticles
        self.unchanged = unchanged
        self.expired = expired
        self.switchedToLinkKeys = switchedToLinkKeys
        self.warnings = warnings
        self.newCandidates = newCandidates
    }
}

/// An article as stored, with the bookkeeping the linker and publisher need.
public struct StoredArticle: Sendable, Hashable {
    /// The store's id for the article; stable for the article's lifetime.
    public var id: Int64
    public var feedURL: String
    /// The entry's identity within its feed (`id:…`, `link:…` or `hash:…`).
    public var entryKey: String
    public var article: Article
    public var firstSeen: Date
    /// When the store last saw the content change (equals `firstSeen` until the entry is edited).
    public var contentUpdated: Date
    /// The date the article sorts by: published (or updated), never later than first seen.
    public var sortDate: Date
    public var contentHash: String
    public var storyID: String?
    /// The store id of the article this one is a copy of.
    public var duplicateOf: Int64?
    /// Why the linker placed the article where it is.
    public var reasons: [String]

    public init(
        id: Int64, feedURL: String, entryKey: String, article: Article, firstSeen: Date, contentUpdated: Date,
        sortDate: Date, contentHash: String, storyID: String? = nil, duplicateOf: Int64? = nil,
        reasons: [String] = []
    ) {
        self.id = id
        self.feedURL = feedURL
        self.entryKey = entryKey
        self.article = article
        self.firstSeen = firstSeen
        self.contentUpdated = contentUpdated
        self.sortDate = sortDate
        self.contentHash = contentHash
        self.storyID = storyID
        self.duplicateOf = duplicateOf
        self.reasons = reasons
    }
}

extension FeedStore {
    /// Nothing to do for a store without a log of its own.
    public func checkpoint() async throws {}

    /// Projects whole feed infos; a store that can read the field alone does better.
    public func feedTitles(urls: [String]) async throws -> [String: String] {
        try await feedInfos(urls: urls).compactMapValues(\.title)
    }

    /// Projects whole articles; a store that can read the fields alone does better.
    public func linkCandidates(firstSeenSince since: Date) async throws -> [LinkCandidate] {
        try await articles(firstSeenSince: since).map(LinkCandidate.init)
    }

    /// Projects whole articles; a store that can read the fields alone does better.
    public func articleRefs(inStories ids: [String]) async throws -> [ArticleRef] {
        try await articles(inStories: ids).map(ArticleRef.init)
    }

    /// Projects whole articles; a store that can read the fields alone does better.
    public func duplicateRefs(of ids: [Int64]) async throws -> [ArticleRef] {
        try await duplicates(of: ids).map(ArticleRef.init)
    }

    /// Reads every member; a store that can look the founders up by id does better.
    public func founderRefs(ofStories ids: [String]) async throws -> [ArticleRef] {
        try await articleRefs(inStories: ids).filter { String($0.id) == $0.storyID }
    }
}

/// An article as a list of sources or related stories names it: publishing reads thousands of these for the few
/// hundred entries it writes in full.
public struct ArticleRef: Sendable, Hashable {
    public var id: Int64
    public var feedURL: String
    public var firstSeen: Date
    public var storyID: String?
    public var duplicateOf: Int64?
    public var title: String?
    public var link: String?

    public init(
        id: Int64, feedURL: String, firstSeen: Date, storyID: String? = nil, duplicateOf: Int64? = nil,
        title: String? = nil, link: String? = nil
    ) {
        self.id = id
        self.feedURL = feedURL
        self.firstSeen = firstSeen
        self.storyID = storyID
        self.duplicateOf = duplicateOf
        self.title = title
        self.link = link
    }

    /// The projection of a whole stored article.
    public init(_ stored: StoredArticle) {
        self.init(
            id: stored.id, feedURL: stored.feedURL, firstSeen: stored.firstSeen, storyID: stored.storyID,
            duplicateOf: stored.duplicateOf, title: stored.article.title, link: stored.article.link)
    }
}

/// What the linker needs of one stored article, and where it was placed last time.
public struct LinkCandidate: Sendable, Hashable {
    public var id: Int64
    public var feedURL: String
    public var title: String?
    /// The summary, or the content when there is none: the text the linker tokenizes.
    public var text: String?
    public var link: String?
    /// The href of the article's first `canonical` link.
    public var canonicalLink: String?
    /// Published, or updated when there is no published date.
    public var published: Date?
    public var firstSeen: Date
    public var storyID: String?
    public var duplicateOf: Int64?
    public var reasons: [String]

    public init(
        id: Int64, feedURL: String, title: String? = nil, text: String? = nil, link: String? = nil,
        canonicalLink: String? = nil, published: Date? = nil, firstSeen: Date, storyID: String? = nil,
        duplicateOf: Int64? = nil, reasons: [String] = []
    ) {
        self.id = id
        self.feedURL = feedURL
        self.title = title
        self.text = text
        self.link = link
        self.canonicalLink = canonicalLink
        self.published = published
        self.firstSeen = firstSeen
        self.storyID = storyID
        self.duplicateOf = duplicateOf
        self.reasons = reasons
    }

    /// The projection of a whole stored article.
    public init(_ stored: StoredArticle) {
        let article = stored.article
        self.init(
            id: stored.id, feedURL: stored.feedURL, title: article.title, text: article.summary ?? article.content,
            link: article.link, canonicalLink: article.links.first { $0.rel == "canonical" }?.href,
            published: article.published ?? article.updated, firstSeen: stored.firstSeen, storyID: stored.storyID,
            duplicateOf: stored.duplicateOf, reasons: stored.reasons)
    }
}

/// The linker's decision for one stored article.
public struct LinkUpdate: Sendable, Hashable {
    public var articleID: Int64
    public var storyID: String
    public var duplicateOf: Int64?
    public var reasons: [String]

    public init(articleID: Int64, storyID: String, duplicateOf: Int64? = nil, reasons: [String] = []) {
        self.articleID = articleID
        self.storyID = storyID
        self.duplicateOf = duplicateOf
        self.reasons = reasons
    }
}

/// A story: articles about one event, and the stories close to it in topic.
public struct StoryRecord: Sendable, Hashable {
    public var id: String
    /// The headline of the story's lead article.
    public var title: String?
    /// Related story ids, best first.
    public var related: [String]
    /// When the story's newest article was first seen.
    public var lastActive: Date
    /// How many stored articles belong to it (filled in when read back).
    public var articleCount: Int

    public init(id: String, title: String? = nil, related: [String] = [], lastActive: Date, articleCount: Int = 0) {
        self.id = id
        self.title = title
        self.related = related
        self.lastActive = lastActive
        self.articleCount = articleCount
    }
}

/// How long the store keeps what.
public struct RetentionPolicy: Sendable, Hashable {
    /// Articles first seen longer ago than this are dropped…
    public var window: TimeInterval
    /// …except the newest this many of each feed.
    public var keepPerFeed: Int
    /// Identities not seen in a feed for this long are forgotten; longer than `window`, so an entry that has
    /// expired but is still in its feed is not taken for new.
    public var identityWindow: TimeInterval

    public init(window: TimeInterval, keepPerFeed: Int, identityWindow: TimeInterval) {
        self.window = window
        self.keepPerFeed = keepPerFeed
        self.identityWindow = identityWindow
    }

    /// The policy feeds.json's `store` settings ask for; identities live four times the window, a year at least.
    public init(_ settings: StoreSettings) {
        let window = TimeInterval(max(settings.retentionDays, 1)) * 86_400
        self.init(
            window: window, keepPerFeed: max(settings.keepPerFeed, 0), identityWindow: max(4 * window, 365 * 86_400)
        )
    }
}

/// What `prune` removed.
public struct PruneReport: Sendable, Hashable {
    public var articles: Int
    public var identities: Int
    public var stories: Int

    public init(articles: Int = 0, identities: Int = 0, stories: Int = 0) {
        self.articles = articles
        self.identities = identities
        self.stories = stories
    }
}
