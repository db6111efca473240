import Foundation
import Testing
import TributaryCore

@testable import TributaryStore

/// A fresh store in a temporary folder of its own.
private func makeStore(options: SQLiteStore.Options = .init()) throws -> (SQLiteStore, URL) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tributary-store-\(UUID().uuidString)")
    let store = try SQLiteStore(path: folder.appendingPathComponent("state.sqlite").path, options: options)
    return (store, folder)
}

private let feed = "https://news.example/feed.xml"

private func entry(_ id: String, _ title: String, link: String? = nil, summary: String = "text") -> Article {
    Article(
        id: id, title: title, link: link ?? "https://news.example/\(id)",
        published: Date(timeIntervalSince1970: 1_700_000_000),
        summary: summary)
}

private func update(_ articles: [Article], url: String = feed, etag: String? = nil) -> FeedUpdate {
    FeedUpdate(
        state: FeedState(url: url, etag: etag, lastStatus: 200),
        parsed: ParsedFeed(info: FeedInfo(title: "News"), articles: articles))
}

@Test func firstFetchStoresEverythingAndSecondChangesNothing() async throws {
    let (store, folder) = try makeStore()
    defer { try? FileManager.default.removeItem(at: folder) }
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let first = try await store.ingest([update([entry("a", "A"), entry("b", "B")], etag: "\"v1\"")], now: now)
    #expect(first.count == 1)
    #expect(first[0].newArticles.count == 2)
    let second = try await store.ingest([update([entry("a", "A"), entry("b", "B")])], now: now.addingTimeInterval(60))
    #expect(second[0].newArticles.isEmpty)
    #expect(second[0].updatedArticles.isEmpty)
    #expect(second[0].unchanged == 2)
    let state = try #require(try await store.feedState(url: feed))
    #expect(state.lastStatus == 200)
    #expect(state.info?.title == "News")
}

@Test func editedEntryUpdatesInPlace() async throws {
    let (store, folder) = try makeStore()
    defer { try? FileManager.default.removeItem(at: folder) }
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let first = try await store.ingest([update([entry("a", "A")])], now: now)
    let later = now.addingTimeInterval(3600)
    let second = try await store.ingest([update([entry("a", "A, corrected", summary: "better text")])], now: later)
    #expect(second[0].updatedArticles == first[0].newArticles)
    #expect(second[0].newArticles.isEmpty)
    let stored = try await store.articles(firstSeenSince: .distantPast)
    #expect(stored.count == 1)
    #expect(stored.first?.article.title == "A, corrected")
    #expect(stored.first?.firstSeen == now)
    #expect(stored.first?.contentUpdated == later)
}

@Test func entriesWithoutIdAreKeyedByLinkThenByHash() {
    let withLink = Article(id: "", title: "T", link: "https://x.example/1")
    #expect(EntryIdentity.key(for: withLink, byLink: false) == "link:https://x.example/1")
    let bare = Article(id: "", title: "T", summary: "s")
    let key = EntryIdentity.key(for: bare, byLink: false)
    #expect(key.hasPrefix("hash:"))
    #expect(key == EntryIdentity.key(for: bare, byLink: false))
    #expect(key != EntryIdentity.key(for: Article(id: "", title: "U", summary: "s"), byLink: false))
    #expect(EntryIdentity.key(for: entry("a", "A"), byLink: false) == "id:a")
}

@Test func expiredEntryNeverReturnsAsNew() async throws {
    let (store, folder) = try makeStore()
    defer { try? FileManager.default.removeItem(at: folder) }
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    _ = try await store.ingest([update([entry("old", "Old")])], now: start)
    let later = start.addingTimeInterval(100 * 86_400)
    let policy = RetentionPolicy(window: 90 * 86_400, keepPerFeed: 0, identityWindow: 365 * 86_400)
    let pruned = try await store.prune(policy, now: later)
    #expect(pruned.articles == 1)
    #expect(pruned.identities == 0)
    let again = try await store.ingest([update([entry("old", "Old"), entry("new", "New")])], now: later)
    #expect(again[0].newArticles.count == 1)
    #expect(again[0].expired == 1)
    // Identities go too once unseen for longer than their own window.
    let muchLater = later.addingTimeInterval(400 * 86_400)
    let second = try await store.prune(policy, now: muchLater)
    #expect(second.identities == 2)
}

