import Foundation
import Testing
import TributaryCore

@testable import TributaryParser

/// feedparser's 72 date cases (tests/test_date_parsers.py), each run through the parser family it was
/// written for; `FeedDate.parse` tries all of them in turn.
struct FeedDateTests {
    struct Case: Decodable, CustomTestStringConvertible {
        let parser: String
        let input: String
        let expectedUTC: [Int]?

        enum CodingKeys: String, CodingKey {
            case parser, input
            case expectedUTC = "expected_utc"
        }

        var testDescription: String { "\(parser) \(input.debugDescription)" }
    }

    struct Suite: Decodable {
        let cases: [Case]
    }

    static let cases: [Case] = {
        guard let url = Bundle.module.url(forResource: "dates", withExtension: "json", subdirectory: "Fixtures"),
            let data = try? Data(contentsOf: url), let suite = try? JSONDecoder().decode(Suite.self, from: data)
        else { return [] }
        return suite.cases
    }()

    @Test func allCasesLoaded() {
        #expect(Self.cases.count == 72)
    }

    @Test(arguments: cases)
    func feedparserCase(_ testCase: Case) throws {
        let parse: (String) -> Date? =
            switch testCase.parser {
            case "_parse_date_w3dtf": FeedDate.parseW3CDTF
            case "_parse_date_iso8601": FeedDate.parseISO8601
            case "_parse_date_rfc822", "_parse_date_asctime", "_parse_date_perforce": FeedDate.parseRFC822
            case "_parse_date_greek": FeedDate.parseGreek
            case "_parse_date_hungarian": FeedDate.parseHungarian
            case "_parse_date_nate", "_parse_date_onblog": FeedDate.parseKorean
            default: FeedDate.parse
            }
        let result = parse(testCase.input)
        guard let expected = testCase.expectedUTC else {
            #expect(result == nil)
            return
        }
        let date = try #require(result)
        let seconds = Int(date.timeIntervalSince1970)
        let days = Int((Double(seconds) / 86_400).rounded(.down))
        let civil = CivilCalendar.date(days: days)
        let clock = seconds - days * 86_400
        let actual = [civil.year, civil.month, civil.day, clock / 3600, clock / 60 % 60, clock % 60]
        #expect(actual == Array(expected.prefix(6)))
    }

    @Test(arguments: [
        ("Tue, 10 Jun 2003 04:00:00 GMT", 1_055_217_600),
        ("tue, 10 jun 2003 04:00:00 gmt", 1_055_217_600),
        ("10 Jun 2003 04:00 +0000", 1_055_217_600),
        ("Wed, 10 Jun 2003 09:30:00 +05:30", 1_055_217_600),
        ("2003-06-10T04:00:00Z", 1_055_217_600),
        ("2003-06-10t04:00:00z", 1_055_217_600),
        ("2003-06-10 04:00:00Z", 1_055_217_600),
        ("2003-06-10T06:00:00.123456+02:00", 1_055_217_600),
        ("Tue, 10 Jun 03 00:00:00 EDT", 1_055_217_600),
    ])
    func commonSpellings(_ input: String, _ epoch: Int) {
        #expect(FeedDate.parse(input).map { Int($0.timeIntervalSince1970) } == epoch)
    }

    @Test(arguments: ["", "yesterday", "Tue, 32 Jun 2003", "2003-13-01", "12:00"])
    func rejectsNonDates(_ input: String) {
        #expect(FeedDate.parse(input) == nil)
    }
}
