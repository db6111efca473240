import Foundation
import Testing
import TributaryCore

@testable import TributaryPublisher

@Suite struct WebSubTests {
    @Test func aChangedFeedIsAnnouncedOnceAndAnUnchangedOneNot() async throws {
        let server = try LoopbackServer(status: 204)
        defer { server.stop() }
        let hub = "http://127.0.0.1:\(server.port)/hub"
        let folder = try Sample.temporaryDirectory()
        let output = OutputSettings(html: nil, hub: hub)
        let first = try await Publisher().publish(Sample.input(output: output), to: folder)
        #expect(first.hubPing == .accepted(hub: hub, status: 204))
        let request = try #require(server.requests.first)
        #expect(request.hasPrefix("POST /hub HTTP/1.1\r\n"))
        #expect(request.lowercased().contains("content-type: application/x-www-form-urlencoded"))
        #expect(request.hasSuffix("hub.mode=publish&hub.url=https%3A%2F%2Fexample.org%2Fnews%2Fatom.xml"))

        let second = try await Publisher().publish(Sample.input(output: output), to: folder)
        #expect(second.hubPing == .skipped(hub: hub))
        #expect(server.requests.count == 1)
    }

    @Test func aRefusingHubIsReportedNotThrown() async throws {
        let server = try LoopbackServer(status: 400)
        defer { server.stop() }
        let hub = "http://127.0.0.1:\(server.port)/"
        let folder = try Sample.temporaryDirectory()
        let report = try await Publisher().publish(
            Sample.input(output: OutputSettings(html: nil, hub: hub)), to: folder)
        #expect(report.hubPing == .rejected(hub: hub, status: 400))
        #expect(report.written.contains("atom.xml"))
    }
}