@Test func retentionKeepsTheNewestPerFeed() async throws {
    let (store, folder) = try makeStore()
    defer { try? FileManager.default.removeItem(at: folder) }
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let articles = (0..<5).map { index in
        Article(
            id: "e\(index)", title: "Entry \(index)", link: "https://news.example/e\(index)",
            published: start.addingTimeInterval(Double(index) * 60))
    }
    _ = try await store.ingest([update(articles)], now: start.addingTimeInterval(600))
    let policy = RetentionPolicy(window: 86_400, keepPerFeed: 2, identityWindow: 365 * 86_400)
    let report = try await store.prune(policy, now: start.addingTimeInterval(10 * 86_400))
    #expect(report.articles == 3)
    let left = try await store.articles(firstSeenSince: .distantPast).map(\.article.id).sorted()
    #expect(left == ["e3", "e4"])
}

@Test func churningIdsSwitchTheFeedToLinkKeys() async throws {
    let (store, folder) = try makeStore()
    defer { try? FileManager.default.removeItem(at: folder) }
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    func fetch(_ round: Int) -> FeedUpdate {
        update((0..<4).map { entry("r\(round)-\($0)", "Title \($0)", link: "https://news.example/story-\($0)") })
    }
    let first = try await store.ingest([fetch(0)], now: start)
    #expect(first[0].newArticles.count == 4)
    let second = try await store.ingest([fetch(1)], now: start.addingTimeInterval(60))
    #expect(second[0].switchedToLinkKeys == false)
    let third = try await store.ingest([fetch(2)], now: start.addingTimeInterval(120))
    #expect(third[0].switchedToLinkKeys)
    #expect(third[0].newArticles.isEmpty)
    #expect(third[0].warnings.count == 1)
    let fourth = try await store.ingest([fetch(3)], now: start.addingTimeInterval(180))
    #expect(fourth[0].newArticles.isEmpty)
    #expect(fourth[0].unchanged == 4)
    let stored = try await store.articles(firstSeenSince: .distantPast)
    #expect(stored.count == 4)
    #expect(stored.allSatisfy { $0.entryKey.hasPrefix("link:") })
    #expect(try await store.feedState(url: feed)?.keyByLink == true)
}

@Test func feedReplacingItsPageOnceIsNotChurn() async throws {
    let (store, folder) = try makeStore()
    defer { try? FileManager.default.removeItem(at: folder) }
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    _ = try await store.ingest([update([entry("a", "A"), entry("b", "B")])], now: start)
    // New ids with the old links once (a CMS migration), then stable again.
    let moved = [entry("x-a", "A", link: "https://news.example/a"), entry("x-b", "B", link: "https://news.example/b")]
    _ = try await store.ingest([update(moved)], now: start.addingTimeInterval(60))
    let result = try await store.ingest([update(moved)], now: start.addingTimeInterval(120))
    #expect(result[0].switchedToLinkKeys == false)
    #expect(try await store.feedState(url: feed)?.churnStrikes == 0)
}

