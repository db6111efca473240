/// Why a document could not be read at all. Recoverable problems are reported in `ParsedFeed.errors` instead.
public struct ParserError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
