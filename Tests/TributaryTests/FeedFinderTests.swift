import Foundation
import Logging
import Testing
import TributaryCore

@testable import Tributary

private let rss = Data(
    """
    <?xml version="1.0"?><rss version="2.0"><channel><title>Example News</title>
    <item><title>One</title><link>https://example.org/1</link></item></channel></rss>
    """.utf8)

private let page = Data(
    """
    <!DOCTYPE html><html><head><title>Example</title>
    <link rel="alternate" type="application/atom+xml" title="Atom" href="/feeds/atom.xml">
    <link rel="alternate" type="application/rss+xml" title="RSS" href="https://example.org/rss.xml">
    <link rel="stylesheet" href="/style.css"></head><body><p>Hello</p></body></html>
    """.utf8)

@Test func aFeedIsRecognisedAsAFeed() {
    let finding = FeedFinder.classify(
        rss, contentType: "application/rss+xml", finalURL: "https://example.org/rss",
        requestedURL: "https://example.org/rss")
    #expect(finding == .feed(url: "https://example.org/rss", title: "Example News"))
}

@Test func aPageOffersTheFeedsItAdvertisesInOrder() {
    let finding = FeedFinder.classify(
        page, contentType: "text/html", finalURL: "https://example.org/blog/", requestedURL: "https://example.org/blog/"
    )
    guard case .page(let feeds) = finding else {
        Issue.record("expected a page, got \(finding)")
        return
    }
    #expect(feeds.map(\.href) == ["https://example.org/feeds/atom.xml", "https://example.org/rss.xml"])
}

@Test func aPageWithoutFeedsIsNothing() {
    let html = Data("<html><head><title>x</title></head><body>no feeds</body></html>".utf8)
    let finding = FeedFinder.classify(
        html, contentType: "text/html", finalURL: "https://example.org/", requestedURL: "https://example.org/")
    guard case .nothing = finding else {
        Issue.record("expected nothing, got \(finding)")
        return
    }
}

/// The whole path through the fetcher, against Python's http.server on loopback.
@Test func findFetchesAPageOnLoopbackAndDiscoversItsFeed() async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("finder-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try page.write(to: folder.appendingPathComponent("index.html"))
    try rss.write(to: folder.appendingPathComponent("rss.xml"))

    let server = Process()
    server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    server.arguments = ["python3", "-u", "-m", "http.server", "--bind", "127.0.0.1", "0"]
    server.currentDirectoryURL = folder
    let output = Pipe()
    server.standardOutput = output
    server.standardError = FileHandle.nullDevice
    try server.run()
    defer { server.terminate() }
    // "Serving HTTP on 127.0.0.1 port 43125 (http://127.0.0.1:43125/) ..."
    var banner = ""
    while !banner.contains("\n"), let chunk = try output.fileHandleForReading.read(upToCount: 1), !chunk.isEmpty {
        banner += String(decoding: chunk, as: UTF8.self)
    }
    let port = try #require(
        banner.split(separator: " ").firstIndex(of: "port").map { banner.split(separator: " ")[$0 + 1] })

    let logger = Logger(label: "test")
    let base = "http://127.0.0.1:\(port)"
    let pageFinding = await FeedFinder.find("\(base)/index.html", settings: FetchSettings(), site: nil, logger: logger)
    guard case .page(let feeds) = pageFinding else {
        Issue.record("expected a page, got \(pageFinding)")
        return
    }
    #expect(feeds.first?.href == "\(base)/feeds/atom.xml")
    let feedFinding = await FeedFinder.find("\(base)/rss.xml", settings: FetchSettings(), site: nil, logger: logger)
    #expect(feedFinding == .feed(url: "\(base)/rss.xml", title: "Example News"))
}
