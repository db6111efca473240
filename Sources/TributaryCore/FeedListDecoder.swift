/// Turns the JSON of feeds.json into a `FeedList`, checking every rule of the schema.
///
/// Messages name the place of the mistake the way the person sees it in the file: `output.entries`, or
/// `feed 3 ("https://…"): key "tags"`. Keys Tributary does not know are fine at the top level and inside a
/// feed (they are kept on save); inside `output`, `fetch` and `store` they are refused, because there a
/// misspelt key would silently do nothing.
struct FeedListDecoder {
    let path: String

    func decode(_ value: JSONValue) throws(ConfigError) -> FeedList {
        guard let root = value.members else {
            throw ConfigError("\(path): the top level must be an object, found \(value.typeName)")
        }
        var list = FeedList()
        let top = Fields(members: root, context: "the top level", path: path)
        list.site = try decodeSite(top)
        if let output = try top.object("output") { list.output = try decodeOutput(output) }
        if let fetch = try top.object("fetch") { list.fetch = try decodeFetch(fetch) }
        if let link = try top.object("link") { list.link = try decodeLink(link) }
        if let store = try top.object("store") { list.store = try decodeStore(store) }
        if let feeds = root.first(where: { $0.key == "feeds" })?.value {
            guard case .array(let elements) = feeds else {
                throw ConfigError("\(path): key \"feeds\" must be an array of feed objects, found \(feeds.typeName)")
            }
            var feedList: [Subscription] = []
            feedList.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                feedList.append(try decodeFeed(element, index: index))
            }
            // decodeFeed has checked each URL already.
            try refuseDuplicates(feedList)
            list.feeds = feedList
        }
        return list
    }

    private func decodeSite(_ top: Fields) throws(ConfigError) -> SiteSettings {
        var site = SiteSettings()
        if let title = try top.string("title") { site.title = title }
        site.id = try top.string("id")
        site.site = try top.string("site")
        site.subtitle = try top.string("subtitle")
        site.icon = try top.string("icon")
        site.logo = try top.string("logo")
        if let author = top.members.first(where: { $0.key == "author" })?.value {
            switch author {
            case .null: break
            case .string(let name): site.author = Person(name: name)
            case .object(let members):
                let fields = Fields(members: members, context: "author", path: path)
                try fields.refuseUnknown(["name", "email", "uri"])
                site.author = Person(
                    name: try fields.string("name"), email: try fields.string("email"), uri: try fields.string("uri"))
            default:
                throw ConfigError("\(path): key \"author\" must be an object or a name, found \(author.typeName)")
            }
        }
        return site
    }

    private func decodeOutput(_ fields: Fields) throws(ConfigError) -> OutputSettings {
        let known = ["dir", "template", "entries", "archive", "hub"] + OutputSettings.formatKeys
        try fields.refuseUnknown(known, what: "output format key")
        var output = OutputSettings()
        if let dir = try fields.string("dir") { output.dir = dir }
        output.atom = try fields.outputName("atom", default: output.atom)
        output.opml = try fields.outputName("opml", default: output.opml)
        output.html = try fields.outputName("html", default: output.html)
        output.rss = try fields.outputName("rss", default: output.rss)
        output.jsonFeed = try fields.outputName("jsonFeed", default: output.jsonFeed)
        output.template = try fields.string("template")
        if let entries = try fields.integer("entries", minimum: 1) { output.entries = entries }
        output.archive = try fields.integer("archive", minimum: 1)
        output.hub = try fields.string("hub")
        return output
    }

    private func decodeFetch(_ fields: Fields) throws(ConfigError) -> FetchSettings {
        try fields.refuseUnknown([
            "concurrency", "perHost", "timeout", "connectTimeout", "deadline", "lowSpeedBytes", "lowSpeedTime",
            "maxBytes", "maxRedirects", "allowPrivateAddresses", "userAgent", "proxy", "minInterval", "maxInterval",
            "hostSpacing",
        ])
        var fetch = FetchSettings()
        if let value = try fields.integer("concurrency", minimum: 1) { fetch.concurrency = value }
        if let value = try fields.integer("perHost", minimum: 1) { fetch.perHost = value }
        if let value = try fields.number("timeout", minimum: 0) { fetch.timeout = value }
        if let value = try fields.number("connectTimeout", minimum: 0) { fetch.connectTimeout = value }
        if let value = try fields.number("deadline", minimum: 0) { fetch.deadline = value }
        if let value = try fields.integer("lowSpeedBytes", minimum: 0) { fetch.lowSpeedBytes = value }
        if let value = try fields.number("lowSpeedTime", minimum: 0) { fetch.lowSpeedTime = value }
        if let value = try fields.integer("maxBytes", minimum: 1) { fetch.maxBytes = value }
        if let value = try fields.integer("maxRedirects", minimum: 0) { fetch.maxRedirects = value }
        if let value = try fields.bool("allowPrivateAddresses") { fetch.allowPrivateAddresses = value }
        fetch.userAgent = try fields.string("userAgent")
        fetch.proxy = try fields.string("proxy")
        if let value = try fields.number("minInterval", minimum: 0) { fetch.minInterval = value }
        if let value = try fields.number("maxInterval", minimum: 0) { fetch.maxInterval = value }
        if let value = try fields.number("hostSpacing", minimum: 0) { fetch.hostSpacing = value }
        if fetch.minInterval > fetch.maxInterval {
            throw ConfigError("\(path): fetch: \"minInterval\" must not be larger than \"maxInterval\"")
        }
        return fetch
    }

    /// `enabled` and `related` are the linker's switches; every other key is a numeric knob it may know.
    private func decodeLink(_ fields: Fields) throws(ConfigError) -> LinkSettings {
        var link = LinkSettings()
        if let value = try fields.bool("enabled") { link.enabled = value }
        if let value = try fields.integer("related", minimum: 0) { link.related = value }
        for member in fields.members where member.key != "enabled" && member.key != "related" {
            guard let value = try fields.number(member.key) else { continue }
            link.parameters[member.key] = value
        }
        return link
    }

    private func decodeStore(_ fields: Fields) throws(ConfigError) -> StoreSettings {
        try fields.refuseUnknown(["dir", "retentionDays", "keepPerFeed"])
        var store = StoreSettings()
        if let dir = try fields.string("dir") { store.dir = dir }
        if let value = try fields.integer("retentionDays", minimum: 0) { store.retentionDays = value }
        if let value = try fields.integer("keepPerFeed", minimum: 0) { store.keepPerFeed = value }
        return store
    }

    /// Reads one element of `feeds`; `index` is 0-based and shown 1-based.
    func decodeFeed(_ value: JSONValue, index: Int) throws(ConfigError) -> Subscription {
        guard let members = value.members else {
            throw ConfigError("\(path): feed \(index + 1): must be an object with a \"url\", found \(value.typeName)")
        }
        let fields = Fields(members: members, path: path) {
            if case .string(let url) = value["url"] { "feed \(index + 1) (\"\(url)\")" } else { "feed \(index + 1)" }
        }
        guard let url = try fields.string("url") else {
            throw ConfigError("\(path): \(fields.context): key \"url\" is missing")
        }
        try Self.validateFeedURL(url, context: fields.context, path: path)
        var subscription = Subscription(url: url)
        subscription.title = try fields.string("title")
        subscription.htmlURL = try fields.string("htmlUrl")
        subscription.tags = try fields.stringArray("tags") ?? []
        subscription.priority = try fields.integer("priority") ?? 0
        return subscription
    }

    /// Refuses duplicate feed URLs, naming both places, and URLs that are neither http(s) nor a path.
    func validate(_ feeds: [Subscription]) throws(ConfigError) {
        try refuseDuplicates(feeds)
        for (index, feed) in feeds.enumerated() {
            try Self.validateFeedURL(feed.url, context: "feed \(index + 1) (\"\(feed.url)\")", path: path)
        }
    }

    private func refuseDuplicates(_ feeds: [Subscription]) throws(ConfigError) {
        var seen: [String: Int] = [:]
        seen.reserveCapacity(feeds.count)
        for (index, feed) in feeds.enumerated() {
            if let first = seen[feed.url] {
                throw ConfigError(
                    "\(path): feed \(index + 1) (\"\(feed.url)\"): key \"url\": duplicate of feed \(first + 1)")
            }
            seen[feed.url] = index
        }
    }

    /// A feed URL is an http(s) URL with a host, or a plain path to a local file. `file:`, `ftp:` and every other
    /// scheme are refused: the fetcher speaks http and https only, and local files are named by path.
    static func validateFeedURL(
        _ url: String, context: @autoclosure () -> String, path: String
    ) throws(ConfigError) {
        var prefix: String { "\(path): \(context()): key \"url\"" }
        guard let first = url.utf8.first, let last = url.utf8.last, !Self.isSpace(first), !Self.isSpace(last) else {
            throw ConfigError("\(prefix): must be a non-empty URL or path without surrounding spaces")
        }
        guard !url.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw ConfigError("\(prefix): contains a control character")
        }
        let bytes = Array(url.utf8)
        guard let colon = Self.schemeEnd(bytes) else { return }
        let scheme = String(decoding: bytes[..<colon], as: UTF8.self).lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw ConfigError("\(prefix): the scheme \"\(scheme):\" is not supported; use http(s) or a plain path")
        }
        // The authority runs from after "//" to the first "/", "?" or "#"; the host is what follows any "user@",
        // and it must not be empty or start with the port.
        let slash = UInt8(ascii: "/")
        let authorityStart = colon + 3
        guard authorityStart <= bytes.count, bytes[colon + 1] == slash, bytes[colon + 2] == slash else {
            throw ConfigError("\(prefix): \"\(url)\" has no host")
        }
        let authorityEnd =
            bytes[authorityStart...].firstIndex {
                $0 == slash || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#")
            } ?? bytes.count
        let userEnd = bytes[authorityStart..<authorityEnd].lastIndex(of: UInt8(ascii: "@"))
        let hostStart = userEnd.map { $0 + 1 } ?? authorityStart
        guard hostStart < authorityEnd, bytes[hostStart] != UInt8(ascii: ":") else {
            throw ConfigError("\(prefix): \"\(url)\" has no host")
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// Where the scheme's ":" is when the URL starts with one (`letter *( letter / digit / "+" / "-" / "." ) ":"`).
    ///
    /// Feeds.json files hold thousands of URLs; reading bytes keeps the check out of the startup's profile.
    private static func schemeEnd(_ bytes: [UInt8]) -> Int? {
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0, isASCIILetter(bytes[0]) else {
            return nil
        }
        for byte in bytes[1..<colon] {
            guard isASCIILetter(byte) || (0x30...0x39).contains(byte) || byte == 0x2B || byte == 0x2D || byte == 0x2E
            else { return nil }
        }
        return colon
    }

    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}

