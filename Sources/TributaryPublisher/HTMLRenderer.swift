import Foundation
import Mustache
import TributaryCore

/// Renders the river-of-news page from a Mustache template: the one shipped in `Templates/river.mustache`, or the
/// user's (`output.template`).
///
/// The template gets plain values only: every field is text that Mustache's `{{…}}` escapes, links are
/// `http`/`https` only, and summaries are reduced to plain-text teasers, so a template that never uses `{{{…}}}`
/// cannot let a feed's markup onto the page. The shipped template also carries a Content-Security-Policy that
/// forbids scripts, as a second wall.
struct HTMLRenderer {
    private let template: MustacheTemplate

    /// The name of the resource bundle SwiftPM builds for this target.
    static let bundleName = "Tributary_TributaryPublisher.resources"

    /// - Parameter path: the user's template; nil for the shipped one.
    /// - Throws: `PublishError` when the template cannot be found, read or parsed.
    init(templatePath path: String?) throws(PublishError) {
        let url: URL
        if let path {
            url = URL(fileURLWithPath: path)
        } else if let shipped = Self.shippedTemplate() {
            url = shipped
        } else {
            throw PublishError.badTemplate(
                "Templates/river.mustache",
                reason: "the resource folder \(Self.bundleName) is not next to the program; install it with the "
                    + "binary or set output.template")
        }
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw PublishError.badTemplate(url.path, reason: error.localizedDescription)
        }
        do {
            template = try MustacheTemplate(string: text)
        } catch {
            throw PublishError.badTemplate(url.path, reason: "\(error)")
        }
    }

    /// Where the shipped template is: in the resource bundle beside the executable (or the test bundle). Looked up
    /// by hand rather than through `Bundle.module`, which stops the program when the bundle is missing.
    static func shippedTemplate() -> URL? {
        var folders: [URL] = [Bundle.main.bundleURL]
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            folders.append(executable.deletingLastPathComponent())
        }
        for folder in folders {
            let candidate = folder.appendingPathComponent(bundleName).appendingPathComponent("Templates")
                .appendingPathComponent("river.mustache")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    func render(meta: FeedMeta, entries: ArraySlice<PreparedEntry>, updated: Date, feeds: [String: String]) -> [UInt8] {
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
