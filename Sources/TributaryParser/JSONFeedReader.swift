import Foundation
import TributaryCore

/// JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) into the article model.
enum JSONFeedReader {
    static func parse(_ data: Data, documentURL: String?) -> ParsedFeed {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            return ParsedFeed(errors: ["the document is not valid JSON: \(error.localizedDescription)"])
        }
        guard let feed = object as? [String: Any] else {
            return ParsedFeed(errors: ["the JSON document is not an object, so not a JSON Feed"])
        }
        var errors: [String] = []
        let version = feed["version"] as? String ?? ""
        if !version.hasPrefix("https://jsonfeed.org/version/") {
            errors.append("the JSON document does not declare a JSON Feed version")
        }
        let base = (feed["feed_url"] as? String) ?? documentURL
        func absolute(_ value: Any?) -> String? {
            guard let text = (value as? String)?.trimmedASCII(), !text.isEmpty
            else { return nil }
            guard let base, !text.contains("://") else { return text }
            return LibXML2Support.resolve(text, against: base)
        }
        var info = FeedInfo()
        info.title = feed["title"] as? String
        info.subtitle = (feed["description"] as? String).map(escapeHTML)
        info.link = absolute(feed["home_page_url"])
        if let link = info.link { info.links.append(Link(href: link, rel: "alternate", type: "text/html")) }
        if let selfURL = absolute(feed["feed_url"]) {
            info.links.append(Link(href: selfURL, rel: "self", type: "application/feed+json"))
        }
        info.icon = absolute(feed["favicon"])
        info.logo = absolute(feed["icon"])
        info.language = feed["language"] as? String
        info.authors = people(feed, absolute: absolute)
        var articles: [Article] = []
        for case let item as [String: Any] in feed["items"] as? [Any] ?? [] {
            let link = absolute(item["url"])
            var links: [Link] = []
            if let link { links.append(Link(href: link, rel: "alternate", type: "text/html")) }
            if let external = absolute(item["external_url"]) { links.append(Link(href: external, rel: "related")) }
            let baseForContent = link ?? base
            var content: String?
            if let html = item["content_html"] as? String {
                content = HTMLSanitizer.sanitize(html, baseURL: baseForContent)
            } else if let text = item["content_text"] as? String {
                content = escapeHTML(text)
            }
            var enclosures: [Enclosure] = []
            for case let attachment as [String: Any] in item["attachments"] as? [Any] ?? [] {
                guard let href = absolute(attachment["url"]) else { continue }
                let length = (attachment["size_in_bytes"] as? NSNumber)?.int64Value
                enclosures.append(Enclosure(href: href, type: attachment["mime_type"] as? String, length: length))
                links.append(
                    Link(href: href, rel: "enclosure", type: attachment["mime_type"] as? String, length: length))
            }
            let id: String? =
                switch item["id"] {
                case let text as String: text
                case let number as NSNumber: number.stringValue
                default: nil
                }
            var article = Article(
                id: id ?? link ?? "", title: item["title"] as? String, link: link, links: links,
                authors: people(item, absolute: absolute),
                published: (item["date_published"] as? String).flatMap(FeedDate.parse),
                updated: (item["date_modified"] as? String).flatMap(FeedDate.parse),
                summary: (item["summary"] as? String).map(escapeHTML), content: content,
                categories: (item["tags"] as? [Any] ?? []).compactMap { ($0 as? String).map { Category(term: $0) } },
                enclosures: enclosures, feedURL: documentURL ?? "", language: item["language"] as? String)
            if article.id.isEmpty { article.id = EntryIdentity.derived(article) }
            articles.append(article)
        }
        return ParsedFeed(
            info: info, articles: articles, errors: errors, format: version.hasSuffix("1") ? "json10" : "json11")
    }

    /// `authors` (1.1) or the single `author` (1.0).
    private static func people(_ object: [String: Any], absolute: (Any?) -> String?) -> [Person] {
        var list = object["authors"] as? [Any] ?? []
        if list.isEmpty, let single = object["author"] { list = [single] }
        return list.compactMap { value in
            guard let author = value as? [String: Any] else { return nil }
            let person = Person(name: author["name"] as? String, uri: absolute(author["url"]))
            return person.name == nil && person.uri == nil ? nil : person
        }
    }
}
