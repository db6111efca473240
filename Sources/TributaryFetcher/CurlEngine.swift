import CCurl
import Foundation
import Logging
import TributaryCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// The only file of TributaryFetcher that sees libcurl. Everything here runs on the engine's own thread: one
// thread per `Fetcher.fetch` call, owning one multi handle, so no curl handle ever crosses threads and the
// Swift concurrency pool is never blocked by `curl_multi_poll`.

/// `curl_global_init` once per process, on first use, before any handle exists.
private let curlGlobalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

/// Largest response header block accepted for one response. Real feeds send a few KiB; a server sending more
/// is attacking or broken.
let maxHeaderBytes = 64 * 1024

/// What the curl engine needs for one run; `Sendable` so it can be handed to the engine thread.
struct EngineJob: Sendable {
    var requests: [FetchRequest]
    var settings: FetchSettings
    var hooks: FetcherTestHooks
    var userAgent: String
    var logger: Logger
    /// Results go out in batches, one per loop pass: each yield can wake the consumer's thread.
    var continuation: AsyncStream<[FetchResult]>.Continuation
    var signals: RunSignals

    /// Runs the whole fetch on the calling thread (the engine thread) and finishes the stream.
    func run() {
        defer { continuation.finish() }
        guard curlGlobalInit == CURLE_OK, let engine = CurlEngine(job: self) else {
            signals.handedOver(requests.count)
            continuation.yield(
                requests.map {
                    FetchResult(request: $0, outcome: .failed(FetchError(.other, "libcurl failed to start")))
                })
            return
        }
        engine.run()
    }
}

/// Seconds on a monotonic clock.
private func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// The scheme and host of a URL as curl's own URL parser reads it, so the rules judge what curl will fetch.
func curlURLParts(_ url: String) -> (scheme: String, host: String)? {
    guard let handle = curl_url() else { return nil }
    defer { curl_url_cleanup(handle) }
    guard curl_url_set(handle, CURLUPART_URL, url, UInt32(CURLU_NON_SUPPORT_SCHEME)) == CURLUE_OK else {
        return nil
    }
    func part(_ which: CURLUPart) -> String? {
        var pointer: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, which, &pointer, 0) == CURLUE_OK, let pointer else { return nil }
        defer { curl_free(pointer) }
        return String(cString: pointer)
    }
    guard let scheme = part(CURLUPART_SCHEME), let host = part(CURLUPART_HOST) else { return nil }
    return (scheme.lowercased(), host.lowercased())
}

/// The state of one feed's transfer across its redirect hops. Owned by the engine thread; callbacks reach it
/// through the userdata pointer, unretained, while the engine's `active` table keeps it alive.
private final class Transfer {
    let request: FetchRequest
    let hostKey: String
    let policy: AddressPolicy
    let maxBytes: Int
    let started: Double
    let easy: UnsafeMutableRawPointer
    let errorBuffer: UnsafeMutablePointer<CChar>
    var requestHeaders: UnsafeMutablePointer<curl_slist>?
    var resolveList: UnsafeMutablePointer<curl_slist>?
    var currentURL: String
    var visited: Set<String>
    var redirects: [Redirect] = []
    // Per hop:
    var body = Data()
    var headers: [String: String] = [:]
    var headerBytes = 0
    var statusLine = ""
    var failure: FetchError?
    var refusal: String?

    init(request: FetchRequest, hostKey: String, policy: AddressPolicy, maxBytes: Int, easy: UnsafeMutableRawPointer) {
        self.request = request
        self.hostKey = hostKey
        self.policy = policy
        self.maxBytes = maxBytes
        self.easy = easy
        started = monotonicSeconds()
        currentURL = request.url
        visited = [request.url]
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    func resetHop() {
        body = Data()
        headers = [:]
        headerBytes = 0
        statusLine = ""
        failure = nil
        refusal = nil
        errorBuffer[0] = 0
    }

    func release() {
        curl_slist_free_all(requestHeaders)
        curl_slist_free_all(resolveList)
        requestHeaders = nil
        resolveList = nil
        errorBuffer.deallocate()
    }

    var context: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    var curlMessage: String {
        errorBuffer[0] == 0 ? "" : String(cString: errorBuffer)
    }
}

/// Body bytes, already decoded by curl: the size cap counts what the parser would get, so chunked and
/// compressed bodies (a gzip bomb) stop at the cap too.
private func onBody(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard length > 0, let data else { return length }
    if transfer.body.count + length > transfer.maxBytes {
        transfer.failure = FetchError(.tooLarge, "the body is larger than \(transfer.maxBytes) bytes (fetch.maxBytes)")
        return 0
    }
    transfer.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: length)
    return length
}