@Test func feedStateRoundTrips() async throws {
    let (store, folder) = try makeStore()
    defer { try? FileManager.default.removeItem(at: folder) }
    let due = Date(timeIntervalSince1970: 1_800_003_600)
    let health = Data(#"{"errorCount":2}"#.utf8)
    let state = FeedState(
        url: feed, etag: "\"abc\"", lastModified: "Tue, 01 Dec 2026 10:00:00 GMT", lastStatus: 503,
        lastError: "503 Service Unavailable", errorCount: 2, nextDue: due, disabledReason: nil,
        pendingRedirect: "https://new.example/feed", redirectConfirmations: 1, health: health)
    _ = try await store.ingest([FeedUpdate(state: state)], now: Date(timeIntervalSince1970: 1_800_000_000))
    let read = try #require(try await store.feedState(url: feed))
    #expect(read == state)
    // The list every run starts from reads its columns by position; it must say what the single read says.
    var listed = try #require(try await store.feedStates().first)
    listed.info = read.info
    #expect(listed == read)
    #expect(try await store.feedStates().map(\.url) == [feed])
}

@Test func renamingAFeedKeepsItsArticles() async throws {
    let (store, folder) = try makeStore()
    defer { try? FileManager.default.removeItem(at: folder) }
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    _ = try await store.ingest([update([entry("a", "A")], etag: "\"e\"")], now: now)
    let newURL = "https://moved.example/feed.xml"
    try await store.renameFeed(from: feed, to: newURL)
    #expect(try await store.feedState(url: feed) == nil)
    #expect(try await store.feedState(url: newURL)?.etag == "\"e\"")
    let again = try await store.ingest([update([entry("a", "A")], url: newURL)], now: now.addingTimeInterval(60))
    #expect(again[0].newArticles.isEmpty)
    #expect(try await store.articles(firstSeenSince: .distantPast).map(\.article.feedURL) == [newURL])
}

@Test func linksStoriesAndLeadArticles() async throws {
    let (store, folder) = try makeStore()
    defer { try? FileManager.default.removeItem(at: folder) }
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let other = "https://other.example/rss"
    let results = try await store.ingest(
        [
            update([entry("a", "NATO chief in Pristina"), entry("b", "Weather")]),
            update([entry("c", "NATO chief visits Pristina", link: "https://other.example/c")], url: other),
        ], now: now)
    let a = try #require(results[0].newArticles.first)
    let b = try #require(results[0].newArticles.last)
    let c = try #require(results[1].newArticles.first)
    try await store.saveLinks(
        [
            LinkUpdate(articleID: a, storyID: "s1", reasons: ["new story"]),
            LinkUpdate(articleID: c, storyID: "s1", duplicateOf: a, reasons: ["canonical url"]),
            LinkUpdate(articleID: b, storyID: "s2", reasons: ["new story"]),
        ],
        stories: [
            StoryRecord(id: "s1", title: "NATO chief in Pristina", related: ["s2"], lastActive: now),
            StoryRecord(id: "s2", title: "Weather", lastActive: now),
        ])
    let leads = try await store.leadArticles(limit: 10, feeds: [feed, other])
    #expect(Set(leads.map(\.id)) == [a, b])
    let onlyOther = try await store.leadArticles(limit: 10, feeds: [other])
    #expect(onlyOther.isEmpty)
    let copies = try await store.duplicates(of: [a])
    #expect(copies.map(\.id) == [c])
    #expect(copies.first?.reasons == ["canonical url"])
    let stories = try await store.stories(activeSince: now.addingTimeInterval(-60))
    #expect(stories.map(\.id).sorted() == ["s1", "s2"])
    #expect(stories.first { $0.id == "s1" }?.related == ["s2"])
    #expect(stories.first { $0.id == "s1" }?.articleCount == 2)
    #expect(try await store.articles(inStories: ["s1"]).map(\.id) == [a, c])
    // Moving every article out of a story drops it, with its list of related stories.
    try await store.saveLinks([LinkUpdate(articleID: b, storyID: "s1")], stories: [])
    #expect(try await store.stories(activeSince: .distantPast).map(\.id) == ["s1"])
    try await store.saveLinks(
        [
            LinkUpdate(articleID: a, storyID: "s3"), LinkUpdate(articleID: b, storyID: "s3"),
            LinkUpdate(articleID: c, storyID: "s3"),
        ],
        stories: [StoryRecord(id: "s3", title: "Merged", related: [], lastActive: now)])
    #expect(try await store.stories(activeSince: .distantPast).map(\.id) == ["s3"])
    #expect(try await store.integrityProblems().isEmpty)
}

@Test func foundersAreFoundByTheirStoriesIds() async throws {
    let (store, folder) = try makeStore()
    defer { try? FileManager.default.removeItem(at: folder) }
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let results = try await store.ingest(
        [update([entry("a", "NATO chief in Pristina"), entry("b", "Talks resume"), entry("c", "Weather")])], now: now)
    let ids = results[0].newArticles
    let (a, b, c) = (ids[0], ids[1], ids[2])
    // b founded a story that later merged into a's; c founded its own.
    try await store.saveLinks(
        [
            LinkUpdate(articleID: a, storyID: String(a)), LinkUpdate(articleID: b, storyID: String(a)),
            LinkUpdate(articleID: c, storyID: String(c)),
        ],
        stories: [
            StoryRecord(id: String(a), title: "NATO", lastActive: now),
            StoryRecord(id: String(c), title: "Weather", lastActive: now),
        ])
    let founders = try await store.founderRefs(ofStories: [String(c), String(b), "not an id", String(a)])
    #expect(Set(founders.map(\.id)) == [a, c])
    #expect(founders.first { $0.id == a }?.title == "NATO chief in Pristina")
}

@Test func fullDiskFailsClearlyAndLeavesTheStoreConsistent() async throws {
    let (store, folder) = try makeStore(options: .init(maxPageCount: 40))
    defer { try? FileManager.default.removeItem(at: folder) }
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    _ = try await store.ingest([update([entry("a", "A")])], now: now)
    let big = String(repeating: "long text ", count: 20_000)
    let articles = (0..<20).map { entry("big\($0)", "Big \($0)", summary: big) }
    await #expect {
        _ = try await store.ingest([update(articles)], now: now.addingTimeInterval(60))
    } throws: { error in
        "\(error)".contains("full")
    }
    #expect(try await store.integrityProblems().isEmpty)
    #expect(try await store.articles(firstSeenSince: .distantPast).count == 1)
    // Later writes that fit still work.
    let next = try await store.ingest([update([entry("a", "A"), entry("b", "B")])], now: now.addingTimeInterval(120))
    #expect(next[0].newArticles.count == 1)
}

