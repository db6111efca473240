import Foundation
import TributaryCore

/// An entry made ready for every output: its stable id, its dates, cleaned links and people, and its story's
/// other sources folded in. All writers read these, so the Atom, RSS, JSON Feed and HTML outputs agree.
///
/// A class, not a struct: an entry holds a score of strings and arrays, and sorting, slicing and handing 10,000 of
/// them to the writers would otherwise retain and release every one of those fields at each step.
final class PreparedEntry: Sendable {
    /// Where the entry came from, for `atom:source` and the HTML page.
    ///
    /// Worked out once per feed and shared by its entries (a busy day has many entries per feed), together with
    /// the bytes of its Atom `source` element, which are the same for every entry but for one date.
    final class Origin: Sendable {
        let id: String?
        let title: String?
        let link: String?
        let selfLink: String?
        let updated: Date?
        let authors: [Person]
        /// The Atom `source` element, nil when there is nothing to say.
        let atomSource: AtomWriter.SourceBytes?

        init(id: String?, title: String?, link: String?, selfLink: String?, updated: Date?, authors: [Person]) {
            self.id = id
            self.title = title
            self.link = link
            self.selfLink = selfLink
            self.updated = updated
            self.authors = authors
            atomSource = AtomWriter.sourceBytes(id: id, title: title, link: link, selfLink: selfLink, authors: authors)
        }
    }

    /// A `link rel="related"`: another source of the story, or a related story.
    struct Related: Sendable, Hashable {
        var href: String
        var title: String
        /// True for another telling of this story; false for a related story.
        var isSource: Bool
        /// The other source's feed title, for the HTML page.
        var feedTitle: String?
    }

    let id: String
    /// The headline as the feed gave it (plain text or sanitised HTML, see `titleType`).
    let title: String
    let titleType: TextType
    /// The headline without markup.
    let titleText: String
    let link: String?
    let published: Date?
    let updated: Date
    /// The date the entry is ordered by, newest first: when it was published (clamped to when we first saw it).
    let sortDate: Date
    let authors: [Person]
    let summary: String?
    let content: String?
    let categories: [Category]
    let enclosures: [Enclosure]
    let related: [Related]
    let origin: Origin
    let language: String?
    let storyID: String?

    init(
        id: String, title: String, titleType: TextType, titleText: String, link: String?, published: Date?,
        updated: Date, sortDate: Date, authors: [Person], summary: String?, content: String?, categories: [Category],
        enclosures: [Enclosure], related: [Related], origin: Origin, language: String?, storyID: String?
    ) {
        self.id = id
        self.title = title
        self.titleType = titleType
        self.titleText = titleText
        self.link = link
        self.published = published
        self.updated = updated
        self.sortDate = sortDate
        self.authors = authors
        self.summary = summary
        self.content = content
        self.categories = categories
        self.enclosures = enclosures
        self.related = related
        self.origin = origin
        self.language = language
        self.storyID = storyID
    }

    /// The same entry with other `related` links: a story's lead taking in its other sources.
    func with(related: [Related]) -> PreparedEntry {
        PreparedEntry(
            id: id, title: title, titleType: titleType, titleText: titleText, link: link, published: published,
            updated: updated, sortDate: sortDate, authors: authors, summary: summary, content: content,
            categories: categories, enclosures: enclosures, related: related, origin: origin, language: language,
            storyID: storyID)
    }

    /// The key entries are ordered by: newest first, ties broken by id so the order never depends on input order.
    static func newestFirst(_ lhs: PreparedEntry, _ rhs: PreparedEntry) -> Bool {
        if lhs.sortDate != rhs.sortDate { return lhs.sortDate > rhs.sortDate }
        return lhs.id < rhs.id
    }
}

/// Turns the pipeline's entries into prepared ones.
enum EntryPreparation {
    /// Prepares, merges stories and orders the entries: one entry per story, newest first, ids unique.
    static func prepare(_ entries: [PublishedEntry]) -> [PreparedEntry] {
        let groups = Groups(entries)
        var origins = OriginCache()
        return order((0..<groups.count).map { merge(entries, groups[$0], origins: &origins) })
    }

