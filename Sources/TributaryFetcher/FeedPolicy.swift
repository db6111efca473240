public import Foundation
public import TributaryCore

/// What the fetcher has learnt about one feed: its validators, its errors, and when to poll it next.
/// The store persists it; `FeedPolicy.update` is the only thing that changes it.
public struct FeedHealth: Sendable, Hashable, Codable {
    /// Failures in a row; reset by any success or 304.
    public var errorCount: Int
    public var lastStatus: Int?
    /// The last failure's message, kept until the next success.
    public var lastError: String?
    public var lastErrorKind: FetchError.Kind?
    public var lastFetched: Date?
    public var lastSuccess: Date?
    /// The earliest time the feed may be polled again.
    public var nextDue: Date
    /// Set when the publisher said the feed is gone (410); the feed is no longer polled, its articles stay.
    public var disabledReason: String?
    /// The feed keeps failing; `tributary list` shows it.
    public var unhealthy: Bool
    /// A permanent redirect target seen on the last run(s), not yet confirmed.
    public var pendingRedirect: String?
    /// On how many consecutive runs `pendingRedirect` was seen.
    public var pendingRedirectCount: Int
    /// Validators for the next conditional GET.
    public var etag: String?
    public var lastModified: String?
    /// The feed's own polling hints from its last parse, kept so a 304 (which is not parsed) is scheduled the
    /// same way.
    public var schedule: ScheduleHints?

    public init(
        errorCount: Int = 0, lastStatus: Int? = nil, lastError: String? = nil, lastErrorKind: FetchError.Kind? = nil,
        lastFetched: Date? = nil, lastSuccess: Date? = nil, nextDue: Date = Date(timeIntervalSince1970: 0),
        disabledReason: String? = nil, unhealthy: Bool = false, pendingRedirect: String? = nil,
        pendingRedirectCount: Int = 0, etag: String? = nil, lastModified: String? = nil, schedule: ScheduleHints? = nil
    ) {
        self.errorCount = errorCount
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.lastErrorKind = lastErrorKind
        self.lastFetched = lastFetched
        self.lastSuccess = lastSuccess
        self.nextDue = nextDue
        self.disabledReason = disabledReason
        self.unhealthy = unhealthy
        self.pendingRedirect = pendingRedirect
        self.pendingRedirectCount = pendingRedirectCount
        self.etag = etag
        self.lastModified = lastModified
        self.schedule = schedule
    }

    /// True when the feed should be fetched at `now`: not disabled, and its next due time has come.
    public func isDue(at now: Date) -> Bool {
        disabledReason == nil && nextDue <= now
    }
}

/// The polling policy: what a fetch result means for the feed's next poll and health. Pure, so every rule is
/// tested without a network or a clock.
public enum FeedPolicy {
    /// Failures in a row after which a feed is shown as unhealthy.
    public static let unhealthyAfter = 5
    /// On how many consecutive runs a permanent redirect must be seen before the subscription moves.
    public static let confirmRedirectAfter = 2
    /// The longest a `Retry-After` is honoured; a server asking for more is polled after this anyway.
    public static let maxRetryAfter: Double = 7 * 86_400

    /// The feed's new health after `result`, and the subscription move to make, if a permanent redirect was
    /// just confirmed (`from` is the feeds.json URL, `to` its new value).
    ///
    /// - Parameter hints: the parsed feed's polling hints; nil when nothing was parsed (a 304, a failure), in
    ///   which case the hints kept in `health` apply.
    public static func update(
        _ health: FeedHealth, after result: FetchResult, hints: ScheduleHints?, settings: FetchSettings, now: Date
    ) -> (health: FeedHealth, move: (from: String, to: String)?) {
        var next = health
        if result.error?.kind == .deadline {
            // The run ran out of time, not the feed: leave it due so the next run takes it first.
            return (next, nil)
        }
        next.lastFetched = now
        next.lastStatus = result.status
        var move: (from: String, to: String)?
        switch result.outcome {
        case .body, .notModified:
            next.errorCount = 0
            next.lastError = nil
            next.lastErrorKind = nil
            next.unhealthy = false
            next.lastSuccess = now
            next.disabledReason = nil
            next.etag = result.etag
            next.lastModified = result.lastModified
            if let hints { next.schedule = hints }
            next.nextDue = nextDue(after: now, headers: result.headers, hints: next.schedule, settings: settings)
            if let target = result.permanentTarget, target != result.request.feedURL {
                if next.pendingRedirect == target {
                    next.pendingRedirectCount += 1
                } else {
                    next.pendingRedirect = target
                    next.pendingRedirectCount = 1
                }
                if next.pendingRedirectCount >= confirmRedirectAfter {
                    move = (result.request.feedURL, target)
                    next.pendingRedirect = nil
                    next.pendingRedirectCount = 0
                }
            } else {
                next.pendingRedirect = nil
                next.pendingRedirectCount = 0
            }
        case .failed(let error):
            next.errorCount += 1
            next.lastError = error.description
            next.lastErrorKind = error.kind
            next.unhealthy = next.errorCount >= unhealthyAfter
            if result.status == 410 {
                next.disabledReason = "410 Gone: the publisher removed this feed; its articles are kept"
                next.unhealthy = true
                next.nextDue = now.addingTimeInterval(settings.maxInterval)
            } else if let status = result.status, status == 429 || status == 503,
                let delay = retryAfter(result.headers["retry-after"], now: now)
            {
                next.nextDue = now.addingTimeInterval(min(max(delay, 0), maxRetryAfter))
            } else {
                next.nextDue = now.addingTimeInterval(
                    backoff(errors: next.errorCount, feedURL: result.request.feedURL, settings: settings))
            }
        }
        return (next, move)
    }

