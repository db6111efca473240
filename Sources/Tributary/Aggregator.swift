public import Foundation
public import Logging
public import TributaryCore
import TributaryFetcher
import TributaryLinker
import TributaryParser
public import TributaryPublisher
public import TributaryStore

/// The pipeline: fetch what is due, parse each body as it arrives, store in batched transactions, link, publish.
///
/// One feed's failure is recorded in the store and the summary and never stops the others. What does stop a run
/// (the lock is held, the store or the outputs cannot be written) is a `TributaryError`; the published files are
/// then those of the last good run, since the publisher replaces each file atomically.
public struct Aggregator: Sendable {
    /// feeds.json as loaded; its folder anchors every relative path.
    public let file: FeedListFile
    let logger: Logger
    let makeStore: @Sendable (String) throws -> any FeedStore

    /// How many feeds one store transaction takes: large enough that a run of thousands of feeds commits a few
    /// dozen times, small enough that a crash loses little work.
    static let batchSize = 64
    /// A batch is also written once it is this old, so a slow run stores as it goes.
    static let batchSeconds = 1.0

    /// - Parameters:
    ///   - makeStore: opens the store at the given path; SQLite by default. A server database plugs in here.
    public init(
        file: FeedListFile, logger: Logger,
        makeStore: @escaping @Sendable (String) throws -> any FeedStore = { try SQLiteStore(path: $0) }
    ) {
        self.file = file
        self.logger = logger
        self.makeStore = makeStore
    }

    /// The state folder (`store.dir`, `.tributary` next to feeds.json by default).
    public var stateDirectory: URL { file.resolvedPath(file.feedList.store.dir) }
    /// The output folder (`output.dir`).
    public var outputDirectory: URL { file.resolvedPath(file.feedList.output.dir) }
    /// The SQLite file inside the state folder.
    public var databasePath: String { stateDirectory.appendingPathComponent("tributary.sqlite").path }
    /// The lock file next to the state.
    public var lockPath: String { stateDirectory.appendingPathComponent("lock").path }

    // MARK: run

