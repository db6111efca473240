import Testing

@testable import TributaryPublisher

@Test func moduleLoads() {
    #expect(Bool(true))
}
