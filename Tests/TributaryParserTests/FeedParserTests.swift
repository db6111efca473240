import Foundation
import Testing
import TributaryCore

@testable import TributaryParser

struct FeedParserTests {
    private func parse(_ text: String, url: String? = "http://example.com/feed.xml") -> ParsedFeed {
        FeedParser.parse(Data(text.utf8), documentURL: url, contentType: nil)
    }

    @Test func rss20WithModules() throws {
        let feed = parse(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
                 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"
                 xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
            <channel>
              <title>Example</title><link>http://example.com/</link><description>About</description>
              <atom:link rel="self" href="http://example.com/feed.xml" type="application/rss+xml"/>
              <ttl>60</ttl><skipHours><hour>0</hour><hour>23</hour></skipHours><skipDays><day>Sunday</day></skipDays>
              <sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>
              <item>
                <title>First &amp; best</title><link>/posts/1</link>
                <guid isPermaLink="false">post-1</guid>
                <pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate>
                <dc:creator>Jane</dc:creator><author>joe@example.com (Joe)</author>
                <category domain="http://example.com/tags">news</category>
                <description>Short &lt;b&gt;summary&lt;/b&gt;</description>
                <content:encoded><![CDATA[<p>Full <a href="rel/x">text</a><script>bad()</script></p>]]></content:encoded>
                <enclosure url="http://example.com/a.mp3" length="123" type="audio/mpeg"/>
              </item>
            </channel></rss>
            """)
        #expect(feed.errors.isEmpty)
        #expect(feed.format == "rss20")
        #expect(feed.info.title == "Example")
        #expect(feed.info.link == "http://example.com/")
        #expect(feed.info.subtitle == "About")
        #expect(feed.info.schedule.ttlMinutes == 60)
        #expect(feed.info.schedule.skipHours == [0, 23])
        #expect(feed.info.schedule.skipDays == ["Sunday"])
        #expect(feed.info.schedule.updatePeriod == "hourly")
        #expect(feed.info.schedule.updateFrequency == 2)
        let item = try #require(feed.articles.first)
        #expect(item.id == "post-1")
        #expect(item.title == "First & best")
        #expect(item.titleType == .text)
        #expect(item.link == "http://example.com/posts/1")
        #expect(item.published == Date(timeIntervalSince1970: 1_055_217_600))
        #expect(item.authors == [Person(name: "Jane"), Person(name: "Joe", email: "joe@example.com")])
        #expect(item.categories == [Category(term: "news", scheme: "http://example.com/tags")])
        #expect(item.summary == "Short <b>summary</b>")
        #expect(item.content == "<p>Full <a href=\"http://example.com/rel/x\">text</a></p>")
        #expect(item.enclosures == [Enclosure(href: "http://example.com/a.mp3", type: "audio/mpeg", length: 123)])
    }

    @Test func atom10WithXHTMLAndBase() throws {
        let feed = parse(
            """
            <feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://example.org/blog/">
              <title type="html">A &lt;em&gt;blog&lt;/em&gt;</title>
              <id>urn:uuid:feed</id><updated>2024-01-02T03:04:05Z</updated>
              <link href="./" /><author><name>Ann</name><uri>/ann</uri></author>
              <entry>
                <id>urn:uuid:1</id><title>Entry</title><updated>2024-01-02T03:04:05+02:00</updated>
                <link rel="alternate" type="text/html" href="2024/entry"/>
                <link rel="enclosure" href="a.ogg" type="audio/ogg" length="9"/>
                <category term="t" scheme="s" label="T"/>
                <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hi <a href="x">there</a></p></div></content>
                <source><id>urn:src</id><title>Origin</title><updated>2023-12-31T00:00:00Z</updated></source>
              </entry>
            </feed>
            """)
        #expect(feed.errors.isEmpty)
        #expect(feed.format == "atom10")
        #expect(feed.info.title == "A <em>blog</em>")
        #expect(feed.info.link == "http://example.org/blog/")
        #expect(feed.info.authors == [Person(name: "Ann", uri: "http://example.org/ann")])
        let entry = try #require(feed.articles.first)
        #expect(entry.id == "urn:uuid:1")
        #expect(entry.link == "http://example.org/blog/2024/entry")
        #expect(entry.updated == FeedDate.parse("2024-01-02T01:04:05Z"))
        #expect(entry.content == "<p>Hi <a href=\"http://example.org/blog/x\">there</a></p>")
        #expect(entry.enclosures == [Enclosure(href: "http://example.org/blog/a.ogg", type: "audio/ogg", length: 9)])
        #expect(entry.categories == [Category(term: "t", scheme: "s", label: "T")])
        #expect(entry.source?.id == "urn:src")
        #expect(entry.source?.title == "Origin")
    }

    @Test func rss10RDF() throws {
        let feed = parse(
            """
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
                     xmlns:dc="http://purl.org/dc/elements/1.1/">
              <channel rdf:about="http://example.com/"><title>RDF</title><link>http://example.com/</link></channel>
              <item rdf:about="http://example.com/1"><title>One</title><link>http://example.com/1</link>
                <dc:date>2004-05-06T07:08:09Z</dc:date><dc:subject>topic</dc:subject></item>
            </rdf:RDF>
            """)
        #expect(feed.format == "rss10")
        #expect(feed.info.title == "RDF")
        let item = try #require(feed.articles.first)
        #expect(item.id == "http://example.com/1")
        #expect(item.updated != nil)
        #expect(item.categories.map(\.term) == ["topic"])
    }

    @Test func jsonFeed() throws {
        let feed = parse(
            """
            {"version": "https://jsonfeed.org/version/1.1", "title": "JF", "home_page_url": "https://example.org/",
             "feed_url": "https://example.org/feed.json", "authors": [{"name": "Al"}],
             "items": [{"id": "1", "url": "https://example.org/1", "title": "T", "content_html": "<p>x<script>y</script></p>",
                        "date_published": "2020-01-02T03:04:05Z", "tags": ["a"],
                        "attachments": [{"url": "a.mp3", "mime_type": "audio/mpeg", "size_in_bytes": 5}]},
                       {"content_text": "no id <here>"}]}
            """)
        #expect(feed.errors.isEmpty)
        #expect(feed.info.title == "JF")
        #expect(feed.info.authors == [Person(name: "Al")])
        #expect(feed.articles.count == 2)
        let first = try #require(feed.articles.first)
        #expect(first.content == "<p>x</p>")
        #expect(first.enclosures.first?.href == "https://example.org/a.mp3")
        #expect(feed.articles[1].content == "no id &lt;here&gt;")
        #expect(feed.articles[1].id.hasPrefix("urn:tributary:entry:"))
    }

    @Test func derivedIdentityIsStable() throws {
        let document = "<rss><channel><item><title>Same</title><description>Body</description></item></channel></rss>"
        let first = try #require(parse(document).articles.first)
        let second = try #require(parse(document, url: "http://other.example/").articles.first)
        #expect(first.id == second.id)
        let edited = try #require(
            parse(document.replacingOccurrences(of: "Body", with: "Other")).articles.first)
        #expect(edited.id != first.id)
    }

    @Test func linkIsUsedWhenThereIsNoID() throws {
        let item = try #require(
            parse("<rss><channel><item><title>x</title><link>http://example.com/p</link></item></channel></rss>")
                .articles.first)
        #expect(item.id == "http://example.com/p")
    }

    @Test func htmlEntitiesInXMLAreUnderstood() {
        let feed = parse("<rss><channel><title>caf&eacute; &mdash; &nbsp;ok</title></channel></rss>")
        #expect(feed.info.title == "café \u{2014} \u{00A0}ok")
    }

    @Test func utf16WithBOM() {
        var data = Data([0xFF, 0xFE])
        data.append("<rss><channel><title>wide ✓</title></channel></rss>".data(using: .utf16LittleEndian) ?? Data())
        let feed = FeedParser.parse(data, documentURL: nil, contentType: nil)
        #expect(feed.info.title == "wide ✓")
        #expect(feed.errors.isEmpty)
    }

    @Test func discoveryFindsAdvertisedFeeds() {
        let html = """
            <html><head><base href="http://example.com/blog/">
            <link rel="alternate" type="application/rss+xml" title="RSS" href="feed.xml">
            <link rel="alternate" type="application/atom+xml" href="/atom.xml">
            <link rel="alternate" type="application/feed+json" href="https://example.com/feed.json">
            <link rel="stylesheet" type="text/css" href="style.css">
            </head><body><p>hello</p></body></html>
            """
        let links = FeedDiscovery.feedLinks(inHTML: Data(html.utf8), baseURL: "http://example.com/")
        #expect(
            links.map(\.href) == [
                "http://example.com/blog/feed.xml", "http://example.com/atom.xml", "https://example.com/feed.json",
            ])
        #expect(links.first?.title == "RSS")
    }
}
