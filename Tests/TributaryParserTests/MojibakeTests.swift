import Foundation
import Testing
import TributaryCore

@testable import TributaryParser

@Test(arguments: [
    ("\u{E2}\u{20AC}\u{A6}", "\u{2026}"),  // "â€¦" → "…"
    ("caf\u{C3}\u{A9} cr\u{C3}\u{A8}me", "café crème"),
    ("It\u{E2}\u{20AC}\u{2122}s", "It\u{2019}s"),
])
func doubleEncodedTextIsRepaired(input: String, expected: String) {
    #expect(Mojibake.repair(input) == expected)
}

@Test(arguments: ["café", "Mirela Kovač", "10 – 12 — 14 €", "plain ASCII", "Ångström", "日本語のテキスト", "Â"])
func ordinaryTextIsLeftAlone(input: String) {
    #expect(Mojibake.repair(input) == input)
}

@Test func aFeedWithDoubleEncodedReferencesReadsCleanly() {
    let feed = FeedParser.parse(
        Data("<rss version=\"2.0\"><channel><item><title>Wait&#226;&#128;&#166;</title></item></channel></rss>".utf8),
        documentURL: nil, contentType: nil)
    #expect(feed.articles.first?.title == "Wait\u{2026}")
}
