import Benchmark
import Foundation
import TributaryCore
import TributaryParser

/// An RSS 2.0 feed shaped like the ones in the shared parse corpus: CDATA HTML bodies with links, figures and
/// named entities, RFC 822 dates, categories and an enclosure per item.
func syntheticRSS(items: Int) -> Data {
    var text = """
        <?xml version="1.0" encoding="UTF-8"?>
        <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" \
        xmlns:dc="http://purl.org/dc/elements/1.1/">
        <channel><title>Benchmark</title><link>https://example.com/</link><description>Bench</description>

        """
    for index in 0..<items {
        text += """
            <item><title>Story \(index) &amp; more</title><link>https://example.com/\(index)</link>
            <guid isPermaLink="false">tag:example.com,2026:\(index)</guid>
            <pubDate>Mon, 0\(index % 9 + 1) Jun 2026 1\(index % 10):30:00 +0200</pubDate>
            <dc:creator>Writer \(index % 7)</dc:creator><category>news</category><category>topic \(index % 13)</category>
            <description><![CDATA[<p>Summary of story \(index) &mdash; with <a href="/rel/\(index)">a link</a>.</p>]]></description>
            <content:encoded><![CDATA[<p>First paragraph of \(index) &rsquo;s body, <b>bold</b> and <em>em</em>.</p>
            <figure><img src="https://cdn.example.com/\(index).jpg" alt="Picture \(index)" width="600"><figcaption>Caption</figcaption></figure>
            <ul><li>one</li><li>two &amp; three</li></ul><blockquote>Quote \(index)</blockquote>
            <p>Closing <a href="https://example.org/x?a=1&amp;b=2" title="t">paragraph</a>.</p>]]></content:encoded>
            <enclosure url="https://cdn.example.com/\(index).mp3" length="12345" type="audio/mpeg"/></item>

            """
    }
    text += "</channel></rss>\n"
    return Data(text.utf8)
}

/// An Atom 1.0 feed whose HTML is entity-escaped text rather than CDATA: every byte of it goes through libxml2's
/// character data and the SAX tree's text nodes (the path CDATA extraction does not shortcut).
func syntheticAtom(entries: Int) -> Data {
    var text = """
        <?xml version="1.0" encoding="utf-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.org/" xml:lang="en">
        <title>Bench Atom</title><id>urn:uuid:bench</id><updated>2026-06-01T10:00:00Z</updated>
        <link rel="alternate" href="/"/><link rel="self" href="/feed.atom"/>

        """
    for index in 0..<entries {
        text += """
            <entry><title type="html">Entry \(index) &amp;amp; friends</title>
            <link rel="alternate" type="text/html" href="/posts/\(index)"/>
            <id>tag:example.org,2026:\(index)</id><published>2026-06-01T10:\(index % 60 < 10 ? "0" : "")\(index % 60):00+02:00</published>
            <updated>2026-06-02T08:00:00Z</updated><author><name>Author \(index % 5)</name><uri>/authors/\(index % 5)</uri></author>
            <category term="topic\(index % 11)" label="Topic \(index % 11)"/>
            <summary type="html">&lt;p&gt;Summary \(index) with &lt;a href="/rel/\(index)"&gt;a link&lt;/a&gt;.&lt;/p&gt;</summary>
            <content type="html">&lt;p&gt;Body of \(index), &lt;b&gt;bold&lt;/b&gt; &amp;amp; &lt;em&gt;em&lt;/em&gt;.&lt;/p&gt;
            &lt;ul&gt;&lt;li&gt;one&lt;/li&gt;&lt;li&gt;two&lt;/li&gt;&lt;/ul&gt;&lt;p&gt;&lt;img src="/img/\(index).png" alt="x"&gt;&lt;/p&gt;</content>
            </entry>

            """
    }
    text += "</feed>\n"
    return Data(text.utf8)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(5), maxIterations: 200)

    let feed = syntheticRSS(items: 200)
    let megabytes = Double(feed.count) / 1_000_000

    // parse MB/s = megabytes × throughput (iterations per second).
    Benchmark("FeedParser.parse RSS 200 items (\(String(format: "%.2f", megabytes)) MB)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(FeedParser.parse(feed, documentURL: "https://example.com/feed.xml", contentType: nil))
        }
    }

    let atom = syntheticAtom(entries: 200)
    let atomMegabytes = Double(atom.count) / 1_000_000
    Benchmark("FeedParser.parse Atom 200 entries, escaped HTML (\(String(format: "%.2f", atomMegabytes)) MB)") {
        benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(FeedParser.parse(atom, documentURL: "https://example.org/feed.atom", contentType: nil))
        }
    }

    let dates = [
        "Mon, 01 Jun 2026 10:30:00 +0200", "2026-06-01T10:30:00Z", "2026-06-01T10:30:00.123+02:00",
        "Mon, 1 Jun 26 10:30 EST", "Sun Jan  4 16:29:06 2004", "2026-06-01",
    ]
    // dates/s = 6,000 × throughput.
    Benchmark("FeedDate.parse 6,000 dates") { benchmark in
        for _ in benchmark.scaledIterations {
            for _ in 0..<1_000 {
                for date in dates { blackHole(FeedDate.parse(date)) }
            }
        }
    }

    let tidy = String(
        repeating: "<p>Some <b>tidy</b> text with <a href=\"/x\">a link</a> &amp; an entity.</p>\n", count: 200)
    let messy = String(
        repeating: "<p>Messy <script>x()</script><font color=red>text<p>unclosed <img src=x onerror=y>\n", count: 200)
    // sanitiser MB/s = (input bytes / 10^6) × throughput.
    Benchmark("HTMLSanitizer tidy HTML (\(tidy.utf8.count) bytes)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(HTMLSanitizer.sanitize(tidy, baseURL: "https://example.com/"))
        }
    }
    Benchmark("HTMLSanitizer messy HTML (\(messy.utf8.count) bytes)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(HTMLSanitizer.sanitize(messy, baseURL: "https://example.com/"))
        }
    }
}
