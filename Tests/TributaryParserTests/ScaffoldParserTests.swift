import Testing

@testable import TributaryParser

@Test func moduleLoads() {
    #expect(Bool(true))
}
