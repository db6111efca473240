import Foundation
public import Logging
public import TributaryCore
import TributaryFetcher
import TributaryParser

/// Finds the feed behind a URL someone gives `tributary add`: the URL itself when it serves a feed, otherwise the
/// feeds its web page advertises with `<link rel="alternate">`, as rawdog and most readers do.
public enum FeedFinder {
    /// What a URL turned out to be.
    public enum Finding: Sendable, Equatable {
        /// The URL serves a feed; `title` is the feed's own title, when it has one.
        case feed(url: String, title: String?)
        /// The URL is a web page advertising these feeds, best first.
        case page(feeds: [Link])
        /// The URL serves neither a feed nor a page that names one.
        case nothing(reason: String)
        /// The URL could not be fetched (offline, refused, an HTTP error).
        case unreachable(reason: String)
    }

    /// Fetches `url` once, under the same scheme and address rules as `tributary run`, and says what it serves.
    public static func find(_ url: String, settings: FetchSettings, site: String?, logger: Logger) async -> Finding {
        var settings = settings
        settings.maxRedirects = max(settings.maxRedirects, 1)
        let fetcher = Fetcher(settings: settings, logger: logger, site: site, version: tributaryVersion)
        var result: FetchResult?
        for await finished in fetcher.fetch([FetchRequest(feedURL: url)]) { result = finished }
        guard let result else { return .unreachable(reason: "the fetch did not finish") }
        switch result.outcome {
        case .failed(let error):
            return .unreachable(reason: error.description)
        case .notModified:
            return .feed(url: url, title: nil)
        case .body(let body, let contentType):
            return classify(body, contentType: contentType, finalURL: result.finalURL, requestedURL: url)
        }
    }

    /// Decides between feed, page and nothing for a fetched body. Split out so it is testable without a server.
    static func classify(_ body: Data, contentType: String?, finalURL: String, requestedURL: String) -> Finding {
        let parsed = FeedParser.parse(body, documentURL: finalURL, contentType: contentType)
        if !parsed.format.isEmpty {
            return .feed(url: requestedURL, title: parsed.info.title)
        }
        let feeds = FeedDiscovery.feedLinks(inHTML: body, baseURL: finalURL)
        if feeds.isEmpty {
            return .nothing(reason: "\(requestedURL) is neither a feed nor a page that links to one")
        }
        return .page(feeds: feeds)
    }
}
