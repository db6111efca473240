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

    static let namespace = "http://www.w3.org/2005/Atom"
    static let historyNamespace = "http://purl.org/syndication/history/1.0"

    /// The document's bytes.
    /// - Parameter updated: the feed's `updated`, derived from the entries by the caller, never the clock.
    static func document(
        meta: FeedMeta, entries: ArraySlice<PreparedEntry>, updated: Date, history: History?
    ) -> [UInt8] {
        var out = ByteWriter(capacity: 1_024 + entries.count * 2_048)
        out.raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"\(namespace)\"")
        if history != nil { out.raw(" xmlns:fh=\"\(historyNamespace)\"") }
        out.raw(">\n")
        element(&out, "id", meta.id, indent: 1)
        textConstruct(&out, "title", meta.title, indent: 1)
        if let subtitle = meta.subtitle { textConstruct(&out, "subtitle", subtitle, indent: 1) }
        element(&out, "updated", DateText.rfc3339(updated), indent: 1)
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
        for entry in entries { self.entry(&out, entry) }
        out.raw("</feed>\n")
        return out.bytes
    }

    private static func entry(_ out: inout ByteWriter, _ entry: PreparedEntry) {
        if let language = entry.language {
            out.raw("  <entry xml:lang=\"")
            out.xmlText(language, attribute: true)
            out.raw("\">\n")
        } else {
            out.raw("  <entry>\n")
        }
        element(&out, "id", entry.id, indent: 2)
        if entry.titleType == .html {
            element(&out, "title", entry.title, indent: 2, type: "html")
        } else {
            textConstruct(&out, "title", entry.title, indent: 2)
        }
        if let href = entry.link { link(&out, rel: "alternate", href: href, type: "text/html", indent: 2) }
        for related in entry.related {
            link(&out, rel: "related", href: related.href, title: related.title, indent: 2)
        }
        for enclosure in entry.enclosures {
            link(
                &out, rel: "enclosure", href: enclosure.href, type: enclosure.type ?? "application/octet-stream",
                length: enclosure.length, indent: 2)
        }
        if let published = entry.published { element(&out, "published", DateText.rfc3339(published), indent: 2) }
        element(&out, "updated", DateText.rfc3339(entry.updated), indent: 2)
        for author in entry.authors.isEmpty ? entry.origin.authors : entry.authors {
            person(&out, "author", author, indent: 2)
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
            if let summary = entry.summary { element(&out, "summary", summary, indent: 2, type: "html") }
            element(&out, "content", content, indent: 2, type: "html")
        } else if let summary = entry.summary {
            // Atom requires content in an entry without an alternate link; there the summary is the content.
            element(&out, entry.link == nil ? "content" : "summary", summary, indent: 2, type: "html")
        }
        source(&out, entry.origin, entryUpdated: entry.updated)
        out.raw("  </entry>\n")
    }

    /// - Parameter entryUpdated: stands in for a source feed that gives no `updated` of its own: the feed was
    ///   updated at least when this entry was.
    private static func source(_ out: inout ByteWriter, _ origin: PreparedEntry.Origin, entryUpdated: Date) {
        guard origin.id != nil || origin.title != nil || origin.link != nil || origin.selfLink != nil else { return }
        out.raw("    <source>\n")
        if let id = origin.id { element(&out, "id", id, indent: 3) }
        if let title = origin.title { textConstruct(&out, "title", title, indent: 3) }
        if let link = origin.link { self.link(&out, rel: "alternate", href: link, type: "text/html", indent: 3) }
        if let selfLink = origin.selfLink { self.link(&out, rel: "self", href: selfLink, indent: 3) }
        element(&out, "updated", DateText.rfc3339(origin.updated ?? entryUpdated), indent: 3)
        for author in origin.authors { person(&out, "author", author, indent: 3) }
        out.raw("    </source>\n")
    }

    private static func person(_ out: inout ByteWriter, _ tag: String, _ person: Person, indent: Int) {
        let pad = String(repeating: "  ", count: indent)
        out.raw("\(pad)<\(tag)>\n")
        element(&out, "name", person.name ?? "", indent: indent + 1)
        if let email = person.email { element(&out, "email", email, indent: indent + 1) }
        if let uri = person.uri { element(&out, "uri", uri, indent: indent + 1) }
        out.raw("\(pad)</\(tag)>\n")
    }

    /// A plain-text construct. Text holding `<` or `&` is written as `type="html"` with the text escaped as HTML,
    /// which means the same thing to a reader but is not mistaken for stray markup by validators and readers
    /// that sniff.
    private static func textConstruct(_ out: inout ByteWriter, _ tag: String, _ text: String, indent: Int) {
        if text.utf8.contains(where: { $0 == 0x3C || $0 == 0x26 }) {
            var html = ByteWriter(capacity: text.utf8.count + 16)
            html.xmlText(text)
            element(&out, tag, String(decoding: html.bytes, as: UTF8.self), indent: indent, type: "html")
        } else {
            element(&out, tag, text, indent: indent)
        }
    }

    private static func element(
        _ out: inout ByteWriter, _ tag: String, _ text: String, indent: Int, type: String? = nil
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

    private static func link(
        _ out: inout ByteWriter, rel: String, href: String, type: String? = nil, length: Int64? = nil,
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
            out.raw(String(length))
        }
        if let title {
            out.raw("\" title=\"")
            out.xmlText(title, attribute: true)
        }
        out.raw("\"/>\n")
    }

    private static let indentation = ["", "  ", "    ", "      ", "        "]
}
