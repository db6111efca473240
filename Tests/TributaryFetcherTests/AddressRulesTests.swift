import Testing

@testable import TributaryFetcher

@Suite struct AddressRulesTests {
    @Test(arguments: [
        "127.0.0.1", "0x7f000001", "2130706433", "0177.0.0.1", "127.1", "0x7f.0.0.1", "127.0.1", "017700000001",
    ])
    func numericFormsOfLoopback(host: String) {
        #expect(AddressRules.parseIPv4(host) == 0x7F00_0001)
        #expect(AddressRules.classify(host: host) == .loopback)
    }

    @Test(arguments: [
        ("10.1.2.3", AddressClass.private), ("172.16.0.1", .private), ("172.31.255.255", .private),
        ("192.168.1.1", .private), ("169.254.169.254", .linkLocal), ("100.64.0.1", .sharedAddressSpace),
        ("224.0.0.1", .multicast), ("0.0.0.0", .unspecified), ("0", .unspecified), ("255.255.255.255", .reserved),
        ("0xa9fea9fe", .linkLocal), ("2852039166", .linkLocal), ("012.0.0.1", .private), ("192.168.257", .private),
        ("8.8.8.8", .public), ("172.32.0.1", .public), ("100.128.0.1", .public), ("93.184.216.34", .public),
    ])
    func ipv4Classes(host: String, expected: AddressClass) {
        #expect(AddressRules.classify(host: host) == expected)
    }

    @Test(arguments: [
        ("::1", AddressClass.loopback), ("[::1]", .loopback), ("::", .unspecified), ("fe80::1%eth0", .linkLocal),
        ("fc00::1", .private), ("fd12:3456::1", .private), ("ff02::1", .multicast),
        ("::ffff:127.0.0.1", .loopback), ("::ffff:7f00:1", .loopback), ("[::ffff:10.0.0.1]", .private),
        ("::ffff:169.254.169.254", .linkLocal), ("64:ff9b::a9fe:a9fe", .linkLocal), ("2002:7f00:1::", .loopback),
        ("2001:db8::1", .reserved), ("2606:4700::1111", .public), ("::ffff:8.8.8.8", .public),
    ])
    func ipv6Classes(host: String, expected: AddressClass) {
        #expect(AddressRules.classify(host: host) == expected)
    }

    @Test(arguments: ["example.org", "1.2.3.4.5", "256.0.0.1", "0x100000000", "08.0.0.1", "1..2", "", "127.0.0.1x"])
    func namesAndNonsenseAreNotLiterals(host: String) {
        #expect(AddressRules.literalAddress(host: host) == nil)
    }

    @Test func localhostNames() {
        #expect(AddressRules.classify(host: "localhost") == .loopback)
        #expect(AddressRules.classify(host: "LOCALHOST.") == .loopback)
        #expect(AddressRules.classify(host: "app.localhost") == .loopback)
        #expect(AddressRules.classify(host: "localhost.example.org") == nil)
    }

    @Test func aFeedThatNamesAPrivateAddressMayReachOnlyThatAddress() {
        let policy = AddressPolicy(feedHost: "0x7f000001", allowPrivate: false)
        #expect(policy.refusal(for: .v4(0x7F00_0001)) == nil)
        #expect(policy.refusal(forHost: "127.0.0.1") == nil)
        #expect(policy.refusal(forHost: "::ffff:127.0.0.1") == nil)
        #expect(policy.refusal(forHost: "127.0.0.2") != nil)
        #expect(policy.refusal(forHost: "10.0.0.1") != nil)
        #expect(policy.refusal(forHost: "localhost") != nil)
        #expect(policy.refusal(forHost: "example.org") == nil)
        #expect(policy.refusal(for: .v4(0x0808_0808)) == nil)
    }

    @Test func aFeedThatNamesLocalhostMayReachLoopbackOnly() throws {
        let policy = AddressPolicy(feedHost: "localhost", allowPrivate: false)
        #expect(policy.refusal(for: .v4(0x7F00_0001)) == nil)
        let v6Loopback = try #require(AddressRules.parseIPv6("::1"))
        #expect(policy.refusal(for: .v6(v6Loopback)) == nil)
        #expect(policy.refusal(for: .v4(0x0A00_0001)) != nil)
    }

    @Test func aPublicFeedMayReachNothingPrivateUnlessAllowed() throws {
        let strict = AddressPolicy(feedHost: "example.org", allowPrivate: false)
        let open = AddressPolicy(feedHost: "example.org", allowPrivate: true)
        let mapped = try #require(AddressRules.literalAddress(host: "::ffff:192.168.0.1"))
        for address in [IPAddress.v4(0x7F00_0001), .v4(0xA9FE_A9FE), .v4(0xC0A8_0001), mapped] {
            #expect(strict.refusal(for: address) != nil)
            #expect(open.refusal(for: address) == nil)
        }
        #expect(strict.refusal(forHost: "2130706433") != nil)
        #expect(strict.refusal(forHost: "0177.0.0.1") != nil)
        #expect(strict.refusal(forHost: "127.1") != nil)
    }

    @Test func curlReadsHostsTheWayTheRulesDo() throws {
        let parts = try #require(curlURLParts("http://[::1]:8080/feed"))
        #expect(parts.scheme == "http")
        #expect(AddressRules.classify(host: parts.host) == .loopback)
        let numeric = try #require(curlURLParts("HTTP://0x7f000001/feed"))
        #expect(AddressRules.classify(host: numeric.host) == .loopback)
    }
}
