import ArgumentParser
import Foundation
import TributaryCore

/// `tributary init`: writes a starting feeds.json.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create feeds.json with default settings and no feeds.",
        discussion: """
            The new file names the site, the outputs (Atom, OPML and HTML in ./public) and an empty feed list. \
            Edit it by hand or with `tributary add` and `tributary import`. An existing file is never replaced.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(help: "The title of the merged feed and the HTML page.")
    var title = "Tributary"

    @Option(help: ArgumentHelp("Where the outputs will be published (the base of their self links).", valueName: "url"))
    var site: String?

    func run() throws {
        do {
            let file = try FeedListFile.create(at: options.url, title: title, site: site)
            print("created \(file.url.path)")
        } catch {
            throw CommandFailure.config(error)
        }
    }
}
