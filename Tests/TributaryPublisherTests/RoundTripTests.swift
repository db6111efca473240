import Foundation
import Testing
import TributaryCore
import TributaryParser

@testable import TributaryPublisher

/// Our own parser reads our Atom, RSS and JSON Feed back into the articles we published.
@Suite struct RoundTripTests {
    private func publishAll() async throws -> (folder: URL, prepared: [PreparedEntry]) {
        let folder = try Sample.temporaryDirectory()
        let input = Sample.input()
        _ = try await Publisher().publish(input, to: folder)
        return (folder, EntryPreparation.prepare(input.entries))
    }

    private func parse(_ folder: URL, _ name: String, contentType: String) throws -> ParsedFeed {
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        return FeedParser.parse(data, documentURL: "https://example.org/news/\(name)", contentType: contentType)
    }

    @Test func atomReadsBackIntoTheSameArticles() async throws {
        let (folder, prepared) = try await publishAll()
        let feed = try parse(folder, "atom.xml", contentType: "application/atom+xml")
        #expect(feed.errors.isEmpty, "\(feed.errors)")
        #expect(feed.info.id == "tag:example.org,2026:balkans-watch")
        #expect(feed.info.title == "Western Balkans Watch")
        #expect(feed.articles.count == prepared.count)
        for (article, entry) in zip(feed.articles, prepared) {
            #expect(article.id == entry.id)
            // A headline holding `<` or `&` travels as `type="html"`; its text is what must survive.
            let title = article.titleType == .html ? PlainText.from(html: article.title ?? "") : article.title
            #expect(title == entry.titleText)
            #expect(article.link == entry.link)
            #expect(article.published == entry.published)
            #expect(article.updated == entry.updated)
            #expect(article.content == entry.content)
            #expect(article.categories.map(\.term) == entry.categories.map(\.term))
            #expect(article.enclosures.map(\.href) == entry.enclosures.map(\.href))
            let authors = entry.authors.isEmpty ? entry.origin.authors : entry.authors
            #expect(article.authors.map(\.name) == authors.map(\.name))
            let related = article.links.filter { $0.rel == "related" }
            #expect(related.map(\.href) == entry.related.map(\.href))
            #expect(related.map(\.title) == entry.related.map(\.title))
            #expect(article.source?.title == entry.origin.title)
            #expect(article.source?.id == entry.origin.id)
        }
    }

    @Test func rssReadsBackIntoTheSameArticles() async throws {
        let (folder, prepared) = try await publishAll()
        let feed = try parse(folder, "rss.xml", contentType: "application/rss+xml")
        #expect(feed.errors.isEmpty, "\(feed.errors)")
        #expect(feed.articles.count == prepared.count)
        for (article, entry) in zip(feed.articles, prepared) {
            #expect(article.id == entry.id)
            #expect(article.title == entry.titleText)
            #expect(article.link == entry.link)
            #expect(article.published == (entry.published ?? entry.updated))
            #expect(article.enclosures.map(\.href) == entry.enclosures.prefix(1).map(\.href))
        }
    }

    @Test func jsonFeedReadsBackIntoTheSameArticles() async throws {
        let (folder, prepared) = try await publishAll()
        let feed = try parse(folder, "feed.json", contentType: "application/feed+json")
        #expect(feed.errors.isEmpty, "\(feed.errors)")
        #expect(feed.articles.count == prepared.count)
        for (article, entry) in zip(feed.articles, prepared) {
            #expect(article.id == entry.id)
            #expect(article.title == entry.titleText)
            #expect(article.link == entry.link)
            #expect(article.published == entry.published)
            #expect(article.updated == entry.updated)
            #expect(article.content == (entry.content ?? entry.summary))
        }
    }

    /// A hostile feed goes through the real parser and then the publisher, as in a run: the result is clean.
    @Test func hostileFeedThroughParserAndPublisher() async throws {
        let folder = try Sample.temporaryDirectory()
        let input = try Sample.parsedHostileInput()
        #expect(!input.entries.isEmpty)
        _ = try await Publisher().publish(input, to: folder)
        let bytes = Array(try Data(contentsOf: folder.appendingPathComponent("atom.xml")))
        let atom = try AtomSummary(bytes: bytes)
        let expected = EntryPreparation.prepare(input.entries).count
        #expect(expected == 8)
        #expect(atom.entries.count == expected)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.lowercased().contains("&lt;script"))
        #expect(!text.contains("javascript:"))
        let back = FeedParser.parse(Data(bytes), documentURL: "https://example.org/news/atom.xml", contentType: nil)
        #expect(back.errors.isEmpty, "\(back.errors)")
        #expect(back.articles.count == expected)
    }
}
