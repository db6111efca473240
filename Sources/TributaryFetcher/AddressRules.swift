#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IP address, as the socket sees it.
enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    /// 16 bytes in network order.
    case v6([UInt8])

    var description: String {
        switch self {
        case .v4(let value):
            return "\(value >> 24).\((value >> 16) & 0xff).\((value >> 8) & 0xff).\(value & 0xff)"
        case .v6(let bytes):
            var groups: [String] = []
            for index in stride(from: 0, to: 16, by: 2) {
                groups.append(String(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]), radix: 16))
            }
            return groups.joined(separator: ":")
        }
    }

    /// The IPv4 address an IPv6 address stands for (IPv4-mapped, IPv4-compatible, NAT64, 6to4), so a v6
    /// spelling of 127.0.0.1 gets 127.0.0.1's verdict.
    var embeddedIPv4: UInt32? {
        guard case .v6(let bytes) = self, bytes.count == 16 else { return nil }
        func word(_ start: Int) -> UInt32 {
            UInt32(bytes[start]) << 24 | UInt32(bytes[start + 1]) << 16 | UInt32(bytes[start + 2]) << 8
                | UInt32(bytes[start + 3])
        }
        let firstTen = bytes[0..<10].allSatisfy { $0 == 0 }
        if firstTen && bytes[10] == 0xff && bytes[11] == 0xff { return word(12) }  // ::ffff:a.b.c.d
        if firstTen && bytes[10] == 0 && bytes[11] == 0 && word(12) > 1 { return word(12) }  // ::a.b.c.d
        // 64:ff9b::/96, the well-known NAT64 prefix.
        if bytes[0] == 0 && bytes[1] == 0x64 && bytes[2] == 0xff && bytes[3] == 0x9b
            && bytes[4..<12].allSatisfy({ $0 == 0 })
        {
            return word(12)
        }
        if bytes[0] == 0x20 && bytes[1] == 0x02 { return word(2) }  // 2002::/16, 6to4
        return nil
    }
}

/// What kind of address a connection would reach. Everything but `.public` is refused unless the feed named
/// it in feeds.json or private addresses are allowed.
enum AddressClass: String, Sendable, Hashable {
    case `public`
    case loopback
    case `private`
    case linkLocal = "link-local"
    case sharedAddressSpace = "carrier-grade NAT"
    case multicast
    case unspecified
    case reserved

    var isPublic: Bool { self == .public }
}

