import Foundation
import Testing
import TributaryCore

@testable import TributaryFetcher

@Suite struct FetcherFaultTests {
    let server: FaultServer

    init() throws {
        server = try FaultServer.get()
    }

    @Test func okWithValidators() async throws {
        let result = try #require(await fetchOne(FetchRequest(feedURL: server.url("/feed"))))
        #expect(result.status == 200)
        #expect(result.bodyText?.hasPrefix("<?xml") == true)
        #expect(result.etag == "\"v1\"")
        #expect(result.lastModified == "Sat, 01 Nov 2025 10:00:00 GMT")
        #expect(result.headers["cache-control"] == "max-age=3600")
        // Only the headers something reads are kept: the server's name and the body's length are not.
        #expect(result.headers["date"] != nil)
        #expect(result.headers["server"] == nil)
        #expect(result.headers["content-length"] == nil)
        #expect(Set(result.headers.keys).isSubset(of: keptHeaders.map { String(decoding: $0, as: UTF8.self) }))
        #expect(result.redirects.isEmpty)
        if case .body(_, let contentType) = result.outcome {
            #expect(contentType == "application/rss+xml")
        }
    }

    @Test func okWithoutValidators() async throws {
        let result = try #require(await fetchOne(FetchRequest(feedURL: server.url("/plain"))))
        #expect(result.status == 200)
        #expect(result.bodyText?.contains("<rss") == true)
        #expect(result.etag == nil)
        #expect(result.lastModified == nil)
    }

