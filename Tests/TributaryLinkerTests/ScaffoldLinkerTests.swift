import Testing

@testable import TributaryLinker

@Test func moduleLoads() {
    #expect(Bool(true))
}
