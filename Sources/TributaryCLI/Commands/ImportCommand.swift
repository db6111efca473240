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
            Reads OPML 1.0/2.0 as exported by feed readers, and FOAF blogrolls (RDF). Folders become tags \
            (nested folders as `a/b`), so do `category` attributes and FOAF groups. Feeds already in the list are skipped and counted; feeds whose URL is neither \
            http(s) nor a path are refused and named. A file that is not well-formed OPML changes nothing. \
            Use `-` to read from standard input.

            Example: tributary import ~/Downloads/subscriptions.opml
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
        let result = file.add(contentsOf: subscriptions)
        if !result.added.isEmpty { try file.saveForCommand() }
        var summary = "added \(result.added.count), skipped \(result.alreadyPresent.count) already present"
        if !result.refused.isEmpty {
            summary += ", refused \(result.refused.count) (not http(s) or a path)"
            for error in result.refused { printError("refused: \(error.description)") }
        }
        print(summary)
    }
}
