import Foundation
import Testing
import TributaryCore

@testable import TributaryPublisher

/// Publishes 10,000 synthetic entries when `TRIBUTARY_PUBLISHER_PROFILE` is set, for a profiler to watch (the
/// timing itself is the benchmark's job, in Benchmarks/PublisherBenchmarks). Checks only that all were written.
@Suite struct ProfileTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TRIBUTARY_PUBLISHER_PROFILE"] != nil))
    func publishTenThousandEntries() async throws {
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let entries = (0..<10_000).map { index in
            let published = start.addingTimeInterval(Double(index) * 37)
            return PublishedEntry(
                article: Article(
                    id: index % 3 == 0 ? "tag:host.example,2026:entry-\(index)" : "guid-\(index)",
                    title: "Headline number \(index): Ministry announces ‘new’ measures & reforms",
                    link: "https://host\(index % 1_000).example/2026/\(index)",
                    authors: [Person(name: "Reporter \(index % 50)")], published: published,
                    summary: "<p>Summary of story \(index), with <b>some</b> markup &amp; an ümlaut.</p>",
                    content: String(repeating: "<p>Вести из региона &amp; the valley: «quoted» text.</p>", count: 10),
                    categories: [Category(term: "politics")], feedURL: "https://host\(index % 1_000).example/feed"),
                feed: FeedInfo(title: "Feed \(index % 1_000)", link: "https://host\(index % 1_000).example/"),
                feedURL: "https://host\(index % 1_000).example/feed", firstSeen: published,
                related: [RelatedRef(title: "Related", link: "https://host.example/r/\(index)")], storyID: "s\(index)")
        }
        let input = PublishInput(
            site: SiteSettings(title: "Profile", site: "https://example.org/"),
            output: OutputSettings(opml: nil, html: nil, entries: 10_000), subscriptions: [], entries: entries,
            feedListModified: start)
        let folder = try Sample.temporaryDirectory()
        for _ in 0..<3 {
            let report = try await Publisher().publish(input, to: folder)
            #expect(report.entryCount == 10_000)
        }
    }
}