    /// One whole pass: fetch → parse → store → link → publish → prune.
    ///
    /// - Parameters:
    ///   - all: fetch every feed now, due or not (disabled feeds stay disabled).
    ///   - events: progress, delivered in order on the run's task.
    /// - Throws: `TributaryError` when the lock is held or the store or outputs cannot be written.
    public func run(
        all: Bool = false, events: @Sendable (RunEvent) -> Void = { _ in }
    ) async throws(TributaryError)
        -> RunSummary
    {
        let started = Date()
        let lock = try RunLock(path: lockPath)
        defer { withExtendedLifetime(lock) {} }
        let store = try openStore()
        var summary = RunSummary(started: started)
        let feedList = file.feedList
        summary.feeds = feedList.feeds.count

        let states = try await attempt("read the feed states") { try await store.feedStates() }
        var stateByURL: [String: FeedState] = [:]
        for state in states { stateByURL[state.url] = state }

        var requests: [FetchRequest] = []
        var healthByURL: [String: FeedHealth] = [:]
        for subscription in feedList.feeds {
            let health = Self.health(from: stateByURL[subscription.url])
            guard health.disabledReason == nil, all || health.isDue(at: started) else {
                summary.skipped += 1
                continue
            }
            healthByURL[subscription.url] = health
            let target = subscription.isRemote ? subscription.url : file.resolvedPath(subscription.url).path
            requests.append(
                FetchRequest(
                    feedURL: subscription.url, url: target, etag: health.etag, lastModified: health.lastModified))
        }
        summary.due = requests.count
        events(.fetching(total: requests.count))
        logger.info("fetching \(requests.count) of \(feedList.feeds.count) feeds")

        let fetcher = Fetcher(
            settings: feedList.fetch, logger: logger, site: feedList.site.site, version: tributaryVersion)
        var batch: [FeedUpdate] = []
        var batchStarted = Date()
        var moves: [RunSummary.Move] = []
        var changed = false
        for await result in fetcher.fetch(requests) {
            let url = result.request.feedURL
            var outcome = result
            var parsed: ParsedFeed?
            if case .body(let data, let contentType) = result.outcome {
                let document = FeedParser.parse(
                    data, documentURL: Subscription(url: url).isRemote ? result.finalURL : nil,
                    contentType: contentType)
                if document.articles.isEmpty, let first = document.errors.first {
                    outcome.outcome = .failed(FetchError(.other, "not a readable feed: \(first)"))
                } else {
                    parsed = document
                    if !document.errors.isEmpty {
                        logger.notice(
                            "\(url): read with \(document.errors.count) problem(s): \(document.errors[0])",
                            metadata: ["feed.url": "\(url)"])
                    }
                }
            }
            let hints = parsed?.info.schedule ?? stateByURL[url]?.info?.schedule
            let previous = healthByURL[url] ?? FeedHealth()
            let (health, move) = FeedPolicy.update(
                previous, after: outcome, hints: hints, settings: feedList.fetch, now: Date())
            batch.append(FeedUpdate(state: Self.state(url: url, health: health), parsed: parsed))
            summary.bytes += result.bytes
            switch outcome.outcome {
            case .body:
                summary.fetched += 1
                events(.feed(url: url, result: .fetched(entries: parsed?.articles.count ?? 0), bytes: result.bytes))
            case .notModified:
                summary.notModified += 1
                events(.feed(url: url, result: .notModified, bytes: result.bytes))
            case .failed(let error):
                summary.failed += 1
                summary.failures.append(.init(url: url, status: outcome.status, error: error.description))
                logger.warning("\(url): \(error.description)", metadata: ["feed.url": "\(url)"])
                events(.feed(url: url, result: .failed(error.description), bytes: result.bytes))
            }
            if let move {
                moves.append(.init(from: move.from, to: move.to))
            }
            if batch.count >= Self.batchSize || Date().timeIntervalSince(batchStarted) >= Self.batchSeconds {
                changed = try await save(batch, in: store, summary: &summary, events: events) || changed
                batch.removeAll(keepingCapacity: true)
                batchStarted = Date()
            }
        }
        changed = try await save(batch, in: store, summary: &summary, events: events) || changed

        if !moves.isEmpty {
            summary.moves = try await applyMoves(moves, store: store, events: events)
            changed = changed || !summary.moves.isEmpty
        }

        try await link(store: store, force: changed, now: Date(), events: events)
        events(.publishing)
        let report = try await publishOutputs(store: store)
        summary.written = report.written
        summary.unchanged = report.unchanged
        summary.entries = report.entryCount

        let pruned = try await attempt("apply retention") {
            try await store.prune(RetentionPolicy(feedList.store), now: Date())
        }
        if pruned.articles > 0 || pruned.identities > 0 {
            logger.info("retention dropped \(pruned.articles) articles and \(pruned.identities) identities")
        }
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    /// Writes one batch; true when any article was new or changed.
    private func save(
        _ batch: [FeedUpdate], in store: any FeedStore, summary: inout RunSummary, events: (RunEvent) -> Void
    ) async throws(TributaryError) -> Bool {
        guard !batch.isEmpty else { return false }
        let results = try await attempt("store \(batch.count) feeds") { try await store.ingest(batch, now: Date()) }
        var changed = false
        for result in results {
            summary.newArticles += result.newArticles.count
            summary.updatedArticles += result.updatedArticles.count
            changed = changed || !result.newArticles.isEmpty || !result.updatedArticles.isEmpty
            for warning in result.warnings {
                logger.warning("\(warning)", metadata: ["feed.url": "\(result.feedURL)"])
                summary.warnings.append(warning)
                events(.warning(warning))
            }
        }
        return changed
    }

    /// Points feeds.json and the store at the new URLs of confirmed moves; feeds.json first, so a failed save
    /// leaves both as they were and the move is simply confirmed again on a later run.
    private func applyMoves(
        _ moves: [RunSummary.Move], store: any FeedStore, events: (RunEvent) -> Void
    ) async throws(TributaryError) -> [RunSummary.Move] {
        var edited = file
        var applied: [RunSummary.Move] = []
        for move in moves where edited.replaceURL(move.from, with: move.to) {
            applied.append(move)
        }
        guard !applied.isEmpty else { return [] }
        do {
            try edited.save()
        } catch {
            logger.error("cannot record moved feeds in \(file.url.path): \(error)")
            return []
        }
        for move in applied {
            try await attempt("move \(move.from)") { try await store.renameFeed(from: move.from, to: move.to) }
            logger.notice("feed moved: \(move.from) → \(move.to)", metadata: ["feed.url": "\(move.to)"])
            events(.moved(from: move.from, to: move.to))
        }
        return applied
    }

    // MARK: publish

    /// Rewrites the outputs from the store without fetching (`tributary publish`).
    ///
    /// - Throws: `TributaryError` when the lock is held or the outputs cannot be written.
    public func publish() async throws(TributaryError) -> PublishReport {
        let lock = try RunLock(path: lockPath)
        defer { withExtendedLifetime(lock) {} }
        let store = try openStore()
        try await link(store: store, force: false, now: Date(), events: { _ in })
        return try await publishOutputs(store: store)
    }

    func openStore() throws(TributaryError) -> any FeedStore {
        do {
            return try makeStore(databasePath)
        } catch {
            throw TributaryError.fatal("\(error)")
        }
    }

    func attempt<T: Sendable>(_ what: String, _ body: () async throws -> T) async throws(TributaryError) -> T {
        do {
            return try await body()
        } catch let error as TributaryError {
            throw error
        } catch {
            throw TributaryError.fatal("cannot \(what): \(error)")
        }
    }

    // MARK: health

    /// The fetcher's view of a feed, from what the store kept (its JSON when present, else the columns).
    static func health(from state: FeedState?) -> FeedHealth {
        guard let state else { return FeedHealth() }
        if let data = state.health, let health = try? JSONDecoder().decode(FeedHealth.self, from: data) {
            return health
        }
        return FeedHealth(
            errorCount: state.errorCount, lastStatus: state.lastStatus, lastError: state.lastError,
            lastFetched: state.lastFetched, lastSuccess: state.lastSuccess,
            nextDue: state.nextDue ?? Date(timeIntervalSince1970: 0), disabledReason: state.disabledReason,
            unhealthy: state.errorCount >= FeedPolicy.unhealthyAfter, pendingRedirect: state.pendingRedirect,
            pendingRedirectCount: state.redirectConfirmations, etag: state.etag, lastModified: state.lastModified)
    }

    static func state(url: String, health: FeedHealth) -> FeedState {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return FeedState(
            url: url, etag: health.etag, lastModified: health.lastModified, lastStatus: health.lastStatus,
            lastError: health.lastError, errorCount: health.errorCount, lastFetched: health.lastFetched,
            lastSuccess: health.lastSuccess, nextDue: health.nextDue, disabledReason: health.disabledReason,
            pendingRedirect: health.pendingRedirect, redirectConfirmations: health.pendingRedirectCount,
            health: try? encoder.encode(health))
    }
}
