import Foundation
import Logging
import Synchronization
import Testing
import TributaryCore
import TributaryStore

@testable import Tributary

/// A copy of the repository's sample feeds and feeds.json in a fresh folder, so runs can edit them.
private struct Sandbox {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tributary-run-\(UUID().uuidString)")
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: repository.appendingPathComponent("examples"), to: folder.appendingPathComponent("examples"))
        try FileManager.default.copyItem(
            at: repository.appendingPathComponent("feeds.json"), to: folder.appendingPathComponent("feeds.json"))
    }

    var config: URL { folder.appendingPathComponent("feeds.json") }
    var output: URL { folder.appendingPathComponent("public") }

    func aggregator(makeStore: (@Sendable (String) throws -> any FeedStore)? = nil) throws -> Aggregator {
        let file = try FeedListFile.load(from: config)
        let logger = Logger(label: "tributary.test")
        if let makeStore {
            return Aggregator(file: file, logger: logger, makeStore: makeStore)
        }
        return Aggregator(file: file, logger: logger)
    }

    /// Bytes and modification time of every output file.
    func outputs() throws -> [String: (Data, Date)] {
        var found: [String: (Data, Date)] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: output.path) {
            let url = output.appendingPathComponent(name)
            let modified = try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date
            found[name] = (try Data(contentsOf: url), modified ?? .distantPast)
        }
        return found
    }

    func replace(_ old: String, with new: String, in name: String) throws {
        let url = folder.appendingPathComponent("examples").appendingPathComponent(name)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains(old))
        try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
    }

    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }
}

@Test func sampleRunPublishesEverythingAndASecondRunChangesNoFile() async throws {
    let sandbox = try Sandbox()
    defer { sandbox.remove() }
    let first = try await sandbox.aggregator().run()
    #expect(first.feeds == 5)
    #expect(first.fetched == 5)
    #expect(first.failed == 0)
    #expect(first.newArticles == 15)
    for name in ["atom.xml", "feeds.opml", "index.html"] {
        #expect(FileManager.default.fileExists(atPath: sandbox.output.appendingPathComponent(name).path))
    }
    let before = try sandbox.outputs()
    let second = try await sandbox.aggregator().run(all: true)
    #expect(second.newArticles == 0)
    #expect(second.updatedArticles == 0)
    #expect(second.written.isEmpty)
    let after = try sandbox.outputs()
    #expect(Set(before.keys) == Set(after.keys))
    for (name, (bytes, modified)) in before {
        #expect(after[name]?.0 == bytes, "\(name) changed")
        #expect(after[name]?.1 == modified, "\(name) was rewritten")
    }
}

@Test func notDueFeedsAreSkipped() async throws {
    let sandbox = try Sandbox()
    defer { sandbox.remove() }
    _ = try await sandbox.aggregator().run()
    let again = try await sandbox.aggregator().run()
    // The Balkan Herald asks for a 60-minute ttl and the Danube Review for a daily sy:updatePeriod; the other
    // three give no hint, so cron's own interval is their poll rate and they are due again at once.
    #expect(again.due == 3)
    #expect(again.skipped == 2)
}

@Test func editedEntryUpdatesInPlaceAndIsPublished() async throws {
    let sandbox = try Sandbox()
    defer { sandbox.remove() }
    _ = try await sandbox.aggregator().run()
    try sandbox.replace(
        "Tirana opens its new riverside tram line", with: "Tirana opens its new riverside tram line to crowds",
        in: "balkan-herald.xml")
    let summary = try await sandbox.aggregator().run(all: true)
    #expect(summary.newArticles == 0)
    #expect(summary.updatedArticles == 1)
    let atom = try String(contentsOf: sandbox.output.appendingPathComponent("atom.xml"), encoding: .utf8)
    #expect(atom.contains("riverside tram line to crowds"))
}

