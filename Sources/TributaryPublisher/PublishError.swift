/// Why an output could not be written. The previous version of that output is left in place.
public struct PublishError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