    /// Prepares on up to `width` tasks at once (the work per entry is independent), then orders the result;
    /// the output is the same as `prepare`'s.
    static func prepare(_ entries: [PublishedEntry], width: Int) async -> [PreparedEntry] {
        let groups = Groups(entries)
        let slices = Parallel.slices(groups.count, width: width)
        if slices.count <= 1 { return prepare(entries) }
        let parts = await Parallel.map(slices) { range in
            var origins = OriginCache()
            return range.map { merge(entries, groups[$0], origins: &origins) }
        }
        return order(parts.flatMap { $0 })
    }

    /// The entries that are published, grouped: one group per story, and a group of one for an entry without a
    /// story. Groups come in a fixed order (loose entries as given, then stories by id, members as given).
    ///
    /// Held as positions in the input rather than arrays of entries, so grouping copies no entry and allocates
    /// nothing per group.
    struct Groups: Sendable {
        /// Positions in the input, group after group.
        private var members: [Int] = []
        /// Where each group starts in `members`, and one more for the end.
        private var starts: [Int] = [0]

        init(_ entries: [PublishedEntry]) {
            members.reserveCapacity(entries.count)
            starts.reserveCapacity(entries.count + 1)
            var stories: [(story: String, position: Int)] = []
            // Through the buffer, so that looking at an entry does not copy it.
            entries.withUnsafeBufferPointer { entries in
                guard let first = entries.baseAddress else { return }
                for position in entries.indices where !isEmpty(first + position) {
                    if let story = first[position].storyID, !story.isEmpty {
                        stories.append((story, position))
                    } else {
                        members.append(position)
                        starts.append(members.count)
                    }
                }
            }
            stories.sort { $0.story != $1.story ? $0.story < $1.story : $0.position < $1.position }
            for (index, member) in stories.enumerated() {
                members.append(member.position)
                if index + 1 == stories.count || stories[index + 1].story != member.story {
                    starts.append(members.count)
                }
            }
        }

        var count: Int { starts.count - 1 }

        subscript(group: Int) -> ArraySlice<Int> { members[starts[group]..<starts[group + 1]] }
    }

    /// Newest first, each id once.
    private static func order(_ prepared: [PreparedEntry]) -> [PreparedEntry] {
        // Sorted by keys beside the entries: comparing dates in a flat array is cheaper than reaching into every
        // entry, and the ids are only looked at for entries published in the same second.
        var keys = prepared.indices.map { (date: prepared[$0].sortDate, position: $0) }
        keys.sort { lhs, rhs in
            if lhs.date != rhs.date { return lhs.date > rhs.date }
            return prepared[lhs.position].id < prepared[rhs.position].id
        }
        let order = keys.map { prepared[$0.position] }
        // Two entries must never share an id in one document; after linking this only happens when two feeds
        // carry the same URI as their own id, and the older copy is the one that keeps it.
        var seen: Set<String> = []
        seen.reserveCapacity(order.count)
        var keep = [Bool](repeating: false, count: order.count)
        var kept = 0
        for position in order.indices.reversed() where seen.insert(order[position].id).inserted {
            keep[position] = true
            kept += 1
        }
        if kept == order.count { return order }
        var result: [PreparedEntry] = []
        result.reserveCapacity(kept)
        for (position, entry) in order.enumerated() where keep[position] {
            result.append(entry)
        }
        return result
    }

    /// The story's lead is the member published first (then by feed URL and id, so the choice is stable): it
    /// keeps its id when later sources join, so subscribers never see the story twice.
    static func merge(
        _ entries: [PublishedEntry], _ group: ArraySlice<Int>, origins: inout OriginCache
    ) -> PreparedEntry {
        if group.count == 1, let only = group.first {
            return entries.withUnsafeBufferPointer { buffer in
                guard let first = buffer.baseAddress else { return prepare(entries[only], origins: &origins) }
                return prepare(first + only, origins: &origins)
            }
        }
        return merge(group.map { entries[$0] }, origins: &origins)
    }

    /// Prepares an entry held as a value.
    static func prepare(_ entry: PublishedEntry, origins: inout OriginCache) -> PreparedEntry {
        withUnsafePointer(to: entry) { prepare($0, origins: &origins) }
    }

