import Foundation
import Testing
import TributaryCore

@testable import TributaryPublisher

/// The shipped page is written directly by `RiverWriter`; it must be exactly what Mustache makes of the shipped
/// template, for every kind of input.
@Suite struct RiverWriterTests {
    private func compare(_ input: PublishInput, feeds: [String: String]) throws {
        let meta = FeedMeta(site: input.site, output: input.output)
        let entries = EntryPreparation.prepare(input.entries)[...]
        let updated = Publisher.updated(entries, fallback: input.feedListModified)
        let mustache = try HTMLRenderer.mustache(
            templatePath: nil, meta: meta, entries: entries, updated: updated, feeds: feeds)
        let direct = String(
            decoding: RiverWriter.document(meta: meta, entries: entries, updated: updated, feeds: feeds), as: UTF8.self)
        #expect(direct == mustache)
        // The shared default renderer is the direct one.
        let rendered = try HTMLRenderer(templatePath: nil).render(
            meta: meta, entries: entries, updated: updated, feeds: feeds)
        #expect(String(decoding: rendered, as: UTF8.self) == mustache)
    }

    private static let allFeeds = [
        "atom": "atom.xml", "rss": "https://example.org/rss.xml", "json": "f.json", "opml": "o",
    ]

    @Test func sampleHostileAndEmptyInputs() throws {
        for feeds in [Self.allFeeds, [:], ["opml": "feeds.opml"]] {
            try compare(Sample.input(), feeds: feeds)
            try compare(Sample.input(entries: Sample.hostileEntries()), feeds: feeds)
            try compare(try Sample.parsedHostileInput(), feeds: feeds)
            try compare(Sample.input(entries: []), feeds: feeds)
        }
    }

    @Test func awkwardText() throws {
        let seen = Sample.date("2026-11-21T08:00:00Z")
        let texts = [
            "Plain", "It's \"quoted\" & <tagged>", "a <\u{338} b", "e\u{301}<b>", "👍🏽 <ok>", "Ж & 中文 ‘x’",
            "tab\there", "cr\r\nlf", "&amp; already", "",
        ]
        var entries: [PublishedEntry] = []
        for (index, text) in texts.enumerated() {
            let published = seen.addingTimeInterval(Double(-index) * 40_000)
            entries.append(
                PublishedEntry(
                    article: Article(
                        id: "urn:x:\(index)", title: text, link: index % 3 == 0 ? nil : "https://e.example/\(index)",
                        authors: index % 2 == 0 ? [Person(name: text.isEmpty ? "Anon" : text)] : [],
                        published: published, summary: index % 4 == 0 ? nil : "<p>\(text) summary</p>",
                        content: "<p>\(text)</p>",
                        categories: [Category(term: "t\(index)", label: index % 2 == 0 ? text : nil)]),
                    feed: FeedInfo(
                        title: index % 5 == 0 ? nil : "Feed \(text)", link: index % 3 == 1 ? nil : "https://f.example/"),
                    feedURL: "https://f\(index % 2).example/feed", firstSeen: seen,
                    otherSources: index % 2 == 0
                        ? [SourceRef(title: "Other \(text)", link: "https://o.example/\(index)", feedTitle: "O'Feed")]
                        : [],
                    related: [RelatedRef(title: text, link: "https://r.example/\(index)")]))
        }
        var site = Sample.site
        for variant in 0..<3 {
            if variant == 1 {
                site.site = nil
                site.subtitle = nil
            }
            if variant == 2 { site.title = "Title's <b>&\"" }
            let input = PublishInput(
                site: site, output: OutputSettings(), subscriptions: [], entries: entries,
                feedListModified: Sample.date("2026-11-01T00:00:00Z"))
            try compare(input, feeds: Self.allFeeds)
        }
    }
}
