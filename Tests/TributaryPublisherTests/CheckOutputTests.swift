import Foundation
import Testing
import TributaryCore

@testable import TributaryPublisher

/// Writes the sample and hostile outputs where `scripts/checks/50-publisher.sh` validates them with outside tools
/// (the W3C Feed Validator, xmllint's RELAX NG, jsonschema, feedparser, newsboat). Runs only when the script sets
/// `TRIBUTARY_PUBLISHER_CHECK_DIR`; otherwise there is nothing to check it against here.
@Suite struct CheckOutputTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TRIBUTARY_PUBLISHER_CHECK_DIR"] != nil))
    func writeOutputsForTheCheckScript() async throws {
        let root = URL(
            fileURLWithPath: ProcessInfo.processInfo.environment["TRIBUTARY_PUBLISHER_CHECK_DIR"] ?? "",
            isDirectory: true)
        let output = OutputSettings(rss: "rss.xml", jsonFeed: "feed.json", hub: "https://hub.example.org/")
        var sample = Sample.input(output: output)
        sample.output.archive = 2
        sample.output.entries = 1
        let sampleReport = try await Publisher().publish(sample, to: root.appendingPathComponent("sample"))
        #expect(sampleReport.written.contains("atom.xml"))
        let hostile = Sample.input(entries: Sample.hostileEntries() + Sample.entries(), output: output)
        _ = try await Publisher().publish(hostile, to: root.appendingPathComponent("hostile"))
        _ = try await Publisher().publish(
            try Sample.parsedHostileInput(), to: root.appendingPathComponent("parsed-hostile"))
        let bare = Sample.input(entries: [], output: OutputSettings(rss: "rss.xml", jsonFeed: "feed.json"))
        _ = try await Publisher().publish(bare, to: root.appendingPathComponent("empty"))
    }
}
