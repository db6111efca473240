import ArgumentParser
import Foundation
import TributaryCore
import TributaryPublisher

/// `tributary export`: prints the subscription list for other feed readers.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Print the subscriptions as OPML 2.0 (or JSON) on standard output.",
        discussion: """
            OPML puts each feed in the folder of its first tag and lists all its tags in `category`, so \
            `tributary import` reads back exactly the same list. The document's dateCreated is the time feeds.json \
            was last changed, so the same list always exports to the same bytes.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case opml
        case json
    }

    @OptionGroup var options: ConfigOptions

    @Option(help: "Output format.")
    var format: Format = .opml

    func run() throws {
        let file = try options.load()
        switch format {
        case .opml:
            let attributes = try? FileManager.default.attributesOfItem(atPath: file.url.path)
            let modified = attributes?[.modificationDate] as? Date ?? Date(timeIntervalSince1970: 0)
            let whole = Date(timeIntervalSince1970: modified.timeIntervalSince1970.rounded(.down))
            print(
                OPMLWriter.document(
                    title: file.feedList.site.title, subscriptions: file.feedList.feeds, dateCreated: whole),
                terminator: "")
        case .json:
            print(try SubscriptionJSON.encode(file.feedList.feeds))
        }
    }
}
