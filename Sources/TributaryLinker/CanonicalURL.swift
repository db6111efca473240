/// Folds the many spellings of one article's URL into one key.
///
/// The result is an identity key, not a URL to fetch: `http` and `https` fold together, mobile and AMP hosts fold
/// into the main host, and parameters that only track the reader are dropped. Anything that does not look like an
/// absolute http(s) URL comes back trimmed but otherwise untouched, so it still compares equal to itself. Works on
/// the UTF-8 bytes: it runs once per article on the linker's hot path.
public enum CanonicalURL {
    /// Query parameters that say how the reader arrived, never which page they read.
    static let trackingParameters: Set<[UInt8]> = Set(
        [
            "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "twclid", "igshid", "mc_cid", "mc_eid", "ref",
            "ref_src", "ref_url", "referrer", "source", "_ga", "_gl", "_hsenc", "_hsmi", "hsctatracking", "mkt_tok",
            "oly_anon_id", "oly_enc_id", "vero_id", "wickedid", "spm", "s_cid", "cmpid", "ncid", "sr_share", "xtor",
            "amp", "outputtype", "guccounter", "guce_referrer", "guce_referrer_sig", "rss", "feed", "cmp", "ito",
            "share", "smid", "taid", "__twitter_impression",
        ].map { Array($0.utf8) })
    /// Host prefixes that serve the same pages as the bare host.
    static let foldedHostPrefixes: [[UInt8]] = ["www.", "m.", "amp.", "mobile."].map { Array($0.utf8) }
    private static let pathEndings: [[UInt8]] = ["amp", "index.html", "index.htm", "index.php"].map { Array($0.utf8) }

    /// The canonical key of `url`; see the type's documentation for what is folded.
    public static func canonicalize(_ url: String) -> String {
        let bytes = Array(url.utf8)
        var start = 0
        var end = bytes.count
        while start < end && isSpace(bytes[start]) { start += 1 }
        while end > start && isSpace(bytes[end - 1]) { end -= 1 }
        let trimmed = bytes[start..<end]
        guard let separator = find(Array("://".utf8), in: trimmed, limit: 12) else {
            return String(decoding: trimmed, as: UTF8.self)
        }
        let scheme = lowercased(trimmed[trimmed.startIndex..<separator])
        guard scheme == Array("http".utf8) || scheme == Array("https".utf8) else {
            return String(decoding: trimmed, as: UTF8.self)
        }
        var rest = trimmed[(separator + 3)...]
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) { rest = rest[..<hash] }
        var query: ArraySlice<UInt8> = []
        if let mark = rest.firstIndex(of: UInt8(ascii: "?")) {
            query = rest[(mark + 1)...]
            rest = rest[..<mark]
        }
        let slash = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
        var out = Array("https://".utf8)
        out.reserveCapacity(trimmed.count + 8)
        appendHost(rest[rest.startIndex..<slash], to: &out)
        appendPath(rest[slash...], to: &out)
        appendQuery(query, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always) private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func lowercased<C: Collection<UInt8>>(_ bytes: C) -> [UInt8] {
        bytes.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }
    }

    private static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>, limit: Int) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        let last = min(haystack.endIndex - needle.count, haystack.startIndex + limit)
        var index = haystack.startIndex
        while index <= last {
            if haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    private static func appendHost(_ authority: ArraySlice<UInt8>, to out: inout [UInt8]) {
        var host = authority
        if let at = host.lastIndex(of: UInt8(ascii: "@")) { host = host[(at + 1)...] }
        var port: ArraySlice<UInt8> = []
        if let colon = host.lastIndex(of: UInt8(ascii: ":")), host.last != UInt8(ascii: "]") {
            port = host[(colon + 1)...]
            host = host[..<colon]
        }
        var name = lowercased(host)
        while name.last == UInt8(ascii: ".") { name.removeLast() }
        for prefix in foldedHostPrefixes where name.count > prefix.count + 3 && name.starts(with: prefix) {
            name.removeFirst(prefix.count)
            break
        }
        out.append(contentsOf: name)
        if !port.isEmpty, !port.elementsEqual("80".utf8), !port.elementsEqual("443".utf8) {
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: port)
        }
    }

    private static func appendPath(_ raw: ArraySlice<UInt8>, to out: inout [UInt8]) {
        var segments = raw.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
        if let first = segments.first, lowercased(first) == pathEndings[0] { segments.removeFirst() }
        var lastSegment: [UInt8]?
        if let last = segments.last {
            let lower = lowercased(last)
            if pathEndings.contains(lower) {
                segments.removeLast()
            } else if lower.count > 9, lower.suffix(9).elementsEqual(".amp.html".utf8) {
                lastSegment = Array(last.dropLast(9)) + Array(".html".utf8)
                segments.removeLast()
            }
        }
        out.append(UInt8(ascii: "/"))
        for (index, segment) in segments.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "/")) }
            appendNormalisingEscapes(segment, to: &out)
        }
        if let lastSegment {
            if !segments.isEmpty { out.append(UInt8(ascii: "/")) }
            appendNormalisingEscapes(lastSegment[...], to: &out)
        }
    }

    private static func appendQuery(_ raw: ArraySlice<UInt8>, to out: inout [UInt8]) {
        var kept: [ArraySlice<UInt8>] = []
        for pair in raw.split(whereSeparator: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: ";") }) {
            let key = lowercased(pair.firstIndex(of: UInt8(ascii: "=")).map { pair[..<$0] } ?? pair)
            if key.starts(with: "utm_".utf8) || key.starts(with: "at_".utf8) || trackingParameters.contains(key) {
                continue
            }
            kept.append(pair)
        }
        guard !kept.isEmpty else { return }
        kept.sort { $0.lexicographicallyPrecedes($1) }
        out.append(UInt8(ascii: "?"))
        for (index, pair) in kept.enumerated() {
            if index > 0 { out.append(UInt8(ascii: "&")) }
            appendNormalisingEscapes(pair, to: &out)
        }
    }

    /// Upper-cases percent escapes so `%2f` and `%2F` compare equal.
    private static func appendNormalisingEscapes(_ part: ArraySlice<UInt8>, to out: inout [UInt8]) {
        var pending = 0
        for byte in part {
            if byte == UInt8(ascii: "%") {
                pending = 2
                out.append(byte)
            } else if pending > 0 {
                pending -= 1
                out.append(byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f") ? byte - 0x20 : byte)
            } else {
                out.append(byte)
            }
        }
    }
}
