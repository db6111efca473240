import Foundation
import TributaryCore

/// The vocabularies a feed element can belong to. RSS 0.9x/2.0 (no namespace), RSS 1.0 and RSS 0.90 share
/// element names, so they are one case.
enum FeedVocabulary {
    case rss
    /// Atom 1.0 and 0.3: their element names are read as one vocabulary (0.3's names are aliases).
    case atom
    case rdf
    case dublinCore
    case dublinCoreTerms
    case content
    case syndication
    case itunes
    case media
    case xhtml
    case other

    static func of(_ uri: String?) -> FeedVocabulary {
        guard let uri else { return .rss }
        switch uri {
        case "http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#": return .atom
        case "http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/", "http://purl.org/net/rss1.1#",
            "http://backend.userland.com/rss2", "http://blogs.law.harvard.edu/tech/rss",
            "http://backend.userland.com/rss":
            return .rss
        case "http://www.w3.org/1999/02/22-rdf-syntax-ns#": return .rdf
        case "http://purl.org/dc/elements/1.1/", "http://purl.org/dc/elements/1.0/": return .dublinCore
        case "http://purl.org/dc/terms/": return .dublinCoreTerms
        case "http://purl.org/rss/1.0/modules/content/": return .content
        case "http://purl.org/rss/1.0/modules/syndication/": return .syndication
        case "http://www.itunes.com/dtds/podcast-1.0.dtd", "http://www.itunes.com/DTDs/Podcast-1.0.dtd",
            "http://www.itunes.com/dtds/podcast-1.0.dtd/":
            return .itunes
        case "http://search.yahoo.com/mrss/", "http://search.yahoo.com/mrss", "http://video.search.yahoo.com/mrss":
            return .media
        case xhtmlNamespace: return .xhtml
        default: return .other
        }
    }
}

/// Walks a parsed RSS, RDF or Atom tree directly (borrowed libxml2 nodes, no intermediate copies) and
/// builds the model. Element meanings follow feedparser's long experience of real feeds.
struct XMLFeedReader {
    let documentURL: String
    /// What each namespace declaration of this document means; a feed declares a handful, so a list beats
    /// hashing on every element.
    private var vocabularies: [(key: UnsafeRawPointer, vocabulary: FeedVocabulary)] = []
    private var isAtom = false
    private var errors: [String] = []
    /// One HTML parser for every fragment of this feed.
    private let htmlParser = HTMLFragmentParser()

    /// The longest text a single element may contribute; longer text is cut (a feed with a 10 MB title is
    /// an attack or a bug, and either way must not cost unbounded time downstream).
    static let maximumTextLength = 4 * 1024 * 1024

    /// The element's text, capped at `maximumTextLength` bytes.
    private mutating func text(of node: FeedNode) -> String {
        let value = Mojibake.repair(node.text(cdata: cdata))
        guard value.utf8.count > Self.maximumTextLength else { return value }
        errors.append("line \(node.line): text longer than \(Self.maximumTextLength) bytes was cut")
        return String(decoding: value.utf8.prefix(Self.maximumTextLength), as: UTF8.self)
    }

    /// The CDATA sections taken out of the document before parsing, if they were.
    let cdata: CDATASections?

    init(documentURL: String, cdata: CDATASections? = nil) {
        self.documentURL = documentURL
        self.cdata = cdata
    }

    mutating func vocabulary(_ node: FeedNode) -> FeedVocabulary {
        guard let key = node.namespaceKey else { return isAtom ? .atom : .rss }
        for entry in vocabularies where entry.key == key { return entry.vocabulary }
        let vocabulary = FeedVocabulary.of(node.namespaceURI)
        vocabularies.append((key, vocabulary))
        return vocabulary
    }

    private mutating func setVocabulary(_ vocabulary: FeedVocabulary, for key: UnsafeRawPointer) {
        vocabularies.removeAll { $0.key == key }
        vocabularies.append((key, vocabulary))
    }

