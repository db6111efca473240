public import Foundation
public import TributaryCore

/// Reads the subscription list of an OPML document (1.0, 1.1 or 2.0) as exported by feed readers.
///
/// Folders become tags: a feed inside `News` › `Europe` gets the tag `News/Europe`, so the hierarchy survives
/// in one string (a `/` in a tag always means nesting). The `category` attribute (comma-separated, where a
/// leading `/` marks a path) adds its entries the same way. Outlines are matched the way readers write them in
/// practice: any `type` (or none) as long as there is an `xmlUrl` (in any capitalisation), except `type="source"`
/// and `type="include"`, which name other subscription lists rather than feeds.
public enum OPMLReader {
    /// The feeds listed in an OPML document, in document order, each once.
    ///
    /// A feed listed twice (in two folders, say) is returned once with the tags of both places; its first title
    /// wins. Whitespace around attribute values is ignored, and empty values count as absent.
    /// - Throws: `ParserError` when the bytes are not well-formed XML, declare entities, or are not OPML. Nothing
    ///   is returned from a malformed document, so an import never applies half a file.
    public static func subscriptions(from data: Data) throws(ParserError) -> [Subscription] {
        let parsed = data.withUnsafeBytes { bytes in
            Result { () throws(ParserError) -> XMLDocument in
                try XMLDocument.parseXML(bytes, url: nil, encoding: nil, recover: false)
            }
        }
        let document: XMLDocument
        switch parsed {
        case .success(let value): document = value
        case .failure(let error): throw ParserError("not well-formed OPML: \(error.description)")
        }
        guard let root = document.root else { throw ParserError("not OPML: the document has no root element") }
        guard root.name.lowercased() == "opml" else {
            let name = root.prefix.map { "\($0):\(root.name)" } ?? root.name
            throw ParserError("not OPML: the root element is <\(name)>, expected <opml>")
        }
        guard let body = root.elements.first(where: { $0.name.lowercased() == "body" }) else {
            throw ParserError("not OPML: <opml> has no <body>")
        }
        var collector = Collector()
        collector.walk(body, folders: [])
        return collector.subscriptions
    }

    /// Gathers feeds in document order, merging repeats.
    private struct Collector {
        var subscriptions: [Subscription] = []
        private var indexByURL: [String: Int] = [:]

        mutating func walk(_ parent: XMLNode, folders: [String]) {
            for outline in parent.elements where outline.name.lowercased() == "outline" {
                let attributes = Attributes(outline.attributes)
                let type = attributes["type"]?.lowercased()
                if let url = attributes["xmlUrl"], type != "source", type != "include" {
                    add(url: url, attributes: attributes, folders: folders)
                }
                let name = attributes["text"] ?? attributes["title"]
                let children = outline.elements
                guard !children.isEmpty else { continue }
                walk(outline, folders: name.map { folders + [$0] } ?? folders)
            }
        }

        private mutating func add(url: String, attributes: Attributes, folders: [String]) {
            var tags: [String] = []
            if let folder = OPMLReader.tag(fromPath: folders) { tags.append(folder) }
            if let categories = attributes["category"] {
                for entry in categories.split(separator: ",") {
                    if let tag = OPMLReader.tag(fromPath: entry.split(separator: "/").map(String.init)) {
                        tags.append(tag)
                    }
                }
            }
            if let index = indexByURL[url] {
                for tag in tags where !subscriptions[index].tags.contains(tag) {
                    subscriptions[index].tags.append(tag)
                }
                return
            }
            var unique: [String] = []
            for tag in tags where !unique.contains(tag) { unique.append(tag) }
            indexByURL[url] = subscriptions.count
            subscriptions.append(
                Subscription(
                    url: url, title: OPMLReader.title(attributes, url: url), htmlURL: attributes["htmlUrl"],
                    tags: unique))
        }
    }

    /// `text`, else `title`; a `text` that only repeats the feed's URL is a placeholder (OPML requires `text`, so
    /// writers, ours included, fill it with the URL when the feed has no title), not a title.
    private static func title(_ attributes: Attributes, url: String) -> String? {
        if let text = attributes["text"], text != url { return text }
        return attributes["title"]
    }

    /// Joins path components into one tag, trimming each and dropping empty ones; nil when nothing is left.
    static func tag(fromPath components: [String]) -> String? {
        let parts = components.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }

    /// An outline's attributes by case-insensitive name (`xmlURL`, `xmlurl` and `xmlUrl` are all seen in the
    /// wild), trimmed, with empty values treated as absent.
    private struct Attributes {
        private var values: [String: String] = [:]

        init(_ attributes: [XMLAttribute]) {
            for attribute in attributes where attribute.namespaceURI == nil {
                let value = attribute.value.trimmingCharacters(in: .whitespacesAndNewlines)
                let key = attribute.name.lowercased()
                if !value.isEmpty, values[key] == nil { values[key] = value }
            }
        }

        subscript(name: String) -> String? {
            values[name.lowercased()]
        }
    }
}
