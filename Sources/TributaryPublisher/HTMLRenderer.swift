import Foundation
import Mustache
import TributaryCore

/// Renders the river-of-news page from a Mustache template: the one compiled in (`DefaultTemplate`), or the
/// user's (`output.template`).
///
/// The template gets plain values only: every field is text that Mustache's `{{…}}` escapes, links are
/// `http`/`https` only, and summaries are reduced to plain-text teasers, so a template that never uses `{{{…}}}`
/// cannot let a feed's markup onto the page. The shipped template also carries a Content-Security-Policy that
/// forbids scripts, as a second wall.
struct HTMLRenderer {
    /// The user's template; nil for the shipped one, which `RiverWriter` writes directly.
    private let template: MustacheTemplate?

    /// - Parameter path: the user's template; nil for the shipped one.
    /// - Throws: `PublishError` when the template cannot be read or parsed.
    init(templatePath path: String?) throws(PublishError) {
        guard let path else {
            template = nil
            return
        }
        template = try Self.template(path: path)
    }

    /// The page as Mustache renders it from the template at `path`, or from the shipped template when `path` is
    /// nil: what `RiverWriter` is compared with.
    static func mustache(
        templatePath path: String?, meta: FeedMeta, entries: ArraySlice<PreparedEntry>, updated: Date,
        feeds: [String: String]
    ) throws(PublishError) -> String {
        try template(path: path).render(context(meta: meta, entries: entries, updated: updated, feeds: feeds))
    }

    /// The template in a file, or the shipped one when `path` is nil.
    private static func template(path: String?) throws(PublishError) -> MustacheTemplate {
        let text: String
        let name = path ?? "the default template"
        if let path {
            do {
                text = try String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8)
            } catch {
                throw PublishError.badTemplate(path, reason: error.localizedDescription)
            }
        } else {
            text = DefaultTemplate.river
        }
        do {
            return try MustacheTemplate(string: text)
        } catch {
            throw PublishError.badTemplate(name, reason: "\(error)")
        }
    }

    func render(meta: FeedMeta, entries: ArraySlice<PreparedEntry>, updated: Date, feeds: [String: String]) -> [UInt8] {
        guard let template else {
            return RiverWriter.document(meta: meta, entries: entries, updated: updated, feeds: feeds)
        }
        let context = Self.context(meta: meta, entries: entries, updated: updated, feeds: feeds)
        return Array(template.render(context).utf8)
    }

    /// The values the template sees; see docs/PUBLISHING.md for the list.
    static func context(
        meta: FeedMeta, entries: ArraySlice<PreparedEntry>, updated: Date, feeds: [String: String]
    )
        -> [String: Any]
    {
        var days: [[String: Any]] = []
        var currentDay: String?
        var stories: [[String: Any]] = []
        var heading = ""
        func closeDay() {
            if let currentDay, !stories.isEmpty {
                days.append(["date": currentDay, "heading": heading, "stories": stories])
            }
            stories = []
        }
        for entry in entries {
            let day = DateText.day(entry.sortDate)
            if day != currentDay {
                closeDay()
                currentDay = day
                heading = DateText.dayHeading(entry.sortDate)
            }
            stories.append(story(entry))
        }
        closeDay()

        var root: [String: Any] = [
            "title": meta.title,
            "updated": DateText.rfc3339(updated),
            "updatedText": DateText.dayHeading(updated) + ", " + DateText.time(updated) + " UTC",
            "days": days,
            "generator": "Tributary",
        ]
        if let subtitle = meta.subtitle { root["subtitle"] = subtitle }
        if let home = meta.homeURL { root["home"] = home }
        if let icon = meta.icon { root["icon"] = icon }
        var feedLinks: [[String: Any]] = []
        for (key, label) in [("atom", "Atom"), ("rss", "RSS"), ("json", "JSON Feed"), ("opml", "OPML")] {
            if let href = feeds[key] {
                root[key] = href
                feedLinks.append(["href": href, "label": label])
            }
        }
        if !feedLinks.isEmpty {
            root["feeds"] = feedLinks
            root["hasFeeds"] = true
        }
        return root
    }

    private static func story(_ entry: PreparedEntry) -> [String: Any] {
        var story: [String: Any] = [
            "id": entry.id,
            "title": entry.titleText,
            "datetime": DateText.rfc3339(entry.sortDate),
            "time": DateText.time(entry.sortDate),
        ]
        if let link = entry.link { story["link"] = link }
        if let source = entry.origin.title { story["source"] = source }
        if let sourceLink = entry.origin.link { story["sourceLink"] = sourceLink }
        let authors = (entry.authors.isEmpty ? entry.origin.authors : entry.authors).compactMap(\.name)
        if !authors.isEmpty { story["author"] = authors.joined(separator: ", ") }
        let teaser = PlainText.teaser(
            PlainText.from(html: entry.summary ?? entry.content ?? "", limit: 600), limit: 280)
        if !teaser.isEmpty { story["teaser"] = teaser }
        let sources: [[String: Any]] = entry.related.filter(\.isSource).map { related in
            var item: [String: Any] = ["href": related.href, "title": related.title]
            if let feedTitle = related.feedTitle { item["feedTitle"] = feedTitle }
            return item
        }
        if !sources.isEmpty {
            story["sources"] = sources
            story["hasSources"] = true
        }
        let relatedStories: [[String: Any]] = entry.related.filter { !$0.isSource }.map { related in
            ["href": related.href, "title": related.title]
        }
        if !relatedStories.isEmpty {
            story["related"] = relatedStories
            story["hasRelated"] = true
        }
        if !entry.categories.isEmpty {
            story["tags"] = entry.categories.map { ["term": $0.label ?? $0.term] }
            story["hasTags"] = true
        }
        return story
    }
}
