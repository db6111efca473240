public import Foundation
import Logging
import TributaryCore
import TributaryPublisher
public import TributaryStore

extension Aggregator {
    /// Publishes unless nothing the outputs are made from changed since the last publish: the store's revision,
    /// feeds.json, the template and this program are the same and every output file is still there. A cron run
    /// that got only 304s then costs no rendering at all.
    func publishIfChanged(store: any FeedStore, force: Bool) async throws(TributaryError) -> PublishReport {
        let fingerprint = try await publishFingerprint(store: store)
        let output = file.feedList.output
        let names = [output.atom, output.opml, output.html, output.rss, output.jsonFeed].compactMap { $0 }
        let present = names.allSatisfy {
            FileManager.default.fileExists(atPath: outputDirectory.appendingPathComponent($0).path)
        }
        if !force, present {
            let last = try await attempt("read the store") { try await store.value(forKey: "published") }
            if last == fingerprint {
                let entries = try await attempt("read the store") {
                    try await store.value(forKey: "published.entries")
                }
                logger.info("outputs are up to date")
                return PublishReport(written: [], unchanged: names, entryCount: entries.flatMap { Int($0) } ?? 0)
            }
        }
        let report = try await publishOutputs(store: store)
        try await attempt("record the publish") {
            try await store.setValue(String(report.entryCount), forKey: "published.entries")
            try await store.setValue(fingerprint, forKey: "published")
        }
        return report
    }

    /// What the outputs are made from, in one string.
    private func publishFingerprint(store: any FeedStore) async throws(TributaryError) -> String {
        let revision = try await attempt("read the store") { try await store.revision() }
        var parts = ["revision \(revision)", "tributary \(tributaryVersion)", stamp(file.url)]
        if let template = file.feedList.output.template {
            parts.append(stamp(file.resolvedPath(template)))
        }
        // A new build of Tributary may write different bytes from the same store.
        if let program = Bundle.main.executablePath {
            parts.append(stamp(URL(fileURLWithPath: program)))
        }
        return parts.joined(separator: "; ")
    }