    mutating func read(_ root: FeedNode) -> ParsedFeed {
        let rootName = root.name
        let rootVocabulary = vocabulary(root)
        var feed = FeedBuilder()
        var entries: [Article] = []
        var format = ""
        var errors: [String] = []
        switch (rootVocabulary, rootName.lowercased()) {
        case (.atom, "feed"), (.rss, "feed"), (.other, "feed"):
            isAtom = true
            format = root.namespaceURI == "http://www.w3.org/2005/Atom" ? "atom10" : "atom03"
            if rootVocabulary == .other, let key = root.namespaceKey {
                // A feed in an unknown namespace (a draft Atom URI): read its elements as Atom.
                setVocabulary(.atom, for: key)
            }
            readChannel(root, into: &feed, entries: &entries)
        case (.rdf, "rdf"):
            format = "rss10"
            for child in root.children where child.isElement {
                let name = child.name
                if name == "channel" {
                    readChannel(child, into: &feed, entries: &entries)
                } else if name == "item" {
                    entries.append(readEntry(child))
                }
            }
        case (.rss, "rss"), (.other, "rss"):
            if rootVocabulary == .other, let key = root.namespaceKey { setVocabulary(.rss, for: key) }
            format = "rss" + (root.attribute("version") ?? "20").filter { $0 != "." }
            for child in root.children where child.isElement {
                let name = child.lowercasedName
                if name == "channel" {
                    readChannel(child, into: &feed, entries: &entries)
                } else if name == "item" {
                    entries.append(readEntry(child))
                }
            }
        case (_, "channel"):
            format = "rss"
            readChannel(root, into: &feed, entries: &entries)
        case (_, "html"):
            errors.append("this is an HTML page, not a feed")
        default:
            errors.append("the root element <\(rootName)> is not a feed")
        }
        return ParsedFeed(info: feed.info, articles: entries, errors: errors + self.errors, format: format)
    }

    // MARK: - Feed level

    private mutating func readChannel(_ channel: FeedNode, into feed: inout FeedBuilder, entries: inout [Article]) {
        if let language = channel.attribute("lang", namespace: xmlNamespace) { feed.info.language = language }
        if let href = channel.attribute("HREF").flatMap({ url($0, at: channel) }) {
            // CDF keeps the channel's link and date in attributes.
            feed.info.link = href
            feed.info.links.append(Link(href: href, rel: "alternate", type: "text/html"))
        }
        if let date = channel.attribute("LASTMOD").flatMap(FeedDate.parse) { feed.info.updated = date }
        for child in channel.children where child.isElement {
            let vocabulary = vocabulary(child)
            let name = child.lowercasedName
            switch (vocabulary, name) {
            case (.rss, "item"), (.atom, "entry"), (.rss, "entry"):
                entries.append(readEntry(child))
            case (.rss, "title"), (.atom, "title"), (.dublinCore, "title"):
                let text = readText(child, kind: .title)
                feed.info.title = text.value
            case (.rss, "link"):
                if let href = url(text(of: child), at: child) {
                    feed.info.link = href
                    feed.info.links.append(Link(href: href, rel: "alternate", type: "text/html"))
                }
            case (.atom, "link"):
                var ignored: [Enclosure] = []
                readAtomLink(child, links: &feed.info.links, link: &feed.info.link, enclosures: &ignored)
            case (.rss, "description"), (.rss, "abstract"), (.atom, "subtitle"), (.atom, "tagline"),
                (.itunes, "subtitle"), (.itunes, "summary"), (.dublinCore, "description"):
                if vocabulary != .rss && vocabulary != .atom && feed.info.subtitle != nil { continue }
                feed.info.subtitle = readText(child, kind: vocabulary == .atom ? .construct : .html).value
            case (.atom, "id"):
                let raw = trimmed(text(of: child))
                feed.info.id = raw.hasPrefix("/") || raw.hasPrefix(".") ? url(raw, at: child) : raw
            case (.rss, "lastbuilddate"), (.atom, "updated"), (.atom, "modified"), (.dublinCore, "date"),
                (.dublinCoreTerms, "modified"):
                if let date = FeedDate.parse(text(of: child)) { feed.info.updated = date }
            case (.rss, "pubdate"), (.atom, "published"), (.atom, "issued"), (.dublinCoreTerms, "issued"):
                if let date = FeedDate.parse(text(of: child)) { feed.info.published = date }
            case (.atom, "author"):
                appendPerson(readAtomPerson(child), to: &feed.info.authors)
            case (.rss, "managingeditor"), (.rss, "author"), (.dublinCore, "creator"), (.dublinCore, "author"),
                (.itunes, "author"):
                appendPerson(parsePerson(text(of: child)), to: &feed.info.authors)
            case (.rss, "category"), (.dublinCore, "subject"), (.atom, "category"),
                (.itunes, "category"), (.itunes, "keywords"):
                readCategories(child, vocabulary: vocabulary, into: &feed.info.categories)
            case (.atom, "icon"):
                feed.info.icon = url(text(of: child), at: child)
            case (.atom, "logo"):
                feed.info.logo = url(text(of: child), at: child)
            case (.rss, "image"):
                if let imageURL = child.elements.first(where: { $0.name == "url" }) {
                    feed.info.logo = feed.info.logo ?? url(text(of: imageURL), at: imageURL)
                }
            case (.itunes, "image"):
                if let href = child.attribute("href") { feed.info.logo = feed.info.logo ?? url(href, at: child) }
            case (.rss, "language"), (.dublinCore, "language"):
                feed.info.language = text(of: child).trimmedASCII()
            case (.rss, "ttl"):
                feed.info.schedule.ttlMinutes = Int(text(of: child).trimmedASCII())
            case (.rss, "skiphours"):
                for hour in child.elements where hour.name == "hour" {
                    if let value = Int(text(of: hour).trimmedASCII()),
                        (0...24).contains(value)
                    {
                        feed.info.schedule.skipHours.insert(value % 24)
                    }
                }
            case (.rss, "skipdays"):
                for day in child.elements where day.name == "day" {
                    let value = text(of: day).trimmedASCII().capitalized
                    if !value.isEmpty { feed.info.schedule.skipDays.insert(value) }
                }
            case (.syndication, "updateperiod"):
                feed.info.schedule.updatePeriod = text(of: child).trimmedASCII()
                    .lowercased()
            case (.syndication, "updatefrequency"):
                feed.info.schedule.updateFrequency = Int(
                    text(of: child).trimmedASCII())
            case (.rss, "items"), (.rdf, _):
                continue
            default:
                continue
            }
        }
    }

