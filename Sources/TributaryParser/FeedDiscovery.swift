public import Foundation
public import TributaryCore

/// Feed autodiscovery: <link rel="alternate" type="application/rss+xml|atom+xml|feed+json"> in an HTML page.
public enum FeedDiscovery {
    static let feedTypes: Set<String> = [
        "application/rss+xml", "application/atom+xml", "application/feed+json", "application/json",
        "application/rdf+xml", "application/x-rss+xml", "application/x-atom+xml", "text/xml", "application/xml",
    ]

    /// The feeds an HTML page advertises, absolute, in page order, without duplicates.
    public static func feedLinks(inHTML data: Data, baseURL: String) -> [Link] {
        data.withUnsafeBytes { raw -> [Link] in
            guard let document = XMLDocument.parseHTML(raw), let root = document.root else { return [] }
            var base = baseURL
            var found: [Link] = []
            var stack: [XMLNode.Children] = [XMLNode.Children.single(root)]
            while !stack.isEmpty {
                guard let node = stack[stack.count - 1].next() else {
                    stack.removeLast()
                    continue
                }
                guard node.isElement else { continue }
                let name = node.name.lowercased()
                if name == "base", let href = node.attribute("href") {
                    base = LibXML2Support.resolve(href, against: baseURL)
                } else if name == "link" || name == "a" {
                    let rels = (node.attribute("rel") ?? "").lowercased().split(whereSeparator: \.isWhitespace)
                    let type = (node.attribute("type") ?? "").lowercased().trimmedASCII()
                    if rels.contains("alternate"), feedTypes.contains(type),
                        let href = node.attribute("href")?.trimmedASCII(),
                        !href.isEmpty
                    {
                        let absolute = LibXML2Support.resolve(href, against: base)
                        if !found.contains(where: { $0.href == absolute }) {
                            found.append(
                                Link(href: absolute, rel: "alternate", type: type, title: node.attribute("title")))
                        }
                    }
                }
                if stack.count < 256 { stack.append(node.children) }
            }
            return found
        }
    }
}