    /// A file's path, size and modification time: enough to notice an edit without reading it.
    private func stamp(_ url: URL) -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(url.path) \(size) \(modified)"
    }

    /// Builds the publisher's input from the store and writes the outputs; the publisher skips unchanged bytes.
    func publishOutputs(store: any FeedStore) async throws(TributaryError) -> PublishReport {
        let feedList = file.feedList
        let subscribed = Set(feedList.feeds.map(\.url))
        // Several leads can share a story and the publisher keeps one per story, so read more than it publishes,
        // and more again while a few large stories fill what was read.
        let wanted = max(feedList.output.entries, 1)
        var limit = wanted * 3
        var leads: [StoredArticle] = []
        while true {
            let batchLimit = limit
            leads = try await attempt("read the store") {
                try await store.leadArticles(limit: batchLimit, feeds: subscribed)
            }
            let stories = Set(leads.map { $0.storyID ?? "article \($0.id)" }).count
            guard stories < wanted, leads.count == limit else { break }
            limit *= 4
        }
        let storyIDs = unique(leads.compactMap(\.storyID))
        let leadIDs = leads.map(\.id)
        // Reads that do not depend on each other go to the store together: a pool of readers decodes them on
        // every core, and this is the end of the run, where nothing else is left to overlap with.
        // Only the leads are published whole; the other articles of their stories, their copies and the articles
        // of related stories are named by title and link, so they are read as `ArticleRef`s.
        let members: [ArticleRef]
        let copies: [ArticleRef]
        let stories: [StoryRecord]
        let relatedStories: [StoryRecord]
        let relatedMembers: [ArticleRef]
        let storedInfos: [String: FeedInfo]
        let storedTitles: [String: String]
        do {
            async let membersRead = store.articleRefs(inStories: storyIDs)
            async let copiesRead = store.duplicateRefs(of: leadIDs)
            stories = try await store.stories(ids: storyIDs)
            let relatedIDs = unique(stories.flatMap(\.related))
            async let relatedStoriesRead = store.stories(ids: relatedIDs)
            // A related story is named by its founding article, and only when that one cannot stand for it by
            // its oldest article with a link: the founders are read first, the other members only where needed.
            async let relatedMembersRead = relatedRepresentatives(of: relatedIDs, store: store, subscribed: subscribed)
            // A lead's feed is published with all it said about itself; the feeds of the other sources are named
            // by title alone.
            let leadFeeds = unique(leads.map(\.feedURL))
            async let infosRead = store.feedInfos(urls: leadFeeds)
            (members, copies) = try await (membersRead, copiesRead)
            let isLeadFeed = Set(leadFeeds)
            async let titlesRead = store.feedTitles(
                urls: unique((members + copies).map(\.feedURL).filter { !isLeadFeed.contains($0) }))
            (relatedStories, relatedMembers, storedInfos, storedTitles) = try await (
                relatedStoriesRead, relatedMembersRead, infosRead, titlesRead
            )
        } catch let error as TributaryError {
            throw error
        } catch {
            throw TributaryError.fatal("cannot read the store: \(error)")
        }
        // feeds.json fills in what a feed did not say: its title, and its web page.
        var subscriptions: [String: Subscription] = Dictionary(minimumCapacity: feedList.feeds.count)
        for subscription in feedList.feeds { subscriptions[subscription.url] = subscription }
        func fallbackTitle(_ stored: String?, _ url: String) -> String? {
            guard stored?.isEmpty ?? true, let title = subscriptions[url]?.title, !title.isEmpty else { return stored }
            return title
        }
        func feedInfo(_ url: String) -> FeedInfo {
            var info = storedInfos[url] ?? FeedInfo()
            info.title = fallbackTitle(info.title, url)
            if info.link == nil {
                info.link = subscriptions[url]?.htmlURL
            }
            return info
        }
        func feedTitle(_ url: String) -> String? {
            fallbackTitle(storedInfos[url]?.title ?? storedTitles[url], url)
        }

        var byStory: [String: [ArticleRef]] = [:]
        for member in members + copies where subscribed.contains(member.feedURL) {
            if let storyID = member.storyID {
                byStory[storyID, default: []].append(member)
            }
        }
        var copiesOf: [Int64: [ArticleRef]] = [:]
        for copy in copies where subscribed.contains(copy.feedURL) {
            if let lead = copy.duplicateOf {
                copiesOf[lead, default: []].append(copy)
            }
        }
        var relatedRefs: [String: RelatedRef] = [:]
        let relatedTitles = Dictionary(
            relatedStories.map { ($0.id, $0.title) }, uniquingKeysWith: { first, _ in first })
        for member in relatedMembers where Self.canStandForItsStory(member, subscribed: subscribed) {
            guard let storyID = member.storyID, let link = member.link else { continue }
            // The founding article stands for its story; else the oldest one with a link.
            if relatedRefs[storyID] == nil || String(member.id) == storyID {
                relatedRefs[storyID] = RelatedRef(
                    title: relatedTitles[storyID].flatMap { $0 } ?? member.title, link: link)
            }
        }
        let relatedByStory = Dictionary(stories.map { ($0.id, $0.related) }, uniquingKeysWith: { first, _ in first })

        let entries = leads.map { lead -> PublishedEntry in
            var others: [SourceRef] = []
            var seenLinks: Set<String> = [lead.article.link ?? ""]
            let group = (copiesOf[lead.id] ?? []) + (lead.storyID.flatMap { byStory[$0] } ?? [])
            for other in group.sorted(by: { ($0.firstSeen, $0.id) < ($1.firstSeen, $1.id) }) where other.id != lead.id {
                guard let link = other.link, seenLinks.insert(link).inserted else { continue }
                others.append(SourceRef(title: other.title, link: link, feedTitle: feedTitle(other.feedURL)))
            }
            let related = (lead.storyID.flatMap { relatedByStory[$0] } ?? []).compactMap { relatedRefs[$0] }
            return PublishedEntry(
                article: lead.article, feed: feedInfo(lead.feedURL), feedURL: lead.feedURL,
                firstSeen: lead.firstSeen,
                contentUpdated: lead.contentUpdated > lead.firstSeen ? lead.contentUpdated : nil,
                otherSources: others, related: related, storyID: lead.storyID)
        }
        let modified =
            (try? FileManager.default.attributesOfItem(atPath: file.url.path)[.modificationDate] as? Date)
            ?? Date(timeIntervalSince1970: 0)
        let input = PublishInput(
            site: feedList.site, output: feedList.output, subscriptions: feedList.feeds, entries: entries,
            feedListModified: modified, configDirectory: file.url.deletingLastPathComponent())
        do {
            return try await Publisher(logger: logger).publish(input, to: outputDirectory)
        } catch {
            throw TributaryError.fatal("cannot publish to \(outputDirectory.path): \(error)")
        }
    }

    /// For each of the given stories, the articles `publishOutputs` may name it by: its founder when that one
    /// stands for it (a lead, subscribed, with a link), else all its members.
    private func relatedRepresentatives(
        of storyIDs: [String], store: any FeedStore, subscribed: Set<String>
    ) async throws -> [ArticleRef] {
        let founders = try await store.founderRefs(ofStories: storyIDs)
        var represented: Set<String> = []
        for founder in founders where Self.canStandForItsStory(founder, subscribed: subscribed) {
            if let storyID = founder.storyID { represented.insert(storyID) }
        }
        let others = storyIDs.filter { !represented.contains($0) }
        guard !others.isEmpty else { return founders }
        return founders + (try await store.articleRefs(inStories: others))
    }

    /// True when `article` may name its story in a list of related stories.
    static func canStandForItsStory(_ article: ArticleRef, subscribed: Set<String>) -> Bool {
        article.duplicateOf == nil && subscribed.contains(article.feedURL) && article.storyID != nil
            && article.link != nil
    }

    // MARK: stories

    /// One story as `tributary stories` shows it.
    public struct StoryView: Sendable {
        public var story: StoryRecord
        /// Its articles, oldest first, with the linker's reasons.
        public var articles: [StoredArticle]
        /// Titles of the related stories, in the story's order.
        public var related: [(id: String, title: String?)]
    }

    /// The stories active since `since`, most recent first, read from the store (no lock: WAL lets this read while
    /// a run writes).
    public func stories(since: Date) async throws(TributaryError) -> [StoryView] {
        let store = try openStore()
        let stories = try await attempt("read the stories") { try await store.stories(activeSince: since) }
        let articles = try await attempt("read the stories") { try await store.articles(inStories: stories.map(\.id)) }
        let related = try await attempt("read the stories") {
            try await store.stories(ids: unique(stories.flatMap(\.related)))
        }
        let titles = Dictionary(related.map { ($0.id, $0.title) }, uniquingKeysWith: { first, _ in first })
        var byStory: [String: [StoredArticle]] = [:]
        for article in articles {
            if let storyID = article.storyID {
                byStory[storyID, default: []].append(article)
            }
        }
        return stories.map { story in
            StoryView(
                story: story, articles: byStory[story.id] ?? [],
                related: story.related.map { ($0, titles[$0].flatMap { $0 }) })
        }
    }

    /// Every feed's state as the store has it, for `tributary list`.
    public func feedStates() async throws(TributaryError) -> [FeedState] {
        let store = try openStore()
        return try await attempt("read the feed states") { try await store.feedStates() }
    }
}

/// The values in first-seen order, each once.
func unique(_ values: [String]) -> [String] {
    var seen: Set<String> = []
    return values.filter { seen.insert($0).inserted }
}
