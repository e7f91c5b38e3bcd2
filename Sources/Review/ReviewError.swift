/// Why the review could not do something: what, on which file or item, and why.
public struct ReviewError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, which decides the HTTP status a request gets.
    public enum Kind: String, Sendable {
        /// A wrong command line (no catalog, clashing names): exit 2.
        case usage
        /// A request for something not in the catalogs (404).
        case notFound
        /// A request that does not parse (400).
        case badRequest
        /// A request without the token when one is required (403).
        case forbidden
        /// A source or output that is not there (the view shows an error tile).
        case missing
        /// A source or output that cannot be read or decoded (an error tile too).
        case damaged
    }

    public var kind: Kind
    /// The file, frame or item concerned.
    public var subject: String
    /// What went wrong.
    public var reason: String

    public init(_ kind: Kind, _ subject: String, _ reason: String) {
        self.kind = kind; self.subject = subject; self.reason = reason
    }

    public var description: String { "\(subject): \(reason)" }
}
