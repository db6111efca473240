import Foundation
import Testing
import TributaryCore

@testable import TributaryParser

#if canImport(Glibc)
    import Glibc
#endif

/// Hostile and broken documents: each must give a safe, bounded result and never crash.
struct AttackTests {
    private func parse(_ text: String, contentType: String? = nil) -> ParsedFeedSummary {
        ParsedFeedSummary(
            FeedParser.parse(Data(text.utf8), documentURL: "http://example.com/feed", contentType: contentType))
    }

    @Test func fileExternalEntityIsNeverRead() {
        let feed = parse(
            """
            <?xml version="1.0"?>
            <!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <rss version="2.0"><channel><title>&xxe;</title><item><title>&xxe;</title></item></channel></rss>
            """)
        #expect(!feed.errors.isEmpty)
        #expect(!feed.allText.contains("root:"))
    }

    @Test func externalDTDIsNeverLoaded() {
        let feed = parse(
            """
            <?xml version="1.0"?>
            <!DOCTYPE rss SYSTEM "file:///etc/passwd">
            <rss version="2.0"><channel><title>Plain</title></channel></rss>
            """)
        #expect(feed.title == "Plain")
        #expect(!feed.allText.contains("root:"))
    }

    @Test func networkAndParameterEntitiesMakeNoRequest() throws {
        let listener = try LoopbackListener()
        let port = listener.port
        let documents = [
            "<!DOCTYPE rss SYSTEM \"http://127.0.0.1:\(port)/dtd\"><rss><channel><title>a</title></channel></rss>",
            "<!DOCTYPE rss [<!ENTITY % p SYSTEM \"http://127.0.0.1:\(port)/p\"> %p;]><rss><channel/></rss>",
            "<!DOCTYPE rss [<!ENTITY x SYSTEM \"http://127.0.0.1:\(port)/x\">]><rss><channel><title>&x;</title></channel></rss>",
            "<rss xmlns:xi=\"http://www.w3.org/2001/XInclude\"><channel><title><xi:include href=\"http://127.0.0.1:\(port)/i\" parse=\"text\"/></title></channel></rss>",
            "<rss><channel><item><description>&lt;img src=\"http://127.0.0.1:\(port)/img\"&gt;</description></item></channel></rss>",
        ]
        for document in documents {
            _ = parse(document)
        }
        #expect(listener.connectionsWaiting() == 0)
    }

    @Test func netscapeDoctypeStillParses() {
        let feed = parse(
            """
            <?xml version="1.0" encoding="ISO-8859-1"?>
            <!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
              "http://my.netscape.com/publish/formats/rss-0.91.dtd">
            <rss version="0.91"><channel><title>Old &amp; fine</title><link>http://example.com/</link>
            <item><title>Caf&eacute;</title><link>http://example.com/1</link></item></channel></rss>
            """)
        #expect(feed.title == "Old & fine")
        #expect(feed.entryTitles == ["Café"])
    }

    @Test func billionLaughsIsRefused() {
        var entities = "<!ENTITY lol0 \"lol\">"
        for level in 1...9 {
            let previous = String(repeating: "&lol\(level - 1);", count: 10)
            entities += "<!ENTITY lol\(level) \"\(previous)\">"
        }
        let feed = parse("<!DOCTYPE rss [\(entities)]><rss><channel><title>&lol9;</title></channel></rss>")
        #expect(!feed.errors.isEmpty)
        #expect(feed.allText.count < 10_000)
    }

    @Test func quadraticBlowupIsRefused() {
        let big = String(repeating: "a", count: 50_000)
        let references = String(repeating: "&a;", count: 50_000)
        let feed = parse(
            "<!DOCTYPE rss [<!ENTITY a \"\(big)\">]><rss><channel><title>\(references)</title></channel></rss>")
        #expect(!feed.errors.isEmpty)
        #expect(feed.allText.count < 1_000_000)
    }

    @Test func deepNestingIsBounded() {
        let depth = 100_000
        let document =
            "<rss><channel><item><title>first</title></item><item>"
            + String(repeating: "<x>", count: depth) + String(repeating: "</x>", count: depth)
            + "</item></channel></rss>"
        let feed = parse(document)
        #expect(!feed.errors.isEmpty)
        #expect(feed.entryTitles.first == "first")
    }

    @Test func deeplyNestedHTMLContentIsBounded() {
        let depth = 100_000
        let html = String(repeating: "<div>", count: depth) + "deep" + String(repeating: "</div>", count: depth)
        let sanitized = HTMLSanitizer.sanitize(html, baseURL: nil)
        #expect(!sanitized.contains("<script"))
        #expect(sanitized.count < html.count)
    }

