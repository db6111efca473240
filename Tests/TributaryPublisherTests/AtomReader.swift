import Foundation
import Testing

@testable import TributaryParser

/// Reads back what the tests need from our own Atom output, through libxml2 in strict (non-recovering) mode, so a
/// document that is not well-formed fails the test.
struct AtomSummary {
    struct Entry: Equatable {
        var id: String
        var title: String
        var updated: String
        var published: String?
        var links: [String: [String]]
        var relatedTitles: [String]
    }

    var feedID: String
    var updated: String
    var feedLinks: [String: [String]]
    var entries: [Entry]

    init(bytes: [UInt8]) throws {
        let document = try bytes.withUnsafeBytes { buffer in
            try XMLDocument.parseXML(buffer, url: nil, encoding: nil, recover: false)
        }
        let root = try #require(document.root)
        #expect(root.name == "feed")
        #expect(root.namespaceURI == "http://www.w3.org/2005/Atom")
        func child(_ node: XMLNode, _ name: String) -> XMLNode? { node.elements.first { $0.name == name } }
        func links(_ node: XMLNode) -> [String: [String]] {
            var result: [String: [String]] = [:]
            for link in node.elements where link.name == "link" {
                result[link.attribute("rel") ?? "alternate", default: []].append(link.attribute("href") ?? "")
            }
            return result
        }
        feedID = child(root, "id")?.text ?? ""
        updated = child(root, "updated")?.text ?? ""
        feedLinks = links(root)
        entries = root.elements.filter { $0.name == "entry" }.map { entry in
            Entry(
                id: child(entry, "id")?.text ?? "", title: child(entry, "title").map(Self.text) ?? "",
                updated: child(entry, "updated")?.text ?? "", published: child(entry, "published")?.text,
                links: links(entry),
                relatedTitles: entry.elements.filter { $0.name == "link" && $0.attribute("rel") == "related" }
                    .map { $0.attribute("title") ?? "" })
        }
    }

    /// A text construct's text; an `html` one has its entities decoded (our writer escapes plain text that holds
    /// `<` or `&` as HTML).
    static func text(_ node: XMLNode) -> String {
        guard node.attribute("type") == "html" else { return node.text }
        return node.text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }

    init(file: URL) throws {
        try self.init(bytes: Array(try Data(contentsOf: file)))
    }
}
