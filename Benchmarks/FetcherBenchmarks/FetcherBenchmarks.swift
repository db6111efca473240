import Benchmark
import Foundation
import Logging
import TributaryCore
import TributaryFetcher

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal keep-alive HTTP/1.1 server on 127.0.0.1 (a thread per connection, blocking I/O) so the
/// benchmark measures the fetcher rather than a slow test server. It answers every request with one small
/// feed, or 304 when the request carries If-None-Match. It lives as long as the benchmark process.
final class LoopbackServer: @unchecked Sendable {
    // @unchecked: `listener` and `port` are set once in init; connection threads share nothing else.
    let port: Int
    private let listener: Int32

    static let body = Array(
        ("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Bench</title><link>http://example.org/</link>"
            + String(
                repeating: "<item><title>An item title of some length</title>"
                    + "<link>http://example.org/item</link><description>Some text for the item.</description></item>",
                count: 12) + "</channel></rss>").utf8)
    static let full =
        Array(
            ("HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: \(body.count)\r\n"
                + "ETag: \"bench\"\r\nLast-Modified: Fri, 14 Mar 2025 12:00:00 GMT\r\n\r\n").utf8) + body
    static let notModified = Array("HTTP/1.1 304 Not Modified\r\nETag: \"bench\"\r\n\r\n".utf8)

    init?() {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 1024) == 0 else {
            close(fd)
            return nil
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [listener] in
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { continue }
                Thread { LoopbackServer.serve(client) }.start()
            }
        }
        thread.start()
    }

    private static func serve(_ client: Int32) {
        defer { close(client) }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        let marker = Array("\r\n\r\n".utf8)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(client, $0.baseAddress, $0.count) }
            if count <= 0 { return }
            pending.append(contentsOf: buffer[0..<count])
            while let end = pending.firstRange(of: marker) {
                let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self).lowercased()
                pending.removeSubrange(..<end.upperBound)
                let response = head.contains("if-none-match:") ? notModified : full
                let sent = response.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                if sent != response.count { return }
            }
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident], maxDuration: .seconds(10),
        maxIterations: 20)

    guard let server = LoopbackServer() else {
        print("FetcherBenchmarks: cannot listen on 127.0.0.1; skipped")
        return
    }
    let logger = Logger(label: "tributary.fetcher", factory: { _ in SwiftLogNoOpLogHandler() })
    let feeds = 1_000
    let urls = (0..<feeds).map { "http://127.0.0.1:\(server.port)/f\($0).xml" }

    func fetchAll(_ requests: [FetchRequest], settings: FetchSettings) async -> Int {
        let fetcher = Fetcher(settings: settings, logger: logger)
        var done = 0
        for await result in fetcher.fetch(requests) where result.error == nil { done += 1 }
        return done
    }

    // No malloc counting around libcurl: the malloc interposer crashes on frees inside libcurl on Linux
    // (AddressSanitizer finds nothing wrong in these runs).
    let transfers = Benchmark.Configuration(metrics: [.wallClock, .cpuTotal, .peakMemoryResident])

    Benchmark("Fetcher 1,000 feeds from one loopback host, 200 (defaults: 4 per host)", configuration: transfers) {
        benchmark in
        let requests = urls.map { FetchRequest(feedURL: $0) }
        for _ in benchmark.scaledIterations {
            blackHole(await fetchAll(requests, settings: FetchSettings()))
        }
    }

    Benchmark("Fetcher 1,000 feeds from one loopback host, 304 (defaults: 4 per host)", configuration: transfers) {
        benchmark in
        let requests = urls.map { FetchRequest(feedURL: $0, etag: "\"bench\"") }
        for _ in benchmark.scaledIterations {
            blackHole(await fetchAll(requests, settings: FetchSettings()))
        }
    }

    Benchmark("Fetcher 1,000 feeds from one loopback host, 200, 32 per host", configuration: transfers) { benchmark in
        let requests = urls.map { FetchRequest(feedURL: $0) }
        for _ in benchmark.scaledIterations {
            blackHole(await fetchAll(requests, settings: FetchSettings(concurrency: 32, perHost: 32)))
        }
    }

    Benchmark("FeedPolicy.update 10,000 results") { benchmark in
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let settings = FetchSettings()
        let hints = ScheduleHints(ttlMinutes: 60, skipHours: [1, 2, 3])
        let results = (0..<10_000).map { index in
            FetchResult(
                request: FetchRequest(feedURL: "https://host\(index % 97).example/feed\(index).xml"),
                outcome: index % 10 == 0 ? .failed(FetchError(.http, "500")) : .notModified,
                status: index % 10 == 0 ? 500 : 304,
                headers: ["cache-control": "max-age=1800", "etag": "\"x\""])
        }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for result in results {
                blackHole(FeedPolicy.update(FeedHealth(), after: result, hints: hints, settings: settings, now: now))
            }
        }
    }
}
