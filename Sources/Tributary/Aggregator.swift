public import Foundation
public import Logging
public import TributaryCore
import TributaryFetcher
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
    /// How many batches may wait for the store at once (see `flush`).
    static let pendingBatches = 4

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

    /// One whole pass: fetch → parse → store → link → prune → publish.
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
        // Positions, not copies: a state is a large value, and growing a dictionary of ten thousand of them moved
        // each one several times (a tenth of a conditional run's start-up).
        var stateIndex: [String: Int] = Dictionary(minimumCapacity: states.count)
        for (index, state) in states.enumerated() { stateIndex[state.url] = index }

        var requests: [FetchRequest] = []
        requests.reserveCapacity(feedList.feeds.count)
        var dueStates: [String: FeedState] = Dictionary(minimumCapacity: feedList.feeds.count)
        for subscription in feedList.feeds {
            // The columns say what the health record says about due times and validators; the record itself is
            // decoded later, where the result is parsed, off this task.
            let state = stateIndex[subscription.url].map { states[$0] }
            guard state?.disabledReason == nil,
                all || state?.nextDue.map({ $0 <= started }) ?? true
            else {
                summary.skipped += 1
                continue
            }
            dueStates[subscription.url] = state
            let target = subscription.isRemote ? subscription.url : file.resolvedPath(subscription.url).path
            requests.append(
                FetchRequest(
                    feedURL: subscription.url, url: target, etag: state?.etag, lastModified: state?.lastModified))
        }
        summary.due = requests.count
        events(.fetching(total: requests.count))
        logger.info("fetching \(requests.count) of \(feedList.feeds.count) feeds")

        let collector = FetchCollector(summary: summary, stateByURL: dueStates, settings: feedList.fetch)
        // The link window is anchored at the run's start, for the streaming linker and the replay alike.
        let linkFeed = LinkFeed(
            store: store, since: started.addingTimeInterval(-linkWindow), settings: feedList.link,
            priorities: linkPriorities)
        collector.linkFeed = linkFeed
        do {
            try await fetchParseStore(requests, store: store, collector: collector, events: events)
        } catch {
            linkFeed.abandon()
            throw error
        }
        summary = collector.summary
        var changed = collector.changed
        let moves = collector.moves
        let parsing = String(format: "%.2f", collector.parseSeconds)
        let storeWait = String(format: "%.2f", collector.storeWaitSeconds)
        logger.info(
            """
            fetched, parsed and stored \(requests.count) feeds in \(Self.seconds(since: started)) s \
            (parsing \(parsing) s, waiting for the store \(storeWait) s)
            """
        )

        if !moves.isEmpty {
            summary.moves = try await applyMoves(moves, store: store, events: events)
            changed = changed || !summary.moves.isEmpty
        }

        let linkStarted = Date()
        var streamed: LinkStream.Linked?
        if let stream = linkFeed.stream {
            if summary.moves.isEmpty, !linkFeed.mustReplay {
                streamed = await stream.finish()
            } else {
                stream.abandon()
            }
        }
        if let streamed {
            events(.linking(articles: streamed.articles.count))
            try await saveLinks(streamed.decisions, articles: streamed.articles, store: store)
            logger.info("linked while fetching; waited \(Self.seconds(since: linkStarted)) s for the last batch")
        } else {
            try await link(store: store, force: changed, now: started, events: events)
        }
        logger.info("linking took \(Self.seconds(since: linkStarted)) s")

        // Before publishing, so the outputs never list what the store no longer has.
        let pruned = try await attempt("apply retention") {
            try await store.prune(RetentionPolicy(feedList.store), now: Date())
        }
        if pruned.articles > 0 || pruned.identities > 0 {
            logger.info("retention dropped \(pruned.articles) articles and \(pruned.identities) identities")
        }

        events(.publishing)
        let publishStarted = Date()
        // The publisher only reads until it records what it wrote; meanwhile the store copies the run's last
        // pages from its log into the file, a copy that closing it would otherwise make after the last output
        // (12 ms of a 10,000-feed first run).
        let checkpoint = Task { try? await store.checkpoint() }
        let report = try await publishIfChanged(store: store, force: false)
        await checkpoint.value
        logger.info("publishing took \(Self.seconds(since: publishStarted)) s")
        summary.written = report.written
        summary.unchanged = report.unchanged
        summary.entries = report.entryCount
        summary.seconds = Date().timeIntervalSince(started)
        return summary
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
        return try await publishIfChanged(store: store, force: true)
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

    static func seconds(since start: Date) -> String {
        String(format: "%.2f", Date().timeIntervalSince(start))
    }

    // MARK: health

    /// The fetcher's view of a feed, from what the store kept (its JSON when present, else the columns).
    static func health(from state: FeedState?) -> FeedHealth {
        guard let state else { return FeedHealth() }
        if let data = state.health,
            let health = HealthJSON.decode(data) ?? (try? JSONDecoder().decode(FeedHealth.self, from: data))
        {
            return health
        }
        return FeedHealth(
            errorCount: state.errorCount, lastStatus: state.lastStatus, lastError: state.lastError,
            lastFetched: state.lastFetched, lastSuccess: state.lastSuccess,
            nextDue: state.nextDue ?? Date(timeIntervalSince1970: 0), disabledReason: state.disabledReason,
            unhealthy: state.errorCount >= FeedPolicy.unhealthyAfter, pendingRedirect: state.pendingRedirect,
            pendingRedirectCount: state.redirectConfirmations, etag: state.etag, lastModified: state.lastModified)
    }

    /// What `HealthJSON` cannot write (a date that is not finite) is left to Foundation.
    private static func foundationJSON(_ health: FeedHealth) -> Data? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try? encoder.encode(health)
    }

    static func state(url: String, health: FeedHealth) -> FeedState {
        FeedState(
            url: url, etag: health.etag, lastModified: health.lastModified, lastStatus: health.lastStatus,
            lastError: health.lastError, errorCount: health.errorCount, lastFetched: health.lastFetched,
            lastSuccess: health.lastSuccess, nextDue: health.nextDue, disabledReason: health.disabledReason,
            pendingRedirect: health.pendingRedirect, redirectConfirmations: health.pendingRedirectCount,
            health: HealthJSON.encode(health) ?? foundationJSON(health))
    }
}
