import Foundation
import Testing
import TributaryCore
import TributaryFetcher

@testable import Tributary

private let healthRecords: [FeedHealth] = [
    FeedHealth(),
    FeedHealth(
        errorCount: 3, lastStatus: 503, lastError: "HTTP 503 \"busy\" \\ /path\n\tagain \u{1} ✓ 𝄞",
        lastErrorKind: .http, lastFetched: Date(timeIntervalSinceReferenceDate: 817_683_822.550_592_2),
        lastSuccess: Date(timeIntervalSince1970: -12.25), nextDue: Date(timeIntervalSinceReferenceDate: 1e9 + 0.1),
        disabledReason: "410 Gone", unhealthy: true, pendingRedirect: "https://new.example/feed?a=1&b=2",
        pendingRedirectCount: 1, etag: "W/\"67d41a40-32a5\"", lastModified: "Fri, 14 Mar 2025 12:00:00 GMT",
        schedule: ScheduleHints(
            ttlMinutes: 60, skipHours: [0, 5, 23], skipDays: ["Saturday", "Sunday"], updatePeriod: "hourly",
            updateFrequency: 2)),
    FeedHealth(nextDue: Date(timeIntervalSinceReferenceDate: 5), schedule: ScheduleHints()),
]

@Test(arguments: healthRecords)
func healthRecordsReadBackWhicheverSideWroteThem(health: FeedHealth) throws {
    let ours = try #require(HealthJSON.encode(health))
    #expect(try JSONDecoder().decode(FeedHealth.self, from: ours) == health)
    #expect(HealthJSON.decode(ours) == health)
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    #expect(HealthJSON.decode(try encoder.encode(health)) == health)
    #expect(HealthJSON.decode(try JSONEncoder().encode(health)) == health)
}

@Test(arguments: [
    "", "{", "[]", "{\"errorCount\":0}",
    "{\"errorCount\":\"0\",\"nextDue\":0,\"unhealthy\":false,\"pendingRedirectCount\":0}",
    "{\"errorCount\":0,\"nextDue\":0,\"unhealthy\":false,\"pendingRedirectCount\":0,\"etag\":7}",
    "{\"errorCount\":0,\"nextDue\":0,\"unhealthy\":false,\"pendingRedirectCount\":0,\"lastErrorKind\":\"nonsense\"}",
    "{\"errorCount\":0,\"nextDue\":0,\"unhealthy\":false,\"pendingRedirectCount\":0} trailing",
])
func recordsThisReaderDoesNotKnowAreLeftToFoundation(text: String) {
    #expect(HealthJSON.decode(Data(text.utf8)) == nil)
}

@Test func aNonFiniteDateIsLeftToFoundation() {
    #expect(HealthJSON.encode(FeedHealth(nextDue: Date(timeIntervalSinceReferenceDate: .infinity))) == nil)
}
