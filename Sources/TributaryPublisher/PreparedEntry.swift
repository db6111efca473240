import Foundation
import TributaryCore

/// An entry made ready for every output: its stable id, its dates, cleaned links and people, and its story's
/// other sources folded in. All writers read these, so the Atom, RSS, JSON Feed and HTML outputs agree.
struct PreparedEntry: Sendable {
    /// Where the entry came from, for `atom:source` and the HTML page.
    struct Origin: Sendable {
        var id: String?
        var title: String?
        var link: String?
        var selfLink: String?
        var updated: Date?
        var authors: [Person]
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

    var id: String
    /// The headline as the feed gave it (plain text or sanitised HTML, see `titleType`).
    var title: String
    var titleType: TextType
    /// The headline without markup.
    var titleText: String
    var link: String?
    var published: Date?
    var updated: Date
    /// The date the entry is ordered by, newest first: when it was published (clamped to when we first saw it).
    var sortDate: Date
    var authors: [Person]
    var summary: String?
    var content: String?
    var categories: [Category]
    var enclosures: [Enclosure]
    var related: [Related]
    var origin: Origin
    var language: String?
    var storyID: String?

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
        var byStory: [String: [PublishedEntry]] = [:]
        var loose: [PublishedEntry] = []
        for entry in entries where !isEmpty(entry) {
            if let story = entry.storyID, !story.isEmpty {
                byStory[story, default: []].append(entry)
            } else {
                loose.append(entry)
            }
        }
        var prepared: [PreparedEntry] = []
        prepared.reserveCapacity(entries.count)
        for entry in loose { prepared.append(prepare(entry)) }
        for story in byStory.keys.sorted() {
            guard let members = byStory[story] else { continue }
            prepared.append(merge(members))
        }
        prepared.sort(by: PreparedEntry.newestFirst)
        // Two entries must never share an id in one document; after linking this only happens when two feeds
        // carry the same URI as their own id, and the older copy is the one that keeps it.
        var seen: Set<String> = []
        var unique: [PreparedEntry] = []
        unique.reserveCapacity(prepared.count)
        for entry in prepared.reversed() where seen.insert(entry.id).inserted {
            unique.append(entry)
        }
        return unique.reversed()
    }

    /// The story's lead is the member published first (then by feed URL and id, so the choice is stable): it
    /// keeps its id when later sources join, so subscribers never see the story twice.
    static func merge(_ members: [PublishedEntry]) -> PreparedEntry {
        let ordered = members.map { (entry: $0, prepared: prepare($0)) }.sorted { lhs, rhs in
            if lhs.prepared.sortDate != rhs.prepared.sortDate { return lhs.prepared.sortDate < rhs.prepared.sortDate }
            if lhs.entry.feedURL != rhs.entry.feedURL { return lhs.entry.feedURL < rhs.entry.feedURL }
            return lhs.entry.article.id < rhs.entry.article.id
        }
        guard var lead = ordered.first?.prepared else { return prepare(members[0]) }
        for member in ordered.dropFirst() {
            guard let href = member.prepared.link else { continue }
            let feedTitle = member.prepared.origin.title
            lead.related.append(
                PreparedEntry.Related(
                    href: href, title: sourceTitle(member.prepared.titleText, feedTitle: feedTitle), isSource: true,
                    feedTitle: feedTitle))
            lead.related.append(contentsOf: member.prepared.related)
        }
        lead.related = dedupe(lead.related, excluding: lead.link)
        return lead
    }

    /// True when an entry has nothing a reader could show: no headline, link, text or media. Such entries are
    /// not published.
    static func isEmpty(_ entry: PublishedEntry) -> Bool {
        let article = entry.article
        func blank(_ text: String?) -> Bool { plain(text ?? "").isEmpty }
        return blank(article.title) && blank(article.link) && blank(article.summary) && blank(article.content)
            && article.enclosures.isEmpty && !article.links.contains { $0.rel == "alternate" }
    }

    /// A date a feed gives, or nil when it is before 1970: such dates come from broken feeds (a zero timestamp,
    /// year 1), not from news.
    static func plausible(_ date: Date?) -> Date? {
        guard let date, date.timeIntervalSince1970 >= 0 else { return nil }
        return DateText.wholeSecond(date)
    }

