public import Foundation

/// What one `tributary run` did: the closing summary on stderr and the `--report` JSON.
public struct RunSummary: Sendable, Hashable, Codable {
    /// One feed that failed, and why.
    public struct Failure: Sendable, Hashable, Codable {
        public var url: String
        public var status: Int?
        public var error: String
    }

    /// A subscription moved to a new URL after a confirmed permanent redirect.
    public struct Move: Sendable, Hashable, Codable {
        public var from: String
        public var to: String
    }

    public var started: Date
    /// Seconds the whole run took.
    public var seconds: Double
    /// Subscriptions in feeds.json.
    public var feeds: Int
    /// Feeds that were due and fetched this run.
    public var due: Int
    /// Fetched with a new body (2xx or a local file).
    public var fetched: Int
    /// Answered 304 Not Modified.
    public var notModified: Int
    public var failed: Int
    /// Not due yet, or disabled.
    public var skipped: Int
    public var newArticles: Int
    public var updatedArticles: Int
    /// Body bytes received.
    public var bytes: Int
    public var moves: [Move]
    public var failures: [Failure]
    /// Output files rewritten, and those already up to date.
    public var written: [String]
    public var unchanged: [String]
    /// Entries in the published feed.
    public var entries: Int
    public var warnings: [String]

    init(started: Date) {
        self.started = started
        seconds = 0
        feeds = 0
        due = 0
        fetched = 0
        notModified = 0
        failed = 0
        skipped = 0
        newArticles = 0
        updatedArticles = 0
        bytes = 0
        moves = []
        failures = []
        written = []
        unchanged = []
        entries = 0
        warnings = []
    }

    /// One line a person reads at the end of a run.
    public var line: String {
        var text =
            "\(due) of \(feeds) feeds fetched: \(fetched) new bodies, \(notModified) not modified, \(failed) failed"
        text += "; \(newArticles) new and \(updatedArticles) updated articles"
        text += "; \(written.count) files written, \(unchanged.count) unchanged"
        text += String(format: "; %.1f s", seconds)
        return text
    }
}

/// What a run is doing, for a progress bar or log lines. Delivered on the run's own task, in order.
public enum RunEvent: Sendable {
    /// Fetching starts: how many feeds are due.
    case fetching(total: Int)
    /// One feed is done: fetched, not modified, or failed (with the reason).
    case feed(url: String, result: FeedOutcome, bytes: Int)
    /// A subscription moved after a confirmed permanent redirect.
    case moved(from: String, to: String)
    /// Something a person should know (a feed that churns ids, a parse that recovered from errors).
    case warning(String)
    case linking(articles: Int)
    case publishing
}

/// How one feed's fetch ended.
public enum FeedOutcome: Sendable, Hashable {
    /// A body was parsed into this many entries.
    case fetched(entries: Int)
    case notModified
    case failed(String)
}