    /// `merge` for a story's members given as entries.
    static func merge(_ members: [PublishedEntry], origins: inout OriginCache) -> PreparedEntry {
        if members.count == 1 { return prepare(members[0], origins: &origins) }
        let ordered = members.map { (entry: $0, prepared: prepare($0, origins: &origins)) }.sorted { lhs, rhs in
            if lhs.prepared.sortDate != rhs.prepared.sortDate { return lhs.prepared.sortDate < rhs.prepared.sortDate }
            if lhs.entry.feedURL != rhs.entry.feedURL { return lhs.entry.feedURL < rhs.entry.feedURL }
            return lhs.entry.article.id < rhs.entry.article.id
        }
        guard let lead = ordered.first?.prepared else { return prepare(members[0], origins: &origins) }
        var related = lead.related
        for member in ordered.dropFirst() {
            guard let href = member.prepared.link else { continue }
            let feedTitle = member.prepared.origin.title
            related.append(
                PreparedEntry.Related(
                    href: href, title: sourceTitle(member.prepared.titleText, feedTitle: feedTitle), isSource: true,
                    feedTitle: feedTitle))
            related.append(contentsOf: member.prepared.related)
        }
        return lead.with(related: dedupe(related, excluding: lead.link))
    }

    /// True when an entry has nothing a reader could show: no headline, link, text or media. Such entries are
    /// not published.
    ///
    /// Looks through a pointer, field by field, so that checking 10,000 entries does not copy them.
    static func isEmpty(_ entry: UnsafePointer<PublishedEntry>) -> Bool {
        func blank(_ text: String?) -> Bool {
            guard let text else { return true }
            return !text.unicodeScalars.contains { !$0.properties.isWhitespace && $0.value >= 0x20 }
        }
        return blank(entry.pointee.article.title) && blank(entry.pointee.article.link)
            && blank(entry.pointee.article.summary) && blank(entry.pointee.article.content)
            && entry.pointee.article.enclosures.isEmpty
            && !entry.pointee.article.links.contains { $0.rel == "alternate" }
    }

    /// A date a feed gives, or nil when it is before 1970: such dates come from broken feeds (a zero timestamp,
    /// year 1), not from news.
    static func plausible(_ date: Date?) -> Date? {
        guard let date, date.timeIntervalSince1970 >= 0 else { return nil }
        return DateText.wholeSecond(date)
    }

    /// Prepares the entry at `entry`, read in place through the pointer: copying a `PublishedEntry` out of its array
    /// would retain and release every one of its strings.
    static func prepare(_ entry: UnsafePointer<PublishedEntry>, origins: inout OriginCache) -> PreparedEntry {
        let firstSeen = DateText.wholeSecond(entry.pointee.firstSeen)
        let bases = IRI.Bases(entry.pointee.feed.link, entry.pointee.feedURL, entry.pointee.feed.id)

        let published = plausible(entry.pointee.article.published).map { min($0, firstSeen) }
        // Where the entry stands: its publication date, else its own `updated` (RSS 1.0's dc:date is the only date
        // many feeds give), clamped to first seen like `published`, else first seen. The Atom entry still says
        // `published` only when the feed did.
        let position = published ?? plausible(entry.pointee.article.updated).map { min($0, firstSeen) } ?? firstSeen
        let ceiling = max(entry.pointee.contentUpdated.map(DateText.wholeSecond) ?? firstSeen, firstSeen)
        let claimed = plausible(entry.pointee.article.updated) ?? plausible(entry.pointee.article.published) ?? ceiling
        var updated = min(claimed, ceiling)
        if let published, published > updated { updated = published }

        let link =
            IRI.webLink(entry.pointee.article.link, bases: bases)
            ?? entry.pointee.article.links.lazy.filter { $0.rel == "alternate" }.compactMap {
                IRI.webLink($0.href, bases: bases)
            }
            .first

        // Forbidden characters in the bodies are dropped as they are written (every writer does), so the bodies,
        // the bulk of the bytes, are not copied here.
        let summary = entry.pointee.article.summary.flatMap { $0.isEmpty ? nil : $0 }
        let content = entry.pointee.article.content.flatMap { $0.isEmpty ? nil : $0 }

        let rawTitle = entry.pointee.article.title.map(plain) ?? ""
        var titleType = entry.pointee.article.titleType
        var titleText = titleType == .html ? PlainText.from(tidyHTML: rawTitle) : rawTitle
        var title = rawTitle
        if titleText.isEmpty {
            // A headline is required; the start of the text is the most honest stand-in.
            let body = PlainText.from(html: summary ?? content ?? "", limit: 200)
            titleText = body.isEmpty ? "Untitled" : PlainText.teaser(body, limit: 80)
            title = titleText
            titleType = .text
        }

        var related: [PreparedEntry.Related] = []
        if !entry.pointee.otherSources.isEmpty || !entry.pointee.related.isEmpty {
            related.reserveCapacity(entry.pointee.otherSources.count + entry.pointee.related.count)
        }
        for source in entry.pointee.otherSources {
            guard let href = IRI.webLink(source.link, bases: bases) else { continue }
            let text = source.title.map(plain) ?? ""
            let feedTitle = source.feedTitle.map(plain).flatMap { $0.isEmpty ? nil : $0 }
            related.append(
                PreparedEntry.Related(
                    href: href, title: sourceTitle(text, feedTitle: feedTitle), isSource: true, feedTitle: feedTitle))
        }
        for story in entry.pointee.related {
            guard let href = IRI.webLink(story.link, bases: bases) else { continue }
            let text = story.title.map(plain) ?? ""
            related.append(
                PreparedEntry.Related(href: href, title: text.isEmpty ? href : text, isSource: false, feedTitle: nil))
        }

        let origin = origins.origin(for: entry)

        return PreparedEntry(
            id: entryID(id: entry.pointee.article.id, feedURL: entry.pointee.feedURL),
            title: title, titleType: titleType, titleText: titleText, link: link,
            published: published, updated: updated, sortDate: position,
            authors: people(entry.pointee.article.authors, bases: bases),
            summary: summary == content ? nil : summary, content: content,
            categories: categories(entry.pointee.article.categories),
            enclosures: entry.pointee.article.enclosures.isEmpty
                ? []
                : entry.pointee.article.enclosures.compactMap { enclosure in
                    guard let href = IRI.webLink(enclosure.href, bases: bases) else { return nil }
                    return Enclosure(
                        href: href, type: enclosure.type.flatMap(mediaType),
                        length: enclosure.length.flatMap { $0 >= 0 ? $0 : nil })
                },
            related: dedupe(related, excluding: link),
            origin: origin,
            language: entry.pointee.article.language.flatMap { IRI.isLanguageTag($0) ? $0 : nil },
            storyID: entry.pointee.storyID)
    }