    @Test func xincludeIsNotProcessed() {
        let feed = parse(
            """
            <rss xmlns:xi="http://www.w3.org/2001/XInclude"><channel>
            <title>t<xi:include href="file:///etc/passwd" parse="text"/></title>
            <item><description><xi:include href="file:///etc/passwd" parse="text"/></description></item>
            </channel></rss>
            """)
        #expect(!feed.allText.contains("root:"))
    }

    @Test func oversizedTextDoesNotCrash() {
        let huge = String(repeating: "x", count: 12_000_000)
        let feed = parse("<rss><channel><title>\(huge)</title><item><title>after</title></item></channel></rss>")
        #expect(!feed.errors.isEmpty)
        #expect((feed.title?.count ?? 0) <= 10_000_000)
    }

    @Test func utf7IsNotDecoded() {
        let feed = parse(
            """
            <?xml version="1.0" encoding="UTF-7"?>
            <rss><channel><item><description>+ADw-script+AD4-alert(1)+ADw-/script+AD4-</description></item></channel></rss>
            """)
        #expect(!feed.errors.isEmpty)
        #expect(!feed.allText.lowercased().contains("<script"))
    }

    @Test func mismatchedCharsetFallsBack() {
        var bytes = Array("<rss><channel><title>caf".utf8)
        bytes.append(0xE9)  // é in windows-1252, invalid as UTF-8
        bytes += Array("</title></channel></rss>".utf8)
        let parsed = FeedParser.parse(Data(bytes), documentURL: nil, contentType: "application/rss+xml; charset=utf-8")
        #expect(parsed.info.title == "café")
        #expect(!parsed.errors.isEmpty)
    }

    @Test func declaredCharsetIsHonoured() {
        var bytes = Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><channel><title>".utf8)
        bytes += [0x93, 0x71, 0x94, 0x20, 0xE9]
        bytes += Array("</title></channel></rss>".utf8)
        let parsed = FeedParser.parse(Data(bytes), documentURL: nil, contentType: nil)
        #expect(parsed.info.title == "\u{201C}q\u{201D} é")
        #expect(parsed.errors.isEmpty)
    }

    @Test func forbiddenCharactersAreRemoved() {
        let feed = parse("<rss><channel><title>a\u{01}b\u{0B}c\u{1F}d</title></channel></rss>")
        #expect(feed.title == "abcd")
        #expect(!feed.errors.isEmpty)
    }

    @Test func htmlErrorPageIsNotAFeed() {
        let feed = parse(
            "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>",
            contentType: "text/html")
        #expect(!feed.errors.isEmpty)
        #expect(feed.entryTitles.isEmpty)
    }

    @Test func truncatedXMLKeepsWhatWasRead() {
        let feed = parse(
            "<rss><channel><title>T</title><item><title>one</title></item><item><title>two</title></item><item><tit")
        #expect(!feed.errors.isEmpty)
        #expect(feed.entryTitles.prefix(2) == ["one", "two"])
    }

    @Test func garbageNeverCrashes() {
        let inputs: [[UInt8]] = [
            [], [0], [0xFF, 0xFE], [0xEF, 0xBB, 0xBF], Array("<".utf8), Array("{".utf8),
            Array("<rss".utf8), Array("&&&&".utf8), Array("<?xml encoding=\"x-nonsense\"?><rss/>".utf8),
        ]
        for input in inputs {
            let parsed = FeedParser.parse(Data(input), documentURL: nil, contentType: nil)
            #expect(parsed.articles.isEmpty)
        }
    }
}

/// The parts of a parse result the attack tests look at.
struct ParsedFeedSummary {
    let title: String?
    let entryTitles: [String]
    let errors: [String]
    /// Every string the result holds, to search for leaked content.
    let allText: String

    init(_ feed: ParsedFeed) {
        title = feed.info.title
        entryTitles = feed.articles.compactMap(\.title)
        errors = feed.errors
        var text = [feed.info.title, feed.info.subtitle].compactMap { $0 }
        for article in feed.articles {
            text += [article.title, article.summary, article.content].compactMap { $0 }
        }
        allText = text.joined(separator: "\n")
    }
}

/// A TCP listener on 127.0.0.1 that never accepts; it only counts connection attempts waiting in its
/// backlog, so a test can prove that nothing tried to connect.
final class LoopbackListener {
    private let socketDescriptor: Int32
    let port: UInt16

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else {
            close(descriptor)
            throw ListenerError()
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        socketDescriptor = descriptor
        port = UInt16(bigEndian: address.sin_port)
    }

    /// How many connections were made (accepted here without blocking).
    func connectionsWaiting() -> Int {
        var count = 0
        while true {
            let client = accept(socketDescriptor, nil, nil)
            guard client >= 0 else { return count }
            close(client)
            count += 1
        }
    }

    deinit {
        close(socketDescriptor)
    }

    struct ListenerError: Error {}
}
