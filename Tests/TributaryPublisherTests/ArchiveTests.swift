import Foundation
import Testing
import TributaryCore

@testable import TributaryPublisher

/// RFC 5005: full archive pages are written once and never change; nothing falls through the cracks.
@Suite struct ArchiveTests {
    /// `count` one-a-day entries from one feed, the newest first seen on the last day.
    private func entries(_ range: ClosedRange<Int>) -> [PublishedEntry] {
        range.map { day in
            let published = Sample.date("2026-10-01T12:00:00Z").addingTimeInterval(Double(day) * 86_400)
            return PublishedEntry(
                article: Article(
                    id: "https://daily.example.com/\(day)", title: "Day \(day)",
                    link: "https://daily.example.com/\(day)",
                    published: published, feedURL: "https://daily.example.com/feed"),
                feed: FeedInfo(title: "Daily"), feedURL: "https://daily.example.com/feed",
                firstSeen: published.addingTimeInterval(600))
        }
    }

    private let output = OutputSettings(opml: nil, html: nil, entries: 3, archive: 2)

    @Test func fullPagesAreWrittenOnceAndLinked() async throws {
        let folder = try Sample.temporaryDirectory()
        let first = try await Publisher().publish(Sample.input(entries: entries(1...8), output: output), to: folder)
        // 8 entries: 3 current, 5 older → two full pages (days 1–2, 3–4), day 5 stays current.
        #expect(first.written.contains("atom-archive-1.xml"))
        #expect(first.written.contains("atom-archive-2.xml"))
        #expect(!first.written.contains("atom-archive-3.xml"))
        let current = try AtomSummary(file: folder.appendingPathComponent("atom.xml"))
        #expect(current.entries.map(\.title) == ["Day 8", "Day 7", "Day 6", "Day 5"])
        #expect(current.feedLinks["prev-archive"] == ["https://example.org/news/atom-archive-2.xml"])
        let page2 = try AtomSummary(file: folder.appendingPathComponent("atom-archive-2.xml"))
        #expect(page2.entries.map(\.title) == ["Day 4", "Day 3"])
        #expect(page2.feedLinks["prev-archive"] == ["https://example.org/news/atom-archive-1.xml"])
        #expect(page2.feedLinks["current"] == ["https://example.org/news/atom.xml"])
        #expect(page2.feedLinks["self"] == ["https://example.org/news/atom-archive-2.xml"])
        let page1Bytes = try Data(contentsOf: folder.appendingPathComponent("atom-archive-1.xml"))

        // Later: new entries arrive and the store has forgotten the oldest ones.
        let second = try await Publisher().publish(Sample.input(entries: entries(4...11), output: output), to: folder)
        #expect(!second.written.contains("atom-archive-1.xml"))
        #expect(!second.written.contains("atom-archive-2.xml"))
        #expect(second.written.contains("atom-archive-3.xml"))
        #expect(second.written.contains("atom-archive-4.xml"))
        #expect(try Data(contentsOf: folder.appendingPathComponent("atom-archive-1.xml")) == page1Bytes)
        let page3 = try AtomSummary(file: folder.appendingPathComponent("atom-archive-3.xml"))
        #expect(page3.entries.map(\.title) == ["Day 6", "Day 5"])
        let now = try AtomSummary(file: folder.appendingPathComponent("atom.xml"))
        #expect(now.entries.map(\.title) == ["Day 11", "Day 10", "Day 9"])
        #expect(now.feedLinks["prev-archive"] == ["https://example.org/news/atom-archive-4.xml"])

        // Every entry seen is somewhere: in the current document or in exactly one archive page.
        var seen: [String] = now.entries.map(\.title)
        for page in 1...4 {
            seen += try AtomSummary(file: folder.appendingPathComponent("atom-archive-\(page).xml")).entries.map(
                \.title)
        }
        #expect(Set(seen) == Set((1...11).map { "Day \($0)" }))
        #expect(seen.count == 11)

        let third = try await Publisher().publish(Sample.input(entries: entries(4...11), output: output), to: folder)
        #expect(third.written.isEmpty)
    }
}
