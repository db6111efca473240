import ArgumentParser
import Foundation
import TributaryCore
import TributaryParser

/// `tributary import`: merges an OPML subscription list into feeds.json.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Merge an OPML subscription list into feeds.json.",
        discussion: """
            Reads OPML 1.0/2.0 as exported by feed readers. Folders become tags (nested folders as `a/b`), so do \
            `category` attributes. Feeds already in the list are skipped and counted; feeds whose URL is neither \
            http(s) nor a path are refused and named. A file that is not well-formed OPML changes nothing. \
            Use `-` to read from standard input.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Argument(help: ArgumentHelp("The OPML file to import.", valueName: "file.opml"))
    var path: String

    func run() throws {
        var file = try options.load()
        let data: Data
        do {
            data =
                path == "-"
                ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CommandFailure(
                "\(path): cannot read the file: \(error.localizedDescription)", exitCode: ExitStatus.usage)
        }
        let subscriptions: [Subscription]
        do {
            subscriptions = try OPMLReader.subscriptions(from: data)
        } catch {
            throw CommandFailure("\(path): \(error.description); nothing was imported", exitCode: ExitStatus.usage)
        }
        var added = 0
        var present = 0
        var refused: [String] = []
        for subscription in subscriptions {
            do {
                if try file.add(subscription) { added += 1 } else { present += 1 }
            } catch {
                refused.append(subscription.url)
            }
        }
        if added > 0 { try file.saveForCommand() }
        var summary = "added \(added), skipped \(present) already present"
        if !refused.isEmpty {
            summary += ", refused \(refused.count) (not http(s) or a path)"
            for url in refused { printError("refused: \(url)") }
        }
        print(summary)
    }
}
