import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Announces a changed feed to a WebSub hub (W3C WebSub §7: `hub.mode=publish`, `hub.url=<topic>`), so
/// subscribers' hubs fetch it at once instead of waiting for their next poll.
///
/// This runs once per publish and only when the Atom bytes changed, after the files are in place; it is never on
/// the hot path. A hub that is down is reported, not thrown: the feed itself was published.
enum WebSub {
    static func ping(hub: String, topic: String, timeout: TimeInterval = 15) async -> HubPingResult {
        guard let url = URL(string: hub) else { return .failed(hub: hub, reason: "not a URL") }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue("Tributary", forHTTPHeaderField: "User-Agent")
        request.httpBody = Data(("hub.mode=publish&hub.url=" + formEncode(topic)).utf8)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        do {
            let (_, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else {
                return .failed(hub: hub, reason: "the answer was not HTTP")
            }
            return (200..<300).contains(http.statusCode)
                ? .accepted(hub: hub, status: http.statusCode) : .rejected(hub: hub, status: http.statusCode)
        } catch {
            return .failed(hub: hub, reason: error.localizedDescription)
        }
    }

    /// `application/x-www-form-urlencoded` for one value: everything but unreserved characters escaped.
    static func formEncode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