    // MARK: - Entry level

    private mutating func readEntry(_ item: FeedNode) -> Article {
        var entry = EntryBuilder()
        if let about = item.attribute("about", namespace: rdfNamespace) {
            entry.id = about
        }
        if let href = item.attribute("HREF").flatMap({ url($0, at: item) }) {
            entry.link = href
            entry.links.append(Link(href: href, rel: "alternate", type: "text/html"))
        }
        if let date = item.attribute("LASTMOD").flatMap(FeedDate.parse) { entry.updated = date }
        for child in item.children where child.isElement {
            let vocabulary = vocabulary(child)
            let name = child.lowercasedName
            switch (vocabulary, name) {
            case (.rss, "title"), (.atom, "title"), (.dublinCore, "title"):
                let text = readText(child, kind: .title)
                entry.title = text.value
                entry.titleIsHTML = text.isHTML
            case (.rss, "link"):
                if let href = url(text(of: child), at: child) {
                    entry.link = href
                    entry.links.append(Link(href: href, rel: "alternate", type: "text/html"))
                }
            case (.atom, "link"):
                readAtomLink(child, links: &entry.links, link: &entry.link, enclosures: &entry.enclosures)
            case (.rss, "guid"):
                let guid = text(of: child).trimmedASCII()
                guard !guid.isEmpty else { continue }
                entry.id = guid
                let permalink = child.attribute("isPermaLink")?.lowercased() ?? "true"
                entry.guidIsLink = permalink == "true" && entry.link == nil
                if entry.guidIsLink { entry.guidLink = url(guid, at: child) }
            case (.atom, "id"), (.dublinCore, "identifier"):
                if name == "identifier" && entry.id != nil { continue }
                let raw = trimmed(text(of: child))
                // Relative paths as ids are resolved like links (feedparser does); opaque ids stay as written.
                let isPath = raw.hasPrefix("/") || raw.hasPrefix(".")
                if let id = vocabulary == .atom && isPath ? url(raw, at: child) : raw, !id.isEmpty {
                    entry.id = id
                }
            case (.rss, "description"), (.rss, "summary"), (.rss, "abstract"), (.dublinCore, "description"):
                if entry.summary != nil && vocabulary == .dublinCore { continue }
                let text = readText(child, kind: .html).html
                // A second summary-like element is the body (feedparser's reading of description + summary).
                if entry.summary != nil && entry.content == nil && vocabulary == .rss {
                    entry.content = text
                } else {
                    entry.summary = text
                }
            case (.atom, "summary"):
                entry.summary = readText(child, kind: .construct).html
            case (.itunes, "summary"), (.itunes, "subtitle"):
                if entry.summary == nil { entry.summary = readText(child, kind: .plain).html }
            case (.content, "encoded"):
                entry.content = readText(child, kind: .html).html
            case (.atom, "content"):
                entry.content = readText(child, kind: .construct).html
            case (.xhtml, "body"), (.rss, "body"), (.rss, "fullitem"), (.other, "fullitem"):
                entry.content = readText(child, kind: name == "body" ? .inlineXHTML : .html).html
            case (.rss, "pubdate"), (.atom, "published"), (.atom, "issued"), (.dublinCoreTerms, "issued"):
                if let date = FeedDate.parse(text(of: child)) { entry.published = date }
            case (.atom, "updated"), (.atom, "modified"), (.dublinCore, "date"), (.dublinCoreTerms, "modified"):
                if let date = FeedDate.parse(text(of: child)) { entry.updated = date }
            case (.atom, "author"):
                appendPerson(readAtomPerson(child), to: &entry.authors)
            case (.rss, "author"), (.dublinCore, "creator"), (.dublinCore, "author"), (.itunes, "author"):
                appendPerson(parsePerson(text(of: child)), to: &entry.authors)
            case (.rss, "category"), (.dublinCore, "subject"), (.atom, "category"),
                (.itunes, "category"), (.itunes, "keywords"):
                readCategories(child, vocabulary: vocabulary, into: &entry.categories)
            case (.rss, "tags"):
                // A made-up but common RSS extension: one element with comma-separated tags.
                for tag in text(of: child).split(separator: ",") {
                    let term = tag.trimmedASCII()
                    if !term.isEmpty { append(Category(term: term), to: &entry.categories) }
                }
            case (.rss, "enclosure"):
                guard let href = (child.attribute("url") ?? child.attribute("href")).flatMap({ url($0, at: child) })
                else { continue }
                let type = child.attribute("type")
                let length = child.attribute("length").flatMap { Int64($0.trimmedASCII()) }
                entry.enclosures.append(Enclosure(href: href, type: type, length: length))
                entry.links.append(Link(href: href, rel: "enclosure", type: type, length: length))
            case (.rss, "source"):
                var source = Source()
                let title = text(of: child).trimmedASCII()
                source.title = title.isEmpty ? nil : title
                if let href = child.attribute("url").flatMap({ url($0, at: child) }) {
                    source.link = href
                    source.links = [Link(href: href, rel: "self")]
                }
                entry.source = source
            case (.atom, "source"):
                entry.source = readAtomSource(child)
            case (.media, "title"):
                if entry.title == nil { entry.title = trimmed(text(of: child)) }
            case (.media, "category"):
                let term = trimmed(text(of: child))
                if !term.isEmpty {
                    let scheme = child.attribute("scheme") ?? "http://search.yahoo.com/mrss/category_schema"
                    append(Category(term: term, scheme: scheme, label: child.attribute("label")), to: &entry.categories)
                }
            case (.media, "content"), (.media, "group"):
                readMedia(child, into: &entry)
            default:
                continue
            }
        }
        return entry.article(feedURL: documentURL)
    }

