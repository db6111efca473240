/// Why one feed could not be fetched. A fetch error concerns one feed only; it never stops the others.
///
/// `kind` is what the scheduling policy looks at; `description` is the sentence a person reads in
/// `tributary list` and in the logs.
public struct FetchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The families of failure the policy treats differently.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The server answered with a status that is neither success, 304 nor a followed redirect.
        case http
        /// Connect, total or low-speed timeout.
        case timeout
        /// The decoded body or the response headers passed their cap.
        case tooLarge
        /// The URL's scheme is not http or https (or a redirect went from https to http).
        case scheme
        /// The feed reached a loopback, private or otherwise non-public address it did not name.
        case address
        /// More redirects than allowed, a redirect loop, or a redirect without a usable target.
        case redirect
        /// The TLS handshake or certificate verification failed.
        case tls
        /// DNS, connection refused, reset, truncated transfers and other transport failures.
        case network
        /// A local feed file could not be read.
        case file
        /// The run's deadline passed before this transfer finished; not held against the feed.
        case deadline
        /// Anything else.
        case other
    }

    public let kind: Kind
    public let description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    public init(_ description: String) {
        self.init(.other, description)
    }
}
