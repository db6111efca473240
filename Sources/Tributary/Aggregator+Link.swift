import Foundation
import Logging
import TributaryCore
import TributaryLinker
import TributaryStore

extension Aggregator {
    /// How far back the linker replays: its widest window (related stories, by default 30 days), so every decision
    /// it can make about a new article sees the articles it would have seen in one long run.
    var linkWindow: TimeInterval {
        let parameters = file.feedList.link.parameters
        let hours = ["dupWindowHours", "storyWindowHours", "relatedWindowHours"].map { name -> Double in
            guard let value = parameters[name], value.isFinite, value > 0 else {
                return name == "relatedWindowHours" ? 720 : 96
            }
            return value
        }
        return (hours.max() ?? 720) * 3600
    }

    /// Replays the window's articles, oldest first, into a fresh linker and stores where each one lands.
    ///
    /// Story ids are the ids of founding articles, so the replay reproduces earlier runs' ids. Skipped when nothing
    /// changed and every article in the window is placed already (a run that died before linking is caught up).
    func link(store: any FeedStore, force: Bool, now: Date, events: (RunEvent) -> Void) async throws(TributaryError) {
        let since = now.addingTimeInterval(-linkWindow)
        if !force {
            let unlinked = try await attempt("read the store") { try await store.unlinkedCount(firstSeenSince: since) }
            guard unlinked > 0 else { return }
        }
        let clock = ContinuousClock()
        let started = clock.now
        let articles = try await attempt("read the store") { try await store.linkCandidates(firstSeenSince: since) }
        guard !articles.isEmpty else { return }
        events(.linking(articles: articles.count))
        let priorities = linkPriorities
        let read = clock.now
        var linker = Linker(settings: file.feedList.link)
        linker.add(articles.map { Self.linkInput($0, priority: priorities[$0.feedURL] ?? 0) })
        let decisions = linker.finish()
        let linked = clock.now
        try await saveLinks(decisions, articles: articles, store: store)
        // Where a slow link phase spends its time: reading the window, the linker itself, or storing its decisions.
        logger.info("link phases: read \(read - started), link \(linked - read), store \(clock.now - linked)")
    }

    /// Each feed's priority, as the linker weighs it when it picks the lead of a group of copies. Only the feeds
    /// that set one: the rest read as 0, and a run builds this before its first request.
    var linkPriorities: [String: Int] {
        var priorities: [String: Int] = [:]
        for subscription in file.feedList.feeds where subscription.priority != 0 {
            priorities[subscription.url] = subscription.priority
        }
        return priorities
    }

    /// Stores the linker's decisions for `articles` (in the order they were added) and the stories they form.
    func saveLinks(
        _ decisions: [LinkDecision], articles: [LinkCandidate], store: any FeedStore
    ) async throws(TributaryError) {
        let (links, stories) = await Self.records(
            decisions, articles: articles, relatedLimit: max(file.feedList.link.related, 0))
        // Articles placed by an earlier run keep their placement (and its explanation) unless a new article merged
        // their story into another: write only the articles that are new or moved.
        let moved: [LinkUpdate]
        if links.count == articles.count, zip(links, articles).allSatisfy({ $0.articleID == $1.id }) {
            // The usual case: one update per article, in the same order, so no look-ups by id.
            moved = links.indices.compactMap { index in
                Self.isMoved(links[index], from: articles[index].storyID, articles[index].duplicateOf)
                    ? links[index] : nil
            }
        } else {
            var stored: [Int64: (story: String?, duplicateOf: Int64?)] = Dictionary(minimumCapacity: articles.count)
            for index in articles.indices {
                stored[articles[index].id] = (articles[index].storyID, articles[index].duplicateOf)
            }
            moved = links.filter { link in
                Self.isMoved(link, from: stored[link.articleID]?.story, stored[link.articleID]?.duplicateOf)
            }
        }
        try await attempt("store the stories") { try await store.saveLinks(moved, stories: stories) }
        logger.info("linked \(articles.count) articles into \(stories.count) stories (\(moved.count) moved)")
    }

    /// True when `link` places its article elsewhere than the store has it (an article never placed counts).
    static func isMoved(_ link: LinkUpdate, from story: String?, _ duplicateOf: Int64?) -> Bool {
        guard let story else { return true }
        return story != link.storyID || duplicateOf != link.duplicateOf
    }

    static func linkInput(_ stored: LinkCandidate, priority: Int) -> LinkInput {
        LinkInput(
            id: String(stored.id), title: stored.title, summary: stored.text, link: stored.link,
            canonicalLink: stored.canonicalLink, source: stored.feedURL, published: stored.published,
            firstSeen: stored.firstSeen, priority: priority,
            earlier: stored.storyID.map { EarlierDecision(story: $0, duplicateOf: stored.duplicateOf.map(String.init)) }
        )
    }

