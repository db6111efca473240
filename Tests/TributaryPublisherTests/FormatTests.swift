import Foundation
import Testing
import TributaryCore

@testable import TributaryParser
@testable import TributaryPublisher

@Suite struct FormatTests {
    private func publish(_ input: PublishInput) async throws -> URL {
        let folder = try Sample.temporaryDirectory()
        _ = try await Publisher().publish(input, to: folder)
        return folder
    }

    @Test func rssCarriesTheSameEntriesAndIds() async throws {
        let folder = try await publish(Sample.input())
        let atom = try AtomSummary(file: folder.appendingPathComponent("atom.xml"))
        let bytes = Array(try Data(contentsOf: folder.appendingPathComponent("rss.xml")))
        let document = try bytes.withUnsafeBytes {
            try XMLDocument.parseXML($0, url: nil, encoding: nil, recover: false)
        }
        let channel = try #require(document.root?.elements.first { $0.name == "channel" })
        let items = channel.elements.filter { $0.name == "item" }
        let guids = items.compactMap { $0.elements.first { $0.name == "guid" } }
        #expect(guids.map(\.text) == atom.entries.map(\.id))
        let permalinks = guids.map { $0.attribute("isPermaLink") }
        #expect(permalinks == ["false", "false", "true"])
        #expect(channel.elements.first { $0.name == "link" }?.text == "https://example.org/news/index.html")
    }

    @Test func jsonFeedCarriesTheSameEntriesAndSources() async throws {
        let folder = try await publish(Sample.input())
        let atom = try AtomSummary(file: folder.appendingPathComponent("atom.xml"))
        let data = try Data(contentsOf: folder.appendingPathComponent("feed.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["version"] as? String == "https://jsonfeed.org/version/1.1")
        #expect(object["feed_url"] as? String == "https://example.org/news/feed.json")
        let items = try #require(object["items"] as? [[String: Any]])
        #expect(items.compactMap { $0["id"] as? String } == atom.entries.map(\.id))
        let bridge = try #require(items.first { $0["id"] as? String == "tag:atom.example.com,2026:entry-1" })
        #expect(bridge["title"] as? String == "Bridge reopens after <repairs>")
        #expect(bridge["date_modified"] as? String == "2026-11-20T09:30:00Z")
        let extensionObject = try #require(bridge["_tributary"] as? [String: Any])
        let related = try #require(extensionObject["related"] as? [[String: Any]])
        #expect(related.first?["kind"] as? String == "source")
        #expect(related.first?["url"] as? String == "https://rss.example.net/bridge-open")
    }

    @Test func hostileJSONFeedStillParses() async throws {
        let folder = try await publish(Sample.input(entries: Sample.hostileEntries()))
        let data = try Data(contentsOf: folder.appendingPathComponent("feed.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let items = try #require(object["items"] as? [[String: Any]])
        #expect(items.count == 5)
        #expect(!String(decoding: data, as: UTF8.self).contains("<script"))
    }

    @Test func htmlForbidsScriptsAndEscapesEveryField() async throws {
        let folder = try await publish(Sample.input(entries: Sample.hostileEntries() + Sample.entries()))
        let html = try String(contentsOf: folder.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.contains("<meta http-equiv=\"Content-Security-Policy\""))
        #expect(html.contains("script-src 'none'"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("javascript:"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Headline"))
        #expect(html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"))
        // Grouped by day, newest day first, each story once with its other sources.
        let friday = try #require(html.range(of: "Friday, 20 November 2026"))
        let thursday = try #require(html.range(of: "Thursday, 19 November 2026"))
        #expect(friday.lowerBound < thursday.lowerBound)
        #expect(html.components(separatedBy: "Bridge reopens after &lt;repairs&gt;</a></h3>").count == 2)
        #expect(html.contains("Also covered by:"))
        #expect(html.contains("<a href=\"https://rss.example.net/bridge-open\">RSS Weekly: Bridge open again</a>"))
        // The HTML document is well-formed enough for libxml2's HTML parser to find every story.
        let document = try #require(
            Array(html.utf8).withUnsafeBytes { XMLDocument.parseHTML($0) })
        #expect(document.root?.name == "html")
    }

    @Test func aUserTemplateIsUsedByPath() async throws {
        let folder = try Sample.temporaryDirectory()
        let template = folder.appendingPathComponent("mine.mustache")
        try "<ul>{{#days}}{{#stories}}<li>{{title}}</li>{{/stories}}{{/days}}</ul>\n".write(
            to: template, atomically: true, encoding: .utf8)
        var input = Sample.input(output: OutputSettings(template: "mine.mustache"))
        input.configDirectory = folder
        _ = try await Publisher().publish(input, to: folder.appendingPathComponent("out"))
        let html = try String(contentsOf: folder.appendingPathComponent("out/index.html"), encoding: .utf8)
        #expect(
            html == "<ul><li>Bridge reopens after &lt;repairs&gt;</li><li>Market prices steady</li>"
                + "<li>Elections called</li></ul>\n")
    }

    @Test func aBrokenTemplateIsAnError() async throws {
        let folder = try Sample.temporaryDirectory()
        let template = folder.appendingPathComponent("broken.mustache")
        try "{{#days}} never closed".write(to: template, atomically: true, encoding: .utf8)
        let input = Sample.input(output: OutputSettings(template: template.path))
        await #expect(throws: PublishError.self) { _ = try await Publisher().publish(input, to: folder) }
        await #expect(throws: PublishError.self) {
            _ = try await Publisher().publish(
                Sample.input(output: OutputSettings(template: "/nonexistent/t.mustache")), to: folder)
        }
    }
}
