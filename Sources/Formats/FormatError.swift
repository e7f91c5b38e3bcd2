import Foundation

/// A file that could not be read or written, with what is wrong and where.
///
/// The kinds keep apart what a user does next: a malformed file is damaged or not
/// what it claims; an unsupported one is valid but outside what Reelpack handles; a
/// limit means the header asks for more than is sane; I/O is the file system's word.
public struct FormatError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// Damaged, truncated, or not the format it claims.
        case malformed
        /// Valid, but a flavour Reelpack does not read or write.
        case unsupported
        /// The header asks for dimensions or sizes past Reelpack's limits.
        case limitExceeded
        /// Reading or writing the file failed.
        case io
    }

    public var kind: Kind
    /// The file concerned (its path as given), when there is one.
    public var file: String?
    /// What is wrong, in one line.
    public var reason: String

    public init(_ kind: Kind, file: String? = nil, _ reason: String) {
        self.kind = kind
        self.file = file
        self.reason = reason
    }

    /// The same error naming `file`.
    public func naming(_ file: String) -> FormatError {
        var copy = self
        copy.file = file
        return copy
    }

    public var description: String {
        if let file { return "\(file): \(reason)" }
        return reason
    }
}