/// Typed access to the members of one object, with messages that say where a wrong value is.
struct Fields {
    let members: [JSONMember]
    let path: String
    /// Where these fields are, for messages; computed only when a message needs it.
    private let describeContext: () -> String

    var context: String { describeContext() }

    init(members: [JSONMember], context: @autoclosure @escaping () -> String, path: String) {
        self.members = members
        self.path = path
        self.describeContext = context
    }

    init(members: [JSONMember], path: String, context: @escaping () -> String) {
        self.members = members
        self.path = path
        self.describeContext = context
    }

    private func value(_ key: String) -> JSONValue? {
        guard let value = members.first(where: { $0.key == key })?.value, value != .null else { return nil }
        return value
    }

    private func wrongType(_ key: String, expected: String, found: JSONValue) -> ConfigError {
        ConfigError("\(path): \(context): key \"\(key)\": expected \(expected), found \(found.typeName)")
    }

    func refuseUnknown(_ known: [String], what: String = "key") throws(ConfigError) {
        for member in members where !known.contains(member.key) {
            throw ConfigError(
                "\(path): \(context): unknown \(what) \"\(member.key)\"; known keys are \(known.joined(separator: ", "))"
            )
        }
    }

    func object(_ key: String) throws(ConfigError) -> Fields? {
        guard let value = value(key) else { return nil }
        guard let members = value.members else { throw wrongType(key, expected: "an object", found: value) }
        return Fields(members: members, context: key, path: path)
    }