    @Test func notModifiedKeepsValidators() async throws {
        let byETag = try #require(await fetchOne(FetchRequest(feedURL: server.url("/feed"), etag: "\"v1\"")))
        #expect(byETag.status == 304)
        #expect(byETag.isNotModified)
        #expect(byETag.etag == "\"v1\"")
        let byDate = try #require(
            await fetchOne(FetchRequest(feedURL: server.url("/feed"), lastModified: "Sat, 01 Nov 2025 10:00:00 GMT")))
        #expect(byDate.isNotModified)
        #expect(byDate.lastModified == "Sat, 01 Nov 2025 10:00:00 GMT")
    }

    @Test func sendsUserAgentValidatorsAndAcceptEncoding() async throws {
        let request = FetchRequest(
            feedURL: server.url("/echo"), etag: "\"abc\"", lastModified: "Mon, 01 Jan 2024 00:00:00 GMT")
        let text = try #require(await fetchOne(request)?.bodyText)
        #expect(text.contains("user-agent: Tributary/0.1.0 (+https://example.org/)"))
        #expect(text.contains("if-none-match: \"abc\""))
        #expect(text.contains("if-modified-since: Mon, 01 Jan 2024 00:00:00 GMT"))
        #expect(text.contains("accept-encoding: ") && text.contains("gzip"))
        var custom = testSettings
        custom.userAgent = "MyBot/2"
        let customText = try #require(
            await fetchOne(FetchRequest(feedURL: server.url("/echo")), settings: custom)?.bodyText)
        #expect(customText.contains("user-agent: MyBot/2"))
    }

    @Test func decodesCompressedBodies() async throws {
        let result = try #require(await fetchOne(FetchRequest(feedURL: server.url("/gzipped"))))
        #expect(result.bodyText?.hasPrefix("<?xml") == true)
    }

    @Test func permanentRedirectChainMovesOnlyWhenConfirmed() async throws {
        let feedURL = server.url("/r301")
        let result = try #require(await fetchOne(FetchRequest(feedURL: feedURL)))
        #expect(result.status == 200)
        #expect(result.redirects.map(\.status) == [301, 308])
        #expect(result.finalURL == server.url("/feed"))
        #expect(result.permanentTarget == server.url("/feed"))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let first = FeedPolicy.update(FeedHealth(), after: result, hints: nil, settings: testSettings, now: now)
        #expect(first.move == nil)
        #expect(first.health.pendingRedirect == server.url("/feed"))
        let second = FeedPolicy.update(first.health, after: result, hints: nil, settings: testSettings, now: now)
        #expect(second.move?.from == feedURL)
        #expect(second.move?.to == server.url("/feed"))
        #expect(second.health.pendingRedirect == nil)
    }

    @Test(arguments: ["/r302", "/r307"]) func temporaryRedirectNeverMoves(path: String) async throws {
        let result = try #require(await fetchOne(FetchRequest(feedURL: server.url(path))))
        #expect(result.status == 200)
        #expect(result.redirects.count == 1)
        #expect(result.permanentTarget == nil)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var health = FeedHealth()
        for _ in 0..<3 {
            let update = FeedPolicy.update(health, after: result, hints: nil, settings: testSettings, now: now)
            #expect(update.move == nil)
            health = update.health
        }
        #expect(health.pendingRedirect == nil)
    }

    @Test func redirectLimitIsFive() async throws {
        let five = try #require(await fetchOne(FetchRequest(feedURL: server.url("/chain/5"))))
        #expect(five.status == 200)
        #expect(five.redirects.count == 5)
        let six = try #require(await fetchOne(FetchRequest(feedURL: server.url("/chain/6"))))
        #expect(six.error?.kind == .redirect)
    }

    @Test func redirectLoopIsRefused() async throws {
        let result = try #require(await fetchOne(FetchRequest(feedURL: server.url("/loop1"))))
        #expect(result.error?.kind == .redirect)
        #expect(result.error?.description.contains("loop") == true)
    }

    @Test(arguments: ["/to-loopback2", "/to-hex", "/to-localhost"])
    func redirectToAnotherPrivateAddressIsRefused(path: String) async throws {
        let result = try #require(await fetchOne(FetchRequest(feedURL: server.url(path))))
        #expect(result.error?.kind == .address)
        #expect(result.redirects.isEmpty)
    }

    @Test func redirectToFileSchemeIsRefused() async throws {
        let result = try #require(await fetchOne(FetchRequest(feedURL: server.url("/to-file"))))
        #expect(result.error?.kind == .scheme)
    }

    @Test func hostnameResolvingToLoopbackIsRefusedUnlessAllowed() async throws {
        let hooks = FetcherTestHooks(resolve: ["localtest:\(server.httpPort):127.0.0.1"])
        let url = "http://localtest:\(server.httpPort)/feed"
        let refused = try #require(await fetchOne(FetchRequest(feedURL: url), hooks: hooks))
        #expect(refused.error?.kind == .address)
        #expect(refused.error?.description.contains("127.0.0.1") == true)
        var open = testSettings
        open.allowPrivateAddresses = true
        let allowed = try #require(await fetchOne(FetchRequest(feedURL: url), settings: open, hooks: hooks))
        #expect(allowed.status == 200)
    }

    @Test func ipv6LoopbackNamedInFeedsJSONIsAllowedAndOnlyThat() async throws {
        let named = try #require(await fetchOne(FetchRequest(feedURL: "http://[::1]:\(server.ipv6Port)/feed")))
        #expect(named.status == 200)
        let redirected = try #require(await fetchOne(FetchRequest(feedURL: server.url("/to-ipv6"))))
        #expect(redirected.error?.kind == .address)
        // A name resolving to ::1 is judged on the socket address.
        let hooks = FetcherTestHooks(resolve: ["localtest6:\(server.ipv6Port):[::1]"])
        let url = "http://localtest6:\(server.ipv6Port)/feed"
        let refused = try #require(await fetchOne(FetchRequest(feedURL: url), hooks: hooks))
        #expect(refused.error?.kind == .address)
        #expect(refused.error?.description.contains("::1") == true)
    }

    @Test func goneDisablesTheFeed() async throws {
        let result = try #require(await fetchOne(FetchRequest(feedURL: server.url("/gone"))))
        #expect(result.status == 410)
        #expect(result.error?.kind == .http)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let health = FeedPolicy.update(FeedHealth(), after: result, hints: nil, settings: testSettings, now: now).health
        #expect(health.disabledReason != nil)
        #expect(!health.isDue(at: now.addingTimeInterval(365 * 86_400)))
    }

    @Test func tooManyRequestsHonoursRetryAfterSeconds() async throws {
        let result = try #require(await fetchOne(FetchRequest(feedURL: server.url("/busy-seconds"))))
        #expect(result.status == 429)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let health = FeedPolicy.update(FeedHealth(), after: result, hints: nil, settings: testSettings, now: now).health
        #expect(health.nextDue == now.addingTimeInterval(120))
        #expect(health.errorCount == 1)
    }

    @Test func unavailableHonoursRetryAfterDate() async throws {
        let result = try #require(await fetchOne(FetchRequest(feedURL: server.url("/busy-date"))))
        #expect(result.status == 503)
        let now = Date()
        let health = FeedPolicy.update(FeedHealth(), after: result, hints: nil, settings: testSettings, now: now).health
        let delay = health.nextDue.timeIntervalSince(now)
        #expect(delay > 7_000 && delay <= 7_201)
    }

    @Test func serverErrorBacksOff() async throws {
        let result = try #require(await fetchOne(FetchRequest(feedURL: server.url("/error"))))
        #expect(result.status == 500)
        #expect(result.error?.kind == .http)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let health = FeedPolicy.update(FeedHealth(), after: result, hints: nil, settings: testSettings, now: now).health
        let delay = health.nextDue.timeIntervalSince(now)
        #expect(delay >= 900 * 0.75 && delay <= 900)
        #expect(health.lastError?.contains("500") == true)
    }

    @Test func tricklingBodyIsDropped() async throws {
        let result = try #require(await fetchOne(FetchRequest(feedURL: server.url("/trickle"))))
        #expect(result.error?.kind == .timeout)
    }

    @Test func stalledHeaderIsDropped() async throws {
        let result = try #require(await fetchOne(FetchRequest(feedURL: server.url("/stall"))))
        #expect(result.error?.kind == .timeout)
    }

    @Test func stalledConnectIsDropped() async throws {
        var quick = testSettings
        quick.connectTimeout = 0.5
        let url = "http://127.0.0.1:\(server.stalledPort)/feed"
        let result = try #require(await fetchOne(FetchRequest(feedURL: url), settings: quick))
        #expect(result.error?.kind == .timeout)
        #expect(result.status == nil)
    }

    @Test func chunkedBodyStopsAtTheCap() async throws {
        let capped = try #require(await fetchOne(FetchRequest(feedURL: server.url("/chunked"))))
        #expect(capped.error?.kind == .tooLarge)
        var roomy = testSettings
        roomy.maxBytes = 32 << 20
        let whole = try #require(await fetchOne(FetchRequest(feedURL: server.url("/chunked")), settings: roomy))
        #expect(whole.bytes == 20 << 20)
    }

    @Test func gzipBombStopsAtTheCap() async throws {
        let result = try #require(await fetchOne(FetchRequest(feedURL: server.url("/bomb"))))
        #expect(result.error?.kind == .tooLarge)
        #expect(result.bytes <= testSettings.maxBytes)
    }

    @Test func hugeHeaderIsRefused() async throws {
        let result = try #require(await fetchOne(FetchRequest(feedURL: server.url("/bigheader"))))
        #expect(result.error?.kind == .tooLarge)
    }

    @Test func htmlPageIsHandedOverWithItsType() async throws {
        let fetcher = Fetcher(settings: testSettings, logger: quietLogger)
        let result = await fetcher.fetch(FetchRequest(feedURL: server.url("/html")))
        guard case .body(let data, let contentType) = result.outcome else {
            Issue.record("expected a body, got \(result.outcome)")
            return
        }
        #expect(contentType?.hasPrefix("text/html") == true)
        #expect(String(decoding: data, as: UTF8.self).contains("<html>"))
    }

    @Test func connectionResetMidBodyFails() async throws {
        let result = try #require(await fetchOne(FetchRequest(feedURL: server.url("/reset"))))
        #expect(result.error?.kind == .network)
    }

    @Test func badCertificateIsRefused() async throws {
        let result = try #require(await fetchOne(FetchRequest(feedURL: server.secureURL("/feed"))))
        #expect(result.error?.kind == .tls)
    }

    @Test func trustedCertificateWorksAndHttpsToHttpIsRefused() async throws {
        let hooks = FetcherTestHooks(caFile: server.certFile)
        let ok = try #require(await fetchOne(FetchRequest(feedURL: server.secureURL("/feed")), hooks: hooks))
        #expect(ok.status == 200)
        let downgrade = try #require(await fetchOne(FetchRequest(feedURL: server.secureURL("/to-http")), hooks: hooks))
        #expect(downgrade.error?.kind == .scheme)
        #expect(downgrade.error?.description.contains("https to http") == true)
    }

    @Test func http2IsNegotiatedAndOneConnectionCarriesAHostsFeeds() async throws {
        try #require(server.h2Port != 0, "the fault server needs the python h2 package: pip install h2")
        let before = try #require(await fetchOne(FetchRequest(feedURL: server.url("/h2-connections"))))
        let paths = (1...6).map { "/feed-\($0)" }
        let results = await fetchAll(
            paths.map { FetchRequest(feedURL: server.h2URL($0)) }, hooks: FetcherTestHooks(caFile: server.certFile))
        for path in paths {
            let result = try #require(results[server.h2URL(path)])
            #expect(result.status == 200, "\(path): \(result.outcome)")
            #expect(result.httpVersion == 2)
            #expect(result.bodyText?.contains("<rss") == true)
        }
        // Six feeds of one HTTP/2 host share one multiplexed connection instead of opening six.
        let after = try #require(await fetchOne(FetchRequest(feedURL: server.url("/h2-connections"))))
        let opened = Int(after.bodyText ?? "").flatMap { now in Int(before.bodyText ?? "").map { now - $0 } }
        #expect(opened == 1)
        // Plain http stays on HTTP/1.1: curl never guesses h2 without TLS.
        #expect(try #require(await fetchOne(FetchRequest(feedURL: server.url("/feed")))).httpVersion == 1)
    }

    @Test func runDeadlineEndsTheStream() async throws {
        var short = testSettings
        short.deadline = 3
        short.lowSpeedTime = 30
        let results = await fetchAll(
            [FetchRequest(feedURL: server.url("/stall")), FetchRequest(feedURL: server.url("/feed"))], settings: short)
        #expect(results[server.url("/stall")]?.error?.kind == .deadline)
        #expect(results[server.url("/feed")]?.status == 200)
        let stalled = try #require(results[server.url("/stall")])
        let before = FeedHealth(errorCount: 2, nextDue: Date(timeIntervalSince1970: 5))
        let after = FeedPolicy.update(before, after: stalled, hints: nil, settings: short, now: Date()).health
        #expect(after == before)
    }

    @Test func oneFeedsFailureNeverAffectsAnother() async throws {
        let faults = [
            "/gone", "/busy-seconds", "/busy-date", "/error", "/trickle", "/stall", "/chunked", "/bomb", "/bigheader",
            "/html", "/reset", "/loop1", "/chain/6", "/to-loopback2", "/to-hex", "/to-file",
        ]
        var requests = faults.map { FetchRequest(feedURL: server.url($0)) }
        requests.append(FetchRequest(feedURL: server.secureURL("/feed")))
        requests.append(FetchRequest(feedURL: "ftp://127.0.0.1/feed.xml"))
        requests.append(FetchRequest(feedURL: "http://127.0.0.1:\(server.stalledPort)/feed"))
        let good = (0..<12).map { FetchRequest(feedURL: server.url("/feed?n=\($0)")) }
        let results = await fetchAll(requests + good)
        #expect(results.count == requests.count + good.count)
        for request in good {
            let result = try #require(results[request.feedURL])
            #expect(result.status == 200)
            #expect(result.bodyText?.hasPrefix("<?xml") == true)
        }
        for request in requests where !request.feedURL.hasSuffix("/html") {
            #expect(results[request.feedURL]?.error != nil, "\(request.feedURL) should fail")
        }
    }

    @Test func perHostBoundStillFetchesEverything() async throws {
        var serial = testSettings
        serial.perHost = 1
        serial.concurrency = 2
        let requests = (0..<20).map { FetchRequest(feedURL: server.url("/feed?serial=\($0)")) }
        let results = await fetchAll(requests, settings: serial)
        #expect(results.count == 20)
        #expect(results.values.allSatisfy { $0.status == 200 })
    }

    @Test func connectionsAreReused() async throws {
        var serial = testSettings
        serial.perHost = 1
        serial.concurrency = 1
        let requests = (0..<4).map { FetchRequest(feedURL: server.url("/peer?n=\($0)")) }
        let results = await fetchAll(requests, settings: serial)
        let ports = Set(results.values.compactMap(\.bodyText))
        #expect(results.count == 4)
        #expect(ports.count == 1)
    }

    @Test func aSlowConsumerHoldsBackTransfersButGetsEverything() async throws {
        let fetcher = Fetcher(
            settings: testSettings, logger: quietLogger, site: nil, version: "0.1.0",
            hooks: FetcherTestHooks(maxBacklog: 1))
        let requests = (0..<20).map { FetchRequest(feedURL: server.url("/feed?slow=\($0)")) }
        var statuses: [Int?] = []
        for await result in fetcher.fetch(requests) {
            statuses.append(result.status)
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(statuses.count == 20)
        #expect(statuses.allSatisfy { $0 == 200 })
    }

    @Test func leavingTheStreamEarlyStopsTheRun() async throws {
        let fetcher = Fetcher(settings: testSettings, logger: quietLogger)
        let requests = (0..<40).map { FetchRequest(feedURL: server.url("/feed?early=\($0)")) }
        var first: FetchResult?
        for await result in fetcher.fetch(requests) {
            first = result
            break
        }
        #expect(first?.status == 200)
    }

    @Test func hostSpacingStillFetchesEverything() async throws {
        var spaced = testSettings
        spaced.hostSpacing = 0.05
        let requests = (0..<5).map { FetchRequest(feedURL: server.url("/feed?spaced=\($0)")) }
        let results = await fetchAll(requests, settings: spaced)
        #expect(results.count == 5)
        #expect(results.values.allSatisfy { $0.status == 200 })
    }
}

@Suite struct FetcherSchemeTests {
    @Test(arguments: ["ftp://example.org/feed.xml", "gopher://example.org/1", "file:///etc/passwd", "feed.xml"])
    func nonHTTPSchemesAreRefused(url: String) async throws {
        let result = try #require(await fetchOne(FetchRequest(feedURL: url)))
        #expect(result.error?.kind == .scheme)
    }

    @Test func literalPrivateAddressNotNamedIsRefusedBeforeConnecting() async throws {
        // The feed names a public name but is asked to fetch a private literal: nothing is sent anywhere.
        let request = FetchRequest(feedURL: "http://example.org/feed", url: "http://0x7f000001:9/feed")
        let result = try #require(await fetchOne(request))
        #expect(result.error?.kind == .address)
    }

    @Test func localFilesAreRead() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tributary-local-\(UUID()).xml").path
        try Data("<rss/>".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try #require(await fetchOne(FetchRequest(feedURL: path)))
        #expect(result.bodyText == "<rss/>")
        let missing = try #require(await fetchOne(FetchRequest(feedURL: path + ".missing")))
        #expect(missing.error?.kind == .file)
    }
}
