public import Foundation

/// feeds.json on disk: reads and validates it into a `FeedList`, applies edits to the subscriptions, and writes
/// it back so that only what changed differs.
///
/// People edit this file by hand, so a save keeps their key order, indentation, number spellings and every key
/// Tributary does not know; only the `feeds` array is rewritten from `feedList.feeds`, and within it every
/// feed object that did not change is copied byte for byte. The settings (`output`, `fetch`, `link`, `store`
/// and the site's keys) are read, never written: they belong to the person who edits the file.
public struct FeedListFile: Sendable {
    /// Where the file lives; relative paths inside it are resolved against its folder.
    public let url: URL
    /// The validated contents. Edit `feeds` directly or through `add`, `remove` and `replaceURL`.
    public var feedList: FeedList
    /// What was read from disk; nil for a file `create` is about to write for the first time.
    private var document: JSONDocument?
    /// Feeds whose URL `replaceURL` changed: new URL → the URL their object in the file still has.
    private var renamed: [String: String] = [:]

    private init(url: URL, feedList: FeedList, document: JSONDocument?) {
        self.url = url
        self.feedList = feedList
        self.document = document
    }

    /// Reads and validates feeds.json.
    ///
    /// - Throws: `ConfigError` when the file cannot be read, is not valid JSON (with line and column), or breaks
    ///   a rule of the schema (naming the feed and the key).
    public static func load(from url: URL) throws(ConfigError) -> FeedListFile {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: url))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? "\(error.localizedDescription)"
            let exists = FileManager.default.fileExists(atPath: url.path)
            throw ConfigError(
                exists
                    ? "\(url.path): cannot read the file: \(reason)"
                    : "\(url.path) does not exist; create it with `tributary init` or pass --config PATH")
        }
        return try parse(bytes, url: url)
    }

    /// Parses and validates feeds.json from bytes already in memory (`url` is used for messages and paths).
    /// - Throws: `ConfigError` as `load` does.
    public static func parse(_ bytes: [UInt8], url: URL) throws(ConfigError) -> FeedListFile {
        let document: JSONDocument
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw ConfigError(
                "\(url.path):\(error.line):\(error.column): \(error.message)", line: error.line, column: error.column)
        }
        let feedList = try FeedListDecoder(path: url.path).decode(document.value)
        return FeedListFile(url: url, feedList: feedList, document: document)
    }

    /// Writes a new feeds.json with the given site title and no feeds, and returns it loaded.
    ///
    /// - Throws: `ConfigError` when the file exists already or its folder is missing or not writable.
    public static func create(at url: URL, title: String, site: String? = nil) throws(ConfigError) -> FeedListFile {
        var members = [JSONMember(key: "title", value: .string(title))]
        if let site { members.append(JSONMember(key: "site", value: .string(site))) }
        let defaults = OutputSettings()
        members.append(
            JSONMember(
                key: "output",
                value: .object([
                    JSONMember(key: "dir", value: .string(defaults.dir)),
                    JSONMember(key: "atom", value: .string(defaults.atom ?? "atom.xml")),
                    JSONMember(key: "opml", value: .string(defaults.opml ?? "feeds.opml")),
                    JSONMember(key: "html", value: .string(defaults.html ?? "index.html")),
                    JSONMember(key: "entries", value: .integer(defaults.entries)),
                ])))
        members.append(JSONMember(key: "feeds", value: .array([])))
        let bytes = JSONWriter(original: nil).document(.object(members))
        try checkFolder(of: url)
        try AtomicFile.create(bytes, at: url.path)
        return try parse(bytes, url: url)
    }

    /// Resolves a path written in feeds.json (output dir, state dir, a local feed) against the file's folder.
    public func resolvedPath(_ path: String) -> URL {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL }
        return url.deletingLastPathComponent().appendingPathComponent(path).standardizedFileURL
    }

    /// Adds a subscription at the end of the list.
    ///
    /// - Returns: false, changing nothing, when a feed with that URL is already listed.
    /// - Throws: `ConfigError` when the URL is neither http(s) nor a path.
    public mutating func add(_ subscription: Subscription) throws(ConfigError) -> Bool {
        try FeedListDecoder.validateFeedURL(subscription.url, context: "feed \"\(subscription.url)\"", path: url.path)
        guard !feedList.feeds.contains(where: { $0.url == subscription.url }) else { return false }
        feedList.feeds.append(subscription)
        return true
    }

    /// What `add(contentsOf:)` did with each subscription, by URL.
    public struct AddResult: Sendable {
        public var added: [String] = []
        /// Feeds already listed (or listed twice in the input); left as they were.
        public var alreadyPresent: [String] = []
        /// Feeds refused, with the reason (a URL neither http(s) nor a path).
        public var refused: [ConfigError] = []
    }

    /// Adds many subscriptions in one pass (an OPML import): linear in the size of the list, where calling
    /// `add` for each would be quadratic.
    public mutating func add(contentsOf subscriptions: [Subscription]) -> AddResult {
        var result = AddResult()
        var known = Set(feedList.feeds.map(\.url))
        for subscription in subscriptions {
            do {
                try FeedListDecoder.validateFeedURL(
                    subscription.url, context: "feed \"\(subscription.url)\"", path: url.path)
            } catch {
                result.refused.append(error)
                continue
            }
            guard known.insert(subscription.url).inserted else {
                result.alreadyPresent.append(subscription.url)
                continue
            }
            feedList.feeds.append(subscription)
            result.added.append(subscription.url)
        }
        return result
    }

    /// Removes the feed with this URL.
    /// - Returns: false when no feed has that URL.
    public mutating func remove(url feedURL: String) -> Bool {
        guard let index = feedList.feeds.firstIndex(where: { $0.url == feedURL }) else { return false }
        feedList.feeds.remove(at: index)
        return true
    }

    /// Points a feed at a new URL (a confirmed permanent redirect), keeping everything else about it, including
    /// keys Tributary does not know.
    /// - Returns: false when no feed has the old URL, or another feed already has the new one.
    public mutating func replaceURL(_ old: String, with new: String) -> Bool {
        guard let index = feedList.feeds.firstIndex(where: { $0.url == old }),
            !feedList.feeds.contains(where: { $0.url == new })
        else { return false }
        feedList.feeds[index].url = new
        renamed[new] = renamed.removeValue(forKey: old) ?? old
        return true
    }

    /// Reads the file as it is now, applies `change` and saves it: the way to edit feeds.json at the end of a
    /// long run (a confirmed redirect, say), when a person may have edited the file since the run read it.
    ///
    /// - Returns: what `change` returned; nothing is written when the change leaves the feeds as they were.
    /// - Throws: `ConfigError` when the file cannot be read, is invalid, or cannot be written.
    @discardableResult
    public static func update<Result>(
        at url: URL, _ change: (inout FeedListFile) -> Result
    ) throws(ConfigError) -> Result {
        var file = try load(from: url)
        let result = change(&file)
        try file.save()
        return result
    }

    /// The bytes `save` would write: the file as read, with the `feeds` array brought up to date.
    ///
    /// - Throws: `ConfigError` when the feeds break a rule (duplicate or unsupported URL).
    public func rendered() throws(ConfigError) -> [UInt8] {
        let decoder = FeedListDecoder(path: url.path)
        try decoder.validate(feedList.feeds)
        var root = document?.value.members ?? []
        var oldFeeds: [String: [JSONMember]] = [:]
        if case .array(let elements) = root.first(where: { $0.key == "feeds" })?.value {
            for element in elements {
                if let members = element.members, case .string(let feedURL) = element["url"] {
                    oldFeeds[feedURL] = members
                }
            }
        }
        let feeds = feedList.feeds.map { subscription -> JSONValue in
            let members = oldFeeds[renamed[subscription.url] ?? subscription.url] ?? []
            return .object(Self.encode(subscription, over: members, decoder: decoder))
        }
        root.set("feeds", .array(feeds))
        return JSONWriter(original: document).document(.object(root))
    }

    /// Writes the file atomically and durably (temp file in the same folder, fsync, rename, fsync the folder).
    ///
    /// A file that was changed on disk since it was read is not overwritten: the save would silently undo
    /// someone's edit (or replace a file they broke by hand), so it fails and asks for a retry instead.
    /// - Throws: `ConfigError` when the feeds are invalid, the file changed meanwhile, or the write failed.
    public func save() throws(ConfigError) {
        let bytes = try rendered()
        // Never write what we could not read back.
        _ = try Self.parse(bytes, url: url)
        if let document {
            let current = try? Data(contentsOf: url)
            guard let current, current.elementsEqual(document.bytes) else {
                throw ConfigError("\(url.path) changed on disk since it was read; nothing was written, try again")
            }
            if bytes == document.bytes { return }
        }
        try Self.checkFolder(of: url)
        try AtomicFile.write(bytes, to: url.path)
    }

    private static func checkFolder(of url: URL) throws(ConfigError) {
        let folder = url.deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw ConfigError("\(url.path): the folder \(folder) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw ConfigError("\(url.path): the folder \(folder) is not writable, so the file cannot be replaced")
        }
    }

    /// Brings a feed object up to date with `subscription`, touching only the keys whose value changed so that
    /// the rest (order, unknown keys, spelling) stays as written.
    private static func encode(
        _ subscription: Subscription, over members: [JSONMember], decoder: FeedListDecoder
    ) -> [JSONMember] {
        let before = members.isEmpty ? nil : try? decoder.decodeFeed(.object(members), index: 0)
        if before == subscription { return members }
        var result = members
        if before?.url != subscription.url { result.set("url", .string(subscription.url)) }
        if before?.title != subscription.title {
            if let title = subscription.title { result.set("title", .string(title)) } else { result.remove("title") }
        }
        if before?.htmlURL != subscription.htmlURL {
            if let html = subscription.htmlURL {
                result.set("htmlUrl", .string(html))
            } else {
                result.remove("htmlUrl")
            }
        }
        if (before?.tags ?? []) != subscription.tags {
            if subscription.tags.isEmpty {
                result.remove("tags")
            } else {
                result.set("tags", .array(subscription.tags.map { .string($0) }))
            }
        }
        if (before?.priority ?? 0) != subscription.priority {
            if subscription.priority == 0 {
                result.remove("priority")
            } else {
                result.set("priority", .integer(subscription.priority))
            }
        }
        return result
    }
}
