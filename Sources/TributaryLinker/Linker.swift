internal import Foundation
public import TributaryCore

/// Links articles at three levels: copies of one article, articles about one story, and related stories.
///
/// Streaming: `add` costs a bounded amount of work per article (a capped number of LSH bucket visits and of
/// inverted-index candidates), so linking grows linearly with the number of articles. `finish` revisits only the
/// recent window. Everything is deterministic: the same articles in the same order give the same decisions, and a
/// story's id is the id of the article that founded it (a merge keeps the older story's id), so replaying the
/// recent window from the store in first-seen order reproduces the ids of earlier runs.
public struct Linker {
    private let parameters: LinkParameters
    private var tokenizer = Tokenizer()
    private var duplicates = DuplicateIndex()
    private var storyIndex: StoryIndex
    private var ids: [String] = []
    private var times: [Double] = []
    /// When each article was first seen (else published): the order of the second pass, so a story keeps the
    /// founder it had when a late article arrives with an earlier publication date.
    private var seenTimes: [Double] = []
    private var priorities: [Int32] = []
    /// Per article: itself, or the first article of its duplicate group.
    private var duplicateRoot: [Int32] = []
    /// Per article: why it was linked (a `ReasonCode`), with what score, to which article or story.
    private var reasonCode: [UInt8] = []
    private var reasonScore: [Float] = []
    private var reasonTarget: [Int32] = []
    private var tokens: [Token] = []
    private var sinceMerge = 0
    /// Per article: true when an earlier run's placement was kept rather than decided now.
    private var kept: [Bool] = []
    /// Groups of copies rebuilt from earlier decisions: the root article of each group, by the id of its lead.
    private var keptGroups: [String: Int32] = [:]
    /// The stored lead of each rebuilt group, by root: it keeps leading, whatever order the replay met them in.
    private var keptLeads: [Int32: Int32] = [:]
    /// Stories rebuilt from earlier decisions, by the id they were stored under, and that id for each: a story
    /// keeps its name even when the article that founded it has left the window.
    private var keptStories: [String: Int32] = [:]
    private var keptStoryNames: [Int32: String] = [:]

    private enum ReasonCode: UInt8 {
        case founded, canonicalURL, textHash, nearDuplicate, story, reassigned
    }

    public init(settings: LinkSettings) {
        parameters = LinkParameters(settings)
        storyIndex = StoryIndex(parameters: parameters)
        tokens.reserveCapacity(512)
    }

    /// The names `LinkSettings.parameters` understands (see `LinkParameters` for meanings and defaults).
    public static var parameterNames: [String] { LinkParameters.names }

    /// Streaming: links each article against those added before it, with bounded work per article.
    public mutating func add(_ articles: [LinkInput]) {
        for article in articles { add(article) }
    }

