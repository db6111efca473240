import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A one-shot HTTP server on 127.0.0.1 for the WebSub test: it accepts connections on its own thread, records each
/// request (start line, headers and body), and answers every one with a fixed status. It stops after
/// `maxRequests` requests or when stopped, and closes its socket.
final class LoopbackServer: @unchecked Sendable {
    // @unchecked: `requests` is only touched under `lock`; the socket is owned by the serving thread after start.
    private let lock = NSLock()
    private var recorded: [String] = []
    private let listener: Int32
    let port: UInt16
    private let status: Int
    private let maxRequests: Int

    init(status: Int, maxRequests: Int = 4) throws {
        self.status = status
        self.maxRequests = maxRequests
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(socketFD, 8) == 0 else {
            close(socketFD)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) }
        }
        listener = socketFD
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    var requests: [String] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func serve() {
        defer { close(listener) }
        for _ in 0..<maxRequests {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let request = readRequest(client)
            lock.lock()
            recorded.append(request)
            lock.unlock()
            let response = "HTTP/1.1 \(status) Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            _ = response.withCString { send(client, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            close(client)
        }
    }

    /// Reads the head, then as many body bytes as Content-Length says.
    private func readRequest(_ client: Int32) -> String {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        var expected: Int?
        while data.count < 1 << 20 {
            let count = recv(client, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            data.append(contentsOf: buffer[0..<count])
            let text = String(decoding: data, as: UTF8.self)
            if expected == nil, let headEnd = text.range(of: "\r\n\r\n") {
                let head = text[..<headEnd.lowerBound].lowercased()
                let length =
                    head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                expected = text[..<headEnd.upperBound].utf8.count + length
            }
            if let expected, data.count >= expected { break }
        }
        return String(decoding: data, as: UTF8.self)
    }
}
