import Foundation
import Testing
import TributaryCore

@testable import TributaryFetcher

@Suite struct FeedPolicyTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15 08:00:00 UTC, a Friday
    let settings = FetchSettings(minInterval: 900, maxInterval: 86_400)

    func result(
        _ outcome: FetchOutcome, status: Int?, headers: [String: String] = [:], url: String = "http://a/feed"
    )
        -> FetchResult
    {
        FetchResult(request: FetchRequest(feedURL: url), outcome: outcome, status: status, headers: headers)
    }

    @Test func httpDatesInAllThreeForms() throws {
        let expected = Date(timeIntervalSince1970: 784_111_777)
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == expected)
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == expected)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == expected)
        #expect(HTTPDate.parse("not a date") == nil)
        #expect(HTTPDate.format(expected) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.parse(HTTPDate.format(now)) == now)
    }

    @Test func successUsesMaxAgeWithinBounds() {
        let long = result(.notModified, status: 304, headers: ["cache-control": "public, max-age=7200"])
        #expect(
            FeedPolicy.update(FeedHealth(), after: long, hints: nil, settings: settings, now: now).health.nextDue
                == now.addingTimeInterval(7_200))
        let short = result(.notModified, status: 304, headers: ["cache-control": "max-age=10"])
        #expect(
            FeedPolicy.update(FeedHealth(), after: short, hints: nil, settings: settings, now: now).health.nextDue
                == now.addingTimeInterval(900))
        let huge = result(.notModified, status: 304, headers: ["cache-control": "max-age=9999999"])
        #expect(
            FeedPolicy.update(FeedHealth(), after: huge, hints: nil, settings: settings, now: now).health.nextDue
                == now.addingTimeInterval(86_400))
        let noCache = result(.notModified, status: 304, headers: ["cache-control": "no-cache, max-age=7200"])
        #expect(
            FeedPolicy.update(FeedHealth(), after: noCache, hints: nil, settings: settings, now: now).health.nextDue
                == now.addingTimeInterval(900))
    }

    @Test func expiresIsMeasuredFromTheServersDate() {
        let headers = [
            "date": HTTPDate.format(now.addingTimeInterval(-50)),
            "expires": HTTPDate.format(now.addingTimeInterval(3_550)),
        ]
        let fetched = result(.body(Data(), contentType: nil), status: 200, headers: headers)
        #expect(
            FeedPolicy.nextDue(after: now, headers: fetched.headers, hints: nil, settings: settings)
                == now.addingTimeInterval(3_600))
    }

    @Test func feedHintsStretchTheInterval() {
        #expect(
            FeedPolicy.nextDue(after: now, headers: [:], hints: ScheduleHints(ttlMinutes: 120), settings: settings)
                == now.addingTimeInterval(7_200))
        let sy = ScheduleHints(updatePeriod: "daily", updateFrequency: 4)
        #expect(
            FeedPolicy.nextDue(after: now, headers: [:], hints: sy, settings: settings)
                == now.addingTimeInterval(21_600))
        let weekly = ScheduleHints(updatePeriod: "weekly")
        #expect(
            FeedPolicy.nextDue(after: now, headers: [:], hints: weekly, settings: settings)
                == now.addingTimeInterval(86_400))
    }

    @Test func syndicationPeriodsAreReadWhateverTheirCaseAndSpaces() {
        for period in ["daily", "Daily", " DAILY\t", "\u{00A0}daily"] {
            #expect(FeedPolicy.syndicationInterval(ScheduleHints(updatePeriod: period)) == 86_400, "\(period)")
        }
        for period in ["", "day", "fortnightly"] {
            #expect(FeedPolicy.syndicationInterval(ScheduleHints(updatePeriod: period)) == nil, "\(period)")
        }
    }

    @Test func hintsFromTheLastParseScheduleA304() {
        let parsed = result(.body(Data(), contentType: nil), status: 200)
        let first = FeedPolicy.update(
            FeedHealth(), after: parsed, hints: ScheduleHints(ttlMinutes: 60), settings: settings, now: now)
        #expect(first.health.nextDue == now.addingTimeInterval(3_600))
        let unchanged = result(.notModified, status: 304)
        let later = now.addingTimeInterval(4_000)
        let second = FeedPolicy.update(first.health, after: unchanged, hints: nil, settings: settings, now: later)
        #expect(second.health.nextDue == later.addingTimeInterval(3_600))
    }

    @Test func skipHoursAndDaysMoveTheDueTime() {
        // now + 15 min = 08:15 UTC Friday; hours 8 and 9 are skipped, so 10:00.
        let hours = ScheduleHints(skipHours: [8, 9])
        #expect(
            FeedPolicy.nextDue(after: now, headers: [:], hints: hours, settings: settings)
                == Date(timeIntervalSince1970: 1_800_000_000 + 7_200))
        // Friday and Saturday skipped: Sunday 00:00 is past the 24 h bound, so the bound wins.
        let days = ScheduleHints(skipDays: ["Friday", "saturday"])
        #expect(
            FeedPolicy.nextDue(after: now, headers: [:], hints: days, settings: settings)
                == now.addingTimeInterval(86_400))
        var lenient = settings
        lenient.maxInterval = 7 * 86_400
        // Sunday 2027-01-17 00:00 UTC.
        #expect(
            FeedPolicy.nextDue(after: now, headers: [:], hints: days, settings: lenient)
                == Date(timeIntervalSince1970: 1_800_000_000 - 8 * 3_600 + 2 * 86_400))
    }

    @Test func backoffGrowsWithJitterUpToTheCap() {
        var previous = 0.0
        for errors in 1...6 {
            let delay = FeedPolicy.backoff(errors: errors, feedURL: "http://a/feed", settings: settings)
            let raw = min(900 * pow(2, Double(errors - 1)), 86_400)
            #expect(delay <= raw && delay >= raw * 0.75)
            #expect(delay > previous * 0.75)
            previous = delay
        }
        #expect(FeedPolicy.backoff(errors: 40, feedURL: "http://a/feed", settings: settings) <= 86_400)
        let spread = Set((0..<20).map { FeedPolicy.backoff(errors: 3, feedURL: "http://f\($0)/", settings: settings) })
        #expect(spread.count > 10)
    }

    @Test func repeatedFailuresMarkTheFeedUnhealthyAndSuccessHealsIt() {
        var health = FeedHealth()
        let failure = result(.failed(FetchError(.network, "reset")), status: nil)
        for _ in 0..<FeedPolicy.unhealthyAfter {
            #expect(!health.unhealthy)
            health = FeedPolicy.update(health, after: failure, hints: nil, settings: settings, now: now).health
        }
        #expect(health.unhealthy)
        #expect(health.errorCount == FeedPolicy.unhealthyAfter)
        #expect(health.lastError == "reset")
        let success = FetchResult(
            request: FetchRequest(feedURL: "http://a/feed"), outcome: .body(Data(), contentType: nil), status: 200,
            etag: "\"x\"", lastModified: "Mon, 01 Jan 2024 00:00:00 GMT")
        health = FeedPolicy.update(health, after: success, hints: nil, settings: settings, now: now).health
        #expect(!health.unhealthy)
        #expect(health.errorCount == 0)
        #expect(health.lastError == nil)
        #expect(health.etag == "\"x\"")
        #expect(health.lastModified == "Mon, 01 Jan 2024 00:00:00 GMT")
        #expect(health.isDue(at: now.addingTimeInterval(900)))
        #expect(!health.isDue(at: now.addingTimeInterval(899)))
    }

    @Test func aChangedPermanentTargetRestartsConfirmation() {
        let hop = { (target: String) in
            FetchResult(
                request: FetchRequest(feedURL: "http://a/feed"), outcome: .notModified, status: 304,
                redirects: [Redirect(status: 301, from: "http://a/feed", to: target)])
        }
        var health = FeedPolicy.update(FeedHealth(), after: hop("http://b/"), hints: nil, settings: settings, now: now)
            .health
        let changed = FeedPolicy.update(health, after: hop("http://c/"), hints: nil, settings: settings, now: now)
        #expect(changed.move == nil)
        health = changed.health
        #expect(health.pendingRedirect == "http://c/")
        let confirmed = FeedPolicy.update(health, after: hop("http://c/"), hints: nil, settings: settings, now: now)
        #expect(confirmed.move?.to == "http://c/")
        // A permanent hop followed by a temporary one moves only as far as the permanent part.
        let mixed = FetchResult(
            request: FetchRequest(feedURL: "http://a/feed"), outcome: .notModified,
            redirects: [
                Redirect(status: 308, from: "http://a/feed", to: "http://b/"),
                Redirect(status: 302, from: "http://b/", to: "http://c/"),
            ])
        #expect(mixed.permanentTarget == "http://b/")
        // A failure after a 301 does not confirm anything.
        let failedHop = FetchResult(
            request: FetchRequest(feedURL: "http://a/feed"), outcome: .failed(FetchError(.http, "500")), status: 500,
            redirects: [Redirect(status: 301, from: "http://a/feed", to: "http://c/")])
        let afterFailure = FeedPolicy.update(health, after: failedHop, hints: nil, settings: settings, now: now)
        #expect(afterFailure.move == nil)
    }
}