    /// The origins already worked out on one task, by feed URL. An entry whose feed URL and feed metadata match an
    /// earlier entry's shares that entry's origin.
    struct OriginCache {
        /// What an origin is made of (the feed URL is the key), held in a class so that a lookup hands back a
        /// reference instead of copying the feed's metadata.
        private final class Known {
            let id: String?
            let title: String?
            let link: String?
            let updated: Date?
            let authors: [Person]
            let origin: PreparedEntry.Origin

            init(_ feed: FeedInfo, origin: PreparedEntry.Origin) {
                id = feed.id
                title = feed.title
                link = feed.link
                updated = feed.updated
                authors = feed.authors
                self.origin = origin
            }

            func matches(_ feed: FeedInfo) -> Bool {
                id == feed.id && title == feed.title && link == feed.link && updated == feed.updated
                    && authors == feed.authors
            }
        }

        private var byFeedURL: [String: Known] = [:]

        mutating func origin(for entry: UnsafePointer<PublishedEntry>) -> PreparedEntry.Origin {
            if let known = byFeedURL[entry.pointee.feedURL], known.matches(entry.pointee.feed) { return known.origin }
            let origin = EntryPreparation.origin(of: entry.pointee)
            byFeedURL[entry.pointee.feedURL] = Known(entry.pointee.feed, origin: origin)
            return origin
        }
    }

    private static func origin(of entry: PublishedEntry) -> PreparedEntry.Origin {
        let feedSelf = IRI.webLink(entry.feedURL)
        return PreparedEntry.Origin(
            // The feed's own id, else its URL; a feed read from a local file gets a name-based UUID of its path.
            id: entry.feed.id.map(XMLCharacters.clean).flatMap { IRI.isAbsolute($0) ? $0 : nil } ?? feedSelf
                ?? (entry.feedURL.isEmpty ? nil : NameUUID.urn(for: entry.feedURL)),
            title: entry.feed.title.map(plain).flatMap { $0.isEmpty ? nil : $0 },
            link: IRI.webLink(entry.feed.link, bases: IRI.Bases(entry.feedURL)),
            selfLink: feedSelf,
            updated: entry.feed.updated.map(DateText.wholeSecond),
            authors: people(entry.feed.authors, bases: IRI.Bases(entry.feed.link, entry.feedURL, entry.feed.id)))
    }

