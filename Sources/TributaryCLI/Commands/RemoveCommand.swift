import ArgumentParser
import Foundation
import TributaryCore

/// `tributary remove`: unsubscribes from feeds.
struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Unsubscribe from feeds.",
        discussion: """
            Give the URLs exactly as `tributary list` shows them. When any URL is not in the list, nothing is \
            removed and the command exits with status 2. Articles already published stay in the store until they \
            expire.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Argument(help: ArgumentHelp("The feeds to unsubscribe from.", valueName: "url"))
    var urls: [String]

    func run() throws {
        var file = try options.load()
        let unknown = urls.filter { url in !file.feedList.feeds.contains { $0.url == url } }
        guard unknown.isEmpty else {
            throw CommandFailure(
                "not subscribed: \(unknown.joined(separator: ", ")); nothing was removed", exitCode: ExitStatus.usage)
        }
        var removed: [String] = []
        for url in urls where file.remove(url: url) { removed.append(url) }
        try file.saveForCommand()
        for url in removed { print("removed \(url)") }
    }
}
