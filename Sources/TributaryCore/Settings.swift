/// The site's own identity and the settings of each stage, as read from feeds.json.
///
/// Every stage's settings have defaults, so a feeds.json with only `feeds` works.
public struct SiteSettings: Sendable, Hashable, Codable {
    public var title: String
    /// The merged feed's `atom:id`; derived from `site` when absent.
    public var id: String?
    /// Where the outputs are published: the base of `link rel="self"`.
    public var site: String?
    public var subtitle: String?
    public var author: Person?
    public var icon: String?
    public var logo: String?

    public init(
        title: String = "Tributary", id: String? = nil, site: String? = nil, subtitle: String? = nil,
        author: Person? = nil, icon: String? = nil, logo: String? = nil
    ) {
        self.title = title
        self.id = id
        self.site = site
        self.subtitle = subtitle
        self.author = author
        self.icon = icon
        self.logo = logo
    }
}

/// `output` in feeds.json: what the publisher writes, and where.
public struct OutputSettings: Sendable, Hashable, Codable {
    /// The output folder, relative to feeds.json's folder unless absolute.
    public var dir: String
    public var atom: String?
    public var opml: String?
    public var html: String?
    public var rss: String?
    public var jsonFeed: String?
    /// A user's Mustache template for the HTML page, by path.
    public var template: String?
    /// How many entries the subscription documents carry.
    public var entries: Int
    /// How many entries each RFC 5005 archive document holds; nil turns archives off.
    public var archive: Int?
    /// A WebSub hub to announce changes to.
    public var hub: String?

    public init(
        dir: String = "public", atom: String? = "atom.xml", opml: String? = "feeds.opml", html: String? = "index.html",
        rss: String? = nil, jsonFeed: String? = nil, template: String? = nil, entries: Int = 200, archive: Int? = nil,
        hub: String? = nil
    ) {
        self.dir = dir
        self.atom = atom
        self.opml = opml
        self.html = html
        self.rss = rss
        self.jsonFeed = jsonFeed
        self.template = template
        self.entries = entries
        self.archive = archive
        self.hub = hub
    }

    /// The keys `output` understands, for validation messages.
    public static let formatKeys = ["atom", "opml", "html", "rss", "jsonFeed"]
}

/// `fetch` in feeds.json: how politely and how safely feeds are polled.
public struct FetchSettings: Sendable, Hashable, Codable {
    /// Transfers in flight at once.
    public var concurrency: Int
    /// Connections to one host at once.
    public var perHost: Int
    /// Seconds allowed for one whole transfer.
    public var timeout: Double
    /// Seconds allowed to connect.
    public var connectTimeout: Double
    /// Seconds allowed for the whole fetch stage of one run.
    public var deadline: Double
    /// A transfer slower than `lowSpeedBytes` per second for `lowSpeedTime` seconds is dropped.
    public var lowSpeedBytes: Int
    public var lowSpeedTime: Double
    /// The largest decoded body accepted, in bytes.
    public var maxBytes: Int
    public var maxRedirects: Int
    /// Lets feeds reach loopback and private addresses they did not name in feeds.json.
    public var allowPrivateAddresses: Bool
    public var userAgent: String?
    public var proxy: String?
    /// Bounds on the interval between two polls of one feed, in seconds.
    ///
    /// A feed that gives no hint (no Cache-Control or Expires, ttl or sy:updatePeriod) is due again at once, so
    /// cron's own interval is its poll rate, as with Planet and rawdog; conditional GET keeps that cheap. Raise
    /// `minInterval` to poll such feeds less often than cron runs.
    public var minInterval: Double
    public var maxInterval: Double
    /// Seconds between two requests to one host.
    public var hostSpacing: Double

    public init(
        concurrency: Int = 32, perHost: Int = 4, timeout: Double = 30, connectTimeout: Double = 10,
        deadline: Double = 600, lowSpeedBytes: Int = 64, lowSpeedTime: Double = 15, maxBytes: Int = 16 << 20,
        maxRedirects: Int = 5, allowPrivateAddresses: Bool = false, userAgent: String? = nil, proxy: String? = nil,
        minInterval: Double = 0, maxInterval: Double = 86_400, hostSpacing: Double = 0
    ) {
        self.concurrency = concurrency
        self.perHost = perHost
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.deadline = deadline
        self.lowSpeedBytes = lowSpeedBytes
        self.lowSpeedTime = lowSpeedTime
        self.maxBytes = maxBytes
        self.maxRedirects = maxRedirects
        self.allowPrivateAddresses = allowPrivateAddresses
        self.userAgent = userAgent
        self.proxy = proxy
        self.minInterval = minInterval
        self.maxInterval = maxInterval
        self.hostSpacing = hostSpacing
    }
}

/// `link` in feeds.json: the linker's switches and thresholds. The linker owns their meaning and defaults;
/// feeds.json may override any of them by name.
public struct LinkSettings: Sendable, Hashable, Codable {
    public var enabled: Bool
    /// How many related stories each story lists.
    public var related: Int
    /// Numeric knobs by name (thresholds, windows in hours); unknown names are kept but unused.
    public var parameters: [String: Double]

    public init(enabled: Bool = true, related: Int = 5, parameters: [String: Double] = [:]) {
        self.enabled = enabled
        self.related = related
        self.parameters = parameters
    }
}

/// `store` in feeds.json: where state lives and how long it is kept.
public struct StoreSettings: Sendable, Hashable, Codable {
    /// The state folder, relative to feeds.json's folder unless absolute.
    public var dir: String
    /// Days an article is kept after it was first seen.
    public var retentionDays: Int
    /// Articles kept per feed whatever their age.
    public var keepPerFeed: Int

    public init(dir: String = ".tributary", retentionDays: Int = 90, keepPerFeed: Int = 50) {
        self.dir = dir
        self.retentionDays = retentionDays
        self.keepPerFeed = keepPerFeed
    }
}
