import Foundation
import Testing
import TributaryCore
import TributaryParser

@testable import TributaryPublisher

@Suite struct OPMLWriterTests {
    static let feeds = [
        Subscription(url: "https://a.example/feed", title: "A & <B> \"quoted\"", htmlURL: "https://a.example/"),
        Subscription(url: "https://b.example/rss", title: "Ελληνικά — 日本語 🦆", tags: ["news"]),
        Subscription(url: "https://c.example/atom", tags: ["news", "eu/balkans", "long read"]),
        Subscription(url: "feeds/local.xml", title: "Local", tags: ["eu/balkans"]),
        Subscription(url: "https://d.example/", title: "Back to news", tags: ["news/deep/er"]),
        Subscription(url: "https://e.example/", title: "Line\nbreak\ttab", tags: ["news"]),
    ]
    static let date = Date(timeIntervalSince1970: 1_245_585_600)  // Sun, 21 Jun 2009 12:00:00 GMT

    @Test func headAndOutlines() {
        let text = OPMLWriter.document(title: "My list", subscriptions: Self.feeds, dateCreated: Self.date)
        #expect(text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n"))
        #expect(text.contains("<title>My list</title>"))
        #expect(text.contains("<dateCreated>Sun, 21 Jun 2009 12:00:00 GMT</dateCreated>"))
        #expect(
            text.contains(
                "<outline type=\"rss\" text=\"A &amp; &lt;B&gt; &quot;quoted&quot;\" title=\"A &amp; &lt;B&gt; "
                    + "&quot;quoted&quot;\" xmlUrl=\"https://a.example/feed\" htmlUrl=\"https://a.example/\"/>"))
        #expect(text.contains("category=\"news,/eu/balkans,long read\""))
        #expect(text.contains("<outline text=\"eu\">\n      <outline text=\"balkans\">"))
    }

    @Test func sameInputSameBytes() {
        let first = OPMLWriter.document(title: "t", subscriptions: Self.feeds, dateCreated: Self.date)
        let second = OPMLWriter.document(title: "t", subscriptions: Self.feeds, dateCreated: Self.date)
        #expect(first == second)
    }

    @Test func exportThenImportRoundTripsWithoutLoss() throws {
        let text = OPMLWriter.document(title: "t", subscriptions: Self.feeds, dateCreated: Self.date)
        let imported = try OPMLReader.subscriptions(from: Data(text.utf8))
        #expect(imported == Self.feeds)
    }

    @Test func emptyListIsValidOPML() throws {
        let text = OPMLWriter.document(title: "", subscriptions: [], dateCreated: Self.date)
        #expect(text.contains("<body>\n  </body>"))
        #expect(try OPMLReader.subscriptions(from: Data(text.utf8)).isEmpty)
    }
}
