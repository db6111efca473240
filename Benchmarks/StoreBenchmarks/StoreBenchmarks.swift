import Benchmark
import Foundation
import TributaryCore
import TributaryStore

/// A first run's worth of parsed feeds: `feeds` feeds of `perFeed` entries each, with an HTML summary and body
/// (about 1.7 KB of JSON per article, as in the fetch benchmark's corpus), authors, categories and an enclosure now
/// and then.
func syntheticUpdates(feeds: Int, perFeed: Int) -> [FeedUpdate] {
    let start = Date(timeIntervalSince1970: 1_795_000_000)
    let body = String(
        repeating:
            "<p>Reports from the valley &amp; the coast: «quoted» text, <a href=\"https://example.com/x\">a link</a>.</p>",
        count: 10)
    return (0..<feeds).map { feed in
        let url = "https://host\(feed % 700).example/feeds/\(feed).xml"
        let articles = (0..<perFeed).map { index in
            let published = start.addingTimeInterval(Double(feed * perFeed + index) * 61)
            return Article(
                id: "tag:host\(feed).example,2026:entry-\(index)",
                title: "Headline \(feed)-\(index): council votes on the budget",
                link: "https://host\(feed % 700).example/2026/\(feed)/\(index)?utm_source=rss",
                authors: [Person(name: "Reporter \(index % 9)")], published: published,
                summary: "<p>Summary \(feed)-\(index), with <b>markup</b> &amp; an ümlaut.</p>", content: body,
                categories: [Category(term: "news"), Category(term: "region-\(index % 7)")],
                enclosures: index % 4 == 0
                    ? [
                        Enclosure(
                            href: "https://cdn.example/\(feed)/\(index).mp3", type: "audio/mpeg", length: 4_096_000)
                    ]
                    : [])
        }
        return FeedUpdate(
            state: FeedState(
                url: url, etag: "\"\(feed)-v1\"", lastModified: "Fri, 14 Mar 2025 12:00:00 GMT", lastStatus: 200),
            parsed: ParsedFeed(
                info: FeedInfo(title: "Feed \(feed)", link: "https://host\(feed).example/"), articles: articles))
    }
}

/// A store of its own in a RAM-backed folder when there is one, so the figures are SQLite's and our work, not the
/// disk's.
func freshStorePath() -> String {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    return "\(base)/tributary-store-bench-\(UUID().uuidString)/state.sqlite"
}

func removeStore(at path: String) {
    try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
}

/// Stores the updates the way a run does: prepared off the store's queue, then in batches of 64 feeds.
func ingestAll(_ updates: [FeedUpdate], into store: SQLiteStore, now: Date) async throws -> Int {
    var stored = 0
    for start in stride(from: 0, to: updates.count, by: 64) {
        let batch = updates[start..<min(start + 64, updates.count)].map { update in
            var prepared = update
            prepared.prepare()
            return prepared
        }
        stored += try await store.ingest(batch, now: now).reduce(0) { $0 + $1.newArticles.count + $1.unchanged }
    }
    return stored
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident], maxDuration: .seconds(20),
        maxIterations: 10)
    let updates = syntheticUpdates(feeds: 2_000, perFeed: 14)
    let articleCount = 2_000 * 14
    let now = Date(timeIntervalSince1970: 1_796_000_000)

    Benchmark("FeedUpdate.prepare 28k articles") { benchmark in
        for update in updates {
            var prepared = update
            prepared.prepare()
            blackHole(prepared)
        }
    }

    Benchmark("SQLiteStore.ingest 28k new articles (2,000 feeds)") { benchmark in
        let path = freshStorePath()
        defer { removeStore(at: path) }
        let store = try SQLiteStore(path: path)
        benchmark.startMeasurement()
        let stored = try await ingestAll(updates, into: store, now: now)
        benchmark.stopMeasurement()
        precondition(stored == articleCount, "stored \(stored) of \(articleCount)")
    }

    Benchmark("SQLiteStore.ingest 28k unchanged articles again") { benchmark in
        let path = freshStorePath()
        defer { removeStore(at: path) }
        let store = try SQLiteStore(path: path)
        _ = try await ingestAll(updates, into: store, now: now)
        benchmark.startMeasurement()
        let stored = try await ingestAll(updates, into: store, now: now.addingTimeInterval(3_600))
        benchmark.stopMeasurement()
        precondition(stored == articleCount, "saw \(stored) of \(articleCount)")
    }

    Benchmark("SQLiteStore.saveLinks 28k decisions, 10k stories") { benchmark in
        let path = freshStorePath()
        defer { removeStore(at: path) }
        let store = try SQLiteStore(path: path)
        _ = try await ingestAll(updates, into: store, now: now)
        let ids = try await store.linkCandidates(firstSeenSince: .distantPast).map(\.id)
        // Stories of about three articles, every fifth article a copy of its story's first, as a first run links them.
        let links = ids.enumerated().map { index, id in
            let founder = ids[index - index % 3]
            return LinkUpdate(
                articleID: id, storyID: String(founder), duplicateOf: index % 5 == 4 ? founder : nil,
                reasons: index % 3 == 0 ? ["founded 0.000 \(id)"] : ["story 0.412 \(founder)"])
        }
        let stories = stride(from: 0, to: ids.count, by: 3).map { index in
            StoryRecord(
                id: String(ids[index]), title: "Story \(index)",
                related: [String(ids[(index + 3) % ids.count]), String(ids[(index + 6) % ids.count])], lastActive: now)
        }
        benchmark.startMeasurement()
        try await store.saveLinks(links, stories: stories)
        benchmark.stopMeasurement()
    }
}
