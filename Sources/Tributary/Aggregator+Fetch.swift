import Foundation
import Logging
import TributaryCore
import TributaryFetcher
import TributaryParser
import TributaryStore

/// One finished transfer, parsed off the run's own task.
struct ParsedResult: Sendable {
    /// The fetch result; a body that is no feed at all is turned into a failure here.
    var result: FetchResult
    var parsed: ParsedFeed?
    var seconds: Double
    /// What the store is to keep (prepared, see `FeedUpdate.prepare`); nil until `process` made it.
    var update: FeedUpdate?
    /// A permanent redirect confirmed by this fetch.
    var move: RunSummary.Move?

    /// Everything a finished transfer costs before the store: parsing, the feed's new health (decoded, updated,
    /// encoded again) and the store's own per-entry work. Runs in a child task, so all of it is spread over the
    /// cores instead of queueing on the run's task or the store's single writer.
    static func process(_ result: FetchResult, state: FeedState?, settings: FetchSettings) -> ParsedResult {
        var done = parse(result)
        let url = result.request.feedURL
        // Nil hints for a 304 or a failure: the fetcher then schedules by the hints it kept in the health record.
        let (health, move) = FeedPolicy.update(
            Aggregator.health(from: state), after: done.result, hints: done.parsed?.info.schedule, settings: settings,
            now: Date())
        var update = FeedUpdate(state: Aggregator.state(url: url, health: health), parsed: done.parsed)
        update.prepare()
        done.update = update
        done.move = move.map { RunSummary.Move(from: $0.from, to: $0.to) }
        return done
    }

    /// Parses a body, if there is one. Runs in a child task, so both cores parse while the fetcher's thread moves
    /// bytes.
    static func parse(_ result: FetchResult) -> ParsedResult {
        guard case .body(let data, let contentType) = result.outcome else {
            return ParsedResult(result: result, parsed: nil, seconds: 0)
        }
        let started = Date()
        let url = result.request.feedURL
        let document = FeedParser.parse(
            data, documentURL: Subscription(url: url).isRemote ? result.finalURL : nil, contentType: contentType)
        let seconds = Date().timeIntervalSince(started)
        if document.articles.isEmpty, let first = document.errors.first {
            var failed = result
            failed.outcome = .failed(FetchError(.other, "not a readable feed: \(first)"))
            return ParsedResult(result: failed, parsed: nil, seconds: seconds)
        }
        return ParsedResult(result: result, parsed: document, seconds: seconds)
    }
}

/// What the fetch stage of one run accumulates: the batch waiting for the store, the summary, confirmed moves.
///
/// Used only by the run's own task (the task group's body), never by the parsing children.
final class FetchCollector {
    var summary: RunSummary
    var batch: [FeedUpdate] = []
    var batchStarted = Date()
    /// The batches handed to the store and not yet accounted for, oldest first; each waits for the one before.
    var storing: [StoringBatch] = []
    var moves: [RunSummary.Move] = []
    var changed = false
    /// Hands the stored batches' new articles to the streaming linker; set before the first batch is stored.
    var linkFeed: LinkFeed?
    var parseSeconds = 0.0
    /// Seconds the run spent waiting for the store to take a batch (the store was the bottleneck then).
    var storeWaitSeconds = 0.0
    var failure: TributaryError?
    /// The stored state of each feed being fetched (nil for a feed never fetched before).
    let stateByURL: [String: FeedState]
    let settings: FetchSettings

    init(summary: RunSummary, stateByURL: [String: FeedState], settings: FetchSettings) {
        self.summary = summary
        self.stateByURL = stateByURL
        self.settings = settings
    }
}

@available(*, unavailable)
extension FetchCollector: Sendable {}

/// One batch on its way into the store.
struct StoringBatch {
    typealias Outcome = Result<[IngestResult], any Error>
    var task: Task<Outcome, Never>
    var feeds: Int
}

extension Aggregator {
    /// Fetches, parses (on up to two children per core) and stores the due feeds, a batch per transaction.
    func fetchParseStore(
        _ requests: [FetchRequest], store: any FeedStore, collector: FetchCollector, events: (RunEvent) -> Void
    ) async throws(TributaryError) {
        let feedList = file.feedList
        let fetcher = Fetcher(
            settings: feedList.fetch, logger: logger, site: feedList.site.site, version: tributaryVersion)
        let width = max(ProcessInfo.processInfo.activeProcessorCount, 1) * 2
        let settings = collector.settings
        await withTaskGroup(of: ParsedResult.self) { group in
            var inFlight = 0
            for await result in fetcher.fetch(requests) {
                let state = collector.stateByURL[result.request.feedURL]
                guard case .body = result.outcome else {
                    // A 304 or a failure has nothing to parse: its bookkeeping costs less than a child task.
                    let done = ParsedResult.process(result, state: state, settings: settings)
                    await collect(done, store: store, collector: collector, events: events)
                    if collector.failure != nil { break }
                    continue
                }
                group.addTask { ParsedResult.process(result, state: state, settings: settings) }
                inFlight += 1
                while inFlight >= width, let done = await group.next() {
                    inFlight -= 1
                    await collect(done, store: store, collector: collector, events: events)
                }
                if collector.failure != nil {
                    break
                }
            }
            while collector.failure == nil, let done = await group.next() {
                await collect(done, store: store, collector: collector, events: events)
            }
            group.cancelAll()
        }
        if let failure = collector.failure {
            throw failure
        }
        await flush(store: store, collector: collector, events: events)
        await finishStoring(collector: collector, events: events)
        if let failure = collector.failure {
            throw failure
        }
    }