/// One complete header line. A status line starts a new response (1xx, redirect hops), so the table and the
/// byte count start again with it. Parsed on bytes: this runs about ten times per feed.
private func onHeader(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard length > 0, let data else { return length }
    let bytes = UnsafeRawBufferPointer(start: data, count: length)
    let isStatusLine = bytes.starts(with: "HTTP/".utf8)
    if isStatusLine {
        transfer.headers = [:]
        transfer.headerBytes = 0
    }
    transfer.headerBytes += length
    if transfer.headerBytes > maxHeaderBytes {
        transfer.failure = FetchError(.tooLarge, "the response headers are larger than \(maxHeaderBytes) bytes")
        return 0
    }
    func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
    var end = length
    while end > 0 && isSpace(bytes[end - 1]) { end -= 1 }
    if isStatusLine {
        transfer.statusLine = String(decoding: bytes[0..<end], as: UTF8.self)
        return length
    }
    guard let colon = bytes[0..<end].firstIndex(of: UInt8(ascii: ":")) else { return length }
    var nameEnd = colon
    while nameEnd > 0 && isSpace(bytes[nameEnd - 1]) { nameEnd -= 1 }
    // Only the headers something reads become strings: a response has a dozen, and making a dictionary of all of
    // them was most of this callback's time.
    guard keptHeaders.contains(where: { isName($0, bytes[0..<nameEnd]) }) else { return length }
    var valueStart = colon + 1
    while valueStart < end && isSpace(bytes[valueStart]) { valueStart += 1 }
    let name = String(unsafeUninitializedCapacity: nameEnd) { buffer in
        for index in 0..<nameEnd {
            let byte = bytes[index]
            buffer[index] = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
        }
        return nameEnd
    }
    let value = String(decoding: bytes[valueStart..<end], as: UTF8.self)
    if let existing = transfer.headers[name] {
        transfer.headers[name] = existing + ", " + value
    } else {
        transfer.headers[name] = value
    }
    return length
}

/// The response headers a fetch keeps (`FetchResult.headers`): validators, the body's type, and what schedules
/// the next fetch.
let keptHeaders: [[UInt8]] = [
    "content-type", "etag", "last-modified", "cache-control", "expires", "date", "retry-after",
].map { Array($0.utf8) }

/// True when `bytes` spell `name` (lower case) in any ASCII case.
private func isName(_ name: [UInt8], _ bytes: Slice<UnsafeRawBufferPointer>) -> Bool {
    guard name.count == bytes.count else { return false }
    for (expected, byte) in zip(name, bytes) where expected != (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) {
        return false
    }
    return true
}

/// The address guard: every connection curl opens, on every hop and after every DNS answer, is checked here
/// on the real socket address, so DNS rebinding and redirects to private addresses are caught.
private func onOpenSocket(
    _ context: UnsafeMutableRawPointer?, _ purpose: curlsocktype, _ address: UnsafeMutablePointer<curl_sockaddr>?
) -> curl_socket_t {
    guard let context, let address else { return CURL_SOCKET_BAD }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let family = address.pointee.family
    guard let offset = MemoryLayout<curl_sockaddr>.offset(of: \curl_sockaddr.addr) else { return CURL_SOCKET_BAD }
    let raw = UnsafeRawPointer(address) + offset
    let ip: IPAddress
    if family == AF_INET {
        let v4 = raw.loadUnaligned(as: sockaddr_in.self)
        ip = .v4(UInt32(bigEndian: v4.sin_addr.s_addr))
    } else if family == AF_INET6 {
        var v6 = raw.loadUnaligned(as: sockaddr_in6.self)
        ip = .v6(withUnsafeBytes(of: &v6.sin6_addr) { Array($0) })
    } else {
        transfer.refusal = "refused a connection of address family \(family)"
        return CURL_SOCKET_BAD
    }
    if let reason = transfer.policy.refusal(for: ip) {
        transfer.refusal = reason
        return CURL_SOCKET_BAD
    }
    return socket(family, address.pointee.socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.protocol)
}

