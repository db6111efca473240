import Benchmark
import Foundation
import TributaryCore
import TributaryParser
import TributaryPublisher

/// A feeds.json with `count` feeds, shaped like a real one: titles with non-ASCII text, tags, a few unknown keys.
func syntheticFeedList(count: Int) -> [UInt8] {
    var text = "{\n  \"title\": \"Benchmark\",\n  \"output\": { \"dir\": \"public\" },\n  \"feeds\": [\n"
    for index in 0..<count {
        let separator = index + 1 < count ? "," : ""
        text +=
            "    { \"url\": \"https://host\(index % 997).example/feed/\(index).xml\", \"title\": \"Feed №\(index) — Ελληνικά\", "
        text += "\"tags\": [\"tag\(index % 17)\", \"group/\(index % 5)\"], \"x-note\": \(index) }\(separator)\n"
    }
    text += "  ]\n}\n"
    return Array(text.utf8)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident], maxDuration: .seconds(5),
        maxIterations: 50)

    let bytes = syntheticFeedList(count: 10_000)
    let url = URL(fileURLWithPath: "/tmp/feeds.json")

    Benchmark("FeedListFile.parse 10k feeds") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try FeedListFile.parse(bytes, url: url))
        }
    }

    Benchmark("FeedListFile.rendered 10k feeds, one added") { benchmark in
        var file = try FeedListFile.parse(bytes, url: url)
        _ = try file.add(Subscription(url: "https://new.example/feed.xml", title: "New"))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try file.rendered())
        }
    }

    let feeds = (try? FeedListFile.parse(bytes, url: url).feedList.feeds) ?? []
    let date = Date(timeIntervalSince1970: 1_800_000_000)
    let opml = Data(OPMLWriter.document(title: "Benchmark", subscriptions: feeds, dateCreated: date).utf8)

    Benchmark("OPMLWriter.document 10k feeds") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(OPMLWriter.document(title: "Benchmark", subscriptions: feeds, dateCreated: date))
        }
    }

    Benchmark("OPMLReader.subscriptions 10k feeds") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try OPMLReader.subscriptions(from: opml))
        }
    }

    Benchmark("import 10k feeds into an empty list") { benchmark in
        let empty = try FeedListFile.parse(Array("{\n  \"feeds\": []\n}\n".utf8), url: url)
        for _ in benchmark.scaledIterations {
            var file = empty
            blackHole(file.add(contentsOf: try OPMLReader.subscriptions(from: opml)))
            blackHole(try file.rendered())
        }
    }

    Benchmark("FeedListFile.save 10k feeds") { benchmark in
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tributary-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("feeds.json")
        try Data(bytes).write(to: path)
        var file = try FeedListFile.load(from: path)
        _ = try file.add(Subscription(url: "https://new.example/feed.xml", title: "New"))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            try Data(bytes).write(to: path)
            try file.save()
        }
    }
}
