import Foundation
public import Logging
import Synchronization
public import TributaryCore

/// What the consumer of a fetch stream tells the engine thread: that it went away (stop early), and how many
/// results it has taken, so the engine can hold back new transfers while too many results wait unread.
final class RunSignals: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let waiting = Atomic<Int>(0)

    func stop() { stopped.store(true, ordering: .relaxed) }
    var isStopped: Bool { stopped.load(ordering: .relaxed) }

    /// Results handed over but not yet taken by the consumer.
    var backlog: Int { waiting.load(ordering: .relaxed) }
    func handedOver(_ count: Int) { waiting.add(count, ordering: .relaxed) }
    func taken() { waiting.subtract(1, ordering: .relaxed) }
}

/// The inner stream's iterator, driven by the outer stream's single consumer: it takes the engine's batches and
/// gives out their results one at a time.
private final class ResultIterator: @unchecked Sendable {
    // @unchecked: `AsyncStream(unfolding:)` calls its closure for one consumer, one element at a time, so the
    // iterator is never used from two places at once.
    private var iterator: AsyncStream<[FetchResult]>.AsyncIterator
    private var batch: [FetchResult] = []
    private var position = 0

    init(_ iterator: AsyncStream<[FetchResult]>.AsyncIterator) {
        self.iterator = iterator
    }

    func next() async -> FetchResult? {
        while position >= batch.count {
            guard let next = await iterator.next() else { return nil }
            batch = next
            position = 0
        }
        position += 1
        return batch[position - 1]
    }
}

/// Test-only knobs: extra DNS entries (curl's `host:port:address` form) so a test can make a name resolve to
/// loopback, and a CA file so a test server's self-signed certificate can be trusted on purpose.
struct FetcherTestHooks: Sendable, Hashable {
    var resolve: [String] = []
    var caFile: String?
    /// Overrides how many unread results hold back new transfers.
    var maxBacklog: Int?
}

/// Fetches feeds concurrently over libcurl, politely and safely, and hands each result over as soon as its
/// transfer finishes.
///
/// Each call to `fetch` runs on a thread of its own with its own connection pool; the Swift concurrency pool
/// only waits on the stream.
public final class Fetcher: Sendable {
    public let settings: FetchSettings
    /// What every request says it is: `fetch.userAgent`, or `Tributary/<version> (+<site>)`.
    public let userAgent: String
    let logger: Logger
    let hooks: FetcherTestHooks

    /// - Parameters:
    ///   - site: the published site's URL, named in the default User-Agent so publishers can reach us.
    ///   - version: Tributary's version for the default User-Agent.
    public convenience init(settings: FetchSettings, logger: Logger, site: String? = nil, version: String = "0.1.0") {
        self.init(settings: settings, logger: logger, site: site, version: version, hooks: FetcherTestHooks())
    }

    init(settings: FetchSettings, logger: Logger, site: String?, version: String, hooks: FetcherTestHooks) {
        self.settings = settings
        self.logger = logger
        self.hooks = hooks
        userAgent = Self.userAgent(settings: settings, site: site, version: version)
    }

    /// The User-Agent for these settings.
    public static func userAgent(settings: FetchSettings, site: String?, version: String) -> String {
        if let configured = settings.userAgent?.trimmingCharacters(in: .whitespacesAndNewlines), !configured.isEmpty,
            !configured.contains(where: \.isNewline)
        {
            return configured
        }
        if let site, !site.isEmpty, !site.contains(where: \.isNewline) {
            return "Tributary/\(version) (+\(site))"
        }
        return "Tributary/\(version)"
    }

    /// Results are yielded as each transfer finishes; the stream ends when all are done or the run deadline
    /// passes (what was unfinished then is yielded as failed with `FetchError.Kind.deadline`).
    /// Dropping the stream stops the run.
    public func fetch(_ requests: [FetchRequest]) -> AsyncStream<FetchResult> {
        let (results, continuation) = AsyncStream<[FetchResult]>.makeStream()
        let signals = RunSignals()
        continuation.onTermination = { _ in signals.stop() }
        let job = EngineJob(
            requests: requests, settings: settings, hooks: hooks, userAgent: userAgent, logger: logger,
            continuation: continuation, signals: signals)
        let thread = Thread { job.run() }
        thread.name = "tributary.fetcher"
        thread.start()
        // The outer stream counts what the consumer takes, so bodies do not pile up in memory when parsing and
        // storing are slower than the network.
        let source = ResultIterator(results.makeAsyncIterator())
        return AsyncStream(
            unfolding: {
                let next = await source.next()
                if next != nil { signals.taken() }
                return next
            },
            onCancel: { signals.stop() })
    }

    /// Fetches one feed (for `tributary parse URL` and `tributary add`): the same rules, one result.
    public func fetch(_ request: FetchRequest) async -> FetchResult {
        for await result in fetch([request]) {
            return result
        }
        return FetchResult(request: request, outcome: .failed(FetchError(.other, "the fetch ended without a result")))
    }
}