@Test func reopeningKeepsStateAndTwoWritersTakeTurns() async throws {
    let (store, folder) = try makeStore()
    defer { try? FileManager.default.removeItem(at: folder) }
    let other = try SQLiteStore(path: store.path)
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    async let one = store.ingest(
        (0..<20).map { update([entry("a\($0)", "A")], url: "https://a.example/\($0)") }, now: now)
    async let two = other.ingest(
        (0..<20).map { update([entry("b\($0)", "B")], url: "https://b.example/\($0)") }, now: now)
    let (first, second) = try await (one, two)
    #expect(first.count == 20 && second.count == 20)
    let reopened = try SQLiteStore(path: store.path)
    #expect(try await reopened.feedStates().count == 40)
    #expect(try await reopened.articles(firstSeenSince: .distantPast).count == 40)
    #expect(try await reopened.integrityProblems().isEmpty)
}

@Test func revisionGrowsOnlyWhenTheOutputsWouldChange() async throws {
    let (store, folder) = try makeStore()
    defer { try? FileManager.default.removeItem(at: folder) }
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let start = try await store.revision()
    _ = try await store.ingest([update([entry("a", "A")])], now: now)
    let afterNew = try await store.revision()
    #expect(afterNew > start)
    // A 304 and an unchanged body leave it alone.
    _ = try await store.ingest([FeedUpdate(state: FeedState(url: feed, lastStatus: 304))], now: now)
    _ = try await store.ingest([update([entry("a", "A")])], now: now)
    #expect(try await store.revision() == afterNew)
    _ = try await store.ingest([update([entry("a", "A, edited")])], now: now)
    #expect(try await store.revision() > afterNew)
    try await store.setValue("x", forKey: "published")
    #expect(try await store.value(forKey: "published") == "x")
    try await store.setValue(nil, forKey: "published")
    #expect(try await store.value(forKey: "published") == nil)
}

