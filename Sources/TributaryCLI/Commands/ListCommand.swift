import ArgumentParser
import Foundation
import TributaryCore

/// `tributary list`: shows the subscriptions.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show the subscriptions.",
        discussion: """
            Text output has one feed per line: URL, title and tags separated by tabs. JSON output is an array of \
            objects with url, title, htmlUrl, tags and priority (the keys of feeds.json), for scripts.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @OptionGroup var options: ConfigOptions

    @Option(help: "Output format.")
    var format: Format = .text

    func run() throws {
        let file = try options.load()
        switch format {
        case .text:
            for feed in file.feedList.feeds {
                print(Self.line(for: feed))
            }
        case .json:
            print(try SubscriptionJSON.encode(file.feedList.feeds))
        }
    }

    /// One tab-separated line; tabs and newlines inside a title would break the columns, so they become spaces.
    static func line(for feed: Subscription) -> String {
        let title = (feed.title ?? "").map { $0 == "\t" || $0.isNewline ? " " : $0 }
        return [feed.url, String(title), feed.tags.joined(separator: ",")].joined(separator: "\t")
    }
}

/// The JSON form of the subscription list shared by `list` and `export`: the keys of a feed in feeds.json
/// (`url`, `title`, `htmlUrl`, `tags`, `priority`), so an entry can be pasted into the file as it is.
enum SubscriptionJSON {
    private struct Feed: Encodable {
        let url: String
        let title: String?
        let htmlUrl: String?
        let tags: [String]
        let priority: Int
    }

    static func encode(_ feeds: [Subscription]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let values = feeds.map {
            Feed(url: $0.url, title: $0.title, htmlUrl: $0.htmlURL, tags: $0.tags, priority: $0.priority)
        }
        return String(decoding: try encoder.encode(values), as: UTF8.self)
    }
}
