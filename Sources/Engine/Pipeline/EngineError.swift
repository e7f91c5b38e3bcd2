import Foundation

/// A failure of the engine itself (not of a format or codec), with what and where.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure, so a caller can tell a usage error from a bad frame.
    public enum Kind: String, Sendable {
        /// The request cannot be carried out as given (e.g. OUT inside SRC).
        case usage
        /// A written file does not decode to what was measured, or a lossless frame
        /// does not come back exactly.
        case verificationFailed
        /// A part the engine needs is missing from this build.
        case unavailable
        /// Reading or writing a file failed.
        case io
    }

    public var kind: Kind
    /// The file concerned, when there is one.
    public var file: String?
    public var reason: String
    /// The error underneath, when one caused this (a file system or codec error), kept
    /// whole for callers that act on it; `reason` already says it in words.
    public var cause: (any Error)?

    public init(_ kind: Kind, file: String? = nil, _ reason: String, cause: (any Error)? = nil) {
        self.kind = kind
        self.file = file
        self.reason = reason
        self.cause = cause
    }

    public var description: String { file.map { "\($0): \(reason)" } ?? reason }
}
