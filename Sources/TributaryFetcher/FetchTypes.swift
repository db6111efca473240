public import Foundation

/// One feed to fetch now.
public struct FetchRequest: Sendable, Hashable {
    /// The subscription's URL as written in feeds.json: its key, and the source of the address exemption
    /// (a feed that names a loopback or private address there was asked for).
    public var feedURL: String
    /// What to fetch now: an http(s) URL, or an absolute file path for a local feed.
    public var url: String
    /// Validators from the previous successful fetch, sent as `If-None-Match` / `If-Modified-Since`.
    public var etag: String?
    public var lastModified: String?

    public init(feedURL: String, url: String? = nil, etag: String? = nil, lastModified: String? = nil) {
        self.feedURL = feedURL
        self.url = url ?? feedURL
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// What came of one fetch.
public enum FetchOutcome: Sendable {
    /// A body to parse (2xx, or a local file), with the server's Content-Type when there was one.
    case body(Data, contentType: String?)
    /// 304: the feed is unchanged since the validators were issued; nothing to parse.
    case notModified
    /// The feed could not be fetched; `FeedPolicy` decides what that means for the next poll.
    case failed(FetchError)
}

/// One redirect hop that was followed.
public struct Redirect: Sendable, Hashable, Codable {
    public var status: Int
    public var from: String
    public var to: String

    public init(status: Int, from: String, to: String) {
        self.status = status
        self.from = from
        self.to = to
    }

    /// 301 and 308 say the resource moved for good; only those may ever move a subscription.
    public var isPermanent: Bool { status == 301 || status == 308 }
}

/// The result of one feed's fetch, handed over as soon as its transfer finishes.
public struct FetchResult: Sendable {
    public var request: FetchRequest
    public var outcome: FetchOutcome
    /// The final response's status; nil when no response was received (or for a local file).
    public var status: Int?
    /// The final response's headers that Tributary acts on (`CurlEngine.keptHeaders`), names lower-cased;
    /// repeated headers joined with ", ".
    public var headers: [String: String]
    /// The URL the body came from, after redirects.
    public var finalURL: String
    /// Every hop followed, in order.
    public var redirects: [Redirect]
    /// The validators to store: the new ones from a 200, the old ones kept on a 304 that sent none.
    public var etag: String?
    public var lastModified: String?
    /// Decoded body bytes received.
    public var bytes: Int
    /// Seconds from the first request to the end of the last hop.
    public var duration: Double
    /// The HTTP major version of the final response (1, 2 or 3); nil without a response.
    public var httpVersion: Int?

    public init(
        request: FetchRequest, outcome: FetchOutcome, status: Int? = nil, headers: [String: String] = [:],
        finalURL: String? = nil, redirects: [Redirect] = [], etag: String? = nil, lastModified: String? = nil,
        bytes: Int = 0, duration: Double = 0
    ) {
        self.request = request
        self.outcome = outcome
        self.status = status
        self.headers = headers
        self.finalURL = finalURL ?? request.url
        self.redirects = redirects
        self.etag = etag
        self.lastModified = lastModified
        self.bytes = bytes
        self.duration = duration
    }

    /// The error, when the fetch failed.
    public var error: FetchError? {
        if case .failed(let error) = outcome { return error }
        return nil
    }

    /// Where the leading run of permanent (301/308) hops ends: the candidate new address of the subscription.
    /// Nil when the first hop was temporary or there were no redirects.
    public var permanentTarget: String? {
        var target: String?
        for hop in redirects {
            guard hop.isPermanent else { break }
            target = hop.to
        }
        return target
    }
}