    private mutating func readAtomSource(_ node: FeedNode) -> Source {
        var builder = FeedBuilder()
        var ignored: [Article] = []
        readChannel(node, into: &builder, entries: &ignored)
        let info = builder.info
        return Source(
            id: info.id, title: info.title, link: info.link, links: info.links, updated: info.updated ?? info.published,
            authors: info.authors)
    }

    /// `media:content` carrying a URL is an enclosure when the item has none of its own.
    private mutating func readMedia(_ node: FeedNode, into entry: inout EntryBuilder) {
        if node.name == "group" {
            for child in node.elements where vocabulary(child) == .media && child.name == "content" {
                readMedia(child, into: &entry)
            }
            return
        }
        guard let href = node.attribute("url").flatMap({ url($0, at: node) }) else { return }
        entry.mediaEnclosures.append(
            Enclosure(
                href: href, type: node.attribute("type"),
                length: node.attribute("fileSize").flatMap { Int64($0) }))
    }

    // MARK: - Pieces

    private mutating func readAtomLink(
        _ node: FeedNode, links: inout [Link], link: inout String?, enclosures: inout [Enclosure]
    ) {
        // Atom 0.3 drafts sometimes put the URL in the element's text.
        guard let rawHref = node.attribute("href") ?? node.attribute("url") ?? Optional(text(of: node)) else { return }
        // href="" is a same-document reference (RFC 3986 §4.4): it names the base itself.
        let sameDocument = rawHref.trimmedASCII().isEmpty && node.attribute("href") != nil
        guard let href = sameDocument ? node.baseURL : url(rawHref, at: node) else { return }
        let rel = node.attribute("rel")?.trimmedASCII() ?? "alternate"
        let type = node.attribute("type") ?? (rel == "self" ? "application/atom+xml" : "text/html")
        let length = node.attribute("length").flatMap { Int64($0.trimmedASCII()) }
        links.append(Link(href: href, rel: rel, type: type, length: length, title: node.attribute("title")))
        if rel == "alternate" && ["text/html", "application/xhtml+xml", "html", "xhtml"].contains(type.lowercased()) {
            link = href
        } else if rel == "enclosure" {
            enclosures.append(Enclosure(href: href, type: type, length: length))
        }
    }

