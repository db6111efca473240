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
        // Compared by bytes, ignoring ASCII case: asked for every feed before a run's first request goes out.
        let bytes = url.utf8
        func startsWith(_ prefix: StaticString) -> Bool {
            guard bytes.count >= prefix.utf8CodeUnitCount else { return false }
            let expected = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
            return zip(bytes, expected).allSatisfy { byte, lower in
                ((0x41...0x5A).contains(byte) ? byte | 0x20 : byte) == lower
            }
        }
        return startsWith("http://") || startsWith("https://")
    }
}
