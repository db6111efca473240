import Foundation
import TributaryCore

/// Writes Atom 1.0 (RFC 4287) documents, with the RFC 5005 archive links when archives are on.
enum AtomWriter {
    /// RFC 5005 links of one document.
    struct History: Sendable {
        /// `link rel="prev-archive"`: the next older archive document.
        var previousArchive: String?
        /// True for an archive document (`fh:archive`); it then links `current` to the subscription document.
        var isArchive: Bool
        var current: String?
        /// The archive document's own URL, which is its `link rel="self"`.
        var selfURL: String?
    }

    static let namespace: StaticString = "http://www.w3.org/2005/Atom"
    static let historyNamespace: StaticString = "http://purl.org/syndication/history/1.0"

    /// The document's bytes.
    /// - Parameter updated: the feed's `updated`, derived from the entries by the caller, never the clock.
    static func document(
        meta: FeedMeta, entries: ArraySlice<PreparedEntry>, updated: Date, history: History?
    ) -> [UInt8] {
        var out = ByteWriter(capacity: estimatedSize(entries))
        head(&out, meta: meta, updated: updated, history: history)
        for entry in entries { self.entry(&out, entry) }
        tail(&out)
        return out.bytes
    }

    /// The document rendered on several tasks: each renders a run of entries, the first one after the feed's own
    /// elements, into a buffer sized for the whole document, and the others' bytes are appended to it in order.
    /// The bytes are the same as `document`'s.
    static func document(
        meta: FeedMeta, entries: ArraySlice<PreparedEntry>, updated: Date, history: History?, width: Int
    ) async -> [UInt8] {
        let slices = Parallel.slices(entries.count, width: width).map {
            ($0.lowerBound + entries.startIndex)..<($0.upperBound + entries.startIndex)
        }
        guard slices.count > 1 else {
            return document(meta: meta, entries: entries, updated: updated, history: history)
        }
        let total = estimatedSize(entries)
        let parts = await Parallel.map(slices) { range in
            var out = ByteWriter(
                capacity: range.lowerBound == entries.startIndex ? total : estimatedSize(entries[range]))
            if range.lowerBound == entries.startIndex { head(&out, meta: meta, updated: updated, history: history) }
            for entry in entries[range] { self.entry(&out, entry) }
            return out.bytes
        }
        var out = ByteWriter(taking: parts[0])
        for part in parts.dropFirst() { out.raw(part) }
        tail(&out)
        return out.bytes
    }

