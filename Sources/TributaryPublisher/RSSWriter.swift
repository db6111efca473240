import Foundation
import TributaryCore

/// Writes RSS 2.0, with the same entries and ids as the Atom document.
enum RSSWriter {
    static func document(meta: FeedMeta, entries: ArraySlice<PreparedEntry>, updated: Date) -> [UInt8] {
        var out = ByteWriter(capacity: AtomWriter.estimatedSize(entries))
        out.raw("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n")
        out.raw("<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\"")
        out.raw(" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n")
        element(&out, "title", meta.title, indent: 1, plainText: true)
        if let home = meta.homeURL { element(&out, "link", home, indent: 1) }
        element(&out, "description", meta.subtitle ?? meta.title, indent: 1)
        dateElement(&out, "lastBuildDate", updated, indent: 1)
        out.raw("  <generator>Tributary</generator>\n")
        out.raw("  <docs>https://www.rssboard.org/rss-specification</docs>\n")
        if let rss = meta.rssURL { atomLink(&out, rel: "self", href: rss, type: "application/rss+xml") }
        if let hub = meta.hub { atomLink(&out, rel: "hub", href: hub, type: nil) }
        for entry in entries { item(&out, entry) }
        out.raw("</channel>\n</rss>\n")
        return out.bytes
    }

    private static func item(_ out: inout ByteWriter, _ entry: PreparedEntry) {
        out.raw("  <item>\n")
        element(&out, "title", entry.titleText, indent: 2, plainText: true)
        if let link = entry.link { element(&out, "link", link, indent: 2) }
        if let body = entry.content ?? entry.summary {
            out.raw("    <description>")
            out.cdata(body)
            out.raw("</description>\n")
        }
        for author in entry.authors.isEmpty ? entry.origin.authors : entry.authors {
            if let name = author.name { element(&out, "dc:creator", name, indent: 2) }
        }
        for category in entry.categories { element(&out, "category", category.term, indent: 2) }
        if let enclosure = entry.enclosures.first {
            // RSS allows one enclosure, and needs its length; 0 is the convention for "not known".
            out.raw("    <enclosure url=\"")
            out.xmlText(enclosure.href, attribute: true)
            out.raw("\" length=\"")
            out.decimal(enclosure.length ?? 0)
            out.raw("\" type=\"")
            out.xmlText(enclosure.type ?? "application/octet-stream", attribute: true)
            out.raw("\"/>\n")
        }
        let isPermaLink = entry.link == entry.id
        out.raw(isPermaLink ? "    <guid isPermaLink=\"true\">" : "    <guid isPermaLink=\"false\">")
        out.xmlText(entry.id)
        out.raw("</guid>\n")
        dateElement(&out, "pubDate", entry.published ?? entry.updated, indent: 2)
        if let url = entry.origin.selfLink {
            out.raw("    <source url=\"")
            out.xmlText(url, attribute: true)
            out.raw("\">")
            out.xmlText(entry.origin.title ?? url, hexReferences: true)
            out.raw("</source>\n")
        }
        out.raw("  </item>\n")
    }

    private static func atomLink(_ out: inout ByteWriter, rel: StaticString, href: String, type: StaticString?) {
        out.raw("  <atom:link rel=\"")
        out.raw(rel)
        out.raw("\" href=\"")
        out.xmlText(href, attribute: true)
        if let type {
            out.raw("\" type=\"")
            out.raw(type)
        }
        out.raw("\"/>\n")
    }

    private static func element(
        _ out: inout ByteWriter, _ tag: StaticString, _ text: String, indent: Int, plainText: Bool = false
    ) {
        out.raw(indentation[min(indent, indentation.count - 1)])
        out.raw("<")
        out.raw(tag)
        out.raw(">")
        out.xmlText(text, hexReferences: plainText)
        out.raw("</")
        out.raw(tag)
        out.raw(">\n")
    }

    private static func dateElement(_ out: inout ByteWriter, _ tag: StaticString, _ date: Date, indent: Int) {
        out.raw(indentation[min(indent, indentation.count - 1)])
        out.raw("<")
        out.raw(tag)
        out.raw(">")
        out.rfc822(date)
        out.raw("</")
        out.raw(tag)
        out.raw(">\n")
    }

    private static let indentation: [StaticString] = ["", "  ", "    ", "      "]
}

