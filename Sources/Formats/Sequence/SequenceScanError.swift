import Foundation

/// Why a scan found nothing to work on, naming the path concerned.
public struct SequenceScanError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The path does not exist.
        case notFound
        /// The folder could not be listed (permissions, I/O).
        case unreadable
        /// The paths exist but hold no DPX or TIFF frame.
        case noFrames
    }

    public var kind: Kind
    /// The path as given (a list of paths for `noFrames` over several inputs).
    public var path: String
    /// What is wrong, in one line.
    public var reason: String

    public init(_ kind: Kind, path: String, _ reason: String) {
        self.kind = kind; self.path = path; self.reason = reason
    }

    public var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
}
