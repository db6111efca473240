import Foundation
import Logging
import TributaryCore

@testable import TributaryFetcher

/// The fault-injection server (Fixtures/fault_server.py), started once for the whole test run on 127.0.0.1.
/// It exits by itself when this process closes its stdin, that is when the tests end.
final class FaultServer: @unchecked Sendable {
    // @unchecked: `process` and `stdin` are set once in init and only kept alive afterwards, never used.
    let httpPort: Int
    let httpsPort: Int
    /// A port that never completes a TCP handshake.
    let stalledPort: Int
    /// The same server on [::1].
    let ipv6Port: Int
    let certFile: String
    /// An HTTP/2-only TLS port; 0 when the python `h2` package is missing (scripts/requirements-test.txt).
    let h2Port: Int
    private let process: Process
    private let stdin: Pipe

    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    static let shared: Result<FaultServer, StartError> = {
        do {
            return .success(try FaultServer())
        } catch let error as StartError {
            return .failure(error)
        } catch {
            return .failure(StartError(description: "\(error)"))
        }
    }()

    static func get() throws -> FaultServer {
        try shared.get()
    }

    private init() throws(StartError) {
        guard let script = Bundle.module.url(forResource: "fault_server", withExtension: "py", subdirectory: "Fixtures")
        else { throw StartError(description: "fault_server.py is not in the test bundle") }
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--lifetime", "300"]
        stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        do {
            try process.run()
        } catch {
            throw StartError(description: "cannot start python3: \(error)")
        }
        var line = Data()
        let reader = stdout.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let fields = String(decoding: line, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard fields.count == 7, fields[0] == "READY", let http = Int(fields[1]), let https = Int(fields[2]),
            let stalled = Int(fields[3]), let ipv6 = Int(fields[4]), let h2 = Int(fields[6])
        else {
            throw StartError(description: "fault server did not start: \(String(decoding: line, as: UTF8.self))")
        }
        httpPort = http
        httpsPort = https
        stalledPort = stalled
        ipv6Port = ipv6
        certFile = String(fields[5])
        h2Port = h2
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(httpPort)\(path)" }
    func secureURL(_ path: String) -> String { "https://127.0.0.1:\(httpsPort)\(path)" }
    func h2URL(_ path: String) -> String { "https://127.0.0.1:\(h2Port)\(path)" }
}

/// Small timeouts so the slow cases end within a second or two.
let testSettings = FetchSettings(
    concurrency: 16, perHost: 8, timeout: 8, connectTimeout: 2, deadline: 30, lowSpeedBytes: 64, lowSpeedTime: 1,
    allowPrivateAddresses: false, minInterval: 900, maxInterval: 86_400)

let quietLogger = Logger(label: "tributary.fetcher.test", factory: { _ in SwiftLogNoOpLogHandler() })

/// Fetches and collects every result by feed URL.
func fetchAll(
    _ requests: [FetchRequest], settings: FetchSettings = testSettings, hooks: FetcherTestHooks = FetcherTestHooks()
) async -> [String: FetchResult] {
    let fetcher = Fetcher(
        settings: settings, logger: quietLogger, site: "https://example.org/", version: "0.1.0", hooks: hooks)
    var results: [String: FetchResult] = [:]
    for await result in fetcher.fetch(requests) {
        results[result.request.feedURL] = result
    }
    return results
}

func fetchOne(
    _ request: FetchRequest, settings: FetchSettings = testSettings, hooks: FetcherTestHooks = FetcherTestHooks()
) async -> FetchResult? {
    await fetchAll([request], settings: settings, hooks: hooks)[request.feedURL]
}

extension FetchResult {
    var bodyText: String? {
        if case .body(let data, _) = outcome { return String(decoding: data, as: UTF8.self) }
        return nil
    }

    var isNotModified: Bool {
        if case .notModified = outcome { return true }
        return false
    }
}
