public import Foundation
public import TributaryCore

/// One item of the merged feed: the lead article of a story, with what the publisher needs to say where it came
/// from and what else covers it.
///
/// The pipeline builds these from the store; the publisher never reads the store itself, so a rebuilt store that
/// yields the same values yields the same bytes.
public struct PublishedEntry: Sendable, Hashable {
    /// The article, sanitised already by the parser.
    public var article: Article
    /// The originating feed's metadata, for `atom:source`.
    public var feed: FeedInfo
    /// The URL (or path) of the subscribed feed the article was read from; part of a derived entry id.
    public var feedURL: String
    /// When the store first saw the article; future-dated entries are clamped to it.
    public var firstSeen: Date
    /// When the stored article last really changed; drives `atom:updated`. Nil when it never changed.
    public var contentUpdated: Date?
    /// Other outlets carrying the same story or article, named in the entry as `link rel="related"`.
    public var otherSources: [SourceRef]
    /// Related stories, linked as `link rel="related"`.
    public var related: [RelatedRef]
    /// The story the article leads or belongs to. Entries sharing a story id are published once.
    public var storyID: String?

    public init(
        article: Article, feed: FeedInfo = FeedInfo(), feedURL: String, firstSeen: Date, contentUpdated: Date? = nil,
        otherSources: [SourceRef] = [], related: [RelatedRef] = [], storyID: String? = nil
    ) {
        self.article = article
        self.feed = feed
        self.feedURL = feedURL
        self.firstSeen = firstSeen
        self.contentUpdated = contentUpdated
        self.otherSources = otherSources
        self.related = related
        self.storyID = storyID
    }
}

/// Another outlet's copy or telling of a story.
public struct SourceRef: Sendable, Hashable {
    /// The other article's headline.
    public var title: String?
    /// The other article's page.
    public var link: String
    /// The title of the feed that carried it.
    public var feedTitle: String?

    public init(title: String? = nil, link: String, feedTitle: String? = nil) {
        self.title = title
        self.link = link
        self.feedTitle = feedTitle
    }
}

/// A story close in topic to the entry's own.
public struct RelatedRef: Sendable, Hashable {
    public var title: String?
    public var link: String

    public init(title: String? = nil, link: String) {
        self.title = title
        self.link = link
    }
}

/// Everything one publish needs: the site's identity, which outputs to write, the subscriptions (for OPML) and
/// the entries (in any order: the publisher sorts them).
public struct PublishInput: Sendable {
    public var site: SiteSettings
    public var output: OutputSettings
    public var subscriptions: [Subscription]
    public var entries: [PublishedEntry]
    /// When feeds.json last changed: the OPML `dateCreated`, and the feed's `updated` when there are no entries.
    public var feedListModified: Date
    /// The folder of feeds.json, against which a relative `output.template` is resolved. Nil means the current
    /// directory.
    public var configDirectory: URL?

    public init(
        site: SiteSettings, output: OutputSettings, subscriptions: [Subscription], entries: [PublishedEntry],
        feedListModified: Date, configDirectory: URL? = nil
    ) {
        self.site = site
        self.output = output
        self.subscriptions = subscriptions
        self.entries = entries
        self.feedListModified = feedListModified
        self.configDirectory = configDirectory
    }
}

/// What one publish did.
public struct PublishReport: Sendable, Hashable {
    /// Output files whose bytes changed and were replaced, relative to the output folder, in writing order.
    public var written: [String]
    /// Output files left alone because their bytes were already right.
    public var unchanged: [String]
    /// How many entries the subscription Atom document carries.
    public var entryCount: Int
    /// The WebSub announcement, when one was due.
    public var hubPing: HubPingResult?

    public init(written: [String] = [], unchanged: [String] = [], entryCount: Int = 0, hubPing: HubPingResult? = nil) {
        self.written = written
        self.unchanged = unchanged
        self.entryCount = entryCount
        self.hubPing = hubPing
    }
}

/// The outcome of a `hub.mode=publish` POST. A failed ping does not fail the publish: the files are written.
public enum HubPingResult: Sendable, Hashable {
    /// The hub answered with this 2xx status.
    case accepted(hub: String, status: Int)
    /// The hub answered, but not with 2xx.
    case rejected(hub: String, status: Int)
    /// The hub could not be reached, or no ping could be made (no `site` to name the feed's URL).
    case failed(hub: String, reason: String)
    /// The Atom feed did not change, so the hub was not bothered.
    case skipped(hub: String)
}
