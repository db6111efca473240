import Foundation
import TributaryCore

/// Date formatting for the outputs, by arithmetic rather than `DateFormatter`: it is on the hot path, and the
/// result must not depend on a locale or a time zone setting. Every date is printed in UTC to the whole second
/// (fractions are dropped, not rounded, so that a date read back from our own output prints the same).
enum DateText {
    /// The civil date and time of an instant, in UTC.
    struct Civil: Equatable {
        var year: Int
        var month: Int
        var day: Int
        var hour: Int
        var minute: Int
        var second: Int
        /// 0 = Sunday.
        var weekday: Int
    }

    static func civil(_ date: Date) -> Civil {
        let (days, secondOfDay) = CivilCalendar.split(date)
        let (year, month, day) = CivilCalendar.date(days: days)
        return Civil(
            year: year, month: month, day: day, hour: secondOfDay / 3_600, minute: secondOfDay % 3_600 / 60,
            second: secondOfDay % 60, weekday: CivilCalendar.weekday(days: days))
    }

    /// RFC 3339, `2026-11-29T19:26:51Z`, for Atom and JSON Feed.
    static func rfc3339(_ date: Date) -> String {
        CivilCalendar.rfc3339(clampedToPrintable(date))
    }

    /// RFC 822 as RSS 2.0 wants it, with a four-digit year: `Sun, 29 Nov 2026 19:26:51 +0000`.
    static func rfc822(_ date: Date) -> String {
        let c = civil(clampedToPrintable(date))
        return "\(weekdays[c.weekday]), \(pad(c.day, 2)) \(months[c.month - 1]) \(pad(c.year, 4)) "
            + "\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2)) +0000"
    }

    /// The calendar day, `2026-11-29`, used to group the HTML page.
    static func day(_ date: Date) -> String {
        let c = civil(clampedToPrintable(date))
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
    }

    /// A heading for a day: `Sunday, 29 November 2026`.
    static func dayHeading(_ date: Date) -> String {
        let c = civil(clampedToPrintable(date))
        return "\(longWeekdays[c.weekday]), \(c.day) \(longMonths[c.month - 1]) \(c.year)"
    }

    /// The time of day, `19:26`.
    static func time(_ date: Date) -> String {
        let c = civil(clampedToPrintable(date))
        return "\(pad(c.hour, 2)):\(pad(c.minute, 2))"
    }

    /// Years outside 1–9999 cannot be written in any of the formats; a date from a broken feed that far out is
    /// pinned to the nearest printable instant.
    static func clampedToPrintable(_ date: Date) -> Date {
        let low = Date(timeIntervalSince1970: -62_135_596_800)  // 0001-01-01T00:00:00Z
        let high = Date(timeIntervalSince1970: 253_402_300_799)  // 9999-12-31T23:59:59Z
        if !(date.timeIntervalSince1970 >= low.timeIntervalSince1970) { return low }
        return date > high ? high : date
    }

    /// Truncates to the whole second, the precision every output carries.
    static func wholeSecond(_ date: Date) -> Date {
        Date(timeIntervalSince1970: clampedToPrintable(date).timeIntervalSince1970.rounded(.down))
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let longWeekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let longMonths = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]
}
