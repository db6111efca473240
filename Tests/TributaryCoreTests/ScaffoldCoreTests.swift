import Testing

@testable import TributaryCore

@Test func moduleLoads() {
    #expect(Bool(true))
}
