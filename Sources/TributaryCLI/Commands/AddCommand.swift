import ArgumentParser
import Foundation
import Logging
import Tributary
import TributaryCore

/// `tributary add`: subscribes to one or more feeds.
struct AddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Subscribe to feeds.",
        discussion: """
            Each URL is an http(s) feed URL or the path of a local feed file (relative to feeds.json's folder). \
            A URL already in the list is reported and left as it is. When any URL is refused, nothing is changed.

            An http(s) URL is fetched once first: when it is a web page rather than a feed, the feeds it \
            advertises (<link rel="alternate">) are listed and the first one is subscribed to. When the URL \
            cannot be reached it is added as given, with a warning. --no-discover skips the check.

            Example: tributary add https://example.org/feed.xml --title "Example" --tag news --tag eu/balkans
            """
    )

    @OptionGroup var options: ConfigOptions

    @Argument(help: ArgumentHelp("The feeds to subscribe to.", valueName: "url"))
    var urls: [String]

    @Option(help: "A title for the feed (only with a single URL).")
    var title: String?

    @Option(
        name: .customLong("tag"),
        help: ArgumentHelp("A tag for the feeds; repeat for several. `a/b` nests.", valueName: "tag"))
    var tags: [String] = []

    @Flag(help: "Add the URLs as given, without fetching them to find the feed behind a web page.")
    var noDiscover = false

    func validate() throws {
        if title != nil && urls.count > 1 {
            throw ValidationError("--title applies to one feed; add the feeds one at a time to give each a title")
        }
        if tags.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ValidationError("--tag needs a non-empty value")
        }
    }

    func run() async throws {
        var file = try options.load()
        var added: [String] = []
        for input in urls {
            let url = input.trimmingCharacters(in: .whitespacesAndNewlines)
            let found = noDiscover ? url : try await Self.discover(url, in: file.feedList)
            let subscription = Self.subscription(for: found, title: title, tags: tags)
            let isNew: Bool
            do {
                isNew = try file.add(subscription)
            } catch {
                throw CommandFailure("\(error.description); nothing was changed", exitCode: ExitStatus.usage)
            }
            if isNew {
                added.append(subscription.url)
            } else {
                printError("already subscribed: \(subscription.url) (left as it is)")
            }
        }
        guard !added.isEmpty else { return }
        try file.saveForCommand()
        for url in added { print("added \(url)") }
    }

    /// The feed URL to subscribe to for a command-line argument: the argument itself when it is a local path, a
    /// feed, or cannot be reached; the first advertised feed when it is a web page.
    /// - Throws: `CommandFailure` when the URL serves neither a feed nor a page that names one.
    static func discover(_ url: String, in feedList: FeedList) async throws -> String {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return url }
        let logger = Logger(label: "tributary.add")
        switch await FeedFinder.find(url, settings: feedList.fetch, site: feedList.site.site, logger: logger) {
        case .feed:
            return url
        case .unreachable(let reason):
            printError("warning: could not check \(url) (\(reason)); adding it as given")
            return url
        case .nothing(let reason):
            throw CommandFailure("\(reason); nothing was changed", exitCode: ExitStatus.usage)
        case .page(let feeds):
            guard let first = feeds.first else { return url }
            printError("\(url) is a web page; it advertises:")
            for feed in feeds {
                printError("  \(feed.href)\(feed.title.map { "  (\($0))" } ?? "")")
            }
            printError("subscribing to the first: \(first.href)")
            return first.href
        }
    }

    /// What a command-line argument subscribes to, once the feed URL is known.
    static func subscription(for url: String, title: String?, tags: [String]) -> Subscription {
        Subscription(url: url, title: title, tags: tags.map { $0.trimmingCharacters(in: .whitespaces) })
    }
}
