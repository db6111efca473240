/// Why a run or a publish stopped. Per-feed failures are not errors: they are recorded and reported in the
/// `RunSummary`.
public struct TributaryError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case locked
        case config
        case fatal
    }

    private let code: Code
    public let description: String

    private init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// Another run holds the lock at `path`.
    static func locked(_ path: String) -> TributaryError {
        TributaryError(.locked, "another tributary run holds the lock \(path)")
    }

    /// feeds.json (or something it names) is wrong; nothing was fetched.
    static func config(_ message: String) -> TributaryError {
        TributaryError(.config, message)
    }

    /// The run could not go on (the store or the outputs could not be written); nothing new was published.
    static func fatal(_ message: String) -> TributaryError {
        TributaryError(.fatal, message)
    }

    /// True when the run stopped because another one holds the lock (exit code 4).
    public var isLocked: Bool { code == .locked }
    /// True when the configuration is at fault (exit code 2).
    public var isConfiguration: Bool { code == .config }
}