    /// Categories with usable terms, trimmed and cleaned. Nearly always they are clean already, and then the
    /// feed's own array is kept rather than copied.
    private static func categories(_ categories: [Category]) -> [Category] {
        func cleaned(_ category: Category) -> Category? {
            let term = IRI.trim(XMLCharacters.clean(category.term))
            guard !term.isEmpty else { return nil }
            return Category(
                term: term, scheme: category.scheme.flatMap { IRI.isAbsolute($0) ? $0 : nil },
                label: category.label.map(XMLCharacters.clean))
        }
        let unchanged = categories.allSatisfy { category in
            guard let clean = cleaned(category) else { return false }
            return clean == category
        }
        return unchanged ? categories : categories.compactMap(cleaned)
    }

    /// The entry's `atom:id`: the feed's own id when it is an absolute IRI (an Atom feed's `atom:id`, or an RSS
    /// guid that is a URL), otherwise a name-based UUID of the feed URL and the entry's identity. Both depend
    /// only on what the feed says, never on when or in which order entries were stored, so an id survives
    /// reordering feeds.json and rebuilding the store.
    static func entryID(article: Article, feedURL: String) -> String {
        entryID(id: article.id, feedURL: feedURL)
    }

    static func entryID(id: String, feedURL: String) -> String {
        let own = IRI.trim(XMLCharacters.clean(id))
        if IRI.isAbsolute(own) { return own }
        return NameUUID.urn(feedURL: feedURL, entryID: id)
    }

    /// Plain text cleaned of forbidden characters, with runs of white space made one space.
    static func plain(_ text: String) -> String {
        var cleaned = XMLCharacters.clean(text)
        // Most headlines are already tidy: no white space but single spaces between words. Checking that on the
        // bytes is much cheaper than asking Unicode about every character.
        let tidy = cleaned.withUTF8 { utf8 -> Bool in
            var previousSpace = true
            var index = 0
            while index < utf8.count {
                let byte = utf8[index]
                if byte == 0x20 {
                    if previousSpace { return false }
                    previousSpace = true
                } else if byte < 0x20 || byte == 0x7F || XMLCharacters.unicodeSpaceLength(utf8, at: index) > 0 {
                    return false
                } else {
                    previousSpace = false
                }
                index += 1
            }
            return !previousSpace || utf8.isEmpty
        }
        if tidy { return cleaned }
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in cleaned.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(scalar)
            }
        }
        return String(out)
    }

    private static func sourceTitle(_ title: String, feedTitle: String?) -> String {
        switch (title.isEmpty, feedTitle?.isEmpty ?? true) {
        case (false, false): return "\(feedTitle ?? ""): \(title)"
        case (false, true): return title
        case (true, false): return feedTitle ?? ""
        case (true, true): return "Another source"
        }
    }

    private static func dedupe(_ related: [PreparedEntry.Related], excluding link: String?) -> [PreparedEntry.Related] {
        // A handful of links per entry: comparing them pairwise is cheaper than hashing them, and when none repeats
        // (the usual case) the array is kept as it is.
        if related.count <= 16 {
            let repeats = related.indices.contains { index in
                related[index].href == link || related[..<index].contains { $0.href == related[index].href }
            }
            if !repeats { return related }
        }
        var seen: Set<String> = []
        if let link { seen.insert(link) }
        return related.filter { seen.insert($0.href).inserted }
    }

    /// The people who can be named: a cleaned name (else the e-mail address), a plausible e-mail address and a
    /// web link. The feed's own array is kept when nothing in it changes.
    private static func people(_ persons: [Person], bases: IRI.Bases) -> [Person] {
        func cleaned(_ person: Person) -> Person? {
            let email = person.email.map(XMLCharacters.clean).flatMap { IRI.isEmail($0) ? $0 : nil }
            let name = person.name.map(plain).flatMap { $0.isEmpty ? nil : $0 } ?? email
            guard let name else { return nil }
            return Person(name: name, email: email, uri: IRI.webLink(person.uri, bases: bases))
        }
        let unchanged = persons.allSatisfy { person in
            guard let clean = cleaned(person) else { return false }
            return clean == person
        }
        return unchanged ? persons : persons.compactMap(cleaned)
    }

    /// A MIME type shape (`audio/mpeg`), or nil.
    private static func mediaType(_ text: String) -> String? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, !text.utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7F || $0 == 0x22 || $0 == 0x3C })
        else { return nil }
        return text
    }
}
