import Foundation
import Testing
import TributaryCore

@testable import TributaryParser

private func read(_ text: String) throws(ParserError) -> [Subscription] {
    try OPMLReader.subscriptions(from: Data(text.utf8))
}

@Suite struct OPMLReaderTests {
    @Test func nestedFoldersBecomePathTags() throws {
        let feeds = try read(
            """
            <?xml version="1.0"?>
            <opml version="1.0"><head><title>x</title></head><body>
              <outline text="News">
                <outline title="Europe">
                  <outline type="rss" text=" Balkan Insight " xmlUrl=" https://balkaninsight.example/feed "
                           htmlUrl="https://balkaninsight.example/"/>
                </outline>
                <outline type="rss" text="Top" xmlUrl="https://top.example/rss" category="world, /a/b/ ,,"/>
              </outline>
              <outline type="rss" text="Loose" xmlURL="http://loose.example/atom"/>
            </body></opml>
            """)
        #expect(
            feeds == [
                Subscription(
                    url: "https://balkaninsight.example/feed", title: "Balkan Insight",
                    htmlURL: "https://balkaninsight.example/", tags: ["News/Europe"]),
                Subscription(url: "https://top.example/rss", title: "Top", tags: ["News", "world", "a/b"]),
                Subscription(url: "http://loose.example/atom", title: "Loose"),
            ])
    }

    @Test func duplicatesMergeTheirTags() throws {
        let feeds = try read(
            """
            <opml version="2.0"><body>
              <outline text="one"><outline text="Feed" xmlUrl="http://d/feed"/></outline>
              <outline text="two"><outline text="Other title" xmlUrl="http://d/feed"/></outline>
            </body></opml>
            """)
        #expect(feeds == [Subscription(url: "http://d/feed", title: "Feed", tags: ["one", "two"])])
    }

    @Test func subscriptionListsAndEmptyURLsAreNotFeeds() throws {
        let feeds = try read(
            """
            <opml version="2.0"><body>
              <outline text="list" type="source" xmlUrl="http://d/list"/>
              <outline text="inc" type="include" url="http://d/inc.opml"/>
              <outline text="empty" type="rss" xmlUrl=""/>
              <outline text="Unicode — Ελληνικά 日本" type="pie" xmlUrl="http://d/u"/>
            </body></opml>
            """)
        #expect(feeds == [Subscription(url: "http://d/u", title: "Unicode — Ελληνικά 日本")])
    }

    @Test func foafBlogrollsAreRead() throws {
        let feeds = try read(
            """
            <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:foaf="http://xmlns.com/foaf/0.1/"
                     xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#" xmlns:rss="http://purl.org/rss/1.0/"
                     xmlns:ya="http://blogs.yandex.ru/schema/foaf/">
              <foaf:Group><foaf:name>Planet X</foaf:name>
                <foaf:member><foaf:Agent><foaf:name> Ana </foaf:name>
                  <foaf:weblog><foaf:Document rdf:about="http://ana.example/">
                    <rdfs:seeAlso><rss:channel rdf:about="http://ana.example/feed"/></rdfs:seeAlso>
                  </foaf:Document></foaf:weblog>
                </foaf:Agent></foaf:member>
              </foaf:Group>
              <foaf:Person><foaf:name>Ivan</foaf:name>
                <ya:blogActivity><ya:Posts><ya:feed rdf:resource="http://ivan.example/rss"/></ya:Posts></ya:blogActivity>
                <foaf:knows><foaf:Person><foaf:name>Friend</foaf:name>
                  <foaf:weblog><foaf:Document rdf:about="http://f.example/">
                    <rdfs:seeAlso><rss:channel rdf:about="http://f.example/feed"/></rdfs:seeAlso>
                  </foaf:Document></foaf:weblog>
                </foaf:Person></foaf:knows>
              </foaf:Person>
            </rdf:RDF>
            """)
        #expect(
            feeds == [
                Subscription(
                    url: "http://ana.example/feed", title: "Ana", htmlURL: "http://ana.example/", tags: ["Planet X"]),
                Subscription(url: "http://ivan.example/rss", title: "Ivan"),
            ])
    }

    @Test(arguments: [
        ("<opml><body><outline text='x' xmlUrl='http://d/'/></body>", "not well-formed"),
        ("<opml><body><outline text='&nbsp;' xmlUrl='http://d/'/></body></opml>", "not well-formed"),
        ("<rss version='2.0'><channel/></rss>", "root element is <rss>"),
        ("<opml><head/></opml>", "no <body>"),
        ("", "not well-formed"),
        (
            "<!DOCTYPE opml [<!ENTITY a 'aaaa'>]><opml><body><outline text='&a;' xmlUrl='http://d/'/></body></opml>",
            "entities"
        ),
    ])
    func malformedDocumentsAreRefused(text: String, message: String) throws {
        let error = try #require(throws: ParserError.self) { try read(text) }
        #expect(error.description.contains(message))
    }
}