    private mutating func readAtomPerson(_ node: FeedNode) -> Person {
        var person = Person()
        for child in node.elements {
            let value = text(of: child).trimmedASCII()
            guard !value.isEmpty else { continue }
            switch child.name {
            case "name": person.name = value
            case "email": person.email = value
            case "uri", "url", "homepage": person.uri = url(value, at: child)
            default: continue
            }
        }
        if person.name == nil && person.email == nil && person.uri == nil {
            let text = text(of: node).trimmedASCII()
            if !text.isEmpty { return parsePerson(text) }
        }
        return person
    }

    private mutating func readCategories(
        _ node: FeedNode, vocabulary: FeedVocabulary, into categories: inout [Category]
    ) {
        switch vocabulary {
        case .atom:
            let term = node.attribute("term") ?? text(of: node).trimmedASCII()
            guard !term.isEmpty else { return }
            append(
                Category(term: term, scheme: node.attribute("scheme"), label: node.attribute("label")), to: &categories)
        case .itunes where node.name == "keywords":
            for keyword in text(of: node).split(separator: ",") {
                let term = keyword.trimmedASCII()
                if !term.isEmpty {
                    append(Category(term: term, scheme: "http://www.itunes.com/"), to: &categories)
                }
            }
        case .itunes:
            if let term = node.attribute("text"), !term.isEmpty {
                append(Category(term: term, scheme: "http://www.itunes.com/"), to: &categories)
            }
            for child in node.elements where child.name == "category" {
                readCategories(child, vocabulary: .itunes, into: &categories)
            }
        default:
            let term = text(of: node).trimmedASCII()
            guard !term.isEmpty else { return }
            append(Category(term: term, scheme: node.attribute("domain")), to: &categories)
        }
    }

    private func append(_ category: Category, to categories: inout [Category]) {
        if !categories.contains(category) { categories.append(category) }
    }

    private func appendPerson(_ person: Person, to people: inout [Person]) {
        guard person.name != nil || person.email != nil || person.uri != nil else { return }
        if !people.contains(person) { people.append(person) }
    }

    /// Reads "name", "email", "email (Name)" or "Name <email>" as RSS writes authors.
    func parsePerson(_ text: String) -> Person {
        let value = text.trimmedASCII()
        guard !value.isEmpty else { return Person() }
        // Most authors are plain names: no "@", no e-mail to look for.
        guard value.utf8.contains(UInt8(ascii: "@")), let email = findEmail(in: value) else {
            return Person(name: value)
        }
        var name = removingAll(email, from: value)
        for wrapper in ["()", "<>", "&lt;&gt;", "mailto:"] {
            name = removingAll(wrapper, from: name)
        }
        name = name.trimmedASCII()
        if name.hasPrefix("(") { name.removeFirst() }
        if name.hasSuffix(")") { name.removeLast() }
        name = name.trimmedASCII()
        return Person(name: name.isEmpty ? nil : name, email: email)
    }

    /// `text` without any occurrence of `needle`, compared byte by byte (as `replacingOccurrences` would
    /// for these ASCII needles, without Foundation's cost).
    private func removingAll(_ needle: String, from text: String) -> String {
        let pattern = Array(needle.utf8)
        let source = Array(text.utf8)
        guard !pattern.isEmpty, source.count >= pattern.count else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(source.count)
        var index = 0
        var changed = false
        while index < source.count {
            if index + pattern.count <= source.count && source[index] == pattern[0]
                && source[index..<index + pattern.count].elementsEqual(pattern)
            {
                index += pattern.count
                changed = true
            } else {
                output.append(source[index])
                index += 1
            }
        }
        return changed ? String(decoding: output, as: UTF8.self) : text
    }

