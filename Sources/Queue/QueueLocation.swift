import Foundation
import PostgresNIO

/// Where the queue's database is and how to log in, from a `postgresql://` URL and the
/// standard PG* variables (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`,
/// `PGSSLMODE`), as libpq reads them: what the URL leaves out the variables supply.
///
/// The password is never part of `description`: every message that names the database
/// uses it, so a password cannot reach a terminal, a log or an output folder.
public struct QueueLocation: Sendable, CustomStringConvertible {
    /// A host name, or an absolute folder holding the server's Unix socket.
    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    /// Kept private to this type: only the connection sees it.
    fileprivate var password: String?
    /// `disable`, `prefer` or `require` (TCP only; a Unix socket never uses TLS).
    public var sslMode: String

    /// True when `host` is a socket folder.
    public var isUnixSocket: Bool { host.hasPrefix("/") }
    /// True when a password was given (in the URL or `PGPASSWORD`).
    public var hasPassword: Bool { password != nil }

    /// The location as a URL without its password (`postgresql://user:***@host:5432/db`).
    public var description: String {
        let who = user + (password == nil ? "" : ":***")
        if isUnixSocket { return "postgresql://\(who)@/\(database)?host=\(host)&port=\(port)" }
        return "postgresql://\(who)@\(host):\(port)/\(database)"
    }

    /// The location `url` names (nil: from the variables alone), with `environment`'s
    /// PG* variables for what the URL leaves out.
    /// - Throws: `QueueError.usage` for a URL that is not `postgres://` or `postgresql://`,
    ///   or an unknown `sslmode`. The message never repeats the URL (it may hold a password).
    public init(url: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        var host: String?, port: Int?, user: String?, password: String?, database: String?, sslMode: String?
        if let url, !url.isEmpty {
            guard let schemeEnd = url.range(of: "://"),
                  ["postgres", "postgresql"].contains(url[..<schemeEnd.lowerBound].lowercased()) else {
                throw QueueError(.usage, "the database URL must begin with postgresql:// (or postgres://)")
            }
            var rest = String(url[schemeEnd.upperBound...])
            var query = ""
            if let q = rest.firstIndex(of: "?") { query = String(rest[rest.index(after: q)...]); rest = String(rest[..<q]) }
            var authority = rest
            if let slash = rest.firstIndex(of: "/") {
                authority = String(rest[..<slash])
                database = Self.decode(String(rest[rest.index(after: slash)...]))
            }
            if let at = authority.lastIndex(of: "@") {
                let userInfo = authority[..<at]
                authority = String(authority[authority.index(after: at)...])
                if let colon = userInfo.firstIndex(of: ":") {
                    user = Self.decode(String(userInfo[..<colon]))
                    password = Self.decode(String(userInfo[userInfo.index(after: colon)...]))
                } else {
                    user = Self.decode(String(userInfo))
                }
            }
            if !authority.isEmpty {
                if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {   // [::1]:5432
                    host = String(authority[authority.index(after: authority.startIndex)..<close])
                    let tail = authority[authority.index(after: close)...]
                    if tail.hasPrefix(":") { port = Int(tail.dropFirst()) }
                } else if let colon = authority.lastIndex(of: ":") {
                    host = Self.decode(String(authority[..<colon]))
                    guard let p = Int(authority[authority.index(after: colon)...]) else {
                        throw QueueError(.usage, "the database URL's port is not a number")
                    }
                    port = p
                } else {
                    host = Self.decode(authority)
                }
            }
            for pair in query.split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2 else { continue }
                let value = Self.decode(kv[1])
                switch kv[0] {
                case "host": host = value
                case "port": port = Int(value)
                case "user": user = value
                case "password": password = value
                case "dbname": database = value
                case "sslmode": sslMode = value
                default: break
                }
            }
        }
        func env(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        self.host = host.flatMap { $0.isEmpty ? nil : $0 } ?? env("PGHOST") ?? "/var/run/postgresql"
        self.port = port ?? env("PGPORT").flatMap(Int.init) ?? 5432
        let login = user.flatMap { $0.isEmpty ? nil : $0 } ?? env("PGUSER") ?? env("USER") ?? "postgres"
        self.user = login
        self.password = password ?? env("PGPASSWORD")
        self.database = database.flatMap { $0.isEmpty ? nil : $0 } ?? env("PGDATABASE") ?? login
        self.sslMode = (sslMode ?? env("PGSSLMODE") ?? "prefer").lowercased()
        guard ["disable", "allow", "prefer", "require"].contains(self.sslMode) else {
            throw QueueError(.usage, "sslmode \(self.sslMode) is not supported (disable, prefer or require)")
        }
    }

    /// The location from `--db`, else `REELPACK_DB`, else the PG* variables alone.
    public static func resolve(_ option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> QueueLocation {
        try QueueLocation(url: option ?? environment["REELPACK_DB"], environment: environment)
    }

    /// The connection settings PostgresNIO takes.
    func configuration() throws -> PostgresConnection.Configuration {
        if isUnixSocket {
            return .init(unixSocketPath: "\(host)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        }
        let tls: PostgresConnection.Configuration.TLS
        switch sslMode {
        case "disable", "allow": tls = .disable
        default:
            let context = try NIOSSLContext(configuration: .makeClientConfiguration())
            tls = sslMode == "require" ? .require(context) : .prefer(context)
        }
        return .init(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }

    private static func decode(_ s: String) -> String { s.removingPercentEncoding ?? s }
}
