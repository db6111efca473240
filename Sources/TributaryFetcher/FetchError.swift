/// Why one feed could not be fetched. A fetch error concerns one feed only; it never stops the others.
public struct FetchError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