@Test func garbageFeedIsRecordedFailedWhileTheOthersPublish() async throws {
    let sandbox = try Sandbox()
    defer { sandbox.remove() }
    try Data([0, 1, 2, 0xff, 0x3c, 0x3c]).write(
        to: sandbox.folder.appendingPathComponent("examples/eurowire.json"))
    let summary = try await sandbox.aggregator().run()
    #expect(summary.failed == 1)
    #expect(summary.failures.first?.url == "examples/eurowire.json")
    #expect(summary.fetched == 4)
    let atom = try String(contentsOf: sandbox.output.appendingPathComponent("atom.xml"), encoding: .utf8)
    #expect(atom.contains("Balkan Herald"))
    let states = try await sandbox.aggregator().feedStates()
    let failed = try #require(states.first { $0.url == "examples/eurowire.json" })
    #expect(failed.errorCount == 1)
    #expect(failed.lastError != nil)
}

@Test func aSecondRunWhileTheLockIsHeldStopsAtOnce() async throws {
    let sandbox = try Sandbox()
    defer { sandbox.remove() }
    let aggregator = try sandbox.aggregator()
    let held = try RunLock(path: aggregator.lockPath)
    await #expect {
        _ = try await aggregator.run()
    } throws: { error in
        (error as? TributaryError)?.isLocked == true
    }
    withExtendedLifetime(held) {}
    #expect(!FileManager.default.fileExists(atPath: aggregator.databasePath))
}

@Test func fullDiskFailsClearlyKeepsOldOutputsAndTheNextRunRecovers() async throws {
    let sandbox = try Sandbox()
    defer { sandbox.remove() }
    _ = try await sandbox.aggregator().run()
    let before = try sandbox.outputs()
    // New, long entries that need more pages than the capped database may grow by.
    let long = String(repeating: "A long report on the talks. ", count: 3000)
    try sandbox.replace(
        "<p>The first trams", with: "<p>\(long) The first trams", in: "balkan-herald.xml")
    let path = try sandbox.aggregator().databasePath
    let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    let pages = size / (try pageSize(ofDatabase: path)) + 2
    let capped = try sandbox.aggregator { try SQLiteStore(path: $0, options: .init(maxPageCount: pages)) }
    await #expect {
        _ = try await capped.run(all: true)
    } throws: { error in
        "\(error)".contains("full")
    }
    let after = try sandbox.outputs()
    for (name, (bytes, _)) in before {
        #expect(after[name]?.0 == bytes, "\(name) changed")
    }
    let store = try SQLiteStore(path: path)
    #expect(try await store.integrityProblems().isEmpty)
    let recovered = try await sandbox.aggregator().run(all: true)
    #expect(recovered.updatedArticles == 1)
}

@Test func samplesGroupTheNatoStoryAndCollapseSyndicatedCopies() async throws {
    let sandbox = try Sandbox()
    defer { sandbox.remove() }
    _ = try await sandbox.aggregator().run()
    let stories = try await sandbox.aggregator().stories(since: .distantPast)
    let nato = try #require(stories.max { $0.articles.count < $1.articles.count })
    let titles = nato.articles.compactMap(\.article.title)
    #expect(titles.count >= 4, "\(titles)")
    #expect(titles.allSatisfy { $0.contains("NATO") || $0.contains("Alliance") })
    let copies = nato.articles.filter { $0.duplicateOf != nil }
    #expect(copies.contains { $0.feedURL == "examples/regional-roundup.xml" })
    // Every article but the story's founder says which rule placed it.
    #expect(nato.articles.filter { String($0.id) != nato.story.id }.allSatisfy { !$0.reasons.isEmpty })
    // The EU envoy's energy roadmap for the same talks, four days earlier, is a related story, not a piece of
    // this one; every other sample post stays on its own.
    #expect(nato.related.map(\.title) == ["EU envoy presents energy roadmap to Kosovo and Serbia negotiators"])
    let grouped = stories.filter { $0.articles.count > 1 }.map(\.story.id)
    #expect(grouped.count == 2, "only the NATO story and the syndicated night-train brief group articles")
    let atom = try String(contentsOf: sandbox.output.appendingPathComponent("atom.xml"), encoding: .utf8)
    #expect(atom.components(separatedBy: "<title>NATO chief in Pristina urges").count == 2, "published once")
    #expect(atom.contains("href=\"https://danube-review.example/analysis/eu-energy-roadmap-kosovo-serbia\" title="))
}

