import Foundation
import TributaryCore
import TributaryParser
import TributaryPublisher

/// Inputs shared by the tests and by the check script's generated outputs.
enum Sample {
    static func date(_ text: String) -> Date {
        ISO8601DateFormatter().date(from: text) ?? Date(timeIntervalSince1970: 0)
    }

    static let site = SiteSettings(
        title: "Western Balkans Watch", id: "tag:example.org,2026:balkans-watch", site: "https://example.org/news/",
        subtitle: "Regional news, merged", author: Person(name: "Example Desk", email: "desk@example.org"))

    static let subscriptions = [
        Subscription(url: "https://atom.example.com/feed.atom", title: "Atom Daily", tags: ["news"]),
        Subscription(url: "https://rss.example.net/rss.xml", title: "RSS Weekly", tags: ["news", "weekly"]),
        Subscription(url: "https://third.example.org/feed.json", title: "Third Voice"),
    ]

    static let atomFeed = FeedInfo(
        id: "tag:atom.example.com,2026:feed", title: "Atom Daily", link: "https://atom.example.com/",
        authors: [Person(name: "Ana Atom", email: "ana@atom.example.com")], updated: date("2026-11-20T10:00:00Z"))
    static let rssFeed = FeedInfo(title: "RSS Weekly", link: "https://rss.example.net/")
    static let thirdFeed = FeedInfo(title: "Third Voice", link: "https://third.example.org/")

    /// A story told by two feeds, a lone RSS item, a related story, and an entry from a third feed.
    static func entries(firstSeen: Date = date("2026-11-21T08:00:00Z")) -> [PublishedEntry] {
        let atomArticle = Article(
            id: "tag:atom.example.com,2026:entry-1", title: "Bridge reopens after <repairs>",
            link: "https://atom.example.com/2026/bridge", authors: [Person(name: "Ana Atom")],
            published: date("2026-11-20T09:00:00Z"), updated: date("2026-11-20T09:30:00Z"),
            summary: "<p>The old bridge reopened &amp; traffic resumed.</p>",
            content: "<p>The old bridge reopened &amp; traffic resumed. <b>Details</b> inside.</p>",
            categories: [Category(term: "transport", label: "Transport")],
            enclosures: [Enclosure(href: "https://atom.example.com/photo.jpg", type: "image/jpeg", length: 1234)],
            feedURL: "https://atom.example.com/feed.atom", language: "en")
        let rssCopy = Article(
            id: "1001", title: "Bridge open again", link: "https://rss.example.net/bridge-open",
            published: date("2026-11-20T11:00:00Z"), summary: "Traffic flows over the bridge again.",
            feedURL: "https://rss.example.net/rss.xml")
        let rssLone = Article(
            id: "1002", title: "Market prices steady", link: "https://rss.example.net/market",
            published: date("2026-11-19T15:00:00Z"), summary: "Prices held.",
            feedURL: "https://rss.example.net/rss.xml")
        let third = Article(
            id: "https://third.example.org/posts/elections", title: "Elections called",
            link: "https://third.example.org/posts/elections", published: date("2026-11-18T07:15:00Z"),
            content: "<p>Parliament set a date.</p>", feedURL: "https://third.example.org/feed.json")
        return [
            PublishedEntry(
                article: atomArticle, feed: atomFeed, feedURL: "https://atom.example.com/feed.atom",
                firstSeen: firstSeen,
                otherSources: [
                    SourceRef(
                        title: "Bridge open again", link: "https://rss.example.net/bridge-open", feedTitle: "RSS Weekly"
                    )
                ],
                related: [RelatedRef(title: "Elections called", link: "https://third.example.org/posts/elections")],
                storyID: "story-bridge"),
            PublishedEntry(
                article: rssCopy, feed: rssFeed, feedURL: "https://rss.example.net/rss.xml", firstSeen: firstSeen,
                storyID: "story-bridge"),
            PublishedEntry(
                article: rssLone, feed: rssFeed, feedURL: "https://rss.example.net/rss.xml", firstSeen: firstSeen,
                storyID: "story-market"),
            PublishedEntry(
                article: third, feed: thirdFeed, feedURL: "https://third.example.org/feed.json", firstSeen: firstSeen,
                related: [RelatedRef(title: "Bridge reopens", link: "https://atom.example.com/2026/bridge")]),
        ]
    }

