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
    /// The batch the store is writing now, while the run goes on collecting the next one.
    var storing: Task<Result<[IngestResult], any Error>, Never>?
    var storingCount = 0
    var moves: [RunSummary.Move] = []
    var changed = false
    /// The linker taking the run's new articles as they are stored (see `LinkStream`); started by the first new
    /// article.
    var linkStream: LinkStream?
    /// Set when something was stored that a streaming linker cannot follow (an edit in place, a feed re-keyed): the
    /// run then replays the window.
    var mustReplay = false
    /// What a streaming linker needs: the window's start, the settings and each feed's priority.
    var linkStart: (since: Date, settings: LinkSettings, priorities: [String: Int])?
    var parseSeconds = 0.0
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
        await finishStoring(store: store, collector: collector, events: events)
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

    /// Hands the waiting batch to the store (one transaction), once the store has finished the one before: the run
    /// keeps collecting while the store writes, and batches are still written one after another, in order.
    private func flush(store: any FeedStore, collector: FetchCollector, events: (RunEvent) -> Void) async {
        let batch = collector.batch
        collector.batch.removeAll(keepingCapacity: true)
        collector.batchStarted = Date()
        await finishStoring(store: store, collector: collector, events: events)
        guard !batch.isEmpty, collector.failure == nil else { return }
        collector.storingCount = batch.count
        collector.storing = Task {
            do {
                return .success(try await store.ingest(batch, now: Date()))
            } catch {
                return .failure(error)
            }
        }
    }

    /// Hands a stored batch's new articles to the streaming linker, starting it with the first of them.
    private func stream(_ results: [IngestResult], store: any FeedStore, collector: FetchCollector) {
        if collector.mustReplay {
            collector.linkStream?.abandon()
            collector.linkStream = nil
            return
        }
        let candidates = results.flatMap(\.newCandidates)
        guard let first = candidates.first, let start = collector.linkStart else { return }
        if collector.linkStream == nil {
            collector.linkStream = LinkStream(
                store: store, since: start.since, firstNewID: first.id, settings: start.settings,
                priorities: start.priorities)
        }
        collector.linkStream?.add(candidates)
    }

    /// Waits for the batch the store is writing and accounts for what it stored.
    private func finishStoring(store: any FeedStore, collector: FetchCollector, events: (RunEvent) -> Void) async {
        guard let storing = collector.storing else { return }
        collector.storing = nil
        let results: [IngestResult]
        switch await storing.value {
        case .success(let stored):
            results = stored
        case .failure(let error):
            collector.failure = TributaryError.fatal("cannot store \(collector.storingCount) feeds: \(error)")
            return
        }
        if results.contains(where: { !$0.updatedArticles.isEmpty || $0.switchedToLinkKeys }) {
            collector.mustReplay = true
        }
        stream(results, store: store, collector: collector)
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
