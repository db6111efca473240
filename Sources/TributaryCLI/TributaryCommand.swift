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
            InitCommand.self,
            AddCommand.self,
            RemoveCommand.self,
            ListCommand.self,
            ImportCommand.self,
            ExportCommand.self,
            LinkCommand.self,
            ParseCommand.self,
            RunCommand.self,
            PublishCommand.self,
            StoriesCommand.self,
        ]
    )

    /// Bootstraps logging to stderr (stdout carries data only), then runs the command and maps failures to the
    /// documented exit codes: argument-parser's usage errors become 2 instead of its own 64.
    static func main() async {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            let level = ProcessInfo.processInfo.environment["TRIBUTARY_LOG_LEVEL"].flatMap {
                Logger.Level(rawValue: $0)
            }
            handler.logLevel = level ?? .info
            return handler
        }
        do {
            let arguments = Array(CommandLine.arguments.dropFirst())
            let split = ParseCommand.separatingFiles(arguments)
            var command = try await asyncParseAsRoot(split?.arguments ?? arguments)
            if let files = split?.files, var parse = command as? ParseCommand {
                parse.files = files
                command = parse
            }
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            printError("tributary: \(failure.description)")
            exit(withError: failure.exitCode)
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                exit(withError: ExitStatus.usage)
            }
            exit(withError: error)
        }
    }
}
