public import Foundation
import TributaryCore

/// Dates as feeds write them: RFC 822 and its many misspellings, RFC 3339 / ISO 8601 / W3CDTF, asctime,
/// and a few localised forms (Greek, Hungarian, Korean) that real feeds use.
///
/// Hand-written scanners instead of `DateFormatter`: formatters are slow, locale-sensitive, and Foundation's
/// calendar switches to the Julian calendar before 1582, while feeds mean the proleptic Gregorian one.
public enum FeedDate {
    /// Parses a feed date into an instant, or nil when the text is not a date we can read.
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmedASCII()
        guard !trimmed.isEmpty, trimmed.utf8.count < 128 else { return nil }
        if let date = parseCommonW3CDTF(trimmed) { return date }
        if let date = parseW3CDTF(trimmed) { return date }
        if let date = parseCommonRFC822(trimmed) { return date }
        if let date = parseRFC822(trimmed) { return date }
        if let date = parseISO8601(trimmed) { return date }
        if let date = parseKorean(trimmed) { return date }
        if let date = parseGreek(trimmed) { return date }
        if let date = parseHungarian(trimmed) { return date }
        return nil
    }

    // MARK: - W3CDTF (a profile of ISO 8601, what RFC 3339 also allows)

    /// `YYYY[-MM[-DD[(T| )hh:mm[:ss[.f]][ ][zone]]]]`; every field range-checked.
    static func parseW3CDTF(_ text: String) -> Date? {
        var scanner = DigitScanner(text)
        guard let year = scanner.number(exactly: 4) else { return nil }
        var month = 1
        var day = 1
        var clock = FeedDate.DateClock()
        if scanner.take("-") {
            guard let value = scanner.number(exactly: 2) else { return nil }
            month = value
            if scanner.take("-") {
                guard let value = scanner.number(exactly: 2) else { return nil }
                day = value
                if scanner.takeAny("Tt ") {
                    guard let parsed = scanner.clock(hourDigits: 2...2) else { return nil }
                    clock = parsed
                }
            }
        }
        guard scanner.atEnd else { return nil }
        return makeDate(year: year, month: month, day: day, clock: clock)
    }

    /// The form Atom feeds and Dublin Core dates nearly always take, `YYYY-MM-DDThh:mm:ss[.f](Z|±hh:mm)`, read
    /// over bytes without the general scanner's copy. Anything else is left to `parseW3CDTF`, which reads
    /// these the same way.
    static func parseCommonW3CDTF(_ text: String) -> Date? {
        var copy = text
        return copy.withUTF8 { bytes -> Date? in
            let count = bytes.count
            guard count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
                bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":")
            else { return nil }
            func number(_ start: Int, _ length: Int) -> Int? {
                var value = 0
                for index in start..<start + length {
                    let byte = bytes[index]
                    guard isDigit(byte) else { return nil }
                    value = value * 10 + Int(byte - UInt8(ascii: "0"))
                }
                return value
            }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
                let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2)
            else { return nil }
            var index = 19
            if bytes[index] == UInt8(ascii: ".") {
                let start = index + 1
                index = start
                while index < count, isDigit(bytes[index]) { index += 1 }
                guard (1...9).contains(index - start) else { return nil }
            }
            var clock = DateClock(hour: hour, minute: minute, second: second, offsetSeconds: 0)
            let rest = count - index
            if rest == 1 && bytes[index] == UInt8(ascii: "Z") {
                return makeDate(year: year, month: month, day: day, clock: clock)
            }
            guard rest == 6, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"),
                bytes[index + 3] == UInt8(ascii: ":"), let hours = number(index + 1, 2),
                let minutes = number(index + 4, 2),
                hours <= 23, minutes <= 59
            else { return nil }
            let offset = hours * 3600 + minutes * 60
            clock.offsetSeconds = bytes[index] == UInt8(ascii: "-") ? -offset : offset
            return makeDate(year: year, month: month, day: day, clock: clock)
        }
    }

    // MARK: - ISO 8601, the loose forms (two-digit years, ordinal days, compact dates)

    static func parseISO8601(_ text: String) -> Date? {
        var scanner = DigitScanner(text)
        let currentCentury = 2000
        var year: Int
        var month = 1
        var day = 1
        var ordinal: Int?
        if scanner.take("-") {
            // -YYMM, -YY-MM, -YY
            let digits = scanner.digitRun()
            switch digits.count {
            case 4:
                year = currentCentury + digits.value(0, 2)
                month = digits.value(2, 2)
            case 2:
                year = currentCentury + digits.value(0, 2)
                if scanner.take("-") {
                    guard let mm = scanner.number(exactly: 2) else { return nil }
                    month = mm
                }
            default:
                return nil
            }
        } else {
            let digits = scanner.digitRun()
            switch digits.count {
            case 8:
                year = digits.value(0, 4)
                month = digits.value(4, 2)
                day = digits.value(6, 2)
            case 7:
                year = digits.value(0, 4)
                ordinal = digits.value(4, 3)
            case 6:
                year = currentCentury + digits.value(0, 2)
                month = digits.value(2, 2)
                day = digits.value(4, 2)
            case 5:
                year = currentCentury + digits.value(0, 2)
                ordinal = digits.value(2, 3)
            case 4, 2:
                year = digits.count == 4 ? digits.value(0, 4) : currentCentury + digits.value(0, 2)
                if scanner.take("-") {
                    let second = scanner.digitRun()
                    if second.count == 3 && scanner.peek != UInt8(ascii: "-") {
                        ordinal = second.value(0, 3)
                    } else if (1...3).contains(second.count) {
                        month = second.value(0, second.count)
                        if scanner.take("-") {
                            let third = scanner.digitRun()
                            guard (1...2).contains(third.count) else { return nil }
                            day = third.value(0, third.count)
                        }
                    } else {
                        return nil
                    }
                }
            default:
                return nil
            }
        }
        var clock = FeedDate.DateClock()
        if scanner.takeAny("Tt ") {
            guard let parsed = scanner.clock(hourDigits: 1...2) else { return nil }
            clock = parsed
        }
        guard scanner.atEnd else { return nil }
        if let ordinal {
            guard (1...366).contains(ordinal) else { return nil }
            let start = CivilCalendar.days(year: year, month: 1, day: 1)
            let (y, m, d) = CivilCalendar.date(days: start + ordinal - 1)
            guard y == year else { return nil }
            year = y
            month = m
            day = d
        }
        return makeDate(year: year, month: month, day: day, clock: clock)
    }

    // MARK: - RFC 822 and relatives (asctime, Perforce, JavaScript's Date.toString)

    /// Reads the fields of an RFC 822-like date in whatever order they come: weekday (ignored, it is often
    /// wrong), day, month name, year (two or four digits), time, zone. Any token that fits no field fails
    /// the parse, so free text is never mistaken for a date.
    static func parseRFC822(_ text: String) -> Date? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" })
        var day: Int?
        var month: Int?
        var year: Int?
        var clock: DateClock?
        var zone: Int?
        for token in tokens {
            let lower = token.lowercased()
            guard let first = lower.utf8.first else { continue }
            if isDigit(first) {
                if lower.utf8.contains(UInt8(ascii: ":")) {
                    guard clock == nil else { return nil }
                    var scanner = DigitScanner(lower)
                    guard let parsed = scanner.clock(hourDigits: 1...2), scanner.atEnd else { return nil }
                    clock = parsed
                } else if lower.utf8.contains(UInt8(ascii: "/")) {
                    let parts = lower.split(separator: "/")
                    guard parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
                    else { return nil }
                    year = y
                    month = m
                    day = d
                } else {
                    guard lower.utf8.allSatisfy(isDigit), let value = Int(lower) else { return nil }
                    if lower.utf8.count <= 2 && day == nil {
                        day = value
                    } else if year == nil {
                        year = lower.utf8.count <= 2 ? (value < 50 ? 2000 + value : 1900 + value) : value
                    } else {
                        return nil
                    }
                }
            } else if first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
                guard zone == nil, let offset = parseOffset(Substring(lower)) else { return nil }
                zone = offset
            } else if let value = monthNumber(lower) {
                guard month == nil else { return nil }
                month = value
            } else if weekdays.contains(where: { lower.hasPrefix($0) }) && clock == nil && day == nil {
                continue
            } else if let offset = namedZoneOffset(lower) {
                zone = offset
            } else if lower.hasPrefix("gmt") || lower.hasPrefix("utc") {
                guard let offset = parseOffset(lower.dropFirst(3)) else { return nil }
                zone = offset
            } else if clock != nil && lower.utf8.allSatisfy({ isLetter($0) || $0 == UInt8(ascii: "/") }) {
                // An unknown zone name after the time: read the time as UTC rather than lose the date.
                zone = zone ?? 0
            } else {
                return nil
            }
        }
        guard let day, let month, let year else { return nil }
        var result = clock ?? DateClock()
        if let zone { result.offsetSeconds = zone }
        return makeDate(year: year, month: month, day: day, clock: result)
    }

    /// The form nearly every RSS feed writes, `[Www, ]D[D] Mon YYYY hh:mm:ss ±hhmm|GMT|UT|UTC|Z`, read over
    /// bytes without splitting into tokens. Anything else (and any doubt) is left to `parseRFC822`, which
    /// reads these the same way.
    static func parseCommonRFC822(_ text: String) -> Date? {
        var copy = text
        return copy.withUTF8 { bytes -> Date? in
            var index = 0
            func letter(_ offset: Int) -> UInt8 {
                index + offset < bytes.count ? bytes[index + offset] | 0x20 : 0
            }
            func digits(_ count: Int) -> Int? {
                guard index + count <= bytes.count else { return nil }
                var value = 0
                for offset in 0..<count {
                    let byte = bytes[index + offset]
                    guard isDigit(byte) else { return nil }
                    value = value * 10 + Int(byte - UInt8(ascii: "0"))
                }
                index += count
                return value
            }
            func take(_ byte: UInt8) -> Bool {
                guard index < bytes.count, bytes[index] == byte else { return false }
                index += 1
                return true
            }
            if bytes.count > 5, isLetter(bytes[0]) {
                let name = (UInt32(letter(0)) << 16) | (UInt32(letter(1)) << 8) | UInt32(letter(2))
                guard commonWeekdays.contains(name), bytes[3] == UInt8(ascii: ","), bytes[4] == 0x20 else {
                    return nil
                }
                index = 5
            }
            let dayDigits = index + 1 < bytes.count && isDigit(bytes[index + 1]) ? 2 : 1
            guard let day = digits(dayDigits), take(0x20) else { return nil }
            let monthName = (UInt32(letter(0)) << 16) | (UInt32(letter(1)) << 8) | UInt32(letter(2))
            guard let monthIndex = commonMonths.firstIndex(of: monthName) else { return nil }
            index += 3
            guard take(0x20), let year = digits(4), take(0x20) else { return nil }
            var clock = DateClock()
            guard let hour = digits(2), take(UInt8(ascii: ":")), let minute = digits(2), take(UInt8(ascii: ":")),
                let second = digits(2), take(0x20)
            else { return nil }
            clock.hour = hour
            clock.minute = minute
            clock.second = second
            let rest = bytes.count - index
            if rest == 5, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                let negative = bytes[index] == UInt8(ascii: "-")
                index += 1
                guard let value = digits(4), value / 100 <= 23, value % 100 <= 59 else { return nil }
                let offset = value / 100 * 3600 + value % 100 * 60
                clock.offsetSeconds = negative ? -offset : offset
            } else {
                let zone = UnsafeBufferPointer(rebasing: bytes[index...])
                let isUTC =
                    zone.elementsEqual("GMT".utf8) || zone.elementsEqual("UTC".utf8) || zone.elementsEqual("UT".utf8)
                    || zone.elementsEqual("Z".utf8)
                guard isUTC else { return nil }
            }
            return makeDate(year: year, month: monthIndex + 1, day: day, clock: clock)
        }
    }

    private static let commonWeekdays: [UInt32] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map(packedThree)
    private static let commonMonths: [UInt32] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ].map(packedThree)

    private static func packedThree(_ text: String) -> UInt32 {
        text.utf8.reduce(0) { ($0 << 8) | UInt32($1) }
    }

    private static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    private static let monthPrefixes = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]

    private static func monthNumber(_ token: String) -> Int? {
        guard token.utf8.count >= 3, token.utf8.allSatisfy({ isLetter($0) || $0 == UInt8(ascii: ".") }) else {
            return nil
        }
        for (index, prefix) in monthPrefixes.enumerated() where token.hasPrefix(prefix) {
            return index + 1
        }
        return nil
    }

    /// Zone abbreviations feeds use, in seconds east of UTC. RFC 822's military letters are read as UTC
    /// except Z: their signs were defined backwards and nobody agrees on them.
    private static func namedZoneOffset(_ token: String) -> Int? {
        let hours: Double? =
            switch token {
            case "ut", "utc", "gmt", "z", "etc/gmt", "etc/utc", "wet", "zulu": 0
            case "est", "et": -5
            case "edt": -4
            case "cst", "ct": -6
            case "cdt": -5
            case "mst", "mt": -7
            case "mdt": -6
            case "pst", "pt": -8
            case "pdt": -7
            case "ast", "at": -4
            case "adt": -3
            case "akst": -9
            case "akdt": -8
            case "hst": -10
            case "nst": -3.5
            case "ndt": -2.5
            case "bst", "cet", "met", "west", "wat": 1
            case "cest", "mest", "eet", "sast", "cat": 2
            case "eest", "msk", "eat": 3
            case "ist": 5.5
            case "sgt", "hkt", "awst": 8
            case "jst", "kst": 9
            case "acst": 9.5
            case "aest": 10
            case "aedt": 11
            case "nzst": 12
            case "nzdt": 13
            default: nil
            }
        return hours.map { Int($0 * 3600) }
    }

    /// `+hhmm`, `-hh:mm`, `+hh`; nil for anything else (a zone that is not digits makes the date unreadable).
    private static func parseOffset(_ text: Substring) -> Int? {
        guard let sign = text.first, sign == "+" || sign == "-" else { return text.isEmpty ? 0 : nil }
        let digits = text.dropFirst().filter { $0 != ":" }
        guard digits.utf8.allSatisfy(isDigit), [1, 2, 4].contains(digits.count) else { return nil }
        let value = Int(digits) ?? 0
        let hours = digits.count == 4 ? value / 100 : value
        let minutes = digits.count == 4 ? value % 100 : 0
        guard hours <= 23, minutes <= 59 else { return nil }
        let seconds = hours * 3600 + minutes * 60
        return sign == "-" ? -seconds : seconds
    }

    // MARK: - Localised forms

    /// Korean blog platforms: `2004년 05월 28일  01:31:15` (OnBlog) and `2004-05-25 오후 11:23:17` (Nate),
    /// both in Korea Standard Time.
    static func parseKorean(_ text: String) -> Date? {
        if text.contains("년") {
            let cleaned = text.replacingOccurrences(of: "년", with: " ").replacingOccurrences(of: "월", with: " ")
                .replacingOccurrences(of: "일", with: " ")
            let parts = cleaned.split(separator: " ")
            guard parts.count == 4, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
            else { return nil }
            var scanner = DigitScanner(String(parts[3]))
            guard var clock = scanner.clock(hourDigits: 1...2), scanner.atEnd else { return nil }
            clock.offsetSeconds = 9 * 3600
            return makeDate(year: year, month: month, day: day, clock: clock)
        }
        let afternoon = text.contains("오후")
        guard afternoon || text.contains("오전") else { return nil }
        let parts = text.split(separator: " ")
        guard parts.count == 3 else { return nil }
        let dateParts = parts[0].split(separator: "-")
        guard dateParts.count == 3, let year = Int(dateParts[0]), let month = Int(dateParts[1]),
            let day = Int(dateParts[2])
        else { return nil }
        var scanner = DigitScanner(String(parts[2]))
        guard var clock = scanner.clock(hourDigits: 1...2), scanner.atEnd else { return nil }
        if afternoon && clock.hour < 12 { clock.hour += 12 }
        clock.offsetSeconds = 9 * 3600
        return makeDate(year: year, month: month, day: day, clock: clock)
    }

    private static let greekWords: [String: String] = [
        "Κυρ": "Sun", "Δευ": "Mon", "Τρι": "Tue", "Τετ": "Wed", "Πεμ": "Thu", "Παρ": "Fri", "Σαβ": "Sat",
        "Ιαν": "Jan", "Φεβ": "Feb", "Μάώ": "Mar", "Μαρ": "Mar", "Μάρ": "Mar", "Απρ": "Apr", "Μάι": "May",
        "Μαϊ": "May", "Μαι": "May", "Ιούν": "Jun", "Ιον": "Jun", "Ιούλ": "Jul", "Ιολ": "Jul", "Αύγ": "Aug",
        "Αυγ": "Aug", "Σεπ": "Sep", "Οκτ": "Oct", "Νοέ": "Nov", "Νοε": "Nov", "Δεκ": "Dec",
    ]

    /// Greek RFC 822: day and month names translated, then read as RFC 822.
    static func parseGreek(_ text: String) -> Date? {
        var changed = false
        let words = text.split(separator: " ", omittingEmptySubsequences: false).map { word -> String in
            let bare = word.hasSuffix(",") ? String(word.dropLast()) : String(word)
            guard let english = greekWords[bare] else { return String(word) }
            changed = true
            return word.hasSuffix(",") ? english + "," : english
        }
        return changed ? parseRFC822(words.joined(separator: " ")) : nil
    }

    private static let hungarianMonths = [
        "január", "február", "március", "április", "május", "június", "július", "augusztus", "szeptember",
        "október", "november", "december",
    ]

    /// Hungarian W3CDTF with month names: `2004-július-13T9:15-05:00`.
    static func parseHungarian(_ text: String) -> Date? {
        for (index, name) in hungarianMonths.enumerated() where text.contains("-" + name + "-") {
            let number = index + 1 < 10 ? "0\(index + 1)" : "\(index + 1)"
            return parseISO8601(text.replacingOccurrences(of: "-" + name + "-", with: "-" + number + "-"))
        }
        return nil
    }

    // MARK: - Building the instant

    struct DateClock {
        var hour = 0
        var minute = 0
        var second = 0
        var offsetSeconds = 0
    }

    private static func makeDate(year: Int, month: Int, day: Int, clock: DateClock) -> Date? {
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        guard (0...24).contains(clock.hour), (0...59).contains(clock.minute), (0...60).contains(clock.second)
        else { return nil }
        let days = CivilCalendar.days(year: year, month: month, day: day)
        let seconds = days * 86_400 + clock.hour * 3600 + clock.minute * 60 + min(clock.second, 59)
        return Date(timeIntervalSince1970: TimeInterval(seconds - clock.offsetSeconds))
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

}