    static func prepare(_ entry: PublishedEntry) -> PreparedEntry {
        let article = entry.article
        let firstSeen = DateText.wholeSecond(entry.firstSeen)
        let feedLinkBase = entry.feed.link
        let bases: [String?] = [feedLinkBase, entry.feedURL, entry.feed.id]

        let published = plausible(article.published).map { min($0, firstSeen) }
        let ceiling = max(entry.contentUpdated.map(DateText.wholeSecond) ?? firstSeen, firstSeen)
        let claimed = plausible(article.updated) ?? plausible(article.published) ?? ceiling
        var updated = min(claimed, ceiling)
        if let published, published > updated { updated = published }

        let link =
            IRI.webLink(article.link, bases: bases)
            ?? article.links.lazy.filter { $0.rel == "alternate" }.compactMap { IRI.webLink($0.href, bases: bases) }
            .first

        let summary = article.summary.map(XMLCharacters.clean).flatMap { $0.isEmpty ? nil : $0 }
        let content = article.content.map(XMLCharacters.clean).flatMap { $0.isEmpty ? nil : $0 }

        let rawTitle = article.title.map(plain) ?? ""
        var titleType = article.titleType
        var titleText = titleType == .html ? PlainText.from(html: rawTitle) : rawTitle
        var title = rawTitle
        if titleText.isEmpty {
            // A headline is required; the start of the text is the most honest stand-in.
            let body = PlainText.from(html: summary ?? content ?? "", limit: 200)
            titleText = body.isEmpty ? "Untitled" : PlainText.teaser(body, limit: 80)
            title = titleText
            titleType = .text
        }

        var related: [PreparedEntry.Related] = []
        for source in entry.otherSources {
            guard let href = IRI.webLink(source.link, bases: bases) else { continue }
            let text = source.title.map(plain) ?? ""
            let feedTitle = source.feedTitle.map(plain).flatMap { $0.isEmpty ? nil : $0 }
            related.append(
                PreparedEntry.Related(
                    href: href, title: sourceTitle(text, feedTitle: feedTitle), isSource: true, feedTitle: feedTitle))
        }
        for story in entry.related {
            guard let href = IRI.webLink(story.link, bases: bases) else { continue }
            let text = story.title.map(plain) ?? ""
            related.append(
                PreparedEntry.Related(href: href, title: text.isEmpty ? href : text, isSource: false, feedTitle: nil))
        }

        let feedSelf = IRI.webLink(entry.feedURL)
        let origin = PreparedEntry.Origin(
            id: entry.feed.id.map(XMLCharacters.clean).flatMap { IRI.isAbsolute($0) ? $0 : nil } ?? feedSelf,
            title: entry.feed.title.map(plain).flatMap { $0.isEmpty ? nil : $0 },
            link: IRI.webLink(entry.feed.link, bases: [entry.feedURL]),
            selfLink: feedSelf,
            updated: entry.feed.updated.map(DateText.wholeSecond),
            authors: people(entry.feed.authors, bases: bases))

        return PreparedEntry(
            id: entryID(article: article, feedURL: entry.feedURL),
            title: title, titleType: titleType, titleText: titleText, link: link,
            published: published, updated: updated, sortDate: published ?? firstSeen,
            authors: people(article.authors, bases: bases),
            summary: summary == content ? nil : summary, content: content,
            categories: article.categories.compactMap { category in
                let term = XMLCharacters.clean(category.term).trimmingCharacters(in: .whitespacesAndNewlines)
                guard !term.isEmpty else { return nil }
                return Category(
                    term: term, scheme: category.scheme.flatMap { IRI.isAbsolute($0) ? $0 : nil },
                    label: category.label.map(XMLCharacters.clean))
            },
            enclosures: article.enclosures.compactMap { enclosure in
                guard let href = IRI.webLink(enclosure.href, bases: bases) else { return nil }
                return Enclosure(
                    href: href, type: enclosure.type.flatMap(mediaType),
                    length: enclosure.length.flatMap { $0 >= 0 ? $0 : nil })
            },
            related: dedupe(related, excluding: link),
            origin: origin,
            language: article.language.flatMap { IRI.isLanguageTag($0) ? $0 : nil },
            storyID: entry.storyID)
    }

    /// The entry's `atom:id`: the feed's own id when it is an absolute IRI (an Atom feed's `atom:id`, or an RSS
    /// guid that is a URL), otherwise a name-based UUID of the feed URL and the entry's identity. Both depend
    /// only on what the feed says, never on when or in which order entries were stored, so an id survives
    /// reordering feeds.json and rebuilding the store.
    static func entryID(article: Article, feedURL: String) -> String {
        let own = XMLCharacters.clean(article.id).trimmingCharacters(in: .whitespacesAndNewlines)
        if IRI.isAbsolute(own) { return own }
        return NameUUID.urn(for: feedURL + "\n" + article.id)
    }

    /// Plain text cleaned of forbidden characters, with runs of white space made one space.
    static func plain(_ text: String) -> String {
        XMLCharacters.clean(text).split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
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
        var seen: Set<String> = []
        if let link { seen.insert(link) }
        return related.filter { seen.insert($0.href).inserted }
    }

    private static func people(_ persons: [Person], bases: [String?]) -> [Person] {
        persons.compactMap { person in
            let email = person.email.map(XMLCharacters.clean).flatMap { IRI.isEmail($0) ? $0 : nil }
            let name = person.name.map(plain).flatMap { $0.isEmpty ? nil : $0 } ?? email
            guard let name else { return nil }
            return Person(name: name, email: email, uri: IRI.webLink(person.uri, bases: bases))
        }
    }

    /// A MIME type shape (`audio/mpeg`), or nil.
    private static func mediaType(_ text: String) -> String? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, !text.utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7F || $0 == 0x22 || $0 == 0x3C })
        else { return nil }
        return text
    }
}
