internal import Foundation

/// Folds the many spellings of one article's URL into one key.
///
/// The result is an identity key, not a URL to fetch: `http` and `https` fold together, mobile and AMP hosts fold
/// into the main host, and parameters that only track the reader are dropped. Anything that does not look like an
/// absolute http(s) URL comes back trimmed but otherwise untouched, so it still compares equal to itself.
public enum CanonicalURL {
    /// Query parameters that say how the reader arrived, never which page they read.
    static let trackingParameters: Set<String> = [
        "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "twclid", "igshid", "mc_cid", "mc_eid", "ref",
        "ref_src", "ref_url", "referrer", "source", "_ga", "_gl", "_hsenc", "_hsmi", "hsctatracking", "mkt_tok",
        "oly_anon_id", "oly_enc_id", "vero_id", "wickedid", "spm", "s_cid", "cmpid", "ncid", "sr_share", "xtor",
        "amp", "outputtype", "guccounter", "guce_referrer", "guce_referrer_sig", "rss", "feed", "cmp", "ito",
        "share", "smid", "taid", "__twitter_impression",
    ]
    /// Host prefixes that serve the same pages as the bare host.
    static let foldedHostPrefixes = ["www.", "m.", "amp.", "mobile."]

    /// The canonical key of `url`; see the type's documentation for what is folded.
    public static func canonicalize(_ url: String) -> String {
        let trimmed = url.trimmingWhitespace()
        guard let schemeEnd = trimmed.range(of: "://") else { return trimmed }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return trimmed }
        var rest = Substring(trimmed[schemeEnd.upperBound...])
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        let authority: Substring
        var path: Substring
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[slash...]
        } else {
            authority = rest
            path = "/"
        }
        return "https://" + canonicalHost(authority) + canonicalPath(path) + canonicalQuery(query)
    }

    private static func canonicalHost(_ authority: Substring) -> String {
        var host = authority
        if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
        var port: Substring = ""
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") {
            port = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        var name = host.lowercased()
        while name.hasSuffix(".") { name.removeLast() }
        for prefix in foldedHostPrefixes where name.hasPrefix(prefix) && name.count > prefix.count + 3 {
            name.removeFirst(prefix.count)
            break
        }
        if !port.isEmpty, port != "80", port != "443" { name += ":" + port }
        return name
    }

    private static func canonicalPath(_ raw: Substring) -> String {
        var segments = raw.split(separator: "/", omittingEmptySubsequences: true).map { normalisePercentEncoding($0) }
        if segments.first?.lowercased() == "amp" { segments.removeFirst() }
        if let last = segments.last?.lowercased() {
            if last == "amp" || last == "index.html" || last == "index.htm" || last == "index.php" {
                segments.removeLast()
            } else if last.hasSuffix(".amp.html"), let base = segments.last {
                segments[segments.count - 1] = String(base.dropLast(".amp.html".count)) + ".html"
            }
        }
        return "/" + segments.joined(separator: "/")
    }

    private static func canonicalQuery(_ raw: Substring) -> String {
        var kept: [String] = []
        for pair in raw.split(whereSeparator: { $0 == "&" || $0 == ";" }) where !pair.isEmpty {
            let key = (pair.firstIndex(of: "=").map { pair[..<$0] } ?? pair).lowercased()
            if key.hasPrefix("utm_") || key.hasPrefix("at_") || trackingParameters.contains(key) { continue }
            kept.append(normalisePercentEncoding(pair))
        }
        guard !kept.isEmpty else { return "" }
        kept.sort()
        return "?" + kept.joined(separator: "&")
    }

    /// Upper-cases percent escapes so `%2f` and `%2F` compare equal.
    private static func normalisePercentEncoding(_ part: Substring) -> String {
        guard part.contains("%") else { return String(part) }
        var out = ""
        var pending = 0
        for character in part {
            if character == "%" {
                pending = 2
                out.append(character)
            } else if pending > 0 {
                pending -= 1
                out += character.uppercased()
            } else {
                out.append(character)
            }
        }
        return out
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
