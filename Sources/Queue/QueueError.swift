import Foundation
import PostgresNIO

/// What went wrong with the queue, in words fit for a terminal: never a password, never
/// PostgresNIO's raw error (whose debug text may hold the query and its values).
public struct QueueError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The command line or a submission is wrong (exit status 2).
        case usage
        /// The database cannot be reached: retry later.
        case unavailable
        /// The frame's lease is no longer this worker's: another worker redoes it.
        case leaseLost
        /// The database answered with an error, or a file could not be moved.
        case failed
    }
    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// `error` from PostgresNIO or the network as a `QueueError` naming `location`
    /// (without its password).
    static func from(_ error: any Error, location: QueueLocation) -> QueueError {
        if let error = error as? QueueError { return error }
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError ?? error.beginError ?? error.commitError { return from(inner, location: location) }
        }
        if let error = error as? PSQLError {
            switch error.code {
            case .server:
                let state = error.serverInfo?[.sqlState] ?? ""
                let text = error.serverInfo?[.message] ?? "error"
                // Class 08 (connection), 57P (the server shutting down or starting).
                if state.hasPrefix("08") || state.hasPrefix("57P") {
                    return QueueError(.unavailable, "\(location): \(text)")
                }
                if state == "28P01" || state == "28000" {
                    return QueueError(.failed, "\(location): \(text) (check the user and password in the URL or PGUSER/PGPASSWORD)")
                }
                return QueueError(.failed, "\(location): \(text) (SQLSTATE \(state))")
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
                let why = error.underlying.map { ": \(Self.networkText($0))" } ?? ""
                return QueueError(.unavailable, "\(location): the connection failed\(why)")
            default:
                return QueueError(.failed, "\(location): \(error.code)")
            }
        }
        // NIO's connect errors (refused, no such socket) and the like.
        return QueueError(.unavailable, "\(location): \(Self.networkText(error))")
    }

    /// A network error's text, short: `connection refused`, `no such file`.
    private static func networkText(_ error: any Error) -> String {
        let text = String(describing: error)
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}
