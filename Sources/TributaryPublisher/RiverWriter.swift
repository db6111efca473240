import Foundation
import TributaryCore

/// Writes the HTML page of the shipped template (`DefaultTemplate.river`) directly, byte for byte what
/// swift-mustache renders from that template and `HTMLRenderer.context`, without building the dictionaries and
/// walking the template: for 10,000 entries that took about a second, nearly all of a publish of every format.
/// A user's own template still goes through Mustache. A test renders the same inputs both ways and compares.
enum RiverWriter {
    static func document(
        meta: FeedMeta, entries: ArraySlice<PreparedEntry>, updated: Date, feeds: [String: String]
    )
        -> [UInt8]
    {
        var out = ByteWriter(capacity: 4_096 + entries.count * 1_000)
        out.raw(
            """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'none'; \
            object-src 'none'; style-src 'unsafe-inline'; img-src https: data:; base-uri 'none'; form-action 'none'">
            <meta name="referrer" content="no-referrer">
            <meta name="generator" content="Tributary">
            <title>
            """)
        html(&out, meta.title)
        out.raw("</title>\n")
        for (key, type) in [
            ("atom", "application/atom+xml"), ("rss", "application/rss+xml"), ("json", "application/feed+json"),
        ] {
            guard let href = feeds[key] else { continue }
            out.raw("<link rel=\"alternate\" type=\"")
            html(&out, type)
            out.raw("\" title=\"")
            html(&out, meta.title)
            out.raw("\" href=\"")
            html(&out, href)
            out.raw("\">\n")
        }
        out.raw(style)
        out.raw("<body>\n<header>\n<h1>")
        if let home = meta.homeURL {
            out.raw("<a href=\"")
            html(&out, home)
            out.raw("\">")
            html(&out, meta.title)
            out.raw("</a>")
        } else {
            html(&out, meta.title)
        }
        out.raw("</h1>\n")
        if let subtitle = meta.subtitle {
            out.raw("<p>")
            html(&out, subtitle)
            out.raw("</p>\n")
        }
        let links = [("atom", "Atom"), ("rss", "RSS"), ("json", "JSON Feed"), ("opml", "OPML")].compactMap {
            key, label in
            feeds[key].map { (href: $0, label: label) }
        }
        if !links.isEmpty {
            out.raw("<nav class=\"feeds\">")
            for link in links {
                out.raw("<a href=\"")
                html(&out, link.href)
                out.raw("\">")
                html(&out, link.label)
                out.raw("</a>")
            }
            out.raw("</nav>\n")
        }
        out.raw("</header>\n<main>\n")
        var currentDay: String?
        for entry in entries {
            let day = DateText.day(entry.sortDate)
            if day != currentDay {
                if currentDay != nil { out.raw("</section>\n") }
                currentDay = day
                out.raw("<section>\n<h2 class=\"day\"><time datetime=\"")
                html(&out, day)
                out.raw("\">")
                html(&out, DateText.dayHeading(entry.sortDate))
                out.raw("</time></h2>\n")
            }
            story(&out, entry)
        }
        if currentDay != nil {
            out.raw("</section>\n")
        } else {
            out.raw("<p>Nothing has been published yet.</p>\n")
        }
        out.raw("</main>\n<footer>Updated <time datetime=\"")
        out.rfc3339(updated)
        out.raw("\">")
        html(&out, DateText.dayHeading(updated) + ", " + DateText.time(updated) + " UTC")
        out.raw("</time> · Tributary</footer>\n</body>\n</html>")
        return out.bytes
    }

    private static func story(_ out: inout ByteWriter, _ entry: PreparedEntry) {
        out.raw("<article>\n<h3>")
        if let link = entry.link {
            out.raw("<a href=\"")
            html(&out, link)
            out.raw("\">")
            html(&out, entry.titleText)
            out.raw("</a>")
        } else {
            html(&out, entry.titleText)
        }
        out.raw("</h3>\n<p class=\"meta\">")
        if let source = entry.origin.title {
            if let sourceLink = entry.origin.link {
                out.raw("<a href=\"")
                html(&out, sourceLink)
                out.raw("\">")
                html(&out, source)
                out.raw("</a>")
            } else {
                html(&out, source)
            }
            out.raw(" · ")
        }
        out.raw("<time datetime=\"")
        out.rfc3339(entry.sortDate)
        out.raw("\">")
        html(&out, DateText.time(entry.sortDate))
        out.raw("</time>")
        let authors = (entry.authors.isEmpty ? entry.origin.authors : entry.authors).compactMap(\.name)
        if !authors.isEmpty {
            out.raw(" · ")
            html(&out, authors.joined(separator: ", "))
        }
        out.raw("</p>\n")
        let teaser = PlainText.teaser(
            PlainText.from(html: entry.summary ?? entry.content ?? "", limit: 600), limit: 280)
        if !teaser.isEmpty {
            out.raw("<p class=\"teaser\">")
            html(&out, teaser)
            out.raw("</p>\n")
        }
        for isSource in [true, false] {
            let links = entry.related.filter { $0.isSource == isSource }
            guard !links.isEmpty else { continue }
            out.raw(isSource ? "<div class=\"also\">Also covered by:<ul>" : "<div class=\"related\">Related:<ul>")
            for link in links {
                out.raw("<li><a href=\"")
                html(&out, link.href)
                out.raw("\">")
                html(&out, link.title)
                out.raw("</a></li>")
            }
            out.raw("</ul></div>\n")
        }
        if !entry.categories.isEmpty {
            out.raw("<p class=\"tags\">")
            for category in entry.categories {
                out.raw("<span>#")
                html(&out, category.label ?? category.term)
                out.raw("</span>")
            }
            out.raw("</p>\n")
        }
        out.raw("</article>\n")
    }

    /// Escapes as swift-mustache's `{{…}}` does: `<`, `>`, `&`, `"` and `'`, compared as whole characters (so a
    /// `<` that a combining mark joins is left alone, as Mustache leaves it).
    private static func html(_ out: inout ByteWriter, _ text: String) {
        if PlainText.isSimple(text) {
            out.htmlText(text)
            return
        }
        var escaped = ""
        for character in text {
            switch character {
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "&": escaped += "&amp;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        out.raw(Array(escaped.utf8))
    }

    /// The template's stylesheet through the end of `<head>`, shared with the template itself.
    private static let style = Array(DefaultTemplate.stylesheet.utf8)
}