/// A first run reads many feeds' backlogs at once; the story must not depend on the order they arrive in.
@Test func samplesLinkTheSameWhateverTheFeedOrder() async throws {
    let sandbox = try Sandbox()
    defer { sandbox.remove() }
    let text = try String(contentsOf: sandbox.config, encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let feedLines = lines.indices.filter { lines[$0].contains("{ \"url\": \"examples/") }
    try #require(feedLines.count == 5)
    var reversed = lines
    for (position, index) in feedLines.enumerated() {
        var line = lines[feedLines[feedLines.count - 1 - position]]
        let hasComma = line.hasSuffix(",")
        if hasComma { line.removeLast() }
        reversed[index] = line + (position == feedLines.count - 1 ? "" : ",")
    }
    try reversed.joined(separator: "\n").write(to: sandbox.config, atomically: true, encoding: .utf8)
    _ = try await sandbox.aggregator().run()
    let stories = try await sandbox.aggregator().stories(since: .distantPast)
    let nato = try #require(stories.max { $0.articles.count < $1.articles.count })
    #expect(nato.articles.count == 5)
    #expect(nato.related.map(\.title) == ["EU envoy presents energy roadmap to Kosovo and Serbia negotiators"])
}

@Test func linkReplayReproducesStoryIds() async throws {
    let sandbox = try Sandbox()
    defer { sandbox.remove() }
    _ = try await sandbox.aggregator().run()
    let firstStories = try await sandbox.aggregator().stories(since: .distantPast)
    let first = Set(firstStories.map(\.story.id))
    var storyOfArticle: [Int64: String] = [:]
    for view in firstStories {
        for article in view.articles { storyOfArticle[article.id] = view.story.id }
    }
    // A new entry forces a relink of the whole window. Every old article stays in a story that already existed:
    // its own, or an older one it was merged into (a merge keeps the older id); only the new entry may found a
    // new story.
    try sandbox.replace(
        "<item>\n      <title>Tirana",
        with: """
            <item><title>Ohrid lake water level rises</title><guid>ohrid-1</guid>\
            <link>https://balkan-herald.example/ohrid</link></item>
            <item>
                  <title>Tirana
            """, in: "balkan-herald.xml")
    let summary = try await sandbox.aggregator().run(all: true)
    #expect(summary.newArticles == 1)
    let secondStories = try await sandbox.aggregator().stories(since: .distantPast)
    var newStories = 0
    for view in secondStories {
        for article in view.articles {
            if storyOfArticle[article.id] != nil {
                #expect(first.contains(view.story.id), "article \(article.id) moved to a new story id")
            }
        }
        if !first.contains(view.story.id) { newStories += 1 }
    }
    #expect(newStories <= 1)
    #expect(secondStories.count >= first.count - 1)
}

@Test func anUnchangedStoreSkipsPublishingUnlessAnOutputIsMissing() async throws {
    let sandbox = try Sandbox()
    defer { sandbox.remove() }
    _ = try await sandbox.aggregator().run()
    let quiet = try await sandbox.aggregator().run(all: true)
    #expect(quiet.written.isEmpty)
    #expect(Set(quiet.unchanged) == ["atom.xml", "feeds.opml", "index.html"])
    #expect(quiet.entries == 10)
    try FileManager.default.removeItem(at: sandbox.output.appendingPathComponent("index.html"))
    let repaired = try await sandbox.aggregator().run(all: true)
    #expect(repaired.written == ["index.html"])
    // feeds.json is part of what the outputs are made from: a new title republishes.
    let config = try String(contentsOf: sandbox.config, encoding: .utf8)
    try config.replacingOccurrences(of: "Western Balkans Watch", with: "Balkans Watch").write(
        to: sandbox.config, atomically: true, encoding: .utf8)
    let retitled = try await sandbox.aggregator().run(all: true)
    #expect(retitled.written.contains("atom.xml"))
}

/// What the store says about every article's placement and every story.
private func placements(_ store: any FeedStore) async throws -> ([LinkCandidate], [StoryRecord]) {
    (try await store.linkCandidates(firstSeenSince: .distantPast), try await store.stories(activeSince: .distantPast))
}

/// A run links its new articles while it fetches; what it stores must be what a replay of the window decides.
@Test func linkingWhileFetchingStoresWhatTheReplayDecides() async throws {
    let sandbox = try Sandbox()
    defer { sandbox.remove() }
    let aggregator = try sandbox.aggregator()
    let first = try await aggregator.run()
    #expect(first.newArticles == 15)
    let store = try SQLiteStore(path: aggregator.databasePath)
    let streamed = try await placements(store)
    #expect(streamed.0.allSatisfy { $0.storyID != nil })
    try await aggregator.link(store: store, force: true, now: Date(), events: { _ in })
    let replayed = try await placements(store)
    #expect(replayed.0 == streamed.0)
    #expect(replayed.1 == streamed.1)

    // A later run streams the stored window first, then its new entry.
    try sandbox.replace(
        "<item>\n      <title>Tirana",
        with: """
            <item><title>Ohrid lake water level rises after Tirana talks</title><guid>ohrid-1</guid>\
            <link>https://balkan-herald.example/ohrid</link></item>
            <item>
                  <title>Tirana
            """, in: "balkan-herald.xml")
    let second = try await aggregator.run(all: true)
    #expect(second.newArticles == 1)
    let streamedAgain = try await placements(store)
    #expect(streamedAgain.0.count == 16)
    #expect(streamedAgain.0.allSatisfy { $0.storyID != nil })
    try await aggregator.link(store: store, force: true, now: Date(), events: { _ in })
    let replayedAgain = try await placements(store)
    #expect(replayedAgain.0 == streamedAgain.0)
    #expect(replayedAgain.1 == streamedAgain.1)
}

/// Scores in `tributary stories --explain` read the same as printf's "%.3f", ties between thousandths included.
@Test func scoresAreWrittenAsPrintfWouldWriteThem() {
    var generator = SystemRandomNumberGenerator()
    let chosen: [Double] = [0, 1, 0.0005, 0.0015, 0.0125, 0.0135, 0.2505, 0.9995, 0.999_999, 1e-9, 0.25, 12.3456, 3e14]
    let random = (0..<5_000).map { _ in Double.random(in: 0...1, using: &generator) }
    let ties = (0..<1_000).map { (Double($0) + 0.5) / 1000 }
    for value in chosen + random + ties {
        #expect(Aggregator.threeDecimals(value) == String(format: "%.3f", value), "\(value)")
    }
}

/// A cron run that finds new entries decides only those: every article an earlier run placed keeps its story and
/// its lead, and a follow-up of a known story joins it.
@Test func aLaterRunKeepsEarlierPlacementsAndLinksTheNewEntries() async throws {
    let sandbox = try Sandbox()
    defer { sandbox.remove() }
    _ = try await sandbox.aggregator().run()
    let before = try await sandbox.aggregator().stories(since: .distantPast)
    var placed: [Int64: (story: String, lead: Int64?)] = [:]
    for story in before {
        for article in story.articles { placed[article.id] = (story.story.id, article.duplicateOf) }
    }
    let nato = try #require(before.max { $0.articles.count < $1.articles.count }).story.id
    try sandbox.replace(
        "    <item>\n      <title>NATO chief in Pristina",
        with: """
                <item>
                  <title>NATO chief ends Balkans tour urging Kosovo and Serbia back to the talks</title>
                  <link>https://balkan-herald.example/2026/11/26/nato-chief-ends-tour</link>
                  <guid isPermaLink="false">balkan-herald-20261126-nato-tour-ends</guid>
                  <pubDate>Fri, 27 Nov 2026 09:10:00 GMT</pubDate>
                  <description>NATO's Secretary General ended his Western Balkans tour in Belgrade, again urging Kosovo and Serbia to show flexibility and return to the EU-facilitated normalisation talks.</description>
                </item>
                <item>
                  <title>Skopje bakery wins regional bread prize</title>
                  <link>https://balkan-herald.example/2026/11/26/skopje-bakery-prize</link>
                  <guid isPermaLink="false">balkan-herald-20261126-bakery</guid>
                  <pubDate>Sun, 29 Nov 2026 20:00:00 GMT</pubDate>
                  <description>A family bakery in Skopje won the regional prize for sourdough bread.</description>
                </item>
                <item>
                  <title>NATO chief in Pristina
            """, in: "balkan-herald.xml")
    let summary = try await sandbox.aggregator().run(all: true)
    #expect(summary.newArticles == 2)
    let after = try await sandbox.aggregator().stories(since: .distantPast)
    var seen = 0
    for story in after {
        for article in story.articles {
            if let earlier = placed[article.id] {
                seen += 1
                #expect(story.story.id == earlier.story, "\(article.article.title ?? "")")
                #expect(article.duplicateOf == earlier.lead)
            } else if article.article.title?.hasPrefix("NATO chief ends") == true {
                #expect(story.story.id == nato)
            } else {
                #expect(story.articles.count == 1, "the bakery stands alone")
            }
        }
    }
    #expect(seen == placed.count)
}

/// One story told by more outlets than the feed has entries still leaves room for the others: the publisher reads
/// further back until it has enough stories.
@Test func aLargeStoryDoesNotCrowdOutTheOthers() async throws {
    let sandbox = try Sandbox()
    defer { sandbox.remove() }
    let config = try String(contentsOf: sandbox.config, encoding: .utf8)
    try config.replacingOccurrences(of: "\"entries\": 200", with: "\"entries\": 2").write(
        to: sandbox.config, atomically: true, encoding: .utf8)
    let angles = [
        "Pristina talks: NATO Secretary General presses Kosovo and Serbia on flexibility",
        "NATO head tells Kosovo and Serbia to return to EU-facilitated normalisation talks",
        "In Pristina, NATO's chief urges both Kosovo and Serbia to compromise in the talks",
        "NATO Secretary General warns Kosovo and Serbia that the normalisation stalemate hurts",
        "Kosovo, Serbia urged by NATO chief in Pristina to show flexibility at the talks",
        "NATO chief's Pristina stop: Kosovo and Serbia must return to normalisation talks",
        "Flexibility needed from Kosovo and Serbia, NATO Secretary General says in Pristina",
    ]
    var items = ""
    for (index, title) in angles.enumerated() {
        items += """
                <item>
                  <title>\(title)</title>
                  <link>https://balkan-herald.example/2026/11/25/nato-angle-\(index)</link>
                  <guid isPermaLink="false">balkan-herald-nato-angle-\(index)</guid>
                  <pubDate>Wed, 25 Nov 2026 0\(index):30:00 GMT</pubDate>
                  <description>Angle \(index) on the Secretary General's visit: \(title), as the Western Balkans tour goes on.</description>
                </item>

            """
    }
    try sandbox.replace(
        "    <item>\n      <title>NATO chief in Pristina",
        with: items + "    <item>\n      <title>NATO chief in Pristina", in: "balkan-herald.xml")
    _ = try await sandbox.aggregator().run()
    let stories = try await sandbox.aggregator().stories(since: .distantPast)
    let nato = try #require(stories.max { $0.articles.count < $1.articles.count })
    try #require(nato.articles.filter { $0.duplicateOf == nil }.count > 6, "the NATO story fills six leads")
    let atom = try String(contentsOf: sandbox.output.appendingPathComponent("atom.xml"), encoding: .utf8)
    #expect(atom.components(separatedBy: "<entry>").count - 1 == 2)
}

/// The page size recorded in a SQLite file's header (bytes 16 and 17, big-endian; 1 stands for 65536).
private func pageSize(ofDatabase path: String) throws -> Int {
    let header = try #require(FileHandle(forReadingAtPath: path)?.readData(ofLength: 18))
    let size = Int(header[16]) << 8 | Int(header[17])
    return size == 1 ? 65_536 : size
}

/// Many feeds, so the run stores several batches while earlier ones are still queued for the store: the streaming
/// linker must still see every batch, in order, and decide what a replay of the window decides.
@Test func queuedBatchesStillLinkAsTheReplayDoes() async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tributary-queue-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let topics = ["harbour strike", "bridge reopening", "budget vote", "flood warning", "wine harvest", "rail tender"]
    let towns = ["Split", "Skopje", "Tirana", "Novi Sad", "Podgorica", "Mostar", "Ohrid"]
    var feeds: [String] = []
    for number in 0..<(Aggregator.batchSize * (Aggregator.pendingBatches + 3)) {
        var items = ""
        for item in 0..<3 {
            let topic = topics[(number + item) % topics.count]
            let town = towns[(number / 2 + item) % towns.count]
            // Every seventh feed syndicates another's first item word for word.
            let story = number % 7 == 0 && item == 0 ? "\(topics[0]) in \(towns[0])" : "\(topic) in \(town)"
            items += """
                <item><title>\(story.capitalized): what we know</title>
                <link>https://outlet\(number).example/\(item)</link><guid>outlet\(number)-\(item)</guid>
                <pubDate>Mon, 23 Nov 2026 \(10 + item):\(String(format: "%02d", number % 60)):00 GMT</pubDate>
                <description>Officials in \(town) said the \(topic) would be settled this week; \
                the \(topic) in \(town) has drawn crowds from across the region.</description></item>
                """
        }
        let name = "feed\(number).xml"
        try """
        <?xml version="1.0"?><rss version="2.0"><channel><title>Outlet \(number)</title>\
        <link>https://outlet\(number).example/</link>\(items)</channel></rss>
        """.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        feeds.append("{\"url\": \"\(name)\"}")
    }
    let config = folder.appendingPathComponent("feeds.json")
    try "{\"feeds\": [\(feeds.joined(separator: ","))]}".write(to: config, atomically: true, encoding: .utf8)
    let log = LogRecorder()
    let aggregator = Aggregator(file: try FeedListFile.load(from: config), logger: log.logger)
    let summary = try await aggregator.run()
    #expect(summary.newArticles == feeds.count * 3)
    // Linked as the batches were stored, not by falling back to a replay.
    #expect(log.messages.withLock { $0.contains { $0.hasPrefix("linked while fetching") } })
    let store = try SQLiteStore(path: aggregator.databasePath)
    let streamed = try await placements(store)
    #expect(streamed.0.count == feeds.count * 3)
    #expect(streamed.0.allSatisfy { $0.storyID != nil })
    #expect(streamed.0.contains { $0.duplicateOf != nil })
    try await aggregator.link(store: store, force: true, now: Date(), events: { _ in })
    let replayed = try await placements(store)
    #expect(replayed.0 == streamed.0)
    #expect(replayed.1 == streamed.1)
}

/// Keeps every message logged through its logger, so a test can tell which way a run went.
private final class LogRecorder: Sendable {
    let messages = Mutex<[String]>([])

    var logger: Logger {
        Logger(label: "tributary.test") { _ in Handler(recorder: self) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.messages.withLock { $0.append(event.message.description) }
        }
    }
}
