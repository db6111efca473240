/// One feed listed in feeds.json.
public struct Subscription: Sendable, Hashable, Codable {
    /// An http(s) URL, or a path (relative to feeds.json's folder) for a local file.
    public var url: String
    public var title: String?
    /// The site the feed belongs to, when known (OPML `htmlUrl`).
    public var htmlURL: String?
    public var tags: [String]
    /// Which copy leads when several feeds carry the same article: the highest priority wins.
    public var priority: Int

    public init(url: String, title: String? = nil, htmlURL: String? = nil, tags: [String] = [], priority: Int = 0) {
        self.url = url
        self.title = title
        self.htmlURL = htmlURL
        self.tags = tags
        self.priority = priority
    }

    /// True when `url` names a remote feed rather than a local file.
    public var isRemote: Bool {
        let lower = url.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }
}
