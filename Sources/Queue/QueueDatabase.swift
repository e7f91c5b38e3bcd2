import Foundation
import PostgresNIO

/// The queue's PostgreSQL database: a few connections opened as needed and kept, a
/// broken one dropped (the next call opens a new one, so a worker carries on when the
/// server is back), and the time spent in calls counted (the queue's overhead).
///
/// Safe to share across tasks: the idle list and the counters are behind a lock.
public final class QueueDatabase: @unchecked Sendable {
    public let location: QueueLocation
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    // Guarded by `lock`.
    private let lock = NSLock()
    private var idle: [PostgresConnection] = []
    private var nextID = 1
    private var seconds = 0.0
    private var calls = 0
    private var reachable = true

    /// - Throws: `QueueError.usage` when TLS cannot be set up for `location`.
    public init(location: QueueLocation) throws {
        self.location = location
        configuration = try location.configuration()
        var logger = Logger(label: "reelpack.queue")
        logger.logLevel = .critical   // errors are reported as QueueErrors, without the query's values
        self.logger = logger
    }

    /// Seconds spent in database calls so far, and their number.
    public var usage: (seconds: Double, calls: Int) { lock.withLock { (seconds, calls) } }

    /// False after a call failed to reach the server, until one succeeds.
    public var isReachable: Bool { lock.withLock { reachable } }

    /// Runs `body` on a connection of its own (taken from the idle ones or opened).
    /// - Throws: `QueueError` (`.unavailable` when the server cannot be reached).
    public func withConnection<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let started = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - started
            lock.withLock {
                seconds += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                calls += 1
            }
        }
        let connection: PostgresConnection
        do {
            connection = try await take()
        } catch {
            let failure = QueueError.from(error, location: location)
            lock.withLock { reachable = failure.kind != .unavailable }
            throw failure
        }
        do {
            let value = try await body(connection)
            lock.withLock { idle.append(connection); reachable = true }
            return value
        } catch {
            let failure = QueueError.from(error, location: location)
            if failure.kind == .unavailable || connection.isClosed {
                lock.withLock { reachable = false }
                try? await connection.close()
            } else {
                lock.withLock { idle.append(connection) }
            }
            throw failure
        }
    }

    /// Runs `body` in a transaction on a connection of its own.
    public func transaction<T: Sendable>(_ body: @Sendable @escaping (PostgresConnection) async throws -> T) async throws -> T {
        let logger = self.logger
        return try await withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return value
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// Runs one statement; returns its rows.
    @discardableResult
    public static func run(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> PostgresRowSequence {
        try await connection.query(query, logger: quietLogger)
    }

    /// Closes every idle connection.
    public func close() async {
        let connections = lock.withLock { () -> [PostgresConnection] in defer { idle = [] }; return idle }
        for connection in connections { try? await connection.close() }
    }

    private func take() async throws -> PostgresConnection {
        while let connection = lock.withLock({ idle.popLast() }) {
            if !connection.isClosed { return connection }
        }
        let id = lock.withLock { () -> Int in defer { nextID += 1 }; return nextID }
        return try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
    }

    static let quietLogger: Logger = {
        var logger = Logger(label: "reelpack.queue")
        logger.logLevel = .critical
        return logger
    }()
}
