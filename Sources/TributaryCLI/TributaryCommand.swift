import ArgumentParser
import Foundation
import Logging

/// The `tributary` command: manages the feed list and runs the aggregator.
@main
struct TributaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tributary",
        abstract: "Aggregate RSS, Atom and JSON feeds into one merged feed, an OPML list and an HTML page.",
        discussion: """
            Exit codes: 0 all well, 1 fatal (nothing was published), 2 usage or configuration error, \
            3 finished but some feeds failed, 4 another run holds the lock.
            """,
        version: "0.1.0",
        subcommands: [
            // Each command lives in Commands/, one file each.
            LinkCommand.self,
        ]
    )
}
