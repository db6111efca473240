import Foundation
import Testing
import TributaryCore

@testable import TributaryParser

/// The SAX-built `FeedTree` must read documents exactly as libxml2's own tree does: same nodes, names,
/// namespaces, attribute values, text, base URLs and line numbers, broken documents included.
struct FeedTreeTests {
    /// One line per node in document order: depth, kind, name, namespace, attributes, own text, base URL, line.
    private static func describeTree(_ root: FeedNode) -> [String] {
        var lines: [String] = []
        var stack: [(FeedNode.Children, Int)] = [(FeedNode.Children.single(root), 0)]
        while !stack.isEmpty {
            guard let node = stack[stack.count - 1].0.next() else {
                stack.removeLast()
                continue
            }
            let depth = stack[stack.count - 1].1
            lines.append(
                describe(
                    depth: depth, kind: node.kind, name: node.isElement ? node.name : "",
                    namespace: node.namespaceURI, attributes: node.isElement ? node.attributePairs : [],
                    text: node.isElement || node.isText ? node.text(cdata: nil) : "",
                    base: node.isElement ? node.baseURL : nil,
                    line: node.isElement ? node.line : 0))
            if node.isElement { stack.append((node.children, depth + 1)) }
        }
        return lines
    }

    private static func describeTree(_ root: XMLNode) -> [String] {
        var lines: [String] = []
        var stack: [(XMLNode.Children, Int)] = [(XMLNode.Children.single(root), 0)]
        while !stack.isEmpty {
            guard let node = stack[stack.count - 1].0.next() else {
                stack.removeLast()
                continue
            }
            let depth = stack[stack.count - 1].1
            lines.append(
                describe(
                    depth: depth, kind: node.kind, name: node.isElement ? node.name : "",
                    namespace: node.isElement ? node.namespaceURI : nil,
                    attributes: node.isElement ? node.attributePairs : [],
                    text: node.isElement || node.isText ? node.text : "",
                    base: node.isElement ? node.baseURL : nil, line: node.isElement ? node.line : 0))
            if node.isElement { stack.append((node.children, depth + 1)) }
        }
        return lines
    }

    private static func describe(
        depth: Int, kind: XMLNode.Kind, name: String, namespace: String?, attributes: [(name: String, value: String)],
        text: String, base: String?, line: Int
    ) -> String {
        let pairs = attributes.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
        return
            "\(depth) \(kind) \(name) {\(namespace ?? "-")} [\(pairs)] \(text.debugDescription) \(base ?? "-") \(line)"
    }

    private static let documents: [String] = [
        // Namespaces, default and prefixed, redeclared, and an undeclared prefix on an element and an attribute.
        """
        <rss xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel xmlns="urn:x">
        <dc:creator>Ann</dc:creator><a:b c:d="1" x="2">text</a:b>
        <item xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:date>2026-01-01</dc:date></item></channel></rss>
        """,
        // References in attribute values and text, which libxml2 hands over re-encoded.
        """
        <feed xmlns="http://www.w3.org/2005/Atom"><link href="/a?b=1&amp;c=2&#38;d=&#x26;&lt;&gt;&quot;&apos;"
        title="caf&#233; &#x1F600;" /><title type="html">a &amp;lt;b&amp;gt; &#169; &#x2014;</title></feed>
        """,
        // xml:base chains, relative and absolute, and xml:lang.
        """
        <feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://example.org/a/" xml:lang="en">
        <entry xml:base="b/"><link href="c"/><content xml:base="../d/">x</content></entry>
        <entry xml:base="urn:x:y"><id xml:base="z">1</id></entry></feed>
        """,
        // Comments, processing instructions and CDATA next to text (libxml2 joins CDATA sections that touch; the
        // SAX tree keeps them apart, see adjacentCDATASectionsKeepTheirOwnText).
        """
        <rss><channel><description><!-- note -->one<![CDATA[two]]>-<![CDATA[three]]>four<?pi data?></description>
        <title>
        multi
        line</title></channel></rss>
        """,
        // Recovery: a mismatched end tag, an undeclared entity, a truncated end.
        """
        <rss><channel><title>a &undeclared; b</title><item><title>x</titl></item><item><title>y
        """,
        // A DOCTYPE without entities and an internal subset with an attribute default, which the tree leaves out.
        """
        <?xml version="1.0"?>
        <!DOCTYPE rss [<!ATTLIST rss version CDATA "0.91">]>
        <rss><channel><title>t</title></channel></rss>
        """,
    ]

    @Test(arguments: documents)
    func treeMatchesLibxml2Tree(_ document: String) throws {
        let bytes = Array(document.utf8)
        let url = "http://example.com/dir/feed.xml"
        let tree = try bytes.withUnsafeBytes { try FeedTree.parse($0, url: url) }
        let dom = try bytes.withUnsafeBytes { try XMLDocument.parseXML($0, url: url, encoding: nil, recover: true) }
        let treeRoot = try #require(tree.root)
        let domRoot = try #require(dom.root)
        let expected = Self.describeTree(domRoot)
        let actual = withExtendedLifetime(tree) { Self.describeTree(treeRoot) }
        #expect(actual == expected)
        #expect(tree.errors.isEmpty == dom.errors.isEmpty)
    }

    @Test func adjacentCDATASectionsKeepTheirOwnText() throws {
        // Two sections back to back (the usual way to write "]]>" inside CDATA) stay two sections.
        let feed = FeedParser.parse(
            Data("<rss><channel><title><![CDATA[a]]]]><![CDATA[>b]]></title></channel></rss>".utf8),
            documentURL: nil, contentType: nil)
        #expect(feed.info.title == "a]]>b")
    }

    @Test(arguments: ["", "   ", "\u{FEFF}", "<", "<?xml version=\"1.0\"?>"])
    func emptyDocumentsFailAsLibxml2TreeFails(_ text: String) {
        let bytes = Array(text.utf8)
        let tree = bytes.withUnsafeBytes { raw in Result { () throws(ParserError) in try FeedTree.parse(raw, url: nil) }
        }
        let dom = bytes.withUnsafeBytes { raw in
            Result { () throws(ParserError) in try XMLDocument.parseXML(raw, url: nil, encoding: nil, recover: true) }
        }
        switch (tree, dom) {
        case (.success(let tree), .success(let dom)):
            #expect((tree.root == nil) == (dom.root == nil))
        case (.failure, .failure):
            break
        default:
            Issue.record("the SAX tree and libxml2's tree disagree on \(text.debugDescription)")
        }
    }
}