    /// The first e-mail address in `text` (local@domain.tld, with an optional `?subject=` query).
    ///
    /// An address is ASCII, so this reads bytes; where a non-ASCII byte touches the address (a combining mark
    /// could join the character before it) it asks `findEmailByCharacters`, which reads characters.
    func findEmail(in text: String) -> String? {
        let bytes = Array(text.utf8)
        guard let at = bytes.firstIndex(of: UInt8(ascii: "@")) else { return nil }
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }
        func isLocal(_ byte: UInt8) -> Bool {
            isAlphanumeric(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "+")
        }
        func isDomain(_ byte: UInt8) -> Bool {
            isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
        if at + 1 < bytes.count, bytes[at + 1] >= 0x80 { return findEmailByCharacters(in: text) }
        var start = at
        while start > 0, isLocal(bytes[start - 1]) { start -= 1 }
        var end = at + 1
        while end < bytes.count, isDomain(bytes[end]) { end += 1 }
        if end < bytes.count, bytes[end] >= 0x80 { return findEmailByCharacters(in: text) }
        while end > at + 1, bytes[end - 1] == UInt8(ascii: ".") { end -= 1 }
        guard start < at, end > at + 1, bytes[(at + 1)..<end].contains(UInt8(ascii: ".")) else { return nil }
        if end < bytes.count, bytes[end] == UInt8(ascii: "?") {
            while end < bytes.count, bytes[end] != 0x20, !(0x09...0x0D).contains(bytes[end]),
                bytes[end] != UInt8(ascii: ")")
            {
                if bytes[end] >= 0x80 { return findEmailByCharacters(in: text) }
                end += 1
            }
        }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    func findEmailByCharacters(in text: String) -> String? {
        let characters = Array(text)
        guard let at = characters.firstIndex(of: "@") else { return nil }
        func isLocal(_ c: Character) -> Bool { c.isLetter || c.isNumber || "_-.+".contains(c) }
        func isDomain(_ c: Character) -> Bool { c.isLetter || c.isNumber || "-.".contains(c) }
        var start = at
        while start > 0, isLocal(characters[start - 1]), characters[start - 1].isASCII { start -= 1 }
        var end = at + 1
        while end < characters.count, isDomain(characters[end]), characters[end].isASCII { end += 1 }
        while end > at + 1, characters[end - 1] == "." { end -= 1 }
        guard start < at, end > at + 1, characters[(at + 1)..<end].contains(".") else { return nil }
        if end < characters.count, characters[end] == "?" {
            while end < characters.count, !characters[end].isWhitespace, characters[end] != ")" { end += 1 }
        }
        return String(characters[start..<end])
    }

    // MARK: - Text constructs

    enum TextKind {
        /// A title: plain text unless an Atom type says otherwise or (RSS) it plainly holds markup.
        case title
        /// An Atom text or content construct (`type`, and `mode` in Atom 0.3).
        case construct
        /// HTML by definition (RSS description, content:encoded).
        case html
        /// Plain text by definition.
        case plain
        /// Inline XHTML elements (xhtml:body).
        case inlineXHTML
    }

    struct Text {
        var value: String
        var isHTML: Bool

        /// The value as HTML, escaping plain text.
        var html: String { isHTML ? value : escapeHTML(value) }
    }

    private mutating func readText(_ node: FeedNode, kind: TextKind) -> Text {
        let base = { [documentURL] in node.baseURL ?? (documentURL.isEmpty ? nil : documentURL) }
        switch kind {
        case .plain:
            return Text(value: trimmed(text(of: node)), isHTML: false)
        case .html:
            if node.hasElementChildren {
                return Text(value: inlineMarkup(node, base: base), isHTML: true)
            }
            return Text(value: sanitizedText(of: node, base: base), isHTML: true)
        case .inlineXHTML:
            return Text(value: inlineMarkup(node, base: base), isHTML: true)
        case .title where !isAtom && node.attribute("type") == nil:
            let text = trimmed(text(of: node))
            if looksLikeHTML(text) {
                return Text(value: HTMLSanitizer.sanitize(text, base: base, parser: htmlParser), isHTML: true)
            }
            return Text(value: text, isHTML: false)
        case .title, .construct:
            break
        }
        let type = (node.attribute("type") ?? "text").lowercased()
        let mode = node.attribute("mode")?.lowercased() ?? "escaped"
        if type == "xhtml" || type == "application/xhtml+xml" || mode == "xml" {
            if node.hasElementChildren {
                var container = node
                let elements = node.elements
                if type == "xhtml", elements.count == 1, elements[0].hasName("div"),
                    vocabulary(elements[0]) == .xhtml
                {
                    container = elements[0]
                }
                return Text(value: inlineMarkup(container, base: base), isHTML: true)
            }
            return Text(value: sanitizedText(of: node, base: base), isHTML: true)
        }
        if node.hasElementChildren && !type.containsASCII("html") {
            // Markup written straight into a text construct: keep it as the author wrote it.
            return Text(value: inlineMarkup(node, base: base, anyNamespace: true), isHTML: true)
        }
        let isTextual =
            type == "text" || type == "html" || type.hasPrefix("text/") || type.hasSuffix("+xml")
            || type.hasSuffix("/xml")
        let isBase64 = mode == "base64" || (isAtom && !isTextual && type.utf8.contains(UInt8(ascii: "/")))
        if !isBase64 && type.containsASCII("html") {
            return Text(value: sanitizedText(of: node, base: base), isHTML: true)
        }
        var text = text(of: node)
        if isBase64 {
            // Atom 1.0 base64-encodes any other media type; Atom 0.3 says so with mode="base64".
            if let decoded = Data(base64Encoded: text, options: .ignoreUnknownCharacters) {
                return Text(
                    value: HTMLSanitizer.sanitize(
                        String(decoding: decoded, as: UTF8.self), base: base, parser: htmlParser), isHTML: true)
            }
            text = ""
        }
        if type.containsASCII("html") {
            return Text(value: HTMLSanitizer.sanitize(text, base: base, parser: htmlParser), isHTML: true)
        }
        if type == "text" || type.hasPrefix("text/") {
            return Text(value: trimmed(text), isHTML: false)
        }
        if type.hasSuffix("+xml") || type.hasSuffix("/xml") {
            return Text(value: inlineMarkup(node, base: base), isHTML: true)
        }
        return Text(value: trimmed(text), isHTML: false)
    }

    /// The element's text as sanitised HTML. A lone text or CDATA child (nearly every summary and body) is
    /// sanitised straight from its bytes, skipping the String that `text(of:)` would build; text that may need
    /// the mojibake repair or the length cap takes that longer way.
    private mutating func sanitizedText(of node: FeedNode, base: @escaping () -> String?) -> String {
        let parser = htmlParser
        let direct = node.withSoleTextBytes(cdata: cdata) { bytes -> String? in
            guard bytes.count <= Self.maximumTextLength, !Mojibake.mayChange(bytes) else { return nil }
            return HTMLSanitizer.sanitize(bytes, base: base, parser: parser)
        }
        if let direct { return direct }
        return HTMLSanitizer.sanitize(text(of: node), base: base, parser: htmlParser)
    }

    private func inlineMarkup(_ node: FeedNode, base: @escaping () -> String?, anyNamespace: Bool = false) -> String {
        var writer = MarkupWriter(base: base)
        writer.cdata = cdata
        writer.write(contentsOf: node, isHTML: false, anyNamespace: anyNamespace)
        return writer.result()
    }

    private func trimmed(_ text: String) -> String {
        text.trimmedASCII()
    }

    /// feedparser's rule for RSS, which has no type attribute: text is HTML when it has an end tag or an
    /// entity reference and every tag and entity in it is a known HTML one.
    func looksLikeHTML(_ text: String) -> Bool {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "&") }) else { return false }
        let bytes = Array(text.utf8)
        var hasEndTag = false
        var hasEntity = false
        var index = 0
        func word(from start: Int) -> (String, Int) {
            var end = start
            while end < bytes.count,
                (bytes[end] | 0x20 >= 0x61 && bytes[end] | 0x20 <= 0x7A) || (bytes[end] >= 0x30 && bytes[end] <= 0x39)
                    || bytes[end] == 0x5F
            {
                end += 1
            }
            return (String(decoding: bytes[start..<end], as: UTF8.self), end)
        }
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "<") {
                let closing = index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "/")
                let (name, end) = word(from: index + (closing ? 2 : 1))
                if !name.isEmpty {
                    let lower = name.lowercased()
                    if SanitizerRules.policy(for: lower) == .drop
                        || !(SanitizerRules.keptElements.contains(lower)
                            || SanitizerRules.voidElements.contains(lower) || formElements.contains(lower))
                    {
                        return false
                    }
                    if closing && end < bytes.count && bytes[end] == UInt8(ascii: ">") { hasEndTag = true }
                }
                index = max(end, index + 1)
            } else if bytes[index] == UInt8(ascii: "&") {
                let numeric = index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "#")
                let (name, end) = word(from: index + (numeric ? 2 : 1))
                if !name.isEmpty && end < bytes.count && bytes[end] == UInt8(ascii: ";") {
                    hasEntity = true
                    if !numeric && LibXML2Support.htmlEntity(name) == nil && name != "apos" { return false }
                }
                index = max(end, index + 1)
            } else {
                index += 1
            }
        }
        return hasEndTag || hasEntity
    }

    private let formElements: Set<String> = [
        "form", "input", "button", "select", "option", "optgroup", "textarea", "fieldset", "legend", "label",
        "datalist", "keygen", "output", "canvas",
    ]

    // MARK: - URLs

    /// The URL made absolute against the element's `xml:base` chain and the document URL.
    private func url(_ raw: String, at node: FeedNode) -> String? {
        let value = raw.trimmedASCII()
        guard !value.isEmpty else { return nil }
        if hasScheme(value) { return value }
        guard let base = node.baseURL ?? (documentURL.isEmpty ? nil : documentURL) else { return value }
        return LibXML2Support.resolve(value, against: base)
    }

    private func hasScheme(_ value: String) -> Bool {
        for (offset, byte) in value.utf8.enumerated() {
            if byte == UInt8(ascii: ":") { return offset > 0 }
            let isSchemeByte =
                (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
                || (offset > 0
                    && ((byte >= 0x30 && byte <= 0x39)
                        || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")))
            if !isSchemeByte { return false }
        }
        return false
    }
}

let xmlNamespace = "http://www.w3.org/XML/1998/namespace"
let rdfNamespace = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

/// Escapes plain text for use as HTML.
func escapeHTML(_ text: String) -> String {
    guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E }) else { return text }
    var result = ""
    result.reserveCapacity(text.utf8.count + 16)
    for character in text.unicodeScalars {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        default: result.unicodeScalars.append(character)
        }
    }
    return result
}

