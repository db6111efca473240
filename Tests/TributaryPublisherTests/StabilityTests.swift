import Foundation
import Testing
import TributaryCore

@testable import TributaryPublisher

/// Subscribers must never see an entry twice or an old entry come back as new: ids and `updated` survive
/// everything that does not change the entry itself.
@Suite struct StabilityTests {
    private func publish(_ input: PublishInput) async throws -> (atom: AtomSummary, bytes: [UInt8]) {
        let folder = try Sample.temporaryDirectory()
        _ = try await Publisher().publish(input, to: folder)
        let bytes = Array(try Data(contentsOf: folder.appendingPathComponent("atom.xml")))
        return (try AtomSummary(bytes: bytes), bytes)
    }

    private func idsAndUpdated(_ atom: AtomSummary) -> [String: String] {
        Dictionary(uniqueKeysWithValues: atom.entries.map { ($0.id, $0.updated) })
    }

    @Test func reorderingFeedsAndEntriesChangesNoByte() async throws {
        let base = try await publish(Sample.input())
        let reordered = try await publish(
            Sample.input(entries: Sample.entries().reversed(), subscriptions: Sample.subscriptions.reversed()))
        #expect(base.bytes == reordered.bytes)
    }

    @Test func addingAFeedKeepsIdsAndUpdated() async throws {
        let base = try await publish(Sample.input())
        var entries = Sample.entries()
        let newFeed = FeedInfo(title: "Newcomer", link: "https://new.example.com/")
        // The newcomer tells the bridge story later, and brings a story of its own.
        entries.append(
            PublishedEntry(
                article: Article(
                    id: "n-1", title: "Bridge: what changed", link: "https://new.example.com/bridge",
                    published: Sample.date("2026-11-20T12:00:00Z"), feedURL: "https://new.example.com/feed"),
                feed: newFeed, feedURL: "https://new.example.com/feed", firstSeen: Sample.date("2026-11-22T08:00:00Z"),
                storyID: "story-bridge"))
        entries.append(
            PublishedEntry(
                article: Article(
                    id: "n-2", title: "Fresh story", link: "https://new.example.com/fresh",
                    published: Sample.date("2026-11-22T07:00:00Z"), feedURL: "https://new.example.com/feed"),
                feed: newFeed, feedURL: "https://new.example.com/feed", firstSeen: Sample.date("2026-11-22T08:00:00Z")))
        var subscriptions = Sample.subscriptions
        subscriptions.insert(Subscription(url: "https://new.example.com/feed"), at: 1)
        let grown = try await publish(Sample.input(entries: entries, subscriptions: subscriptions))
        let before = idsAndUpdated(base.atom)
        let after = idsAndUpdated(grown.atom)
        for (id, updated) in before {
            #expect(after[id] == updated, "entry \(id) changed id or updated")
        }
        #expect(after.count == before.count + 1)
        let bridge = try #require(grown.atom.entries.first { $0.id == "tag:atom.example.com,2026:entry-1" })
        #expect(bridge.links["related"]?.contains("https://new.example.com/bridge") == true)
    }

    @Test func rebuildingTheStoreKeepsIdsAndUpdated() async throws {
        let base = try await publish(Sample.input())
        // A rebuilt store saw everything again later, in another order, and has no edit history.
        let rebuilt = Sample.entries(firstSeen: Sample.date("2026-12-05T00:00:00Z")).shuffled().map { entry in
            var entry = entry
            entry.contentUpdated = nil
            return entry
        }
        let again = try await publish(Sample.input(entries: rebuilt))
        #expect(idsAndUpdated(base.atom) == idsAndUpdated(again.atom))
        #expect(base.atom.updated == again.atom.updated)
    }

    @Test func anEditMovesUpdatedButNotTheId() async throws {
        var entries = Sample.entries()
        let base = try await publish(Sample.input(entries: entries))
        entries[0].article.content = "<p>Corrected text.</p>"
        entries[0].article.updated = Sample.date("2026-11-23T10:00:00Z")
        entries[0].contentUpdated = Sample.date("2026-11-23T10:05:00Z")
        let edited = try await publish(Sample.input(entries: entries))
        let id = "tag:atom.example.com,2026:entry-1"
        let old = try #require(base.atom.entries.first { $0.id == id })
        let new = try #require(edited.atom.entries.first { $0.id == id })
        #expect(old.updated == "2026-11-20T09:30:00Z")
        #expect(new.updated == "2026-11-23T10:00:00Z")
        // The order follows publication, so an edited entry does not jump to the top.
        #expect(base.atom.entries.map(\.id) == edited.atom.entries.map(\.id))
        #expect(edited.atom.updated == "2026-11-23T10:00:00Z")
    }

    @Test func storyLeadDoesNotDependOnInputOrder() {
        let entries = Sample.entries()
        let forward = EntryPreparation.prepare(entries).map(\.id)
        let backward = EntryPreparation.prepare(entries.reversed()).map(\.id)
        #expect(forward == backward)
    }
}
