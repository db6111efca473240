import Testing

@testable import TributaryStore

@Test func moduleLoads() {
    #expect(Bool(true))
}