struct FeedBuilder {
    var info = FeedInfo()
}

/// An entry being read; turned into an `Article` once all its elements are seen.
struct EntryBuilder {
    var id: String?
    var title: String?
    var titleIsHTML = false
    var link: String?
    var links: [Link] = []
    var guidIsLink = false
    var guidLink: String?
    var authors: [Person] = []
    var published: Date?
    var updated: Date?
    var summary: String?
    var content: String?
    var categories: [Category] = []
    var enclosures: [Enclosure] = []
    var mediaEnclosures: [Enclosure] = []
    var source: Source?

    func article(feedURL: String) -> Article {
        let link = link ?? (guidIsLink ? guidLink : nil)
        var article = Article(
            id: id ?? link ?? "",
            title: title, titleType: titleIsHTML ? .html : .text, link: link, links: links, authors: authors,
            published: published, updated: updated,
            summary: summary.flatMap { $0.isEmpty ? nil : $0 }, content: content.flatMap { $0.isEmpty ? nil : $0 },
            categories: categories, enclosures: enclosures.isEmpty ? mediaEnclosures : enclosures, source: source,
            feedURL: feedURL)
        if article.id.isEmpty {
            article.id = EntryIdentity.derived(article)
        }
        return article
    }
}

/// Identity for entries that carry neither an id nor a link.
enum EntryIdentity {
    /// A stable id from what the entry says: the same title, date and text always give the same id.
    static func derived(_ article: Article) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ text: String) {
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
            hash ^= 0x1F
            hash = hash &* 0x0000_0100_0000_01B3
        }
        mix(article.title ?? "")
        mix((article.published ?? article.updated).map { String(Int64($0.timeIntervalSince1970)) } ?? "")
        mix(article.content ?? article.summary ?? "")
        let hex = String(hash, radix: 16)
        return "urn:tributary:entry:" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
