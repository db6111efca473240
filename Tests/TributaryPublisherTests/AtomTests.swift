import Foundation
import Testing
import TributaryCore

@testable import TributaryParser
@testable import TributaryPublisher

@Suite struct AtomTests {
    @Test func storyIsPublishedOnceWithItsSourcesNamed() async throws {
        let folder = try Sample.temporaryDirectory()
        _ = try await Publisher().publish(Sample.input(), to: folder)
        let atom = try AtomSummary(file: folder.appendingPathComponent("atom.xml"))
        #expect(atom.entries.count == 3)
        let bridge = try #require(atom.entries.first { $0.id == "tag:atom.example.com,2026:entry-1" })
        #expect(bridge.links["alternate"] == ["https://atom.example.com/2026/bridge"])
        #expect(bridge.links["related"]?.contains("https://rss.example.net/bridge-open") == true)
        #expect(bridge.links["related"]?.contains("https://third.example.org/posts/elections") == true)
        #expect(bridge.relatedTitles.contains("RSS Weekly: Bridge open again"))
        #expect(bridge.links["enclosure"] == ["https://atom.example.com/photo.jpg"])
        #expect(!atom.entries.contains { $0.links["alternate"] == ["https://rss.example.net/bridge-open"] })
    }

    @Test func feedCarriesItsIdentityAndNewestFirstOrder() async throws {
        let folder = try Sample.temporaryDirectory()
        let report = try await Publisher().publish(Sample.input(), to: folder)
        let atom = try AtomSummary(file: folder.appendingPathComponent("atom.xml"))
        #expect(atom.feedID == "tag:example.org,2026:balkans-watch")
        #expect(atom.feedLinks["self"] == ["https://example.org/news/atom.xml"])
        #expect(atom.feedLinks["alternate"] == ["https://example.org/news/index.html"])
        #expect(atom.feedLinks["hub"] == nil)
        // The feed's updated is the newest entry's, not the time of publishing.
        #expect(atom.updated == "2026-11-20T09:30:00Z")
        let published = atom.entries.compactMap(\.published)
        #expect(published == published.sorted(by: >))
        #expect(report.entryCount == 3)
    }