    func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let string) = value else { throw wrongType(key, expected: "a string", found: value) }
        return string
    }

    /// A file name for an output format: a string, or `false`/`null` to turn the format off.
    func outputName(_ key: String, default fallback: String?) throws(ConfigError) -> String? {
        guard let raw = members.first(where: { $0.key == key })?.value else { return fallback }
        switch raw {
        case .null, .bool(false): return nil
        case .string(let name) where !name.isEmpty: return name
        default: throw wrongType(key, expected: "a file name, or false to turn it off", found: raw)
        }
    }

    func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else { throw wrongType(key, expected: "true or false", found: value) }
        return flag
    }

    func number(_ key: String, minimum: Double? = nil) throws(ConfigError) -> Double? {
        guard let value = value(key) else { return nil }
        guard case .number(let text) = value, let number = Double(text) else {
            throw wrongType(key, expected: "a number", found: value)
        }
        if let minimum, number < minimum {
            throw ConfigError("\(path): \(context): key \"\(key)\": must be at least \(JSONValue.double(minimum))")
        }
        return number
    }

    func integer(_ key: String, minimum: Int? = nil) throws(ConfigError) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .number(let text) = value, let number = Double(text) else {
            throw wrongType(key, expected: "a whole number", found: value)
        }
        guard number.rounded() == number, let integer = Int(exactly: number) else {
            throw ConfigError("\(path): \(context): key \"\(key)\": expected a whole number, found \(text)")
        }
        if let minimum, integer < minimum {
            throw ConfigError("\(path): \(context): key \"\(key)\": must be at least \(minimum)")
        }
        return integer
    }

    /// An array of strings; a single string is accepted as a one-element list (`"tags": "news"`).
    func stringArray(_ key: String) throws(ConfigError) -> [String]? {
        guard let value = value(key) else { return nil }
        switch value {
        case .string(let single): return [single]
        case .array(let elements):
            var strings: [String] = []
            for element in elements {
                guard case .string(let string) = element else {
                    throw wrongType(key, expected: "an array of strings", found: element)
                }
                strings.append(string)
            }
            return strings
        default:
            throw wrongType(key, expected: "an array of strings", found: value)
        }
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool {
        (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value)
    }

    fileprivate var isASCIIDigit: Bool {
        (0x30...0x39).contains(value)
    }
}
