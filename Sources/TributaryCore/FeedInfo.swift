public import Foundation

/// What a feed says about itself, apart from its entries.
public struct FeedInfo: Sendable, Hashable, Codable {
    public var id: String?
    public var title: String?
    public var subtitle: String?
    /// The feed's home page (its preferred alternate link).
    public var link: String?
    public var links: [Link]
    public var authors: [Person]
    public var categories: [Category]
    public var updated: Date?
    public var published: Date?
    public var icon: String?
    public var logo: String?
    public var language: String?
    /// What the feed says about how often it is worth polling.
    public var schedule: ScheduleHints

    public init(
        id: String? = nil, title: String? = nil, subtitle: String? = nil, link: String? = nil, links: [Link] = [],
        authors: [Person] = [], categories: [Category] = [], updated: Date? = nil, published: Date? = nil,
        icon: String? = nil, logo: String? = nil, language: String? = nil, schedule: ScheduleHints = ScheduleHints()
    ) {
        self.id = id
        self.title = title
        self.subtitle = subtitle
        self.link = link
        self.links = links
        self.authors = authors
        self.categories = categories
        self.updated = updated
        self.published = published
        self.icon = icon
        self.logo = logo
        self.language = language
        self.schedule = schedule
    }
}

/// Polling hints a feed carries: RSS `ttl`, `skipHours`, `skipDays` and the syndication module.
public struct ScheduleHints: Sendable, Hashable, Codable {
    /// RSS `ttl`, in minutes.
    public var ttlMinutes: Int?
    /// Hours (0–23, GMT) in which the feed asks not to be polled.
    public var skipHours: Set<Int>
    /// Days in which the feed asks not to be polled, as English day names ("Monday"…).
    public var skipDays: Set<String>
    /// `sy:updatePeriod`: hourly, daily, weekly, monthly or yearly.
    public var updatePeriod: String?
    /// `sy:updateFrequency`: how many updates per period.
    public var updateFrequency: Int?

    public init(
        ttlMinutes: Int? = nil, skipHours: Set<Int> = [], skipDays: Set<String> = [], updatePeriod: String? = nil,
        updateFrequency: Int? = nil
    ) {
        self.ttlMinutes = ttlMinutes
        self.skipHours = skipHours
        self.skipDays = skipDays
        self.updatePeriod = updatePeriod
        self.updateFrequency = updateFrequency
    }
}

/// A parsed feed document: the feed's metadata, its entries, and what went wrong while reading it.
public struct ParsedFeed: Sendable, Hashable, Codable {
    public var info: FeedInfo
    public var articles: [Article]
    /// Problems found while parsing; empty for a clean document. A non-empty list does not mean nothing was
    /// recovered.
    public var errors: [String]
    /// The format the document was read as, for example `rss20`, `atom10`, `json11`.
    public var format: String

    public init(info: FeedInfo = FeedInfo(), articles: [Article] = [], errors: [String] = [], format: String = "") {
        self.info = info
        self.articles = articles
        self.errors = errors
        self.format = format
    }
}
