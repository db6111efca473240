/// Why feeds.json could not be read, validated or written. The file on disk is left as it was.
///
/// A syntax error carries the line and column where reading stopped; a semantic error names the feed and the
/// key at fault in its message.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// A message a person can act on, starting with the file's path when one is known.
    public let description: String
    /// The 1-based line of a syntax error, when the problem has a position.
    public let line: Int?
    /// The 1-based column (in characters) of a syntax error.
    public let column: Int?

    public init(_ description: String, line: Int? = nil, column: Int? = nil) {
        self.description = description
        self.line = line
        self.column = column
    }
}