    @Test func rssIdsBecomeNameBasedUUIDsAndURLIdsStay() async throws {
        let folder = try Sample.temporaryDirectory()
        _ = try await Publisher().publish(Sample.input(), to: folder)
        let atom = try AtomSummary(file: folder.appendingPathComponent("atom.xml"))
        let market = try #require(atom.entries.first { $0.title == "Market prices steady" })
        #expect(market.id.hasPrefix("urn:uuid:"))
        #expect(
            market.id
                == EntryPreparation.entryID(article: Article(id: "1002"), feedURL: "https://rss.example.net/rss.xml"))
        #expect(atom.entries.contains { $0.id == "https://third.example.org/posts/elections" })
    }

    @Test func nameUUIDMatchesRFC9562Example() {
        // RFC 9562 appendix A.4: the version 5 UUID of "www.example.com" in the DNS namespace.
        let dns: [UInt8] = [
            0x6B, 0xA7, 0xB8, 0x10, 0x9D, 0xAD, 0x11, 0xD1, 0x80, 0xB4, 0x00, 0xC0, 0x4F, 0xD4, 0x30, 0xC8,
        ]
        var hash = SHA1.digest(dns + Array("www.example.com".utf8))
        hash[6] = (hash[6] & 0x0F) | 0x50
        hash[8] = (hash[8] & 0x3F) | 0x80
        let hex = hash.prefix(16).map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        #expect(hex == "2ed6657de927568b95e12665a8aea6a2")
        let abc = SHA1.digest(Array("abc".utf8)).map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }
        #expect(abc.joined() == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test func anEntryDatedOnlyByUpdatedStandsAtThatDate() async throws {
        let seen = Sample.date("2026-11-29T22:00:00Z")
        func entry(_ id: String, published: String?, updated: String?) -> PublishedEntry {
            PublishedEntry(
                article: Article(
                    id: id, title: id, link: "https://rdf.example.org/\(id)", published: published.map(Sample.date),
                    updated: updated.map(Sample.date)),
                feed: Sample.rssFeed, feedURL: "https://rdf.example.org/index.rdf", firstSeen: seen)
        }
        // RSS 1.0 gives dc:date, which is `updated`: the entry from the 20th stays below the one published on the
        // 24th instead of rising to the time the feed was first read, and it still claims no `published`.
        let entries = [
            entry("dc-date-only", published: nil, updated: "2026-11-20T10:00:00Z"),
            entry("published", published: "2026-11-24T16:40:00Z", updated: nil),
            entry("undated", published: nil, updated: nil),
        ]
        let folder = try Sample.temporaryDirectory()
        _ = try await Publisher().publish(Sample.input(entries: entries), to: folder)
        let atom = try AtomSummary(file: folder.appendingPathComponent("atom.xml"))
        #expect(atom.entries.map(\.title) == ["undated", "published", "dc-date-only"])
        #expect(atom.entries.last?.published == nil)
        let html = try String(contentsOf: folder.appendingPathComponent("index.html"), encoding: .utf8)
        let friday = try #require(html.range(of: "Friday, 20 November 2026"))
        #expect(html[friday.upperBound...].contains("dc-date-only"))
    }

    @Test func futureDatesAreClampedToFirstSeen() async throws {
        let folder = try Sample.temporaryDirectory()
        _ = try await Publisher().publish(Sample.input(entries: Sample.hostileEntries()), to: folder)
        let atom = try AtomSummary(file: folder.appendingPathComponent("atom.xml"))
        let future = try #require(atom.entries.first { $0.title == "From the future" })
        #expect(future.published == "2026-11-21T08:00:00Z")
        #expect(future.updated == "2026-11-21T08:00:00Z")
    }

    @Test func hostileContentStaysWellFormedAndInert() async throws {
        let folder = try Sample.temporaryDirectory()
        _ = try await Publisher().publish(Sample.input(entries: Sample.hostileEntries()), to: folder)
        let bytes = Array(try Data(contentsOf: folder.appendingPathComponent("atom.xml")))
        let atom = try AtomSummary(bytes: bytes)
        // The entry with nothing in it at all is not published.
        #expect(atom.entries.count == 5)
        let text = String(decoding: bytes, as: UTF8.self)
        // Outside the CDATA bodies (escaped HTML, which the parser has sanitised in a real run), no markup from the
        // feed appears as markup.
        let outsideBodies = text.components(separatedBy: "<![CDATA[").map {
            $0.components(separatedBy: "]]>").last ?? ""
        }
        #expect(!outsideBodies.joined().contains("<script"))
        #expect(!text.contains("javascript:"))
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(!text.unicodeScalars.contains { $0.value == 0xFFFE || (0x80...0x9F).contains($0.value) })
        for entry in atom.entries {
            #expect(!entry.title.isEmpty)
            #expect(entry.id.contains(":") && !entry.id.contains(" "))
        }
        #expect(atom.entries.contains { $0.title == "An entry with no title and no date at all." })
        let relative = try #require(atom.entries.first { $0.title == "Relative links" })
        #expect(relative.links["alternate"] == ["https://evil.example.com/posts/relative?a=1&b=2%20c"])
        #expect(relative.links["enclosure"] == ["https://evil.example.com/media/a%20b.mp3"])
        // Every id is unique.
        #expect(Set(atom.entries.map(\.id)).count == atom.entries.count)
    }

    @Test func hubLinkAppearsWhenConfigured() async throws {
        let folder = try Sample.temporaryDirectory()
        var output = OutputSettings(html: nil)
        output.hub = "http://127.0.0.1:9/hub"
        // The hub is not listening: the publish must still succeed and report the failure.
        let report = try await Publisher().publish(Sample.input(output: output), to: folder)
        let atom = try AtomSummary(file: folder.appendingPathComponent("atom.xml"))
        #expect(atom.feedLinks["hub"] == ["http://127.0.0.1:9/hub"])
        guard case .failed = report.hubPing else {
            Issue.record("expected a failed ping, got \(String(describing: report.hubPing))")
            return
        }
    }

    @Test func entriesAreCappedByOutputEntries() async throws {
        let folder = try Sample.temporaryDirectory()
        let output = OutputSettings(html: nil, entries: 2)
        let report = try await Publisher().publish(Sample.input(output: output), to: folder)
        let atom = try AtomSummary(file: folder.appendingPathComponent("atom.xml"))
        #expect(atom.entries.count == 2)
        #expect(report.entryCount == 2)
        #expect(atom.entries.first?.title == "Bridge reopens after <repairs>")
    }
}

@Suite struct BodyEscapingTests {
    @Test(arguments: ["plain", "a ]]> b", "]]>]]>", "]]", "x]", "<p>a &amp; b</p>", "tail ]]"])
    func bodiesSurviveCDATA(body: String) async throws {
        var writer = ByteWriter()
        writer.raw("<root>")
        writer.cdata(body + "\u{1}\u{FFFE}")
        writer.raw("</root>")
        let document = try writer.bytes.withUnsafeBytes {
            try XMLDocument.parseXML($0, url: nil, encoding: nil, recover: false)
        }
        #expect(document.root?.text == body)
    }
}