    private mutating func add(_ article: LinkInput) {
        let index = Int32(ids.count)
        let time = (article.published ?? article.firstSeen)?.timeIntervalSince1970 ?? .nan
        ids.append(article.id)
        times.append(time)
        seenTimes.append((article.firstSeen ?? article.published)?.timeIntervalSince1970 ?? .nan)
        priorities.append(Int32(clamping: article.priority))
        kept.append(article.earlier != nil && parameters.enabled)
        guard parameters.enabled else {
            duplicateRoot.append(index)
            record(.founded, 0, index)
            return
        }
        tokens.removeAll(keepingCapacity: true)
        if let title = article.title { tokenizer.tokenize(title, isTitle: true, limit: 64, into: &tokens) }
        let titleCount = tokens.count
        if let summary = article.summary { tokenizer.tokenize(summary, isTitle: false, limit: 400, into: &tokens) }

        var urlKey: UInt64?
        if let link = article.canonicalLink ?? article.link, Self.hasScheme(link) {
            urlKey = Tokenizer.hash(CanonicalURL.canonicalize(link).utf8)
        }
        var textKey: UInt64?
        if tokens.count >= 4 {
            var key: UInt64 = 0x7e47
            for token in tokens { key = Tokenizer.mix(key ^ token.hash) }
            textKey = key
        }
        let lead = tokens.prefix(titleCount + parameters.leadWords)
        let hasSignature = duplicates.computeSignature(lead)
        var match: (article: Int32, score: Double, code: ReasonCode)?
        if article.earlier != nil {
            // Placed by an earlier run: entered in the indexes for the articles to come, not matched again.
        } else if let exact = duplicates.exactMatch(url: urlKey, text: textKey) {
            match = (exact.article, 1, exact.rule == .canonicalURL ? .canonicalURL : .textHash)
        } else if hasSignature {
            let window = parameters.dupWindowHours
            let times = self.times
            if let near = duplicates.nearMatch(
                threshold: parameters.dupJaccard,
                accept: { Self.inWindow(time, times[Int($0)], window) })
            {
                match = (near.article, near.score, .nearDuplicate)
            }
        }
        duplicates.insert(index, url: urlKey, text: textKey, hasSignature: hasSignature)
        // The link's words feed only the story layer.
        if parameters.linkWeight > 0, parameters.storyLayer != 0, let link = article.canonicalLink ?? article.link {
            tokenizer.tokenize(
                bytes: Self.slug(of: link), isTitle: false, limit: 24, into: &tokens, extraFlags: Token.link)
        }

        if let earlier = article.earlier {
            keep(earlier, article: index, id: article.id, time: time)
        } else if let match {
            let root = duplicateRoot[Int(match.article)]
            duplicateRoot.append(root)
            storyIndex.addDuplicate(of: root, time: time)
            record(match.code, Float(match.score), match.article)
        } else {
            duplicateRoot.append(index)
            if parameters.storyLayer == 0 {
                storyIndex.addAlone(time: time)
                record(.founded, 0, index)
            } else if let joined = storyIndex.add(tokens: tokens, time: time, inWindow: Self.inWindow) {
                record(.story, joined.score, joined.story)
            } else {
                record(.founded, 0, index)
            }
            sinceMerge += 1
            if sinceMerge >= parameters.mergeEvery {
                sinceMerge = 0
                storyIndex.mergePass(inWindow: Self.inWindow)
            }
        }
    }

    /// Puts an article back where an earlier run placed it. Its group of copies and its story are rebuilt from the
    /// ids they were stored under, whichever of their members the replay meets first.
    private mutating func keep(_ earlier: EarlierDecision, article index: Int32, id: String, time: Double) {
        record(.founded, 0, index)
        let lead = earlier.duplicateOf ?? id
        if let root = keptGroups[lead] {
            duplicateRoot.append(root)
            storyIndex.addDuplicate(of: root, time: time)
            if lead == id { keptLeads[root] = index }
            return
        }
        keptGroups[lead] = index
        duplicateRoot.append(index)
        if lead == id { keptLeads[index] = index }
        let story = storyIndex.addKept(tokens: tokens, time: time, story: keptStories[earlier.story])
        if keptStories[earlier.story] == nil {
            keptStories[earlier.story] = story
            keptStoryNames[story] = earlier.story
        }
    }

    /// A story's id: the id it was stored under when an earlier run made it, else its founder's.
    private func storyName(_ story: Int32) -> String {
        keptStoryNames[story] ?? ids[Int(storyIndex.stories[Int(story)].founder)]
    }

    /// True when the link contains "://", read as bytes: Foundation's `contains` cost 3% of `add`.
    static func hasScheme(_ link: String) -> Bool {
        var last = (UInt8(0), UInt8(0))
        for byte in link.utf8 {
            if byte == UInt8(ascii: "/"), last == (UInt8(ascii: ":"), UInt8(ascii: "/")) { return true }
            last = (last.1, byte)
        }
        return false
    }

