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
    public static func document(title: String, subscriptions: [Subscription], dateCreated: Date) -> String {
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <opml version="2.0">
              <head>
                <title>\(escape(title))</title>
                <dateCreated>\(rfc822(dateCreated))</dateCreated>
              </head>
              <body>

            """
        var open: [String] = []
        for subscription in subscriptions {
            let folders = subscription.tags.first.map(folderPath) ?? []
            let shared = zip(open, folders).prefix { $0 == $1 }.count
            while open.count > shared {
                open.removeLast()
                out += indentation(open.count) + "</outline>\n"
            }
            for folder in folders[shared...] {
                out += indentation(open.count) + "<outline text=\"\(escape(folder))\">\n"
                open.append(folder)
            }
            out += indentation(open.count) + outline(subscription) + "\n"
        }
        while !open.isEmpty {
            open.removeLast()
            out += indentation(open.count) + "</outline>\n"
        }
        out += "  </body>\n</opml>\n"
        return out
    }

    private static func outline(_ subscription: Subscription) -> String {
        var attributes = [("type", "rss"), ("text", subscription.title ?? subscription.url)]
        if let title = subscription.title { attributes.append(("title", title)) }
        attributes.append(("xmlUrl", subscription.url))
        if let html = subscription.htmlURL { attributes.append(("htmlUrl", html)) }
        if subscription.tags.count > 1 {
            let entries = subscription.tags.map { folderPath($0).count > 1 ? "/" + $0 : $0 }
            attributes.append(("category", entries.joined(separator: ",")))
        }
        return "<outline " + attributes.map { "\($0)=\"\(escape($1))\"" }.joined(separator: " ") + "/>"
    }

    /// The folder names of a tag: `a/b` is `b` inside `a`. Empty parts are dropped.
    private static func folderPath(_ tag: String) -> [String] {
        tag.split(separator: "/").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    private static func indentation(_ depth: Int) -> String {
        String(repeating: "  ", count: depth + 2)
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