    private func collect(
        _ done: ParsedResult, store: any FeedStore, collector: FetchCollector, events: (RunEvent) -> Void
    ) async {
        let result = done.result
        let url = result.request.feedURL
        collector.parseSeconds += done.seconds
        if let parsed = done.parsed, !parsed.errors.isEmpty {
            logger.notice(
                "\(url): read with \(parsed.errors.count) problem(s): \(parsed.errors[0])",
                metadata: ["feed.url": "\(url)"])
        }
        if let update = done.update {
            collector.batch.append(update)
        }
        collector.summary.bytes += result.bytes
        switch result.outcome {
        case .body:
            collector.summary.fetched += 1
            events(.feed(url: url, result: .fetched(entries: done.parsed?.articles.count ?? 0), bytes: result.bytes))
        case .notModified:
            collector.summary.notModified += 1
            events(.feed(url: url, result: .notModified, bytes: result.bytes))
        case .failed(let error):
            collector.summary.failed += 1
            collector.summary.failures.append(.init(url: url, status: result.status, error: error.description))
            logger.warning("\(url): \(error.description)", metadata: ["feed.url": "\(url)"])
            events(.feed(url: url, result: .failed(error.description), bytes: result.bytes))
        }
        if let move = done.move {
            collector.moves.append(move)
        }
        if collector.batch.count >= Self.batchSize
            || Date().timeIntervalSince(collector.batchStarted) >= Self.batchSeconds
        {
            await flush(store: store, collector: collector, events: events)
        }
    }

    /// Hands the waiting batch to the store (one transaction). The run goes on collecting while the store writes,
    /// with up to `pendingBatches` batches queued: parsing a batch takes about as long as storing one, and waiting
    /// for each batch before the next left a core idle for a tenth of a first run. Each batch's transaction starts
    /// once the one before has committed, so batches are stored, and their articles numbered, in order.
    private func flush(store: any FeedStore, collector: FetchCollector, events: (RunEvent) -> Void) async {
        let batch = collector.batch
        collector.batch.removeAll(keepingCapacity: true)
        collector.batchStarted = Date()
        while collector.storing.count >= Self.pendingBatches, collector.failure == nil {
            await finishOldestBatch(collector: collector, events: events)
        }
        guard !batch.isEmpty, collector.failure == nil else { return }
        let previous = collector.storing.last?.task
        let linkFeed = collector.linkFeed
        let task = Task { () -> StoringBatch.Outcome in
            if case .failure(let error) = await previous?.value {
                return .failure(error)
            }
            do {
                let results = try await store.ingest(batch, now: Date())
                linkFeed?.take(results)
                return .success(results)
            } catch {
                return .failure(error)
            }
        }
        collector.storing.append(StoringBatch(task: task, feeds: batch.count))
    }

    /// Waits until the store has written every batch handed to it.
    private func finishStoring(collector: FetchCollector, events: (RunEvent) -> Void) async {
        while !collector.storing.isEmpty, collector.failure == nil {
            await finishOldestBatch(collector: collector, events: events)
        }
        // After a failure the later batches end at once (each sees the failure of the one before).
        for pending in collector.storing { _ = await pending.task.value }
        collector.storing.removeAll()
    }

    /// Waits for the oldest batch the store is writing and accounts for what it stored.
    private func finishOldestBatch(collector: FetchCollector, events: (RunEvent) -> Void) async {
        guard !collector.storing.isEmpty else { return }
        let oldest = collector.storing.removeFirst()
        let results: [IngestResult]
        let waitStart = Date()
        let outcome = await oldest.task.value
        collector.storeWaitSeconds += Date().timeIntervalSince(waitStart)
        switch outcome {
        case .success(let stored):
            results = stored
        case .failure(let error):
            collector.failure = TributaryError.fatal("cannot store \(oldest.feeds) feeds: \(error)")
            return
        }
        for result in results {
            collector.summary.newArticles += result.newArticles.count
            collector.summary.updatedArticles += result.updatedArticles.count
            collector.changed = collector.changed || !result.newArticles.isEmpty || !result.updatedArticles.isEmpty
            for warning in result.warnings {
                logger.warning("\(warning)", metadata: ["feed.url": "\(result.feedURL)"])
                collector.summary.warnings.append(warning)
                events(.warning(warning))
            }
        }
    }
}
