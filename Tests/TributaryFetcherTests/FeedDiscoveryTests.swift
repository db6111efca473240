import Foundation
import Testing

@testable import TributaryFetcher

@Suite struct FeedDiscoveryTests {
    @Test func findsAlternateFeedsInOrderResolvedAgainstThePage() {
        let page = """
            <!DOCTYPE html><html><head><title>Blog</title>
            <link rel="stylesheet" type="text/css" href="/style.css">
            <LINK REL="Alternate" TYPE="application/rss+xml" TITLE="Posts" HREF="/feed.xml">
            <link rel=alternate type='application/atom+xml; charset=utf-8' href='atom.xml?a=1&amp;b=2' title=''>
            <!-- <link rel="alternate" type="application/rss+xml" href="/old.xml"> -->
            <link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/1">
            <link rel="alternate" type="application/json+oembed" href="/oembed">
            <link rel="alternate" type="application/feed+json" href="https://cdn.example.net/feed.json"/>
            <link rel="alternate" type="application/rss+xml" href="/feed.xml">
            <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
            <script>document.write('<link rel="alternate" type="application/rss+xml" href="/js.xml">')</script>
            </head><body><p>Hello</p></body></html>
            """
        let feeds = FeedDiscovery.feeds(inPage: Data(page.utf8), pageURL: "https://blog.example.org/posts/index.html")
        #expect(
            feeds.map(\.url) == [
                "https://blog.example.org/feed.xml", "https://blog.example.org/posts/atom.xml?a=1&b=2",
                "https://cdn.example.net/feed.json",
            ])
        #expect(feeds.first?.title == "Posts")
        #expect(feeds.first?.type == "application/rss+xml")
        #expect(feeds[1].type == "application/atom+xml")
        #expect(feeds[1].title == nil)
    }

    @Test func baseHrefChangesResolution() {
        let page = """
            <html><head><base href="https://static.example.com/site/">
            <link rel="alternate" type="application/rss+xml" href="rss.xml"></head></html>
            """
        let feeds = FeedDiscovery.feeds(inPage: Data(page.utf8), pageURL: "https://example.com/")
        #expect(feeds.map(\.url) == ["https://static.example.com/site/rss.xml"])
    }

    @Test func brokenPagesYieldWhatTheyCan() {
        let pages = [
            "", "<", "<link", "<link rel=alternate type=application/rss+xml href=/a.xml",
            "<!-- never closed <link rel=alternate type=application/rss+xml href=/b.xml>",
            "<script><link rel=alternate type=application/rss+xml href=/c.xml>",
        ]
        for page in pages {
            #expect(FeedDiscovery.feeds(inPage: Data(page.utf8), pageURL: "http://example.com/").isEmpty)
        }
        let unclosedLater = "<p>x<link rel=alternate type=application/rss+xml href=/d.xml><div"
        #expect(FeedDiscovery.feeds(inPage: Data(unclosedLater.utf8), pageURL: "http://example.com/").count == 1)
    }

    @Test func tellsPagesFromFeeds() {
        #expect(FeedDiscovery.isWebPage(Data("x".utf8), contentType: "text/html; charset=utf-8"))
        #expect(!FeedDiscovery.isWebPage(Data("<rss/>".utf8), contentType: "application/rss+xml"))
        #expect(FeedDiscovery.isWebPage(Data("\u{FEFF}  <!DOCTYPE html><html>".utf8), contentType: nil))
        #expect(FeedDiscovery.isWebPage(Data("<html lang=en>".utf8), contentType: "application/octet-stream"))
        #expect(!FeedDiscovery.isWebPage(Data("<?xml version=\"1.0\"?><feed/>".utf8), contentType: "text/xml"))
    }
}
