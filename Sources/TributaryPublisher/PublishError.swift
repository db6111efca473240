/// Why an output could not be written. The previous version of that output is left in place.
public struct PublishError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case cannotWrite
        case badPath
        case badTemplate
        case other
    }

    private let code: Code
    public let description: String

    /// An error with a message of the caller's own.
    public init(_ description: String) {
        self.init(.other, description)
    }

    private init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// An output file could not be replaced.
    static func cannotWrite(_ path: String, reason: String) -> PublishError {
        PublishError(.cannotWrite, "cannot write \(path): \(reason)")
    }

    /// An output name in feeds.json would leave the output folder, or is empty.
    static func badPath(_ key: String, _ value: String) -> PublishError {
        PublishError(
            .badPath,
            "output.\(key) \"\(value)\" must be a file name inside the output folder (no \"..\", not absolute)")
    }

    /// The HTML template could not be read or parsed.
    static func badTemplate(_ path: String, reason: String) -> PublishError {
        PublishError(.badTemplate, "cannot use the HTML template \(path): \(reason)")
    }

    /// True when the error is about an output file that could not be written (rather than a configuration
    /// mistake).
    public var isWriteFailure: Bool { code == .cannotWrite }
}
