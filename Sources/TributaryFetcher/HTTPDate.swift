public import Foundation
import TributaryCore

/// HTTP dates (RFC 9110 §5.6.7): IMF-fixdate, the obsolete RFC 850 form and asctime, all in GMT.
///
/// Written by hand rather than with `DateFormatter` because formatters are neither cheap nor `Sendable`, and
/// the three forms share one token structure: a day, a month name, a year, and a time.
public enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Parses an HTTP date; nil when the text is not one.
    public static func parse(_ text: String) -> Date? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" || $0 == "\t" })
        var numbers: [Int] = []
        var month: Int?
        var clock: (Int, Int, Int)?
        for token in tokens {
            if token.contains(":") {
                let parts = token.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 3 else { return nil }
                clock = (parts[0], parts[1], parts[2])
            } else if let value = Int(token) {
                numbers.append(value)
            } else if token.count >= 3, let index = months.firstIndex(of: token.prefix(3).lowercased()),
                month == nil, !isWeekday(token)
            {
                month = index + 1
            }
        }
        guard let month, let clock, numbers.count == 2 else { return nil }
        let day = numbers[0]
        var year = numbers[1]
        if year < 100 { year += year >= 70 ? 1900 : 2000 }
        guard (1...31).contains(day), (0...23).contains(clock.0), (0...59).contains(clock.1),
            (0...60).contains(clock.2)
        else { return nil }
        let days = CivilCalendar.days(year: year, month: month, day: day)
        let seconds = days * 86_400 + clock.0 * 3_600 + clock.1 * 60 + clock.2
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Formats a date as IMF-fixdate.
    public static func format(_ date: Date) -> String {
        let (days, secondOfDay) = CivilCalendar.split(date)
        let (year, month, day) = CivilCalendar.date(days: days)
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let weekday = weekdays[((days % 7) + 7) % 7]
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let monthName = months[month - 1].prefix(1).uppercased() + months[month - 1].dropFirst()
        return "\(weekday), \(two(day)) \(monthName) \(year) \(two(secondOfDay / 3600)):"
            + "\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) GMT"
    }

    private static func isWeekday(_ token: Substring) -> Bool {
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].contains(token.prefix(3).lowercased())
    }

}
