import Benchmark
import Foundation
import TributaryCore
import TributaryPublisher

/// `count` entries shaped like a day's worth of a large aggregator: a thousand feeds, HTML summaries and bodies
/// with non-ASCII text, categories, a fifth of them leading stories told by other sources, related stories.
func syntheticEntries(count: Int) -> [PublishedEntry] {
    let start = Date(timeIntervalSince1970: 1_795_000_000)
    let body = String(
        repeating:
            "<p>Вести из региона &amp; the river valley: «quoted» text, <a href=\"https://example.com/x\">a link</a>.</p>",
        count: 12)
    return (0..<count).map { index in
        let feed = index % 1_000
        let feedURL = "https://host\(feed).example/feed.xml"
        let published = start.addingTimeInterval(Double(index) * 37)
        let article = Article(
            id: index % 3 == 0 ? "tag:host\(feed).example,2026:entry-\(index)" : "guid-\(index)",
            title: "Headline number \(index): Ministry announces ‘new’ measures & reforms",
            link: "https://host\(feed).example/2026/\(index)",
            authors: [Person(name: "Reporter \(index % 50)", email: "r\(index % 50)@host\(feed).example")],
            published: published, updated: published.addingTimeInterval(60),
            summary: "<p>Summary of story \(index), with <b>some</b> markup &amp; an ümlaut.</p>",
            content: body, categories: [Category(term: "politics"), Category(term: "region-\(index % 7)")],
            feedURL: feedURL)
        let others =
            index % 5 == 0
            ? [
                SourceRef(title: "Another take \(index)", link: "https://other.example/\(index)", feedTitle: "Other"),
                SourceRef(title: "Third take \(index)", link: "https://third.example/\(index)", feedTitle: "Third"),
            ] : []
        return PublishedEntry(
            article: article,
            feed: FeedInfo(
                id: "tag:host\(feed).example,2026:feed", title: "Feed \(feed)", link: "https://host\(feed).example/"),
            feedURL: feedURL, firstSeen: published.addingTimeInterval(300), otherSources: others,
            related: [
                RelatedRef(title: "Related \(index + 1)", link: "https://host\(feed).example/2026/\(index + 1)"),
                RelatedRef(title: "Related \(index + 2)", link: "https://host\(feed).example/2026/\(index + 2)"),
            ],
            storyID: "story-\(index)")
    }
}

func atomOnlyInput(_ entries: [PublishedEntry], title: String) -> PublishInput {
    PublishInput(
        site: SiteSettings(title: title, id: "tag:example.org,2026:bench", site: "https://example.org/"),
        output: OutputSettings(atom: "atom.xml", opml: nil, html: nil, entries: entries.count),
        subscriptions: [], entries: entries, feedListModified: Date(timeIntervalSince1970: 1_795_000_000))
}

/// Where the outputs go: a RAM-backed folder when the system has one (`/dev/shm`, tmpfs), so that the figures are
/// the publisher's work (preparing the entries from the pipeline's values, escaping, rendering, comparing with and
/// writing the file through `AtomicFile`), not how long this machine's disk takes to `fsync` 25 MB. The disk is
/// measured on its own, by the "synced to disk" benchmark.
func outputFolder(_ name: String) -> URL {
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isFolder), isFolder.boolValue {
        return URL(fileURLWithPath: "/dev/shm").appendingPathComponent(name)
    }
    return FileManager.default.temporaryDirectory.appendingPathComponent(name)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident], maxDuration: .seconds(5),
        maxIterations: 30)

    let entries = syntheticEntries(count: 10_000)
    let folder = outputFolder("tributary-publisher-bench")

    // The target (issue 6): under 100 ms for 10,000 entries, from the pipeline's entries to the replaced file:
    // preparing them (ids, dates, links, stories), rendering every byte, and writing the file each time.
    Benchmark("Publisher.publish 10k entries to Atom, rewritten") { benchmark async throws in
        let inputs = [atomOnlyInput(entries, title: "Bench A"), atomOnlyInput(entries, title: "Bench B")]
        let publisher = Publisher()
        benchmark.startMeasurement()
        for iteration in benchmark.scaledIterations {
            blackHole(try await publisher.publish(inputs[iteration % 2], to: folder))
        }
    }

    // The steady state of a cron run with nothing new: render, compare, leave the file alone.
    Benchmark("Publisher.publish 10k entries to Atom, unchanged") { benchmark async throws in
        let input = atomOnlyInput(entries, title: "Bench same")
        let publisher = Publisher()
        _ = try await publisher.publish(input, to: folder)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await publisher.publish(input, to: folder))
        }
    }

    // The same with the file on this machine's disk: adds the fsync of 25 MB (the file and its folder).
    Benchmark("Publisher.publish 10k entries to Atom, rewritten and synced to disk") { benchmark async throws in
        let inputs = [atomOnlyInput(entries, title: "Bench C"), atomOnlyInput(entries, title: "Bench D")]
        let publisher = Publisher()
        let diskFolder = FileManager.default.temporaryDirectory.appendingPathComponent("tributary-publisher-bench")
        benchmark.startMeasurement()
        for iteration in benchmark.scaledIterations {
            blackHole(try await publisher.publish(inputs[iteration % 2], to: diskFolder))
        }
    }

    Benchmark("Publisher.publish 10k entries to every format") { benchmark async throws in
        var input = atomOnlyInput(entries, title: "Bench all")
        input.output = OutputSettings(
            atom: "atom.xml", opml: "feeds.opml", html: "index.html", rss: "rss.xml", jsonFeed: "feed.json",
            entries: entries.count)
        let publisher = Publisher()
        benchmark.startMeasurement()
        for iteration in benchmark.scaledIterations {
            input.site.title = "Bench all \(iteration % 2)"
            blackHole(try await publisher.publish(input, to: folder))
        }
    }
}