private func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
}

private func isLetter(_ byte: UInt8) -> Bool {
    (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
}

/// A cursor over the UTF-8 bytes of a date string.
private struct DigitScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    var atEnd: Bool { index == bytes.count }
    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func take(_ character: Unicode.Scalar) -> Bool {
        guard peek == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    mutating func takeAny(_ characters: String) -> Bool {
        guard let byte = peek, characters.utf8.contains(byte) else { return false }
        index += 1
        return true
    }

    struct Run {
        let digits: ArraySlice<UInt8>
        var count: Int { digits.count }

        func value(_ offset: Int, _ length: Int) -> Int {
            var result = 0
            let start = digits.startIndex + offset
            for byte in digits[start..<start + length] { result = result * 10 + Int(byte - UInt8(ascii: "0")) }
            return result
        }
    }

    mutating func digitRun() -> Run {
        let start = index
        while let byte = peek, isDigit(byte), index - start < 9 { index += 1 }
        return Run(digits: bytes[start..<index])
    }

    mutating func number(exactly count: Int) -> Int? {
        let start = index
        let run = digitRun()
        guard run.count == count else {
            index = start
            return nil
        }
        return run.value(0, count)
    }

    /// `h[h]:mm[:ss[.fraction]]` followed by an optional zone (`Z`, `±hh:mm`, `±hhmm`, `±hh`), with an
    /// optional space before the zone.
    mutating func clock(hourDigits: ClosedRange<Int>) -> FeedDate.DateClock? {
        var clock = FeedDate.DateClock()
        let hour = digitRun()
        guard hourDigits.contains(hour.count) else { return nil }
        clock.hour = hour.value(0, hour.count)
        guard take(":") else { return nil }
        let minute = digitRun()
        guard minute.count == 2 || (hourDigits.lowerBound == 1 && minute.count == 1) else { return nil }
        clock.minute = minute.value(0, minute.count)
        if take(":") {
            let second = digitRun()
            guard second.count == 2 || (hourDigits.lowerBound == 1 && second.count == 1) else { return nil }
            clock.second = second.value(0, second.count)
            if take(".") || take(",") {
                guard digitRun().count > 0 else { return nil }
            }
        }
        _ = take(" ")
        if takeAny("Zz") {
            return clock
        }
        guard let sign = peek, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else {
            return atEnd ? clock : nil
        }
        index += 1
        let hours = digitRun()
        var offsetHours = 0
        var offsetMinutes = 0
        switch hours.count {
        case 4:
            offsetHours = hours.value(0, 2)
            offsetMinutes = hours.value(2, 2)
        case 2:
            offsetHours = hours.value(0, 2)
            if take(":") {
                guard let minutes = number(exactly: 2) else { return nil }
                offsetMinutes = minutes
            }
        default:
            return nil
        }
        guard offsetHours <= 23, offsetMinutes <= 59 else { return nil }
        let offset = offsetHours * 3600 + offsetMinutes * 60
        clock.offsetSeconds = sign == UInt8(ascii: "-") ? -offset : offset
        return clock
    }
}
