import ArgumentParser
import Foundation
import TributaryCore

/// `tributary add`: subscribes to one or more feeds.
struct AddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Subscribe to feeds.",
        discussion: """
            Each URL is an http(s) feed URL or the path of a local feed file (relative to feeds.json's folder). \
            A URL already in the list is reported and left as it is. When any URL is refused, nothing is changed.

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

    func validate() throws {
        if title != nil && urls.count > 1 {
            throw ValidationError("--title applies to one feed; add the feeds one at a time to give each a title")
        }
        if tags.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ValidationError("--tag needs a non-empty value")
        }
    }

    func run() throws {
        var file = try options.load()
        var added: [String] = []
        for input in urls {
            let subscription = Self.subscription(
                for: input.trimmingCharacters(in: .whitespacesAndNewlines), title: title, tags: tags)
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

    /// What a command-line argument subscribes to. The URL is taken as the feed itself; this is the one place
    /// where finding the feed behind a web page's URL belongs.
    static func subscription(for url: String, title: String?, tags: [String]) -> Subscription {
        Subscription(url: url, title: title, tags: tags.map { $0.trimmingCharacters(in: .whitespaces) })
    }
}
