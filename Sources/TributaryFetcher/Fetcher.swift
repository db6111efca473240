import Foundation
public import Logging
import Synchronization
public import TributaryCore

#if canImport(Glibc)
    import Glibc
#endif

/// Set once when the consumer of a fetch stream goes away, so the engine thread stops early.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}

/// Test-only knobs: extra DNS entries (curl's `host:port:address` form) so a test can make a name resolve to
/// loopback, and a CA file so a test server's self-signed certificate can be trusted on purpose.
struct FetcherTestHooks: Sendable, Hashable {
    var resolve: [String] = []
    var caFile: String?
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
        let (stream, continuation) = AsyncStream<FetchResult>.makeStream()
        let stop = StopFlag()
        continuation.onTermination = { _ in stop.set() }
        let job = EngineJob(
            requests: requests, settings: settings, hooks: hooks, userAgent: userAgent, logger: logger,
            continuation: continuation, stop: stop)
        let thread = Thread { job.run() }
        thread.name = "tributary.fetcher"
        thread.stackSize = 1 << 20
        thread.start()
        return stream
    }
}
