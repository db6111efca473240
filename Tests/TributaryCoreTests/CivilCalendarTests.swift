import Foundation
import Testing
import TributaryCore

@Test(arguments: [
    (0, 1970, 1, 1), (-1, 1969, 12, 31), (11_016, 2000, 2, 29), (20_786, 2026, 11, 29), (-719_162, 1, 1, 1),
    (2_932_896, 9999, 12, 31),
])
func daysAndDatesAreInverse(days: Int, year: Int, month: Int, day: Int) {
    #expect(CivilCalendar.days(year: year, month: month, day: day) == days)
    let date = CivilCalendar.date(days: days)
    let parts: [Int] = [date.year, date.month, date.day]
    #expect(parts == [year, month, day])
}

@Test func rfc3339MatchesFoundation() {
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")
    for seconds in stride(from: -2_000_000_000.0, through: 4_000_000_000.0, by: 97_654_321.5) {
        let date = Date(timeIntervalSince1970: seconds)
        let whole = Date(timeIntervalSince1970: seconds.rounded(.down))
        #expect(CivilCalendar.rfc3339(date) == formatter.string(from: whole))
    }
}

@Test func weekdaysCountFromAThursday() {
    #expect(CivilCalendar.weekday(days: 0) == 4)
    #expect(CivilCalendar.weekday(days: 20_786) == 0)  // 2026-11-29 is a Sunday
    #expect(CivilCalendar.weekday(days: -1) == 3)
}
