public import Foundation

/// Date arithmetic in the proleptic Gregorian calendar, in UTC, by integer arithmetic alone.
///
/// The parser, the fetcher's HTTP dates, the publisher and the parse dump all need it; Foundation's `Calendar`
/// switches to Julian dates before 1582 and costs a lock and an allocation per call on the hot path. The day
/// counting follows Howard Hinnant's public-domain `days_from_civil` description: 400-year eras that start on
/// 1 March, so the leap day falls at the end of each year.
public enum CivilCalendar {
    /// Days since 1970-01-01 of a calendar date.
    public static func days(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The calendar date of a day counted from 1970-01-01.
    public static func date(days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Splits an instant into its day (from 1970-01-01) and its second of that day, truncating fractions.
    public static func split(_ date: Date) -> (days: Int, secondOfDay: Int) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        return (days, seconds - days * 86_400)
    }

    /// 0 = Sunday … 6 = Saturday, for a day counted from 1970-01-01 (a Thursday).
    public static func weekday(days: Int) -> Int {
        ((days + 4) % 7 + 7) % 7
    }

    /// RFC 3339 in UTC to the whole second: `2026-11-29T19:26:51Z`.
    public static func rfc3339(_ date: Date) -> String {
        let (days, second) = split(date)
        let (year, month, day) = Self.date(days: days)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(second / 3_600, 2)):"
            + "\(pad(second / 60 % 60, 2)):\(pad(second % 60, 2))Z"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
