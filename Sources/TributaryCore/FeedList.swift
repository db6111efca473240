/// The contents of feeds.json: the site, the settings of each stage, and the subscriptions.
///
/// `FeedListFile` reads and writes it; this value is what the rest of the program works with.
public struct FeedList: Sendable, Hashable {
    public var site: SiteSettings
    public var output: OutputSettings
    public var fetch: FetchSettings
    public var link: LinkSettings
    public var store: StoreSettings
    public var feeds: [Subscription]

    public init(
        site: SiteSettings = SiteSettings(), output: OutputSettings = OutputSettings(),
        fetch: FetchSettings = FetchSettings(), link: LinkSettings = LinkSettings(),
        store: StoreSettings = StoreSettings(), feeds: [Subscription] = []
    ) {
        self.site = site
        self.output = output
        self.fetch = fetch
        self.link = link
        self.store = store
        self.feeds = feeds
    }
}
