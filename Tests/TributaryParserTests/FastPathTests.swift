import Foundation
import Testing
import TributaryCore

@testable import TributaryParser

/// The shortcuts taken for speed (CDATA taken out before libxml2 reads the document, byte-level sanitising,
/// common dates read without tokens) must give exactly what the general paths give.
struct FastPathTests {
    private func parse(_ text: String) -> ParsedFeed {
        FeedParser.parse(Data(text.utf8), documentURL: "http://example.com/feed.xml", contentType: nil)
    }

    private func rss(_ items: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>
        \(items)
        </channel></rss>
        """
    }

    @Test func cdataMixedWithTextKeepsDocumentOrder() throws {
        let feed = parse(
            rss(
                """
                <item><title>a <![CDATA[<b> & ]]> c<![CDATA[]]> d</title><guid>1</guid>
                <description>one <![CDATA[<i>two</i>]]> three</description></item>
                """))
        let item = try #require(feed.articles.first)
        #expect(item.title == "a <b> &  c d")
        #expect(item.summary == "one <i>two</i> three")
        #expect(feed.errors.isEmpty)
    }

    @Test func cdataSectionsMatchTheirElements() throws {
        var items = ""
        for index in 0..<30 {
            items += "<item><guid>\(index)</guid><title><![CDATA[Title \(index)]]></title>"
            items += "<description><![CDATA[<p>Body \(index)</p>]]></description></item>\n"
        }
        let feed = parse(rss(items))
        #expect(feed.articles.count == 30)
        for (index, item) in feed.articles.enumerated() {
            #expect(item.title == "Title \(index)")
            #expect(item.summary == "<p>Body \(index)</p>")
        }
    }

    @Test func forbiddenCharactersInsideCDATAAreRemovedAndReported() throws {
        let feed = parse(rss("<item><guid>1</guid><title><![CDATA[x\u{01}y\u{08}z]]></title></item>"))
        let item = try #require(feed.articles.first)
        #expect(item.title == "xyz")
        #expect(feed.errors.contains { $0.contains("2 characters that XML 1.0 forbids") })
    }

    @Test func nonCharactersInsideCDATAAreRemovedAndReported() throws {
        let feed = parse(rss("<item><guid>1</guid><title><![CDATA[a\u{FFFE}b\u{FFFF}c]]></title></item>"))
        let item = try #require(feed.articles.first)
        #expect(item.title == "abc")
        #expect(feed.errors.contains { $0.contains("2 characters that XML 1.0 forbids") })
    }

    @Test func lineNumbersCountLinesInsideCDATA() throws {
        let feed = parse(
            rss(
                """
                <item><guid>1</guid><description><![CDATA[line 1
                line 2
                line 3]]></description></item>
                <item><guid>2</guid><title>broken</titl></item>
                """))
        // The mismatched end tag is on line 6 of the document; the CDATA section above spans three lines.
        #expect(feed.errors.contains { $0.hasPrefix("line 6:") })
    }

    @Test func unterminatedCDATAIsReadWithoutExtraction() {
        let text = rss("<item><guid>1</guid><title>ok</title></item><item><title><![CDATA[cut off")
        let feed = parse(text)
        #expect(!feed.errors.isEmpty)
        #expect(feed.articles.first?.title == "ok")
    }

    @Test func cdataInsideInlineXHTMLIsText() throws {
        let feed = FeedParser.parse(
            Data(
                """
                <feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry><id>1</id>
                <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p><![CDATA[a < b]]></p></div>
                </content></entry></feed>
                """.utf8), documentURL: nil, contentType: nil)
        let entry = try #require(feed.articles.first)
        #expect(entry.content == "<p>a &lt; b</p>")
    }

    @Test func extractionKeepsPlaceholdersOutOfTheText() {
        let source = Array("<a><![CDATA[x]]><b><![CDATA[\nsecond\n]]></b></a>".utf8)
        let prepared = source.withUnsafeBytes { DocumentBytes.prepare($0, contentType: nil, extractingCDATA: true) }
        let cdata = prepared.cdata
        #expect(cdata?.ends.count == 2)
        #expect(
            prepared.utf8.map { String(decoding: $0, as: UTF8.self) } == "<a><![CDATA[0]]><b><![CDATA[1\n\n]]></b></a>")
        let first = "0".utf8CString.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: UInt8.self) { bytes in
                cdata?.withSection(placeholder: bytes.baseAddress) { String(decoding: $0, as: UTF8.self) }
            }
        }
        #expect(first == "x")
    }

    @Test(arguments: [
        "Wed, 02 Oct 2002 13:00:00 GMT", "Wed, 02 Oct 2002 13:00:00 +0200", "2 Oct 2002 13:00:00 -0530",
        "Thu, 31 Feb 2002 13:00:00 GMT", "Wed, 02 Oct 2002 25:00:00 GMT", "Wed, 02 Oct 2002 13:00:00 UT",
        "wed, 02 oct 2002 13:00:00 Z", "Wed, 02 Oct 2002 13:00:00 +2400",
    ])
    func commonRFC822AgreesWithTheGeneralReader(_ text: String) {
        let fast = FeedDate.parseCommonRFC822(text)
        if let fast { #expect(fast == FeedDate.parseRFC822(text)) }
        #expect(FeedDate.parse(text) == FeedDate.parseRFC822(text))
    }

    @Test(arguments: [
        "2025-03-14T03:11:14Z", "2025-03-14T03:11:14+05:30", "2025-03-14T03:11:14.123Z", "2025-03-14T03:11:14-08:00",
        "2025-02-30T03:11:14Z", "2025-03-14T24:00:00Z", "2025-03-14T03:11:60Z", "2025-03-14T03:11:14.1234567890Z",
        "2025-03-14T03:11:14+24:00", "2025-03-14t03:11:14Z", "2025-03-14T03:11:14.Z", "2025-03-14T03:11Z",
    ])
    func commonW3CDTFAgreesWithTheGeneralReader(_ text: String) {
        if let fast = FeedDate.parseCommonW3CDTF(text) { #expect(fast == FeedDate.parseW3CDTF(text)) }
        #expect(FeedDate.parse(text) == (FeedDate.parseW3CDTF(text) ?? FeedDate.parse(text)))
    }

    @Test func commonRFC822ReadsTheUsualForms() {
        #expect(
            FeedDate.parseCommonRFC822("Wed, 02 Oct 2002 13:00:00 GMT") == Date(timeIntervalSince1970: 1_033_563_600))
        #expect(
            FeedDate.parseCommonRFC822("Wed, 02 Oct 2002 15:00:00 +0200") == Date(timeIntervalSince1970: 1_033_563_600))
        #expect(FeedDate.parseCommonRFC822("Wed, 2 Oct 02 13:00:00 GMT") == nil)
    }

    @Test(arguments: [
        "plain", "café au lait", "Kovač", "â€™ quoted", "caf\u{00C3}\u{00A9}", "\u{00C3}", "\u{00C3}\u{00A9}x \u{00E2}",
        "François — “quoted” ’", "Ã©tÃ©", "\u{00C3}\u{0080}",
    ])
    func mojibakeByteCheckNeverMissesARepair(_ text: String) {
        var copy = text
        let mayChange = copy.withUTF8 { Mojibake.mayChange($0) }
        if !mayChange { #expect(Mojibake.repair(text) == text) }
        if Mojibake.repair(text) != text { #expect(mayChange) }
    }

    @Test(arguments: [
        "joe@example.com (Joe)", "Björn O'Brien <bjorn.o@news.example.org>", "mailto:x@y.org?subject=hi there",
        "x@y.org?subject=caf\u{00E9}) tail", "e\u{301}@x.com", "a@e\u{301}x.com", "name only", "a@b", "@x.com",
        "first.last+tag@sub.domain.example...", "x@y.com\r\n", "\u{00E9}a@b.co", "a@b.c\u{0301}om",
    ])
    func emailSearchOverBytesMatchesCharacters(_ text: String) {
        let reader = XMLFeedReader(documentURL: "")
        #expect(reader.findEmail(in: text) == reader.findEmailByCharacters(in: text))
    }

    @Test func htmlEntityTableMatchesLibxml2() {
        #expect(LibXML2Support.htmlEntity("amp") == 38)
        #expect(LibXML2Support.htmlEntity("nbsp") == 0xA0)
        #expect(LibXML2Support.htmlEntity("Aacute") == 0xC1)
        #expect(LibXML2Support.htmlEntity("aacute") == 0xE1)
        #expect(LibXML2Support.htmlEntity("thetasym") == 977)
        #expect(LibXML2Support.htmlEntity("diams") == 9830)
        #expect(LibXML2Support.htmlEntity("AMP") == nil)
        #expect(LibXML2Support.htmlEntity("nosuchentity") == nil)
        #expect(LibXML2Support.htmlEntity("") == nil)
    }

    @Test func sanitisingBytesMatchesSanitisingStrings() {
        let samples = [
            "<p>Hello <a href=\"/x?a=1&amp;b=2\" onclick=\"evil()\">link</a> &mdash; done</p>",
            "<figure><img src=\"https://e.com/i.jpg\" alt=\"A &quot;q&quot;\" loading=\"lazy\" /></figure>",
            "<p style=\"color: red; background: url(x)\">styled</p><br>",
            "plain text & more", "<div><p>unclosed</div>", "<a href=\"javascript:alert(1)\">x</a>",
            "<A HREF=\"HTTP://E.COM/\">upper</A>", "<p title='single' class=x>unquoted</p>",
        ]
        for sample in samples {
            var copy = sample
            let fromBytes = copy.withUTF8 { bytes in
                HTMLSanitizer.sanitize(bytes, base: { "http://example.com/" }, parser: HTMLFragmentParser())
            }
            #expect(fromBytes == HTMLSanitizer.sanitize(sample, baseURL: "http://example.com/"))
        }
    }
}
