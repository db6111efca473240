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

    let tidy = String(repeating: "<p>Some <b>tidy</b> text with <a href=\"/x\">a link</a> &amp; an entity.</p>\n", count: 200)
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
