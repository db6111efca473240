import Testing

@testable import Tributary

@Test func versionIsSet() {
    #expect(!tributaryVersion.isEmpty)
}
