import Testing

@testable import TributaryFetcher

@Test func moduleLoads() {
    #expect(Bool(true))
}
