public import Foundation

/// One entry of a feed, normalised from any of the formats Tributary reads.
///
/// Every string that holds markup (`summary`, `content`, and `title` when `titleType` is `html`) has
/// already been sanitised by the parser; every URL is absolute; every date is an instant (UTC when printed).
public struct Article: Sendable, Hashable, Codable {
    /// The entry's own identifier (`atom:id`, RSS `guid`, JSON Feed `id`), or one derived from its link or content
    /// when the feed gives none.
    public var id: String
    /// The headline as plain text or sanitised HTML, see `titleType`.
    public var title: String?
    /// `text` or `html`; tells consumers whether `title` carries markup.
    public var titleType: TextType
    /// The preferred alternate URL: the page a reader opens.
    public var link: String?
    /// Every link the entry declares, in document order.
    public var links: [Link]
    public var authors: [Person]
    public var published: Date?
    public var updated: Date?
    /// A short sanitised HTML summary.
    public var summary: String?
    /// The full sanitised HTML body, when the feed carries one.
    public var content: String?
    public var categories: [Category]
    public var enclosures: [Enclosure]
    /// Where the entry originally came from, when the feed says (`atom:source`, RSS `source`).
    public var source: Source?
    /// The URL (or path) of the subscribed feed this article was read from.
    public var feedURL: String
    /// The language of the entry's text (`xml:lang`, `dc:language`), when known.
    public var language: String?

    public init(
        id: String, title: String? = nil, titleType: TextType = .text, link: String? = nil, links: [Link] = [],
        authors: [Person] = [], published: Date? = nil, updated: Date? = nil, summary: String? = nil,
        content: String? = nil, categories: [Category] = [], enclosures: [Enclosure] = [], source: Source? = nil,
        feedURL: String = "", language: String? = nil
    ) {
        self.id = id
        self.title = title
        self.titleType = titleType
        self.link = link
        self.links = links
        self.authors = authors
        self.published = published
        self.updated = updated
        self.summary = summary
        self.content = content
        self.categories = categories
        self.enclosures = enclosures
        self.source = source
        self.feedURL = feedURL
        self.language = language
    }
}

/// Whether a text construct holds plain text or (sanitised) HTML.
public enum TextType: String, Sendable, Hashable, Codable {
    case text
    case html
}

/// A person named by a feed: an author or contributor.
public struct Person: Sendable, Hashable, Codable {
    public var name: String?
    public var email: String?
    public var uri: String?

    public init(name: String? = nil, email: String? = nil, uri: String? = nil) {
        self.name = name
        self.email = email
        self.uri = uri
    }
}

/// A typed link (`atom:link`, RSS `link`, JSON Feed `url`).
public struct Link: Sendable, Hashable, Codable {
    public var href: String
    /// The relation; `alternate` when the feed gives none.
    public var rel: String
    public var type: String?
    public var length: Int64?
    public var title: String?

    public init(
        href: String, rel: String = "alternate", type: String? = nil, length: Int64? = nil, title: String? = nil
    ) {
        self.href = href
        self.rel = rel
        self.type = type
        self.length = length
        self.title = title
    }
}

/// A media file attached to an entry (podcast audio, an image).
public struct Enclosure: Sendable, Hashable, Codable {
    public var href: String
    public var type: String?
    public var length: Int64?

    public init(href: String, type: String? = nil, length: Int64? = nil) {
        self.href = href
        self.type = type
        self.length = length
    }
}

/// A category or tag (`atom:category`, RSS `category`, `dc:subject`, JSON Feed `tags`).
public struct Category: Sendable, Hashable, Codable {
    public var term: String
    public var scheme: String?
    public var label: String?

    public init(term: String, scheme: String? = nil, label: String? = nil) {
        self.term = term
        self.scheme = scheme
        self.label = label
    }
}

/// The feed an entry originally came from, as the entry itself declares it.
public struct Source: Sendable, Hashable, Codable {
    public var id: String?
    public var title: String?
    public var link: String?
    public var links: [Link]
    public var updated: Date?
    public var authors: [Person]

    public init(
        id: String? = nil, title: String? = nil, link: String? = nil, links: [Link] = [], updated: Date? = nil,
        authors: [Person] = []
    ) {
        self.id = id
        self.title = title
        self.link = link
        self.links = links
        self.updated = updated
        self.authors = authors
    }
}
