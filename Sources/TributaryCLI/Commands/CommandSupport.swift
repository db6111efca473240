import ArgumentParser
import Foundation
import TributaryCore

/// The exit codes every command uses, as promised in `tributary --help`.
enum ExitStatus {
    static let ok = ExitCode(0)
    /// Something failed so that nothing was done (or published).
    static let fatal = ExitCode(1)
    /// A mistake in the command line or in feeds.json; nothing was changed.
    static let usage = ExitCode(2)
    /// The run finished, but some feeds could not be fetched or read.
    static let someFeedsFailed = ExitCode(3)
    /// Another run holds the lock.
    static let locked = ExitCode(4)
}

/// A failure a command reports to the person at the terminal: the message goes to stderr, the code to the shell.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    let exitCode: ExitCode

    init(_ description: String, exitCode: ExitCode) {
        self.description = description
        self.exitCode = exitCode
    }

    /// feeds.json problems are configuration errors: fix the file, run again.
    static func config(_ error: ConfigError) -> CommandFailure {
        CommandFailure(error.description, exitCode: ExitStatus.usage)
    }
}

/// `--config`, shared by every command that reads or writes feeds.json.
struct ConfigOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The feed list to use.",
            discussion: "Defaults to $TRIBUTARY_CONFIG when set, else ./feeds.json.",
            valueName: "path"))
    var config: String?

    /// Where feeds.json is: the option, else the environment, else the current folder.
    var url: URL {
        let environment = ProcessInfo.processInfo.environment["TRIBUTARY_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let path = config ?? environment ?? "feeds.json"
        return URL(fileURLWithPath: path).standardizedFileURL
    }

    /// Reads and validates feeds.json.
    func load() throws(CommandFailure) -> FeedListFile {
        do {
            return try FeedListFile.load(from: url)
        } catch {
            throw .config(error)
        }
    }
}

extension FeedListFile {
    /// Saves, turning a failure into the CLI's configuration error.
    func saveForCommand() throws(CommandFailure) {
        do {
            try save()
        } catch {
            throw .config(error)
        }
    }
}

/// Writes a line to stderr, where messages for people go; stdout carries data only.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
