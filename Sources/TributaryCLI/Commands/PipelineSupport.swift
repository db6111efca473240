import ArgumentParser
import Foundation
import Logging
import Tributary

/// What `run`, `publish` and `stories` share: their logger and the exit codes of a pipeline failure.
enum Pipeline {
    /// A logger at `level`; the root command has bootstrapped logging to stderr already.
    static func logger(level: Logger.Level) -> Logger {
        var logger = Logger(label: "tributary.run")
        logger.logLevel = level
        return logger
    }

    /// DESIGN.md's exit codes for a stopped run: 4 locked (0 and silent with --quiet), 2 configuration, 1 fatal.
    static func failure(for error: TributaryError, quiet: Bool) -> any Error {
        if error.isLocked {
            return quiet ? ExitCode.success : CommandFailure(error.description, exitCode: ExitStatus.locked)
        }
        return CommandFailure(
            error.description, exitCode: error.isConfiguration ? ExitStatus.usage : ExitStatus.fatal)
    }

    /// True when stderr is a terminal, so a progress bar can redraw in place.
    static var stderrIsTerminal: Bool { isatty(2) == 1 }
}