/// The scheme and address rules, as pure functions so every numeric trick can be tested without a socket.
enum AddressRules {
    /// Parses an IPv4 literal the way `inet_aton` (and so the resolver, and curl's URL parser) reads it:
    /// one to four parts, each decimal, octal (leading 0) or hex (0x), the last part filling the remaining
    /// bytes. `0x7f000001`, `2130706433`, `0177.0.0.1` and `127.1` all mean 127.0.0.1.
    static func parseIPv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else { return nil }
        var values: [UInt64] = []
        for part in parts {
            guard let value = parseNumber(part) else { return nil }
            values.append(value)
        }
        var result: UInt64 = 0
        for (index, value) in values.enumerated() {
            if index == values.count - 1 {
                let remainingBits = UInt64(8 * (4 - index))
                guard value < (1 << remainingBits) else { return nil }
                result |= value
            } else {
                guard value <= 0xff else { return nil }
                result |= value << UInt64(8 * (3 - index))
            }
        }
        return UInt32(result)
    }

    private static func parseNumber(_ part: Substring) -> UInt64? {
        guard !part.isEmpty else { return nil }
        let lower = part.lowercased()
        let value: UInt64?
        if lower.hasPrefix("0x") {
            let digits = lower.dropFirst(2)
            value = digits.isEmpty ? 0 : UInt64(digits, radix: 16)
        } else if lower.count > 1 && lower.hasPrefix("0") {
            value = UInt64(lower.dropFirst(), radix: 8)
        } else {
            value = UInt64(lower, radix: 10)
        }
        guard let value, value <= 0xffff_ffff else { return nil }
        return value
    }

    /// Parses an IPv6 literal, with or without brackets and zone id.
    static func parseIPv6(_ text: String) -> [UInt8]? {
        var literal = Substring(text)
        if literal.hasPrefix("[") && literal.hasSuffix("]") { literal = literal.dropFirst().dropLast() }
        if let zone = literal.firstIndex(of: "%") { literal = literal[..<zone] }
        guard literal.contains(":") else { return nil }
        var storage = in6_addr()
        let parsed = String(literal).withCString { inet_pton(AF_INET6, $0, &storage) }
        guard parsed == 1 else { return nil }
        return withUnsafeBytes(of: &storage) { Array($0) }
    }

    /// The address a URL host names literally, or nil when it is a name that needs DNS.
    static func literalAddress(host: String) -> IPAddress? {
        if let v6 = parseIPv6(host) { return .v6(v6) }
        var name = host
        if name.hasSuffix(".") { name.removeLast() }
        if let v4 = parseIPv4(name) { return .v4(v4) }
        return nil
    }

    /// True for `localhost` and names under `.localhost` (RFC 6761), which always mean this machine.
    static func isLocalhostName(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        return name == "localhost" || name.hasSuffix(".localhost")
    }

    /// The class of an address.
    static func classify(_ address: IPAddress) -> AddressClass {
        switch address {
        case .v4(let value):
            return classify(ipv4: value)
        case .v6(let bytes):
            if let embedded = address.embeddedIPv4 { return classify(ipv4: embedded) }
            return classify(ipv6: bytes)
        }
    }

    /// The class of a URL host: a literal address (any spelling), `localhost`, or nil for a name only DNS can
    /// judge (the socket check then does).
    static func classify(host: String) -> AddressClass? {
        if isLocalhostName(host) { return .loopback }
        return literalAddress(host: host).map(classify)
    }

    private static func inRange(_ value: UInt32, _ network: UInt32, _ prefix: UInt32) -> Bool {
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
        return value & mask == network & mask
    }

    private static func classify(ipv4 value: UInt32) -> AddressClass {
        let table: [(UInt32, UInt32, AddressClass)] = [
            (0x0000_0000, 8, .unspecified),  // 0.0.0.0/8 "this network"
            (0x0A00_0000, 8, .private),  // 10/8
            (0x6440_0000, 10, .sharedAddressSpace),  // 100.64/10
            (0x7F00_0000, 8, .loopback),  // 127/8
            (0xA9FE_0000, 16, .linkLocal),  // 169.254/16, cloud metadata lives here
            (0xAC10_0000, 12, .private),  // 172.16/12
            (0xC000_0000, 24, .reserved),  // 192.0.0/24 IETF protocol assignments
            (0xC000_0200, 24, .reserved),  // 192.0.2/24 TEST-NET-1
            (0xC058_6300, 24, .reserved),  // 192.88.99/24 6to4 relay anycast
            (0xC0A8_0000, 16, .private),  // 192.168/16
            (0xC612_0000, 15, .reserved),  // 198.18/15 benchmarking
            (0xC633_6400, 24, .reserved),  // 198.51.100/24 TEST-NET-2
            (0xCB00_7100, 24, .reserved),  // 203.0.113/24 TEST-NET-3
            (0xE000_0000, 4, .multicast),  // 224/4
            (0xF000_0000, 4, .reserved),  // 240/4 and the broadcast address
        ]
        for (network, prefix, verdict) in table where inRange(value, network, prefix) {
            return verdict
        }
        return .public
    }

    private static func classify(ipv6 bytes: [UInt8]) -> AddressClass {
        guard bytes.count == 16 else { return .reserved }
        if bytes.allSatisfy({ $0 == 0 }) { return .unspecified }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return .loopback }
        if bytes[0] == 0xff { return .multicast }
        if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return .linkLocal }  // fe80::/10
        if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0xc0 { return .private }  // fec0::/10, old site-local
        if bytes[0] & 0xfe == 0xfc { return .private }  // fc00::/7 unique local
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0d && bytes[3] == 0xb8 { return .reserved }
        if bytes[0] == 0x01 && bytes[1..<8].allSatisfy({ $0 == 0 }) { return .reserved }  // 100::/64 discard
        if bytes[0..<10].allSatisfy({ $0 == 0 }) { return .reserved }  // the rest of ::/80
        return .public
    }
}

/// What one feed may reach beyond the public internet: the address its feeds.json URL names, if that is not
/// public, or loopback for `localhost`.
struct AddressPolicy: Sendable, Hashable {
    /// Private addresses allowed for everything.
    var allowPrivate: Bool
    /// The one non-public address the feed named, when it named one literally.
    var namedAddress: IPAddress?
    /// The feed named `localhost`: any loopback address is what it asked for.
    var namedLocalhost: Bool

    init(feedHost: String?, allowPrivate: Bool) {
        self.allowPrivate = allowPrivate
        namedLocalhost = feedHost.map(AddressRules.isLocalhostName) ?? false
        namedAddress = feedHost.flatMap(AddressRules.literalAddress).flatMap { address in
            AddressRules.classify(address).isPublic ? nil : address
        }
    }

    /// Nil when a connection to `address` is allowed, else the reason it is refused.
    func refusal(for address: IPAddress) -> String? {
        let verdict = AddressRules.classify(address)
        if verdict.isPublic || allowPrivate { return nil }
        if namedLocalhost && verdict == .loopback { return nil }
        if let namedAddress, Self.same(namedAddress, address) { return nil }
        return "refused to connect to \(address) (\(verdict.rawValue) address) that the feed's URL does not name;"
            + " set fetch.allowPrivateAddresses to allow it"
    }

    /// Nil when a URL host may be requested, else why not. Names that need DNS pass here; the socket check
    /// judges the address they resolve to.
    func refusal(forHost host: String) -> String? {
        if AddressRules.isLocalhostName(host) {
            if allowPrivate || namedLocalhost { return nil }
            return "refused to fetch \(host): it names this machine and the feed's URL does not;"
                + " set fetch.allowPrivateAddresses to allow it"
        }
        guard let address = AddressRules.literalAddress(host: host) else { return nil }
        return refusal(for: address)
    }

    /// Equality that sees through IPv4-mapped spellings.
    private static func same(_ lhs: IPAddress, _ rhs: IPAddress) -> Bool {
        if lhs == rhs { return true }
        let left: UInt32?
        let right: UInt32?
        if case .v4(let value) = lhs { left = value } else { left = lhs.embeddedIPv4 }
        if case .v4(let value) = rhs { right = value } else { right = rhs.embeddedIPv4 }
        guard let left, let right else { return false }
        return left == right
    }
}