@Test func linkCandidatesMatchTheWholeArticles() async throws {
    let (store, folder) = try makeStore()
    defer { try? FileManager.default.removeItem(at: folder) }
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var canonical = entry("a", "Quake \"strikes\" — coast", summary: "<p>A strong quake ✓</p>")
    canonical.links = [
        Link(href: "https://news.example/alt", rel: "alternate"),
        Link(href: "https://news.example/canonical-a", rel: "canonical"),
        Link(href: "https://news.example/other", rel: "canonical"),
    ]
    var contentOnly = Article(
        id: "b", title: nil, link: nil, updated: Date(timeIntervalSince1970: 1_700_000_123.5),
        content: "<div>Only content</div>")
    contentOnly.summary = nil
    let bare = Article(id: "c", title: "", summary: "")
    let ingested = try await store.ingest([update([canonical, contentOnly, bare])], now: now)
    // What the ingest hands a streaming linker is what the linker would read back.
    #expect(ingested[0].newCandidates == (try await store.linkCandidates(firstSeenSince: .distantPast)))
    let stored = try await store.articles(firstSeenSince: .distantPast)
    try await store.saveLinks(
        [LinkUpdate(articleID: stored[0].id, storyID: String(stored[0].id), reasons: ["founded 0.000 a"])],
        stories: [StoryRecord(id: String(stored[0].id), lastActive: now)])
    let whole = try await store.articles(firstSeenSince: .distantPast).map(LinkCandidate.init)
    let lean = try await store.linkCandidates(firstSeenSince: .distantPast)
    #expect(lean == whole)
    #expect(lean.count == 3)
    #expect(lean.first?.canonicalLink == "https://news.example/canonical-a")
    #expect(lean.first?.reasons == ["founded 0.000 a"])
    #expect(lean.dropFirst().first?.text == "<div>Only content</div>")
    #expect(lean.dropFirst().first?.published == Date(timeIntervalSince1970: 1_700_000_123.5))
    #expect(lean.last?.title == "")
}

/// The writer tests eight bytes at a time for what needs escaping: put each such byte at every place in and
/// across those words, next to non-ASCII text, and read the result back with Foundation.
@Test func articleJSONEscapesAtEveryOffset() throws {
    for special in ["\"", "\\", "\n", "\u{1}", "\u{1F}", "\t"] {
        for offset in 0..<19 {
            let text =
                String(repeating: "a", count: offset) + special + "é«b»" + String(repeating: "z", count: 19 - offset)
            let article = Article(id: text, title: special + text + special)
            let json = try #require(ArticleJSON.encode(article))
            #expect(try JSONDecoder().decode(Article.self, from: json) == article)
        }
    }
}