    /// Seconds to wait from `Retry-After` (delta-seconds or an HTTP date), nil when absent or unreadable.
    public static func retryAfter(_ value: String?, now: Date) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds.isFinite { return seconds }
        return HTTPDate.parse(value).map { $0.timeIntervalSince(now) }
    }

    /// Exponential backoff from `minInterval`, doubling per failure up to `maxInterval`, less a jitter of up to
    /// a quarter. The jitter is derived from the feed's URL and error count rather than drawn at random, so
    /// feeds that failed together spread out, and a test can predict the range.
    public static func backoff(errors: Int, feedURL: String, settings: FetchSettings) -> Double {
        let base = max(settings.minInterval, 60)
        let exponent = Double(min(max(errors - 1, 0), 30))
        let raw = min(base * pow(2, exponent), max(settings.maxInterval, base))
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in feedURL.utf8 + [UInt8(truncatingIfNeeded: errors)] {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        let fraction = Double(hash % 10_000) / 10_000
        return raw * (1 - 0.25 * fraction)
    }

    /// When a feed fetched successfully at `now` is due again: the longest of `minInterval` and what the feed
    /// and server ask for (Cache-Control max-age or Expires, RSS ttl, sy:updatePeriod/Frequency), at most
    /// `maxInterval`, moved out of the feed's skipHours/skipDays.
    public static func nextDue(
        after now: Date, headers: [String: String], hints: ScheduleHints?, settings: FetchSettings
    )
        -> Date
    {
        var interval = settings.minInterval
        if let cache = cacheLifetime(headers: headers, now: now) { interval = max(interval, cache) }
        if let hints {
            if let ttl = hints.ttlMinutes, ttl > 0 { interval = max(interval, Double(ttl) * 60) }
            if let period = syndicationInterval(hints) { interval = max(interval, period) }
        }
        interval = min(interval, settings.maxInterval)
        var due = now.addingTimeInterval(max(interval, 0))
        if let hints, !hints.skipHours.isEmpty || !hints.skipDays.isEmpty {
            let limit = now.addingTimeInterval(settings.maxInterval)
            due = min(skipping(hints, from: due), max(limit, due))
        }
        return due
    }

    /// The response's freshness lifetime: `max-age` wins over `Expires` (RFC 9111); `no-store`/`no-cache` mean
    /// the server gave no hint worth honouring.
    static func cacheLifetime(headers: [String: String], now: Date) -> Double? {
        if let control = headers["cache-control"]?.lowercased() {
            let directives = control.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if directives.contains(where: { $0 == "no-store" || $0 == "no-cache" }) { return nil }
            for directive in directives where directive.hasPrefix("max-age=") {
                let value = directive.dropFirst("max-age=".count).trimmingCharacters(
                    in: CharacterSet(charactersIn: "\""))
                if let seconds = Double(value), seconds.isFinite { return max(seconds, 0) }
            }
        }
        if let expires = headers["expires"] {
            guard let date = HTTPDate.parse(expires) else { return 0 }  // "Expires: 0" means already stale
            let origin = headers["date"].flatMap(HTTPDate.parse) ?? now
            return max(date.timeIntervalSince(origin), 0)
        }
        return nil
    }

    /// A word from a feed, lowercased and trimmed of spaces. Most are a plain lowercase word already, and
    /// Foundation's trimming cost more than the rest of scheduling a feed.
    static func normalizedWord(_ text: String) -> String {
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) {
            return text
        }
        return text.lowercased().trimmingCharacters(in: .whitespaces)
    }

    /// `sy:updatePeriod` divided by `sy:updateFrequency`.
    static func syndicationInterval(_ hints: ScheduleHints) -> Double? {
        guard let period = hints.updatePeriod.map(normalizedWord) else {
            return nil
        }
        let seconds: Double
        switch period {
        case "hourly": seconds = 3_600
        case "daily": seconds = 86_400
        case "weekly": seconds = 604_800
        case "monthly": seconds = 2_592_000
        case "yearly": seconds = 31_536_000
        default: return nil
        }
        let frequency = max(hints.updateFrequency ?? 1, 1)
        return seconds / Double(frequency)
    }

    /// The first whole hour at or after `date` that is in neither skipHours nor skipDays (both in GMT).
    static func skipping(_ hints: ScheduleHints, from date: Date) -> Date {
        let dayNames = ["thursday", "friday", "saturday", "sunday", "monday", "tuesday", "wednesday"]
        let skipDays = Set(hints.skipDays.map(normalizedWord))
        var candidate = date
        for _ in 0..<(24 * 8) {
            let seconds = Int(candidate.timeIntervalSince1970.rounded(.down))
            let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
            let hour = (seconds - days * 86_400) / 3_600
            let dayName = dayNames[((days % 7) + 7) % 7]
            if !hints.skipHours.contains(hour) && !skipDays.contains(dayName) { return candidate }
            candidate = Date(timeIntervalSince1970: TimeInterval((seconds / 3_600 + 1) * 3_600))
        }
        return date
    }
}