    /// The words of a link's path: most sites put the headline there, which helps when a summary is short.
    static func slug(of link: String) -> ArraySlice<UInt8> {
        var bytes = Array(link.utf8)[...]
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")), bytes[colon...].starts(with: "://".utf8) {
            bytes = bytes[(colon + 3)...]
        }
        if let end = bytes.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            bytes = bytes[..<end]
        }
        guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")) else { return [] }
        return bytes[slash...]
    }

    private mutating func record(_ code: ReasonCode, _ score: Float, _ target: Int32) {
        reasonCode.append(code.rawValue)
        reasonScore.append(score)
        reasonTarget.append(target)
    }

    /// True when two times (seconds, NaN when unknown) are within `hours` of each other, or either is unknown.
    static func inWindow(_ first: Double, _ second: Double, _ hours: Double) -> Bool {
        first.isNaN || second.isNaN || abs(first - second) <= hours * 3600
    }

    /// Runs the merge pass and the refinement of the recent window, then computes related stories.
    /// - Returns: one decision per article added so far, in the order they were added.
    public mutating func finish() -> [LinkDecision] {
        let count = ids.count
        guard parameters.enabled else {
            return (0..<count).map {
                LinkDecision(id: ids[$0], story: ids[$0], duplicateOf: nil, related: [], reasons: [])
            }
        }
        if parameters.storyLayer != 0 {
            storyIndex.mergeUntilStable(nil, rounds: parameters.mergeRounds, inWindow: Self.inWindow)
            refineRecentWindow()
        }

        // The lead of each duplicate group: highest priority, then earliest date, then first added.
        // Arrays by article and by story, not dictionaries: every article reads them.
        var lead = Array(0..<Int32(count))
        for article in 0..<Int32(count) where duplicateRoot[Int(article)] != article {
            let root = Int(duplicateRoot[Int(article)])
            if leads(article, over: lead[root]) { lead[root] = article }
        }
        let storyCount = storyIndex.stories.count
        var relatedCache = [[String]?](repeating: nil, count: storyCount)
        let relatedCount = parameters.storyLayer == 0 ? 0 : parameters.related
        var stories: [Int32] = []
        if relatedCount > 0 {
            var listed = [Bool](repeating: false, count: storyCount)
            for article in 0..<count {
                let story = storyIndex.find(storyIndex.storyOf[Int(duplicateRoot[article])])
                if !listed[Int(story)] {
                    listed[Int(story)] = true
                    stories.append(story)
                }
            }
        }
        let norms = relatedCount > 0 ? storyIndex.centroidNorms() : []
        var nearest = Self.nearestStories(
            of: stories, count: relatedCount, in: storyIndex, norms: norms, storyCount: storyCount)
        var scratch = CandidateScratch()
        func neighbours(_ story: Int32) -> [Int32] {
            if let known = nearest[Int(story)] { return known }
            let found = storyIndex.related(
                to: story, count: relatedCount, norms: norms, scratch: &scratch, inWindow: Self.inWindow)
            nearest[Int(story)] = found
            return found
        }
        var decisions: [LinkDecision] = []
        decisions.reserveCapacity(count)
        for article in 0..<Int32(count) {
            let root = duplicateRoot[Int(article)]
            let story = storyIndex.find(storyIndex.storyOf[Int(root)])
            let groupLead = keptLeads[root] ?? lead[Int(root)]
            let related: [String]
            if let cached = relatedCache[Int(story)] {
                related = cached
            } else {
                // Mutual neighbours only: a story lists another when each is among the other's nearest, which
                // keeps a popular story from being everyone's "related post".
                var chosen = neighbours(story)
                if parameters.relatedMutual != 0 { chosen = chosen.filter { neighbours($0).contains(story) } }
                related = chosen.map(storyName)
                relatedCache[Int(story)] = related
            }
            decisions.append(
                LinkDecision(
                    id: ids[Int(article)], story: storyName(story),
                    duplicateOf: groupLead == article ? nil : ids[Int(groupLead)], related: related,
                    reasons: reasons(for: article)))
        }
        return decisions
    }

    /// Each story's nearest stories (`StoryIndex.related`), by story, for `stories`; nil for the others.
    ///
    /// Each story's list depends on the index alone, so the stories are shared out among the cores, each with a
    /// scratch of its own: this was a third of a first run's final pass, on one core.
    private static func nearestStories(
        of stories: [Int32], count: Int, in index: StoryIndex, norms: [Float], storyCount: Int
    ) -> [[Int32]?] {
        var nearest = [[Int32]?](repeating: nil, count: storyCount)
        guard count > 0, !stories.isEmpty else { return nearest }
        @Sendable func related(_ slice: ArraySlice<Int32>) -> [[Int32]] {
            var scratch = CandidateScratch()
            return slice.map {
                index.related(to: $0, count: count, norms: norms, scratch: &scratch, inWindow: Self.inWindow)
            }
        }
        let slices = Parallel.slices(stories.count, width: Parallel.width(for: stories.count))
        let found = Parallel.mapBlocking(slices) { related(stories[$0]) }.flatMap { $0 }
        for (story, list) in zip(stories, found) {
            nearest[Int(story)] = list
        }
        return nearest
    }

    private func leads(_ candidate: Int32, over current: Int32) -> Bool {
        let (a, b) = (Int(candidate), Int(current))
        if priorities[a] != priorities[b] { return priorities[a] > priorities[b] }
        if !times[a].isNaN && !times[b].isNaN && times[a] != times[b] { return times[a] < times[b] }
        if times[a].isNaN != times[b].isNaN { return !times[a].isNaN }
        return candidate < current
    }

    /// Re-scores the recent window with today's document frequencies: rebuilds its centroids, moves articles that
    /// now sit closer to another story, and merges stories that have converged.
    private mutating func refineRecentWindow() {
        let count = ids.count
        let first = max(0, count - parameters.activeArticles)
        let latest = times[first...].lazy.filter { !$0.isNaN }.max()
        // The window is a suffix of the arrivals, so every story founded inside it has all its members inside.
        var start = first
        while start < count, let latest, !times[start].isNaN,
            latest - times[start] > parameters.storyWindowHours * 3600
        {
            start += 1
        }
        // Revisited in first-seen order (ties by id), not arrival order: the second pass then gives the same
        // stories whatever order the feeds delivered the window in. Not by date within a run: the first pass reads
        // in first-seen order too, and a later run whose window no longer reaches these articles keeps the first
        // pass's placement, which must be the one this pass gave.
        // Articles an earlier run placed stay where they are; only the new ones are placed again.
        let articles = (start..<count).filter { duplicateRoot[$0] == Int32($0) && !kept[$0] }.map { Int32($0) }.sorted {
            let (a, b) = (seenTimes[Int($0)], seenTimes[Int($1)])
            if a.isNaN != b.isNaN { return !a.isNaN }
            if !a.isNaN && a != b { return a < b }
            return ids[Int($0)] < ids[Int($1)]
        }
        func activeStories() -> [Int32] {
            var seen = Set<Int32>()
            var out: [Int32] = []
            for article in articles {
                let story = storyIndex.find(storyIndex.storyOf[Int(article)])
                if seen.insert(story).inserted { out.append(story) }
            }
            return out
        }
        for _ in 0..<parameters.recluster {
            let placed = storyIndex.recluster(articles, times: times, inWindow: Self.inWindow)
            for (article, joined) in zip(articles, placed) {
                if let joined {
                    reasonCode[Int(article)] = ReasonCode.story.rawValue
                    reasonScore[Int(article)] = joined.score
                    reasonTarget[Int(article)] = joined.story
                } else {
                    reasonCode[Int(article)] = ReasonCode.founded.rawValue
                    reasonScore[Int(article)] = 0
                    reasonTarget[Int(article)] = article
                }
            }
            storyIndex.mergeUntilStable(activeStories(), rounds: parameters.mergeRounds, inWindow: Self.inWindow)
        }
        for _ in 0..<parameters.refinePasses {
            storyIndex.rebuildCentroids(activeStories())
            let moved = storyIndex.reassign(articles, inWindow: Self.inWindow, times: times)
            for move in moved {
                reasonCode[Int(move.article)] = ReasonCode.reassigned.rawValue
                reasonScore[Int(move.article)] = move.score
                reasonTarget[Int(move.article)] = move.story
            }
            let stories = activeStories()
            storyIndex.rebuildCentroids(stories)
            storyIndex.mergeUntilStable(stories, rounds: parameters.mergeRounds, inWindow: Self.inWindow)
        }
    }

    /// Scores to four decimals: explanations are read by people, and more digits only show float noise.
    static func rounded(_ score: Float) -> Double {
        (Double(score) * 10_000).rounded() / 10_000
    }

    private func reasons(for article: Int32) -> [LinkReason] {
        let index = Int(article)
        let code = ReasonCode(rawValue: reasonCode[index]) ?? .founded
        let score = Self.rounded(reasonScore[index])
        let target = reasonTarget[index]
        var reasons: [LinkReason] = []
        var story: Int32
        switch code {
        case .canonicalURL:
            return [LinkReason(rule: .canonicalURL, score: 1, matched: ids[Int(target)])]
        case .textHash:
            return [LinkReason(rule: .textHash, score: 1, matched: ids[Int(target)])]
        case .nearDuplicate:
            return [LinkReason(rule: .nearDuplicate, score: score, matched: ids[Int(target)])]
        case .founded:
            story = storyIndex.storyOf[index]
        case .story, .reassigned:
            story = storyIndex.storyOf[index]
            reasons.append(
                LinkReason(
                    rule: code == .story ? .story : .reassigned, score: score,
                    matched: storyName(target)))
        }
        while storyIndex.stories[Int(story)].parent != story {
            let entry = storyIndex.stories[Int(story)]
            reasons.append(
                LinkReason(
                    rule: .storyMerge, score: Self.rounded(entry.mergeScore),
                    matched: storyName(entry.parent)))
            story = entry.parent
        }
        return reasons
    }
}