@Test func articleJSONReadsBackAsTheSameArticle() throws {
    let person = Person(name: "Ana \"A\" Pérez", email: "ana@example.org", uri: "https://ana.example/")
    let full = Article(
        id: "urn:x\\y\n1", title: "Quake\tstrikes — coast \u{1}", titleType: .html,
        link: "https://news.example/a?b=1&c=2",
        links: [
            Link(href: "https://news.example/a", rel: "canonical", type: "text/html", length: 12, title: "A"),
            Link(href: "https://news.example/b"),
        ], authors: [person, Person()], published: Date(timeIntervalSince1970: 1_700_000_000.123),
        updated: Date(timeIntervalSinceReferenceDate: -1.5), summary: "<p>Line\r\nbreak ✓ 😀</p>",
        content: "", categories: [Category(term: "world", scheme: "s", label: "World"), Category(term: "x")],
        enclosures: [Enclosure(href: "https://news.example/a.mp3", type: "audio/mpeg", length: -1)],
        source: Source(
            id: "src", title: "Source", link: "https://src.example/", links: [Link(href: "https://src.example/f")],
            updated: Date(timeIntervalSince1970: 0), authors: [person]),
        feedURL: "https://news.example/feed.xml", language: "en")
    let bare = Article(id: "")
    for article in [full, bare] {
        let json = try #require(ArticleJSON.encode(article))
        #expect(try JSONDecoder().decode(Article.self, from: json) == article)
    }
    #expect(ArticleJSON.encode(Article(id: "x", published: Date(timeIntervalSinceReferenceDate: .infinity))) == nil)
    // A field added to the model must be added to the writer too.
    let counts = [
        "Article": Mirror(reflecting: full).children.count, "Person": Mirror(reflecting: person).children.count,
        "Link": Mirror(reflecting: Link(href: "")).children.count,
        "Enclosure": Mirror(reflecting: Enclosure(href: "")).children.count,
        "Category": Mirror(reflecting: Category(term: "")).children.count,
        "Source": Mirror(reflecting: Source()).children.count,
        "FeedInfo": Mirror(reflecting: FeedInfo()).children.count,
        "ScheduleHints": Mirror(reflecting: ScheduleHints()).children.count,
    ]
    #expect(counts == ArticleJSON.knownFieldCounts)
}

/// A copy of the store the samples left before the `article_links` table, in a fresh folder of its own.
private func openV2Fixture() throws -> (SQLiteStore, URL) {
    let fixture = try #require(Bundle.module.url(forResource: "Fixtures/v2-store", withExtension: "sqlite"))
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tributary-store-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent("state.sqlite")
    try FileManager.default.copyItem(at: fixture, to: path)
    return (try SQLiteStore(path: path.path), folder)
}

/// A store written by the Tributary before the `article_links` table (the sample feeds, run once) opens, upgrades,
/// and reads back every decision the old version stored.
@Test func aStoreFromBeforeArticleLinksUpgradesWithItsDecisions() async throws {
    let (store, folder) = try openV2Fixture()
    defer { try? FileManager.default.removeItem(at: folder) }

    let whole = try await store.articles(firstSeenSince: .distantPast)
    #expect(whole.count == 15)
    #expect(whole.allSatisfy { $0.storyID != nil })
    #expect(whole.filter { !$0.reasons.isEmpty }.count == 5)
    #expect(whole.filter { $0.duplicateOf != nil }.count == 2)
    // The dates the upgrade copied into their own column are those of the article JSON.
    let lean = try await store.linkCandidates(firstSeenSince: .distantPast)
    #expect(lean == whole.map(LinkCandidate.init))
    #expect(try await store.unlinkedCount(firstSeenSince: .distantPast) == 0)
    let stories = try await store.stories(activeSince: .distantPast)
    #expect(stories.count == 10)
    #expect(stories.map(\.articleCount).reduce(0, +) == 15)
    let copies = whole.filter { $0.duplicateOf != nil }
    let leads = try await store.duplicates(of: copies.compactMap(\.duplicateOf))
    #expect(Set(leads.map(\.id)) == Set(copies.map(\.id)))
    // The lean reads publishing uses say what the whole articles say.
    let storyIDs = Set(whole.compactMap(\.storyID)).sorted()
    let refs = try await store.articleRefs(inStories: storyIDs)
    #expect(refs.count == 15)
    #expect(refs == (try await store.articles(inStories: storyIDs)).map(ArticleRef.init))
    #expect(try await store.duplicateRefs(of: copies.compactMap(\.duplicateOf)) == leads.map(ArticleRef.init))
    #expect(try await store.integrityProblems().isEmpty)

    // Deleting an article takes its decision with it.
    let report = try await store.prune(
        RetentionPolicy(window: 1, keepPerFeed: 0, identityWindow: 1), now: Date().addingTimeInterval(86_400 * 400))
    #expect(report.articles == 15)
    #expect(report.stories == 10)
    #expect(try await store.articles(firstSeenSince: .distantPast).isEmpty)
    #expect(try await store.stories(activeSince: .distantPast).isEmpty)
    #expect(try await store.integrityProblems().isEmpty)
}