/// Writes JSON Feed 1.1, with the same entries and ids as the Atom document. Where a story's other sources and
/// related stories go, JSON Feed has no field; they are carried in the `_tributary` extension object that the
/// format provides for such additions.
enum JSONFeedWriter {
    static func document(meta: FeedMeta, entries: ArraySlice<PreparedEntry>) -> [UInt8] {
        var out = ByteWriter(capacity: AtomWriter.estimatedSize(entries))
        out.raw("{\n  \"version\": \"https://jsonfeed.org/version/1.1\",\n  \"title\": ")
        out.jsonString(meta.title)
        if let home = meta.homeURL { field(&out, "home_page_url", home, indent: 1) }
        if let feed = meta.jsonURL { field(&out, "feed_url", feed, indent: 1) }
        if let subtitle = meta.subtitle { field(&out, "description", subtitle, indent: 1) }
        if let icon = meta.logo ?? meta.icon { field(&out, "icon", icon, indent: 1) }
        if let favicon = meta.icon { field(&out, "favicon", favicon, indent: 1) }
        out.raw(",\n  \"authors\": [")
        author(&out, meta.author)
        out.raw("]")
        if let hub = meta.hub {
            out.raw(",\n  \"hubs\": [{\"type\": \"WebSub\", \"url\": ")
            out.jsonString(hub)
            out.raw("}]")
        }
        out.raw(",\n  \"items\": [")
        var first = true
        for entry in entries {
            out.raw(first ? "\n" : ",\n")
            first = false
            item(&out, entry)
        }
        out.raw(first ? "]\n}\n" : "\n  ]\n}\n")
        return out.bytes
    }

    private static func item(_ out: inout ByteWriter, _ entry: PreparedEntry) {
        out.raw("    {\n      \"id\": ")
        out.jsonString(entry.id)
        if let link = entry.link { field(&out, "url", link, indent: 3) }
        field(&out, "title", entry.titleText, indent: 3)
        field(&out, "content_html", entry.content ?? entry.summary ?? "", indent: 3)
        if entry.content != nil, let summary = entry.summary {
            field(&out, "summary", PlainText.from(html: summary), indent: 3)
        }
        if let published = entry.published { dateField(&out, "date_published", published, indent: 3) }
        dateField(&out, "date_modified", entry.updated, indent: 3)
        let authors = entry.authors.isEmpty ? entry.origin.authors : entry.authors
        if !authors.isEmpty {
            out.raw(",\n      \"authors\": [")
            for (index, person) in authors.enumerated() {
                if index > 0 { out.raw(", ") }
                author(&out, person)
            }
            out.raw("]")
        }
        if !entry.categories.isEmpty {
            out.raw(",\n      \"tags\": [")
            for (index, category) in entry.categories.enumerated() {
                if index > 0 { out.raw(", ") }
                out.jsonString(category.term)
            }
            out.raw("]")
        }
        if let language = entry.language { field(&out, "language", language, indent: 3) }
        if !entry.enclosures.isEmpty {
            out.raw(",\n      \"attachments\": [")
            for (index, enclosure) in entry.enclosures.enumerated() {
                if index > 0 { out.raw(", ") }
                out.raw("{\"url\": ")
                out.jsonString(enclosure.href)
                out.raw(", \"mime_type\": ")
                out.jsonString(enclosure.type ?? "application/octet-stream")
                if let length = enclosure.length {
                    out.raw(", \"size_in_bytes\": ")
                    out.decimal(length)
                }
                out.raw("}")
            }
            out.raw("]")
        }
        out.raw(",\n      \"_tributary\": {\"source\": {")
        var first = true
        func sourceField(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            if !first { out.raw(", ") }
            first = false
            out.raw(name)
            out.jsonString(value)
        }
        sourceField("\"title\": ", entry.origin.title)
        sourceField("\"home_page_url\": ", entry.origin.link)
        sourceField("\"feed_url\": ", entry.origin.selfLink)
        out.raw("}, \"related\": [")
        for (index, related) in entry.related.enumerated() {
            if index > 0 { out.raw(", ") }
            out.raw("{\"url\": ")
            out.jsonString(related.href)
            out.raw(", \"title\": ")
            out.jsonString(related.title)
            out.raw(related.isSource ? ", \"kind\": \"source\"}" : ", \"kind\": \"story\"}")
        }
        out.raw("]}\n    }")
    }

    private static func author(_ out: inout ByteWriter, _ person: Person) {
        out.raw("{\"name\": ")
        out.jsonString(person.name ?? "")
        if let uri = person.uri {
            out.raw(", \"url\": ")
            out.jsonString(uri)
        }
        out.raw("}")
    }

    private static func field(_ out: inout ByteWriter, _ name: StaticString, _ value: String, indent: Int) {
        fieldName(&out, name, indent: indent)
        out.jsonString(value)
    }

    /// A date field; an RFC 3339 date needs no JSON escaping.
    private static func dateField(_ out: inout ByteWriter, _ name: StaticString, _ date: Date, indent: Int) {
        fieldName(&out, name, indent: indent)
        out.raw("\"")
        out.rfc3339(date)
        out.raw("\"")
    }

    private static func fieldName(_ out: inout ByteWriter, _ name: StaticString, indent: Int) {
        out.raw(",\n")
        out.raw(indentation[min(indent, indentation.count - 1)])
        out.raw("\"")
        out.raw(name)
        out.raw("\": ")
    }

    private static let indentation: [StaticString] = ["", "  ", "    ", "      "]
}
