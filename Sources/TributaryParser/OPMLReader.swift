public import Foundation
public import TributaryCore

/// Reads the subscription list of an OPML document (1.0, 1.1 or 2.0) as exported by feed readers, or of a FOAF
/// blogroll (RDF) as published by Planet-style aggregators.
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
        if root.name == "RDF" && root.namespaceURI == FOAF.rdf {
            var collector = Collector()
            collector.walkRDF(root, groups: [])
            return collector.subscriptions
        }
        guard root.name.lowercased() == "opml" else {
            let name = root.prefix.map { "\($0):\(root.name)" } ?? root.name
            throw ParserError("not OPML: the root element is <\(name)>, expected <opml>")
        }
        guard let body = root.elements.first(where: { $0.name.isNamed("body") }) else {
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
            for outline in parent.children where outline.kind == .element && outline.name.isNamed("outline") {
                let attributes = Attributes(outline.attributes)
                let type = attributes["type"]?.lowercased()
                if let url = attributes["xmlUrl"], type != "source", type != "include" {
                    add(url: url, attributes: attributes, folders: folders)
                }
                let name = attributes["text"] ?? attributes["title"]
                guard outline.children.contains(where: { $0.kind == .element }) else { continue }
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
            add(
                Subscription(
                    url: url, title: OPMLReader.title(attributes, url: url), htmlURL: attributes["htmlUrl"],
                    tags: tags))
        }

        /// Walks a FOAF blogroll (the RDF lists Planet-style aggregators publish): every agent's weblogs with
        /// their RSS channels (`foaf:weblog` › `foaf:Document` › `rdfs:seeAlso` › `rss:channel`, or Yandex's
        /// `ya:blogActivity` › `ya:Posts` › `ya:feed`), titled by the agent's name and tagged by the
        /// `foaf:Group`s around it. People the agent merely knows (`foaf:knows`) are not subscriptions.
        mutating func walkRDF(_ parent: XMLNode, groups: [String]) {
            for node in parent.children where node.kind == .element {
                let namespace = node.namespaceURI
                if namespace == FOAF.foaf && node.name == "knows" { continue }
                if namespace == FOAF.foaf && node.name == "Group" {
                    let name = FOAF.text(of: node, named: ["name"])
                    walkRDF(node, groups: name.map { groups + [$0] } ?? groups)
                    continue
                }
                let weblogs = node.children.filter {
                    $0.kind == .element
                        && (($0.namespaceURI == FOAF.foaf && $0.name == "weblog")
                            || ($0.namespaceURI == FOAF.yandex && $0.name == "blogActivity"))
                }
                guard !weblogs.isEmpty else {
                    walkRDF(node, groups: groups)
                    continue
                }
                let title = FOAF.text(of: node, named: ["name", "member_name"])
                for weblog in weblogs {
                    for (url, site) in FOAF.feeds(in: weblog) {
                        let tags = OPMLReader.tag(fromPath: groups).map { [$0] } ?? []
                        add(Subscription(url: url, title: title, htmlURL: site, tags: tags))
                    }
                }
            }
        }

        /// Adds a feed, or merges its tags into the one already seen with that URL.
        private mutating func add(_ subscription: Subscription) {
            let url = subscription.url
            let tags = subscription.tags
            if let index = indexByURL[url] {
                for tag in tags where !subscriptions[index].tags.contains(tag) {
                    subscriptions[index].tags.append(tag)
                }
                return
            }
            var unique = subscription
            unique.tags = []
            for tag in tags where !unique.tags.contains(tag) { unique.tags.append(tag) }
            indexByURL[url] = subscriptions.count
            subscriptions.append(unique)
        }
    }

    /// The vocabularies of FOAF blogrolls, and how to read them.
    private enum FOAF {
        static let rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        static let rdfs = "http://www.w3.org/2000/01/rdf-schema#"
        static let foaf = "http://xmlns.com/foaf/0.1/"
        static let rss = "http://purl.org/rss/1.0/"
        static let yandex = "http://blogs.yandex.ru/schema/foaf/"

        /// The trimmed text of the first direct FOAF child with one of these names that has any.
        static func text(of node: XMLNode, named names: [String]) -> String? {
            for child in node.children where child.kind == .element && child.namespaceURI == foaf {
                if names.contains(child.name), case let text = child.text.trimmedSpace, !text.isEmpty {
                    return text
                }
            }
            return nil
        }

        /// The feed URLs (with the weblog's home page, when named) under a `foaf:weblog` or `ya:blogActivity`.
        static func feeds(in weblog: XMLNode) -> [(url: String, site: String?)] {
            var result: [(String, String?)] = []
            for document in weblog.children where document.kind == .element {
                let site = document.attribute("about", namespace: rdf)?.trimmedSpace
                let home = site.flatMap { $0.isEmpty ? nil : $0 }
                for seeAlso in document.children where seeAlso.kind == .element {
                    if seeAlso.namespaceURI == rdfs && seeAlso.name == "seeAlso" {
                        for channel in seeAlso.children where channel.kind == .element {
                            guard channel.namespaceURI == rss && channel.name == "channel",
                                let url = channel.attribute("about", namespace: rdf)?.trimmedSpace, !url.isEmpty
                            else { continue }
                            result.append((url, home))
                        }
                    } else if seeAlso.namespaceURI == yandex && seeAlso.name == "feed",
                        let url = seeAlso.attribute("resource", namespace: rdf)?.trimmedSpace, !url.isEmpty
                    {
                        result.append((url, nil))
                    }
                }
            }
            return result
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
        let parts = components.map(\.trimmedSpace).filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }

    /// An outline's attributes by case-insensitive name (`xmlURL`, `xmlurl` and `xmlUrl` are all seen in the
    /// wild), trimmed, with empty values treated as absent.
    private struct Attributes {
        private var values: [String: String] = [:]

        init(_ attributes: [XMLAttribute]) {
            for attribute in attributes where attribute.namespaceURI == nil {
                let value = attribute.value.trimmedSpace
                let key = attribute.name.lowercased()
                if !value.isEmpty, values[key] == nil { values[key] = value }
            }
        }

        subscript(name: String) -> String? {
            values[name.lowercased()]
        }
    }
}

extension String {
    /// An element name compared the way OPML in the wild needs: `outline`, `Outline` and `OUTLINE` are seen.
    fileprivate func isNamed(_ lowercase: String) -> Bool {
        self == lowercase || lowercased() == lowercase
    }

    /// The string without leading and trailing white space (Unicode's definition, as in an XML attribute
    /// written by hand). Most values have none, so that case costs no copy.
    fileprivate var trimmedSpace: String {
        let scalars = unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return self }
        if !first.properties.isWhitespace && !last.properties.isWhitespace { return self }
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[start...end])
    }
}
