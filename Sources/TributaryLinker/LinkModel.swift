public import Foundation

/// One article as the linker sees it: the few fields that identify it and say what it is about.
///
/// The pipeline builds these from stored articles; `tributary link` reads them from JSON lines.
public struct LinkInput: Sendable, Hashable, Codable {
    /// The article's unique key; story ids are derived from it, so it must be stable across runs.
    public var id: String
    /// Plain text or HTML; tags and entities are stripped by the linker.
    public var title: String?
    /// Plain text or HTML; only its lead matters to the duplicate layer.
    public var summary: String?
    public var link: String?
    /// `rel=canonical` or the Atom alternate link when the feed gives one; preferred over `link`.
    public var canonicalLink: String?
    /// The feed (or outlet) the article came from.
    public var source: String?
    public var published: Date?
    public var firstSeen: Date?
    /// The feeds.json priority of its feed: among duplicates the highest leads.
    public var priority: Int
    /// Where an earlier run placed the article, when it did: the linker keeps that placement and decides only the
    /// articles new since, so stories do not reshuffle from one run to the next.
    public var earlier: EarlierDecision?

    public init(
        id: String, title: String? = nil, summary: String? = nil, link: String? = nil, canonicalLink: String? = nil,
        source: String? = nil, published: Date? = nil, firstSeen: Date? = nil, priority: Int = 0,
        earlier: EarlierDecision? = nil
    ) {
        self.id = id
        self.title = title
        self.summary = summary
        self.link = link
        self.canonicalLink = canonicalLink
        self.source = source
        self.published = published
        self.firstSeen = firstSeen
        self.priority = priority
        self.earlier = earlier
    }
}

/// A decision an earlier run stored: the article's story and, for a copy, the article that leads its group.
public struct EarlierDecision: Sendable, Hashable, Codable {
    public var story: String
    public var duplicateOf: String?

    public init(story: String, duplicateOf: String? = nil) {
        self.story = story
        self.duplicateOf = duplicateOf
    }
}

/// Which rule tied an article to another article or story.
public enum LinkRule: String, Sendable, Hashable, Codable {
    /// Same canonical URL as the matched article.
    case canonicalURL
    /// Same normalised title and summary as the matched article.
    case textHash
    /// MinHash estimate of word-shingle Jaccard similarity above `dupJaccard`.
    case nearDuplicate
    /// Joined the matched story: TF-IDF cosine to its centroid above `storyThreshold`.
    case story
    /// Its story was merged into the matched story by the merge pass (centroid cosine above `mergeThreshold`).
    case storyMerge
    /// Moved to the matched story by the final refinement, whose centroid it is closer to.
    case reassigned
}

/// Why an article was linked: the rule, its score, and what it was matched to.
///
/// `tributary stories --explain` prints these; `matched` is an article id for the duplicate rules and a story id
/// for the story rules.
public struct LinkReason: Sendable, Hashable, Codable {
    public var rule: LinkRule
    /// The similarity that passed the rule's threshold (1 for exact rules).
    public var score: Double
    public var matched: String

    public init(rule: LinkRule, score: Double, matched: String) {
        self.rule = rule
        self.score = score
        self.matched = matched
    }
}

/// The linker's verdict on one article.
public struct LinkDecision: Sendable, Hashable, Codable {
    public var id: String
    /// The story id: the id of the story's founding article (a merge keeps the older story's id).
    public var story: String
    /// The article that leads this article's duplicate group, or nil when this article leads (or has no copies).
    public var duplicateOf: String?
    /// Related story ids, best first, never this article's own story.
    public var related: [String]
    /// Every merge that touched this article, in the order they happened.
    public var reasons: [LinkReason]

    public init(id: String, story: String, duplicateOf: String?, related: [String], reasons: [LinkReason]) {
        self.id = id
        self.story = story
        self.duplicateOf = duplicateOf
        self.related = related
        self.reasons = reasons
    }
}