    /// Entries a hostile or broken feed could produce.
    static func hostileEntries() -> [PublishedEntry] {
        let feed = FeedInfo(
            id: "not an iri", title: "Evil <script>alert(1)</script> Feed\u{1}", link: "https://evil.example.com/")
        let feedURL = "https://evil.example.com/feed.xml"
        let seen = date("2026-11-21T08:00:00Z")
        let articles = [
            Article(
                id: "<script>alert('id')</script>", title: "<script>alert('x')</script> Headline \u{0}\u{8}\u{1B}",
                link: "javascript:alert(1)", authors: [Person(name: "\u{7}", email: "not an email")],
                published: date("2026-11-20T10:00:00Z"),
                summary: "<script>alert('summary')</script> text with \u{C} form feed and \u{FFFE} nonchar",
                content: "]]> <![CDATA[ x ]]> & < > \" ' \u{85} \u{1F}", feedURL: feedURL),
            Article(id: "no-title-no-date", summary: "An entry with no title and no date at all.", feedURL: feedURL),
            Article(id: "empty", feedURL: feedURL),
            Article(
                id: "relative", title: "Relative links", link: "/posts/relative?a=1&b=2 c",
                enclosures: [Enclosure(href: "../media/a b.mp3", type: "audio/mpeg", length: -5)], feedURL: feedURL),
            Article(
                id: "future", title: "From the future", link: "https://evil.example.com/future",
                published: date("2099-01-01T00:00:00Z"), updated: date("2099-01-02T00:00:00Z"), feedURL: feedURL),
            Article(
                id: "far", title: "HTML title <b>bold</b> &amp; more", titleType: .html,
                link: "https://evil.example.com/x\"onmouseover=\"alert(1)", published: date("0001-01-01T00:00:00Z"),
                categories: [Category(term: " "), Category(term: "ok & fine", scheme: "not a uri")], feedURL: feedURL,
                language: "not a lang!"),
        ]
        return articles.map { article in
            PublishedEntry(
                article: article, feed: feed, feedURL: feedURL, firstSeen: seen,
                otherSources: [SourceRef(title: "<i>x</i>", link: "javascript:alert(2)", feedTitle: nil)],
                related: [RelatedRef(title: nil, link: "relative/path")])
        }
    }

    /// `Fixtures/hostile.rss` read by the real parser, as a run would hand it to the publisher, merged with the
    /// sample entries.
    static func parsedHostileInput() throws -> PublishInput {
        let url = try fixture("hostile.rss")
        let feedURL = "https://evil.example.com/feed.rss"
        let parsed = FeedParser.parse(
            try Data(contentsOf: url), documentURL: feedURL, contentType: "application/rss+xml")
        let seen = date("2026-11-21T08:00:00Z")
        let hostile = parsed.articles.map { article in
            PublishedEntry(article: article, feed: parsed.info, feedURL: feedURL, firstSeen: seen)
        }
        return input(entries: hostile + entries())
    }

    /// A file of `Fixtures/`, found in the test bundle's resources.
    static func fixture(_ name: String) throws -> URL {
        let folder = Bundle.main.bundleURL.appendingPathComponent("Tributary_TributaryPublisherTests.resources")
        let candidates = [
            folder.appendingPathComponent("Fixtures").appendingPathComponent(name),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
                .appendingPathComponent(name),
        ]
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw CocoaError(.fileNoSuchFile)
        }
        return found
    }

    static func input(
        entries: [PublishedEntry] = entries(), subscriptions: [Subscription] = subscriptions,
        output: OutputSettings = OutputSettings(rss: "rss.xml", jsonFeed: "feed.json")
    ) -> PublishInput {
        PublishInput(
            site: site, output: output, subscriptions: subscriptions, entries: entries,
            feedListModified: date("2026-11-01T00:00:00Z"))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tributary-publisher-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