    /// The store's form of the linker's decisions: one update per article, one record per story.
    ///
    /// The updates are made on every core while the stories are gathered: this is the end of a run, where nothing
    /// else is left to overlap with.
    static func records(
        _ decisions: [LinkDecision], articles: [LinkCandidate], relatedLimit: Int
    ) async -> ([LinkUpdate], [StoryRecord]) {
        async let stories = storyRecords(decisions, articles: articles, relatedLimit: relatedLimit)
        let slices = Parallel.slices(decisions.count, width: Parallel.width(for: decisions.count))
        let links = await Parallel.map(slices) { linkUpdates(decisions[$0]) }.flatMap { $0 }
        return (links, await stories)
    }

    /// One update per decision, in order.
    static func linkUpdates(_ decisions: ArraySlice<LinkDecision>) -> [LinkUpdate] {
        var links: [LinkUpdate] = []
        links.reserveCapacity(decisions.count)
        for decision in decisions {
            guard let articleID = Int64(decision.id) else { continue }
            links.append(
                LinkUpdate(
                    articleID: articleID, storyID: decision.story,
                    duplicateOf: decision.duplicateOf.flatMap(Int64.init),
                    reasons: decision.reasons.map(describe)))
        }
        return links
    }

    /// One record per story, in the order the stories first appear among the decisions.
    ///
    /// The linker answers in the order it was given the articles, so decision `i` is about `articles[i]`; the
    /// positions stand in for lookups by id (a dictionary of 28k candidates was most of this step's time). Both
    /// arrays are read through buffer pointers, field by field: reading a field of an array element copied the
    /// whole candidate or decision (a dozen strings retained and released) a third of the time.
    static func storyRecords(
        _ decisions: [LinkDecision], articles: [LinkCandidate], relatedLimit: Int
    ) -> [StoryRecord] {
        decisions.withUnsafeBufferPointer { decisions in
            articles.withUnsafeBufferPointer { articles in
                storyRecords(decisions, articles: articles, relatedLimit: relatedLimit)
            }
        }
    }

    private static func storyRecords(
        _ decisions: UnsafeBufferPointer<LinkDecision>, articles: UnsafeBufferPointer<LinkCandidate>,
        relatedLimit: Int
    ) -> [StoryRecord] {
        var aligned = decisions.count == articles.count
        for index in decisions.indices where aligned {
            aligned = decisions[index].id == String(articles[index].id)
        }
        var positionByID: [String: Int] = [:]
        if !aligned {
            for position in articles.indices { positionByID[String(articles[position].id)] = position }
        }
        func position(of decision: Int) -> Int? {
            aligned ? decision : positionByID[decisions[decision].id]
        }
        var order: [String] = []
        var members: [String: [Int]] = [:]
        for position in decisions.indices where Int64(decisions[position].id) != nil {
            let story = decisions[position].story
            if members[story] == nil {
                order.append(story)
            }
            members[story, default: []].append(position)
        }
        return order.compactMap { storyID -> StoryRecord? in
            guard let group = members[storyID], let first = group.first else { return nil }
            var founder = first
            for member in group where decisions[member].id == storyID {
                founder = member
                break
            }
            var latest: Date?
            for member in group {
                guard let article = position(of: member) else { continue }
                let seen = articles[article].firstSeen
                if latest.map({ seen > $0 }) ?? true { latest = seen }
            }
            let lastActive = latest ?? Date(timeIntervalSince1970: 0)
            // Each article names the stories close to it; the story lists them all, the founder's first.
            var related: [String] = []
            for member in [founder] + group {
                for other in decisions[member].related where other != storyID && !related.contains(other) {
                    related.append(other)
                }
            }
            var title: String?
            if let article = position(of: founder) { title = articles[article].title }
            return StoryRecord(
                id: storyID, title: title, related: Array(related.prefix(relatedLimit)), lastActive: lastActive)
        }
    }

    /// A reason as `tributary stories --explain` prints it: the rule, its score, and what it matched.
    static func describe(_ reason: LinkReason) -> String {
        "\(reason.rule.rawValue) \(threeDecimals(reason.score)) \(reason.matched)"
    }

    /// `String(format: "%.3f", value)` without Foundation's formatter, which was most of the time spent turning a
    /// first run's decisions into records. Values close to a tie between two thousandths still go to the formatter,
    /// which rounds the exact binary value.
    static func threeDecimals(_ value: Double) -> String {
        let scaled = value * 1000
        guard value.isFinite, value >= 0, scaled < 1e15, abs(scaled - scaled.rounded(.down) - 0.5) > 1e-6 else {
            return String(format: "%.3f", value)
        }
        let thousandths = Int(scaled.rounded())
        let fraction = String(thousandths % 1000)
        return "\(thousandths / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