    /// The feed's own elements, up to the first entry.
    private static func head(_ out: inout ByteWriter, meta: FeedMeta, updated: Date, history: History?) {
        out.raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"")
        out.raw(namespace)
        out.raw("\"")
        if history != nil {
            out.raw(" xmlns:fh=\"")
            out.raw(historyNamespace)
            out.raw("\"")
        }
        out.raw(">\n")
        element(&out, "id", meta.id, indent: 1)
        textConstruct(&out, "title", meta.title, indent: 1)
        if let subtitle = meta.subtitle { textConstruct(&out, "subtitle", subtitle, indent: 1) }
        dateElement(&out, "updated", updated, indent: 1)
        let selfURL = history?.isArchive == true ? history?.selfURL : meta.atomURL
        if let selfURL { link(&out, rel: "self", href: selfURL, type: "application/atom+xml", indent: 1) }
        if let home = meta.homeURL { link(&out, rel: "alternate", href: home, type: "text/html", indent: 1) }
        if let hub = meta.hub, history?.isArchive != true { link(&out, rel: "hub", href: hub, indent: 1) }
        if let history {
            if history.isArchive {
                out.raw("  <fh:archive/>\n")
                if let current = history.current { link(&out, rel: "current", href: current, indent: 1) }
            }
            if let previous = history.previousArchive { link(&out, rel: "prev-archive", href: previous, indent: 1) }
        }
        person(&out, "author", meta.author, indent: 1)
        out.raw("  <generator>Tributary</generator>\n")
        if let icon = meta.icon { element(&out, "icon", icon, indent: 1) }
        if let logo = meta.logo { element(&out, "logo", logo, indent: 1) }
    }

    private static func tail(_ out: inout ByteWriter) {
        out.raw("</feed>\n")
    }

    /// Room for the whole document, so the buffer is allocated once: the bodies plus about a kilobyte of markup,
    /// ids, links and dates per entry.
    static func estimatedSize(_ entries: ArraySlice<PreparedEntry>) -> Int {
        var size = 4_096
        for entry in entries {
            size += 1_200 + (entry.content?.utf8.count ?? 0) + (entry.summary?.utf8.count ?? 0)
            size += entry.related.count * 200
        }
        return size
    }

    /// One `<entry>`. The markup of the common elements is written as whole literals (`    <id>`, `</id>\n`)
    /// rather than assembled from indentation and tag names: this runs for every entry, and the number of appends
    /// is what the markup costs.
    private static func entry(_ out: inout ByteWriter, _ entry: PreparedEntry) {
        if let language = entry.language {
            out.raw("  <entry xml:lang=\"")
            out.xmlText(language, attribute: true)
            out.raw("\">\n    <id>")
        } else {
            out.raw("  <entry>\n    <id>")
        }
        out.xmlText(entry.id)
        if entry.titleType == .html {
            out.raw("</id>\n    <title type=\"html\">")
            out.xmlText(entry.title)
        } else if XMLCharacters.containsMarkup(entry.title) {
            out.raw("</id>\n    <title type=\"html\">")
            out.xmlTextTwice(entry.title)
        } else {
            out.raw("</id>\n    <title>")
            out.xmlText(entry.title)
        }
        out.raw("</title>\n")
        if let href = entry.link {
            out.raw("    <link rel=\"alternate\" href=\"")
            out.xmlText(href, attribute: true)
            out.raw("\" type=\"text/html\"/>\n")
        }
        for related in entry.related {
            out.raw("    <link rel=\"related\" href=\"")
            out.xmlText(related.href, attribute: true)
            out.raw("\" title=\"")
            out.xmlText(related.title, attribute: true)
            out.raw("\"/>\n")
        }
        for enclosure in entry.enclosures {
            link(
                &out, rel: "enclosure", href: enclosure.href, type: enclosure.type ?? "application/octet-stream",
                length: enclosure.length, indent: 2)
        }
        if let published = entry.published {
            out.raw("    <published>")
            out.rfc3339(published)
            out.raw("</published>\n    <updated>")
        } else {
            out.raw("    <updated>")
        }
        out.rfc3339(entry.updated)
        out.raw("</updated>\n")
        for author in entry.authors.isEmpty ? entry.origin.authors : entry.authors {
            out.raw("    <author>\n      <name>")
            out.xmlText(author.name ?? "")
            if let email = author.email {
                out.raw("</name>\n      <email>")
                out.xmlText(email)
                out.raw("</email>\n")
            } else {
                out.raw("</name>\n")
            }
            if let uri = author.uri {
                out.raw("      <uri>")
                out.xmlText(uri)
                out.raw("</uri>\n")
            }
            out.raw("    </author>\n")
        }
        for category in entry.categories {
            out.raw("    <category term=\"")
            out.xmlText(category.term, attribute: true)
            if let scheme = category.scheme {
                out.raw("\" scheme=\"")
                out.xmlText(scheme, attribute: true)
            }
            if let label = category.label, !label.isEmpty {
                out.raw("\" label=\"")
                out.xmlText(label, attribute: true)
            }
            out.raw("\"/>\n")
        }
        if let content = entry.content {
            if let summary = entry.summary {
                out.raw("    <summary type=\"html\">")
                out.cdata(summary)
                out.raw("</summary>\n")
            }
            out.raw("    <content type=\"html\">")
            out.cdata(content)
            out.raw("</content>\n")
        } else if let summary = entry.summary {
            // Atom requires content in an entry without an alternate link; there the summary is the content.
            body(&out, entry.link == nil ? "content" : "summary", summary)
        }
        source(&out, entry.origin, entryUpdated: entry.updated)
        out.raw("  </entry>\n")
    }

    /// The bytes of an Atom `source` element but for its `updated` date, which goes between `head` and `tail`.
    struct SourceBytes: Sendable {
        var head: [UInt8]
        var tail: [UInt8]
    }

    /// The `source` element of one originating feed, rendered once for all its entries; nil when the feed has
    /// neither id, title nor links.
    static func sourceBytes(
        id: String?, title: String?, link: String?, selfLink: String?, authors: [Person]
    )
        -> SourceBytes?
    {
        guard id != nil || title != nil || link != nil || selfLink != nil else { return nil }
        var out = ByteWriter(capacity: 512)
        out.raw("    <source>\n")
        if let id { element(&out, "id", id, indent: 3) }
        if let title { textConstruct(&out, "title", title, indent: 3) }
        if let link { self.link(&out, rel: "alternate", href: link, type: "text/html", indent: 3) }
        if let selfLink { self.link(&out, rel: "self", href: selfLink, indent: 3) }
        out.raw("      <updated>")
        let head = out.bytes
        out = ByteWriter(capacity: 256)
        out.raw("</updated>\n")
        for author in authors { person(&out, "author", author, indent: 3) }
        out.raw("    </source>\n")
        return SourceBytes(head: head, tail: out.bytes)
    }

    /// - Parameter entryUpdated: stands in for a source feed that gives no `updated` of its own: the feed was
    ///   updated at least when this entry was.
    private static func source(_ out: inout ByteWriter, _ origin: PreparedEntry.Origin, entryUpdated: Date) {
        guard let bytes = origin.atomSource else { return }
        out.raw(bytes.head)
        out.rfc3339(origin.updated ?? entryUpdated)
        out.raw(bytes.tail)
    }

    private static func person(_ out: inout ByteWriter, _ tag: StaticString, _ person: Person, indent: Int) {
        let pad = indentation[min(indent, indentation.count - 1)]
        out.raw(pad)
        out.raw("<")
        out.raw(tag)
        out.raw(">\n")
        element(&out, "name", person.name ?? "", indent: indent + 1)
        if let email = person.email { element(&out, "email", email, indent: indent + 1) }
        if let uri = person.uri { element(&out, "uri", uri, indent: indent + 1) }
        out.raw(pad)
        out.raw("</")
        out.raw(tag)
        out.raw(">\n")
    }

    /// A plain-text construct. Text holding `<` or `&` is written as `type="html"` with the text escaped as HTML,
    /// which means the same thing to a reader but is not mistaken for stray markup by validators and readers
    /// that sniff.
    private static func textConstruct(_ out: inout ByteWriter, _ tag: StaticString, _ text: String, indent: Int) {
        if XMLCharacters.containsMarkup(text) {
            out.raw(indentation[min(indent, indentation.count - 1)])
            out.raw("<")
            out.raw(tag)
            out.raw(" type=\"html\">")
            out.xmlTextTwice(text)
            out.raw("</")
            out.raw(tag)
            out.raw(">\n")
        } else {
            element(&out, tag, text, indent: indent)
        }
    }

    /// An escaped-HTML body, as CDATA.
    private static func body(_ out: inout ByteWriter, _ tag: StaticString, _ html: String) {
        out.raw("    <")
        out.raw(tag)
        out.raw(" type=\"html\">")
        out.cdata(html)
        out.raw("</")
        out.raw(tag)
        out.raw(">\n")
    }

    private static func element(
        _ out: inout ByteWriter, _ tag: StaticString, _ text: String, indent: Int, type: StaticString? = nil
    ) {
        out.raw(indentation[min(indent, indentation.count - 1)])
        out.raw("<")
        out.raw(tag)
        if let type {
            out.raw(" type=\"")
            out.raw(type)
            out.raw("\"")
        }
        out.raw(">")
        out.xmlText(text)
        out.raw("</")
        out.raw(tag)
        out.raw(">\n")
    }

    private static func dateElement(_ out: inout ByteWriter, _ tag: StaticString, _ date: Date, indent: Int) {
        out.raw(indentation[min(indent, indentation.count - 1)])
        out.raw("<")
        out.raw(tag)
        out.raw(">")
        out.rfc3339(date)
        out.raw("</")
        out.raw(tag)
        out.raw(">\n")
    }

    private static func link(
        _ out: inout ByteWriter, rel: StaticString, href: String, type: String? = nil, length: Int64? = nil,
        title: String? = nil, indent: Int
    ) {
        out.raw(indentation[min(indent, indentation.count - 1)])
        out.raw("<link rel=\"")
        out.raw(rel)
        out.raw("\" href=\"")
        out.xmlText(href, attribute: true)
        if let type {
            out.raw("\" type=\"")
            out.xmlText(type, attribute: true)
        }
        if let length {
            out.raw("\" length=\"")
            out.decimal(length)
        }
        if let title {
            out.raw("\" title=\"")
            out.xmlText(title, attribute: true)
        }
        out.raw("\"/>\n")
    }

    private static let indentation: [StaticString] = ["", "  ", "    ", "      ", "        "]
}