/// One run: a multi handle, the queue of feeds per host, and the transfers in flight.
private final class CurlEngine {
    let job: EngineJob
    let multi: UnsafeMutableRawPointer
    let deadline: Double
    /// Pending requests per host key, consumed from `head`.
    var queues: [String: (items: [FetchRequest], head: Int)] = [:]
    var hostOrder: [String] = []
    var pendingCount = 0
    var activeByHost: [String: Int] = [:]
    var nextStartByHost: [String: Double] = [:]
    var active: [UnsafeMutableRawPointer: Transfer] = [:]
    var idleHandles: [UnsafeMutableRawPointer] = []
    /// The address policy of each feed host key seen: most feeds of a list share a few hosts, and reading the
    /// host with curl's URL parser was a tenth of this thread's work in a run of 304s.
    var policyByHost: [String: AddressPolicy] = [:]
    /// Results of the current loop pass, handed over together before the engine waits again: the consumer then
    /// wakes once per pass instead of once per feed.
    var finished: [FetchResult] = []

    init?(job: EngineJob) {
        guard let multi = curl_multi_init() else { return nil }
        self.job = job
        self.multi = multi
        deadline = monotonicSeconds() + max(job.settings.deadline, 0)
        let settings = job.settings
        _ = tributary_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max(settings.concurrency, 1))
        _ = tributary_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(settings.perHost, 1))
        _ = tributary_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(settings.concurrency, 1) * 2)
        _ = tributary_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
    }

    deinit {
        for (easy, transfer) in active {
            curl_multi_remove_handle(multi, easy)
            curl_easy_cleanup(easy)
            transfer.release()
        }
        for easy in idleHandles { curl_easy_cleanup(easy) }
        curl_multi_cleanup(multi)
    }

    var settings: FetchSettings { job.settings }

    func run() {
        defer { handOver() }
        for request in job.requests { enqueue(request) }
        var running: Int32 = 0
        while true {
            if job.signals.isStopped { return }
            let now = monotonicSeconds()
            if now >= deadline {
                abandonAll()
                return
            }
            startTransfers(now: now)
            if active.isEmpty && pendingCount == 0 { return }
            curl_multi_perform(multi, &running)
            // The last pass's results go out after the requests that replace them, so the network and the
            // consumer work at the same time.
            handOver()
            // Finished transfers free slots: fill them at once rather than after the next wait.
            if drainMessages() > 0 && pendingCount > 0 { continue }
            if active.isEmpty && pendingCount == 0 { return }
            handOver()
            var wait = min(250, max(0, deadline - monotonicSeconds()) * 1000)
            if pendingCount > 0 && backlogIsFull {
                // Look again soon: the consumer taking results is what lets the next transfers start.
                wait = min(wait, 5)
            }
            if let soonest = soonestSpacedStart(now: monotonicSeconds()) {
                wait = min(wait, max(0, soonest - monotonicSeconds()) * 1000)
            }
            if active.isEmpty {
                // Only host spacing holds the queue back.
                usleep(UInt32(max(wait, 1) * 1000))
            } else {
                curl_multi_poll(multi, nil, 0, Int32(max(wait, 1)), nil)
            }
        }
    }

    // MARK: Queueing

    func enqueue(_ request: FetchRequest) {
        let lower = request.url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            if request.url.hasPrefix("/") {
                finish(request, readLocalFile(request))
            } else {
                let scheme = request.url.split(separator: ":", maxSplits: 1).first.map(String.init) ?? request.url
                finish(
                    request,
                    FetchResult(
                        request: request,
                        outcome: .failed(
                            FetchError(.scheme, "refused \(scheme): remote feeds must be http or https URLs"))))
            }
            return
        }
        let key = Self.hostKey(lower)
        if queues[key] == nil {
            queues[key] = ([], 0)
            hostOrder.append(key)
        }
        queues[key]?.items.append(request)
        pendingCount += 1
    }

    /// The host and port part of a URL, used to bound and space requests per host.
    static func hostKey(_ lowerURL: String) -> String {
        // Searched in the bytes: Foundation's `range(of:)` on the string cost more than the rest of queueing a
        // request.
        guard let schemeEnd = lowerURL.utf8.firstRange(of: "://".utf8)?.upperBound else { return lowerURL }
        let rest = lowerURL[schemeEnd...]
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<end]
        if let at = authority.lastIndex(of: "@") { return String(authority[authority.index(after: at)...]) }
        return String(authority)
    }

    /// Results the consumer may leave unread before new transfers wait: enough to keep a parser busy, few
    /// enough that a slow consumer does not make every feed's body wait in memory.
    var maxBacklog: Int { job.hooks.maxBacklog ?? max(256, settings.concurrency * 8) }

    var backlogIsFull: Bool { job.signals.backlog + finished.count >= maxBacklog }

    /// Starts queued transfers while the total and per-host bounds, host spacing and the consumer's backlog
    /// allow.
    func startTransfers(now: Double) {
        var free = max(settings.concurrency, 1) - active.count
        guard free > 0, pendingCount > 0, !backlogIsFull else { return }
        let perHost = max(settings.perHost, 1)
        var emptied = false
        for key in hostOrder {
            if free <= 0 { break }
            guard var queue = queues[key], queue.head < queue.items.count else { continue }
            while free > 0, queue.head < queue.items.count, activeByHost[key, default: 0] < perHost,
                nextStartByHost[key, default: 0] <= now
            {
                let request = queue.items[queue.head]
                queue.head += 1
                pendingCount -= 1
                free -= 1
                start(request, hostKey: key, now: now)
            }
            if queue.head >= queue.items.count {
                queues[key] = nil
                emptied = true
            } else {
                queues[key] = queue
            }
        }
        if emptied { hostOrder.removeAll { queues[$0] == nil } }
    }

    /// The earliest time a host held back only by `hostSpacing` may start its next request, so the loop wakes
    /// for it; hosts at their connection bound wake the loop by finishing a transfer instead.
    func soonestSpacedStart(now: Double) -> Double? {
        guard settings.hostSpacing > 0, pendingCount > 0 else { return nil }
        let perHost = max(settings.perHost, 1)
        var soonest: Double?
        for key in hostOrder where activeByHost[key, default: 0] < perHost {
            if let next = nextStartByHost[key], next > now { soonest = min(soonest ?? next, next) }
        }
        return soonest
    }

    // MARK: Transfers

    func start(_ request: FetchRequest, hostKey: String, now: Double) {
        let policy = addressPolicy(for: request, hostKey: hostKey)
        // The feeds.json URL itself passed the scheme test in `enqueue` and names only what it may reach.
        if request.url != request.feedURL, let refusal = check(url: request.url, policy: policy, from: nil) {
            finish(request, FetchResult(request: request, outcome: .failed(refusal)))
            return
        }
        let reused = idleHandles.popLast()
        guard let easy = reused ?? curl_easy_init() else {
            finish(
                request, FetchResult(request: request, outcome: .failed(FetchError(.other, "curl_easy_init failed"))))
            return
        }
        if reused == nil { configureOnce(easy) }
        let transfer = Transfer(
            request: request, hostKey: hostKey, policy: policy, maxBytes: max(settings.maxBytes, 0), easy: easy)
        configure(transfer)
        active[easy] = transfer
        activeByHost[hostKey, default: 0] += 1
        if settings.hostSpacing > 0 { nextStartByHost[hostKey] = now + settings.hostSpacing }
        if let failure = beginHop(transfer) {
            complete(transfer, FetchResult(request: request, outcome: .failed(failure)))
        }
    }

    /// The rules the feeds.json URL sets for every hop. `hostKey` is the host key of `request.url`: when that is
    /// the feed's own URL, the policy is the same for every feed with that key and is computed once.
    func addressPolicy(for request: FetchRequest, hostKey: String) -> AddressPolicy {
        let sameURL = request.url == request.feedURL
        if sameURL, let known = policyByHost[hostKey] { return known }
        let policy = AddressPolicy(
            feedHost: curlURLParts(request.feedURL)?.host, allowPrivate: settings.allowPrivateAddresses)
        if sameURL { policyByHost[hostKey] = policy }
        return policy
    }

    /// The scheme and address rules for a URL about to be requested; `from` is the previous hop's URL.
    func check(url: String, policy: AddressPolicy, from previous: String?) -> FetchError? {
        guard let parts = curlURLParts(url) else { return FetchError(.scheme, "not a valid URL: \(url)") }
        guard parts.scheme == "http" || parts.scheme == "https" else {
            return FetchError(.scheme, "refused \(parts.scheme): remote feeds must be http or https URLs")
        }
        if let previous, previous.lowercased().hasPrefix("https:"), parts.scheme == "http" {
            return FetchError(.scheme, "refused a redirect from https to http (\(url))")
        }
        if let reason = policy.refusal(forHost: parts.host) { return FetchError(.address, reason) }
        return nil
    }

    /// Options that are the same for every transfer of this run, set once per handle: a finished transfer's handle
    /// is reused as it is, and `configure` sets every option that differs from one transfer to the next.
    func configureOnce(_ easy: UnsafeMutableRawPointer) {
        _ = tributary_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = tributary_easy_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        _ = tributary_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0)
        _ = tributary_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        _ = tributary_easy_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, "")
        _ = tributary_easy_setopt_string(easy, CURLOPT_USERAGENT, job.userAgent)
        _ = tributary_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        _ = tributary_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1)
        _ = tributary_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2)
        // An empty proxy turns off the http_proxy/https_proxy environment variables: proxies come from
        // feeds.json only.
        _ = tributary_easy_setopt_string(easy, CURLOPT_PROXY, settings.proxy ?? "")
        _ = tributary_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(settings.connectTimeout))
        _ = tributary_easy_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, max(settings.lowSpeedBytes, 0))
        _ = tributary_easy_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, max(Int(settings.lowSpeedTime.rounded(.up)), 0))
        _ = tributary_easy_setopt_off(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(max(settings.maxBytes, 0)))
        _ = tributary_easy_setopt_write_callback(easy, onBody)
        _ = tributary_easy_setopt_header_callback(easy, onHeader)
        if settings.proxy?.isEmpty ?? true {
            // Behind a configured proxy the socket leads to the proxy, which the operator chose; the URL
            // checks still apply to every hop.
            _ = tributary_easy_setopt_opensocket_callback(easy, onOpenSocket)
        }
        if let caFile = job.hooks.caFile { _ = tributary_easy_setopt_string(easy, CURLOPT_CAINFO, caFile) }
    }

    /// Options of one transfer: the pointers to its state, its request headers, and whatever depends on its URL.
    /// Every one of them is set for every transfer, so nothing of the handle's previous transfer carries over.
    func configure(_ transfer: Transfer) {
        let easy = transfer.easy
        let request = transfer.request
        // Wait for the first TLS connection's ALPN answer so HTTP/2 hosts get one multiplexed connection. Not for
        // plain http: there curl would wait for the first response, and a stalled feed would hold up every other
        // feed of its host.
        let https = request.url.utf8.count > 6 && request.url.prefix(6).lowercased() == "https:"
        _ = tributary_easy_setopt_long(easy, CURLOPT_PIPEWAIT, https ? 1 : 0)
        _ = tributary_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, transfer.errorBuffer)
        _ = tributary_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, transfer.context)
        _ = tributary_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, transfer.context)
        if settings.proxy?.isEmpty ?? true {
            _ = tributary_easy_setopt_pointer(easy, CURLOPT_OPENSOCKETDATA, transfer.context)
        }
        var headers: UnsafeMutablePointer<curl_slist>?
        headers = curl_slist_append(
            headers,
            "Accept: application/atom+xml, application/rss+xml, application/feed+json, application/json;q=0.9, "
                + "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8")
        if let etag = request.etag, Self.isHeaderValue(etag) {
            headers = curl_slist_append(headers, "If-None-Match: \(etag)")
        }
        if let modified = request.lastModified, Self.isHeaderValue(modified) {
            headers = curl_slist_append(headers, "If-Modified-Since: \(modified)")
        }
        transfer.requestHeaders = headers
        _ = tributary_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headers)
        if !job.hooks.resolve.isEmpty {
            var list: UnsafeMutablePointer<curl_slist>?
            for entry in job.hooks.resolve { list = curl_slist_append(list, entry) }
            transfer.resolveList = list
            _ = tributary_easy_setopt_slist(easy, CURLOPT_RESOLVE, list)
        }
    }

    /// A stored validator that can go into a request header as it is: not empty, no control characters (a line
    /// break would start a header of its own).
    static func isHeaderValue(_ value: String) -> Bool {
        !value.isEmpty && !value.utf8.contains { $0 < 0x20 || $0 == 0x7F }
    }

    func milliseconds(_ seconds: Double) -> Int {
        guard seconds.isFinite else { return 0 }
        return max(Int((seconds * 1000).rounded(.up)), 1)
    }

    /// Starts the current hop; returns an error when no time is left for it.
    func beginHop(_ transfer: Transfer) -> FetchError? {
        transfer.resetHop()
        let elapsed = monotonicSeconds() - transfer.started
        // The run's deadline is enforced by the loop (as `.deadline`), not folded into the transfer's timeout.
        let remaining = settings.timeout - elapsed
        guard remaining > 0 else {
            return FetchError(.timeout, "no time left for the transfer (fetch.timeout \(settings.timeout) s)")
        }
        _ = tributary_easy_setopt_string(transfer.easy, CURLOPT_URL, transfer.currentURL)
        _ = tributary_easy_setopt_long(transfer.easy, CURLOPT_TIMEOUT_MS, milliseconds(remaining))
        guard curl_multi_add_handle(multi, transfer.easy) == CURLM_OK else {
            return FetchError(.other, "curl_multi_add_handle failed")
        }
        return nil
    }

    /// Handles every finished transfer; returns how many finished.
    @discardableResult
    func drainMessages() -> Int {
        var queued: Int32 = 0
        var finished = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                let transfer = active[easy]
            else { continue }
            let code = message.pointee.data.result
            curl_multi_remove_handle(multi, easy)
            handleDone(transfer, code: code)
            finished += 1
        }
        return finished
    }

    func handleDone(_ transfer: Transfer, code: CURLcode) {
        if code != CURLE_OK {
            complete(transfer, result(transfer, .failed(error(for: code, transfer: transfer)), status: nil))
            return
        }
        var status = 0
        _ = tributary_easy_getinfo_long(transfer.easy, CURLINFO_RESPONSE_CODE, &status)
        if [301, 302, 303, 307, 308].contains(status) {
            var location: UnsafeMutablePointer<CChar>?
            _ = tributary_easy_getinfo_string(transfer.easy, CURLINFO_REDIRECT_URL, &location)
            guard let location else {
                complete(
                    transfer,
                    result(
                        transfer, .failed(FetchError(.redirect, "HTTP \(status) without a usable Location")),
                        status: status))
                return
            }
            followRedirect(transfer, status: status, to: String(cString: location))
            return
        }
        switch status {
        case 304:
            complete(transfer, result(transfer, .notModified, status: status))
        case 200..<300:
            complete(
                transfer,
                result(transfer, .body(transfer.body, contentType: transfer.headers["content-type"]), status: status))
        default:
            let line = transfer.statusLine.isEmpty ? "HTTP \(status)" : transfer.statusLine
            complete(
                transfer, result(transfer, .failed(FetchError(.http, "the server answered \(line)")), status: status))
        }
    }

    func followRedirect(_ transfer: Transfer, status: Int, to next: String) {
        let from = transfer.currentURL
        var failure: FetchError?
        if transfer.redirects.count >= settings.maxRedirects {
            failure = FetchError(.redirect, "more than \(settings.maxRedirects) redirects (fetch.maxRedirects)")
        } else if transfer.visited.contains(next) {
            failure = FetchError(.redirect, "redirect loop: \(from) leads back to \(next)")
        } else {
            failure = check(url: next, policy: transfer.policy, from: from)
        }
        if let failure {
            complete(transfer, result(transfer, .failed(failure), status: status))
            return
        }
        transfer.redirects.append(Redirect(status: status, from: from, to: next))
        transfer.visited.insert(next)
        transfer.currentURL = next
        if let failure = beginHop(transfer) {
            complete(transfer, result(transfer, .failed(failure), status: status))
        }
    }

    func error(for code: CURLcode, transfer: Transfer) -> FetchError {
        if let failure = transfer.failure { return failure }
        let detail = transfer.curlMessage.isEmpty ? String(cString: curl_easy_strerror(code)) : transfer.curlMessage
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return FetchError(.timeout, detail)
        case CURLE_FILESIZE_EXCEEDED:
            return FetchError(.tooLarge, "the body is larger than \(transfer.maxBytes) bytes (fetch.maxBytes)")
        case CURLE_COULDNT_CONNECT where transfer.refusal != nil:
            return FetchError(.address, transfer.refusal ?? detail)
        case CURLE_UNSUPPORTED_PROTOCOL:
            return FetchError(.scheme, detail)
        case CURLE_OUT_OF_MEMORY:
            // What libcurl 7.88 reports when one header line passes its own 100 KiB limit, before our header
            // callback sees the line.
            return FetchError(.tooLarge, "the response is too large for libcurl (a header line over 100 KiB?)")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            return FetchError(.tls, "TLS failed: \(detail)")
        default:
            if transfer.refusal != nil && code == CURLE_COULDNT_RESOLVE_HOST {
                return FetchError(.address, transfer.refusal ?? detail)
            }
            return FetchError(.network, detail)
        }
    }

    func result(_ transfer: Transfer, _ outcome: FetchOutcome, status: Int?) -> FetchResult {
        let request = transfer.request
        var etag = transfer.headers["etag"]
        var modified = transfer.headers["last-modified"]
        if case .notModified = outcome {
            etag = etag ?? request.etag
            modified = modified ?? request.lastModified
        } else if case .failed = outcome {
            etag = request.etag
            modified = request.lastModified
        }
        let bytes: Int
        if case .body(let data, _) = outcome { bytes = data.count } else { bytes = transfer.body.count }
        var fetched = FetchResult(
            request: request, outcome: outcome, status: status,
            headers: status == nil ? [:] : transfer.headers, finalURL: transfer.currentURL,
            redirects: transfer.redirects, etag: etag, lastModified: modified, bytes: bytes,
            duration: monotonicSeconds() - transfer.started)
        if status != nil { fetched.httpVersion = httpVersion(of: transfer.easy) }
        return fetched
    }

    /// The HTTP major version the last response came over (1, 2 or 3), as curl negotiated it.
    func httpVersion(of easy: UnsafeMutableRawPointer) -> Int? {
        var version = 0
        guard tributary_easy_getinfo_long(easy, CURLINFO_HTTP_VERSION, &version) == CURLE_OK else { return nil }
        switch version {
        case Int(CURL_HTTP_VERSION_1_0), Int(CURL_HTTP_VERSION_1_1): return 1
        case Int(CURL_HTTP_VERSION_2_0): return 2
        case Int(CURL_HTTP_VERSION_3): return 3
        default: return nil
        }
    }

    /// Hands the result over and puts the easy handle back for the next feed (its connections stay in the
    /// multi handle's cache for keep-alive reuse).
    func complete(_ transfer: Transfer, _ result: FetchResult) {
        active[transfer.easy] = nil
        activeByHost[transfer.hostKey, default: 1] -= 1
        idleHandles.append(transfer.easy)
        transfer.release()
        finish(transfer.request, result)
    }

    func finish(_ request: FetchRequest, _ result: FetchResult) {
        if case .failed(let error) = result.outcome {
            job.logger.info(
                "fetch failed: \(error)",
                metadata: ["feed.url": "\(request.feedURL)", "status": "\(result.status.map(String.init) ?? "-")"])
        } else {
            job.logger.debug(
                "fetched",
                metadata: [
                    "feed.url": "\(request.feedURL)", "status": "\(result.status.map(String.init) ?? "file")",
                    "bytes": "\(result.bytes)",
                ])
        }
        finished.append(result)
    }

    func handOver() {
        guard !finished.isEmpty else { return }
        job.signals.handedOver(finished.count)
        job.continuation.yield(finished)
        finished.removeAll(keepingCapacity: true)
    }

    /// The run's deadline passed: everything still in flight or queued fails with `.deadline`, which the
    /// policy does not hold against the feed.
    func abandonAll() {
        let error = FetchError(.deadline, "the run's deadline (fetch.deadline \(settings.deadline) s) passed first")
        for (easy, transfer) in active {
            curl_multi_remove_handle(multi, easy)
            complete(transfer, result(transfer, .failed(error), status: nil))
        }
        for key in hostOrder {
            guard let queue = queues[key] else { continue }
            for request in queue.items[queue.head...] {
                finish(request, FetchResult(request: request, outcome: .failed(error)))
            }
        }
        queues = [:]
        hostOrder = []
        pendingCount = 0
    }

    func readLocalFile(_ request: FetchRequest) -> FetchResult {
        let started = monotonicSeconds()
        let limit = max(settings.maxBytes, 0)
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: request.url))
            defer { try? handle.close() }
            let data = try handle.read(upToCount: limit + 1) ?? Data()
            guard data.count <= limit else {
                return FetchResult(
                    request: request,
                    outcome: .failed(FetchError(.tooLarge, "the file is larger than \(limit) bytes (fetch.maxBytes)")))
            }
            return FetchResult(
                request: request, outcome: .body(data, contentType: nil), bytes: data.count,
                duration: monotonicSeconds() - started)
        } catch {
            return FetchResult(
                request: request, outcome: .failed(FetchError(.file, "cannot read \(request.url): \(error)")))
        }
    }
}
