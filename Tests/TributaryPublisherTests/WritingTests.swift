import Foundation
import Testing
import TributaryCore

@testable import TributaryPublisher

@Suite struct WritingTests {
    @Test func sameInputGivesSameBytesAndSecondRunWritesNothing() async throws {
        let first = try Sample.temporaryDirectory()
        let second = try Sample.temporaryDirectory()
        let report = try await Publisher().publish(Sample.input(), to: first)
        _ = try await Publisher().publish(Sample.input(), to: second)
        #expect(Set(report.written) == ["atom.xml", "rss.xml", "feed.json", "index.html", "feeds.opml"])
        for name in report.written {
            let a = try Data(contentsOf: first.appendingPathComponent(name))
            let b = try Data(contentsOf: second.appendingPathComponent(name))
            #expect(a == b, "\(name) differs between two runs")
        }
        let atomURL = first.appendingPathComponent("atom.xml")
        let before = try FileManager.default.attributesOfItem(atPath: atomURL.path)[.modificationDate] as? Date
        let again = try await Publisher().publish(Sample.input(), to: first)
        #expect(again.written.isEmpty)
        #expect(Set(again.unchanged) == Set(report.written))
        let after = try FileManager.default.attributesOfItem(atPath: atomURL.path)[.modificationDate] as? Date
        #expect(before == after)
        // No temporary file is left behind.
        let names = try FileManager.default.contentsOfDirectory(atPath: first.path)
        #expect(!names.contains { $0.contains(".tmp-") })
    }

    @Test func aChangedEntryRewritesOnlyWhatChanged() async throws {
        let folder = try Sample.temporaryDirectory()
        var output = OutputSettings(html: nil, rss: "rss.xml")
        output.opml = nil
        _ = try await Publisher().publish(Sample.input(output: output), to: folder)
        var entries = Sample.entries()
        entries[3].article.title = "Elections called for spring"
        let report = try await Publisher().publish(Sample.input(entries: entries, output: output), to: folder)
        #expect(Set(report.written) == ["atom.xml", "rss.xml"])
        let atom = try AtomSummary(file: folder.appendingPathComponent("atom.xml"))
        #expect(atom.entries.contains { $0.title == "Elections called for spring" })
    }

    @Test(arguments: ["../escape.xml", "/etc/passwd", "", "a/../b.xml", "dir/"])
    func outputNamesMustStayInsideTheFolder(name: String) async throws {
        let folder = try Sample.temporaryDirectory()
        let output = OutputSettings(atom: name, html: nil)
        await #expect(throws: PublishError.self) {
            _ = try await Publisher().publish(Sample.input(output: output), to: folder)
        }
    }

    @Test func outputsInSubfoldersAreCreated() async throws {
        let folder = try Sample.temporaryDirectory()
        let output = OutputSettings(atom: "feeds/all.xml", html: "index.html")
        let report = try await Publisher().publish(Sample.input(output: output), to: folder)
        #expect(report.written.contains("feeds/all.xml"))
        let html = try String(contentsOf: folder.appendingPathComponent("index.html"), encoding: .utf8)
        #expect(html.contains("href=\"https://example.org/news/feeds/all.xml\""))
    }

    @Test func relativeLinksBetweenOutputs() {
        #expect(Publisher.relative("atom.xml", from: "index.html") == "atom.xml")
        #expect(Publisher.relative("feeds/atom.xml", from: "index.html") == "feeds/atom.xml")
        #expect(Publisher.relative("atom.xml", from: "www/index.html") == "../atom.xml")
        #expect(Publisher.relative("www/atom.xml", from: "www/index.html") == "atom.xml")
    }

    @Test func datesPrintInUTCToTheSecond() {
        #expect(DateText.rfc3339(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(DateText.rfc3339(Date(timeIntervalSince1970: 951_782_400.9)) == "2000-02-29T00:00:00Z")
        #expect(DateText.rfc3339(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
        #expect(DateText.rfc822(Date(timeIntervalSince1970: 1_795_980_411)) == "Sun, 29 Nov 2026 19:26:51 +0000")
        #expect(DateText.rfc3339(Date(timeIntervalSince1970: .nan)) == "0001-01-01T00:00:00Z")
        #expect(DateText.rfc3339(Date.distantFuture) == "4001-01-01T00:00:00Z")
        #expect(DateText.rfc3339(Date(timeIntervalSince1970: 1e12)) == "9999-12-31T23:59:59Z")
    }
}