/// Articles stored with the old byte-at-a-time content hash are not reported as edited when they come again
/// unchanged after an upgrade; an article that did change still is.
@Test func unchangedArticlesFromAnOldStoreAreNotEdits() async throws {
    let (store, folder) = try openV2Fixture()
    defer { try? FileManager.default.removeItem(at: folder) }
    let stored = try await store.articles(firstSeenSince: .distantPast)
    #expect(stored.allSatisfy { !$0.contentHash.hasPrefix(EntryIdentity.contentHashPrefix) })
    let byFeed = Dictionary(grouping: stored, by: \.feedURL)
    func updates(editing editedID: Int64?) -> [FeedUpdate] {
        byFeed.keys.sorted().map { url in
            let articles = (byFeed[url] ?? []).sorted { $0.id < $1.id }.map { storedArticle in
                var article = storedArticle.article
                if storedArticle.id == editedID { article.title = (article.title ?? "") + " (corrected)" }
                return article
            }
            return FeedUpdate(
                state: FeedState(url: url, lastStatus: 200), parsed: ParsedFeed(info: FeedInfo(), articles: articles))
        }
    }
    let now = Date().addingTimeInterval(60)
    let again = try await store.ingest(updates(editing: nil), now: now)
    #expect(again.flatMap(\.updatedArticles).isEmpty)
    #expect(again.flatMap(\.newArticles).isEmpty)
    #expect(again.map(\.unchanged).reduce(0, +) == stored.count)
    let upgraded = try await store.articles(firstSeenSince: .distantPast)
    #expect(upgraded.allSatisfy { $0.contentHash.hasPrefix(EntryIdentity.contentHashPrefix) })

    let edited = try #require(stored.first?.id)
    let afterEdit = try await store.ingest(updates(editing: edited), now: now.addingTimeInterval(60))
    #expect(afterEdit.flatMap(\.updatedArticles) == [edited])
}

@Test(arguments: [
    [], ["founded 0.000 12"], ["story 0.412 7", "storyMerge 0.300 3"], ["with \"quotes\" and \\ and\nlines"],
    ["", ","], ["ünïcödé ✓", "[]"],
])
func reasonListsReadBackAsWritten(reasons: [String]) throws {
    let text = ArticleJSON.encode(strings: reasons)
    #expect(try ArticleJSON.decodeStrings(text) == reasons)
    #expect(try JSONDecoder().decode([String].self, from: Data(text.utf8)) == reasons)
}

@Test func feedInfoJSONReadsBackAsTheSameInfo() throws {
    let info = FeedInfo(
        id: "urn:feed\\1", title: "News \"today\"\n", subtitle: "ünï ✓ \u{1}", link: "https://news.example/",
        links: [Link(href: "https://news.example/feed", rel: "self", type: "application/atom+xml", length: 12)],
        authors: [Person(name: "Ana", email: "ana@news.example"), Person()],
        categories: [Category(term: "world", scheme: "https://news.example/c", label: "World")],
        updated: Date(timeIntervalSinceReferenceDate: 817_683_822.550_592_2),
        published: Date(timeIntervalSince1970: -0.5), icon: "i.png", logo: "l.png", language: "en",
        schedule: ScheduleHints(
            ttlMinutes: 30, skipHours: [3, 1, 22], skipDays: ["Sunday", "Monday"], updatePeriod: "daily",
            updateFrequency: 2))
    for value in [info, FeedInfo()] {
        let text = try #require(ArticleJSON.encode(value))
        #expect(try JSONDecoder().decode(FeedInfo.self, from: Data(text.utf8)) == value)
    }
    #expect(ArticleJSON.encode(FeedInfo(updated: Date(timeIntervalSinceReferenceDate: .nan))) == nil)
}
