public import Foundation
public import TributaryCore

/// Writes the subscription list as OPML 2.0, the format every feed reader imports.
///
/// Tags become folders so that readers show the grouping: a feed's first tag is its folder (`a/b` nests `b`
/// inside `a`), and when it has more than one tag, a `category` attribute lists them all in order (a path as
/// `/a/b`), so `tributary import` gets every tag back in the same order. Feeds keep their order in the list:
/// consecutive feeds with the same first tag share a folder, and a folder opens again further down when the
/// list returns to it, which readers merge, rather than regrouping the feeds, which would lose their order.
///
/// Known limits of the round trip: a feed's `priority` is not carried (OPML has no place for it), and a second
/// or later tag that contains a comma cannot be written in `category`.
public enum OPMLWriter {
    /// The OPML document for these subscriptions. The same input always gives the same bytes.
    ///
    /// Written into one byte buffer: the list can hold tens of thousands of feeds, and the OPML is rewritten in the
    /// same step as the merged feed whenever the list changes.
    public static func document(title: String, subscriptions: [Subscription], dateCreated: Date) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256 + subscriptions.count * 128)
        append(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <opml version="2.0">
              <head>
                <title>
            """, to: &out)
        append(escape(title), to: &out)
        append("</title>\n    <dateCreated>", to: &out)
        append(rfc822(dateCreated), to: &out)
        append("</dateCreated>\n  </head>\n  <body>\n", to: &out)
        var open: [String] = []
        for subscription in subscriptions {
            let folders = subscription.tags.first.map(folderPath) ?? []
            let shared = zip(open, folders).prefix { $0 == $1 }.count
            while open.count > shared {
                open.removeLast()
                indent(open.count, &out)
                append("</outline>\n", to: &out)
            }
            for folder in folders[shared...] {
                indent(open.count, &out)
                append("<outline text=\"", to: &out)
                append(escape(folder), to: &out)
                append("\">\n", to: &out)
                open.append(folder)
            }
            indent(open.count, &out)
            outline(subscription, &out)
            out.append(UInt8(ascii: "\n"))
        }
        while !open.isEmpty {
            open.removeLast()
            indent(open.count, &out)
            append("</outline>\n", to: &out)
        }
        append("  </body>\n</opml>\n", to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func outline(_ subscription: Subscription, _ out: inout [UInt8]) {
        append("<outline type=\"rss\"", to: &out)
        attribute("text", subscription.title ?? subscription.url, &out)
        if let title = subscription.title { attribute("title", title, &out) }
        attribute("xmlUrl", subscription.url, &out)
        if let html = subscription.htmlURL { attribute("htmlUrl", html, &out) }
        if subscription.tags.count > 1 {
            let entries = subscription.tags.map { folderPath($0).count > 1 ? "/" + $0 : $0 }
            attribute("category", entries.joined(separator: ","), &out)
        }
        append("/>", to: &out)
    }

    private static func attribute(_ name: StaticString, _ value: String, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        append("=\"", to: &out)
        append(escape(value), to: &out)
        out.append(UInt8(ascii: "\""))
    }

    private static func append(_ text: String, to out: inout [UInt8]) {
        out.append(contentsOf: text.utf8)
    }

    /// The folder names of a tag: `a/b` is `b` inside `a`. Empty parts are dropped.
    private static func folderPath(_ tag: String) -> [String] {
        // Most tags are one plain word: no slash, nothing to trim.
        let utf8 = tag.utf8
        if let first = utf8.first, let last = utf8.last, first > 0x20, last > 0x20, first < 0x80, last < 0x80,
            !utf8.contains(UInt8(ascii: "/"))
        {
            return [tag]
        }
        return tag.split(separator: "/").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func indent(_ depth: Int, _ out: inout [UInt8]) {
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * (depth + 2)))
    }

    /// Escapes text for an attribute or element, and drops characters XML 1.0 cannot carry at all.
    static func escape(_ text: String) -> String {
        // Most titles and URLs need nothing: return them without building a new string.
        let needsWork = text.utf8.contains { byte in
            byte < 0x20 || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
                || byte == UInt8(ascii: "\"") || byte == 0xEF  // 0xEF leads U+FFFE and U+FFFF
        }
        guard needsWork else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "\n": result += "&#10;"
            case "\r": result += "&#13;"
            case "\t": result += "&#9;"
            default:
                let value = scalar.value
                let allowed =
                    value >= 0x20 && !(0xD800...0xDFFF).contains(value) && value != 0xFFFE && value != 0xFFFF
                if allowed { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }

    /// An RFC 822 date in GMT, spelled in English whatever the machine's locale.
    static func rfc822(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let day = days[((parts.weekday ?? 1) - 1 + 7) % 7]
        let month = months[((parts.month ?? 1) - 1 + 12) % 12]
        func two(_ value: Int?) -> String {
            let number = value ?? 0
            return number < 10 ? "0\(number)" : "\(number)"
        }
        return
            "\(day), \(two(parts.day)) \(month) \(parts.year ?? 1970) \(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) GMT"
    }
}
