import Foundation
import TestSupport
import Testing

/// The PostgreSQL server the queue tests use: `REELPACK_TEST_PG_URL` (`make test`
/// starts one with scripts/pg-test-server.sh and sets it). Each test gets a database of
/// its own on it. Without the variable the tests skip, saying why; in CI (`CI=true`)
/// they fail instead, so a CI machine without a server cannot pass them unseen.
enum QueueTestServer {
    static var baseURL: String? { ProcessInfo.processInfo.environment["REELPACK_TEST_PG_URL"].flatMap { $0.isEmpty ? nil : $0 } }

    /// A fresh database's URL, or nil (skip) when no server is configured outside CI.
    static func database(_ label: String, password: String? = nil) throws -> TestDatabase? {
        guard let base = baseURL else {
            let reason = "no PostgreSQL server: set REELPACK_TEST_PG_URL (make test starts one with scripts/pg-test-server.sh)"
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("\(reason); in CI the queue tests must run")
            } else {
                print("skipped: \(reason)")
            }
            return nil
        }
        let name = "rp_\(label)_\(UUID().uuidString.prefix(8).lowercased())"
        try psql(base, "CREATE DATABASE \(name)")
        return TestDatabase(name: name, url: replacingDatabase(in: base, with: name, password: password), base: base)
    }

    /// Runs one SQL statement with psql; returns its unaligned output.
    @discardableResult
    static func psql(_ url: String, _ sql: String) throws -> String {
        let out = try ExternalTool.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-tAc", sql])
        return String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `url` naming database `name` (and carrying `password`, when given).
    static func replacingDatabase(in url: String, with name: String, password: String?) -> String {
        let parts = url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var head = String(parts[0])
        if let slash = head.range(of: "/", options: .backwards), head[..<slash.lowerBound].contains("@") || head.hasPrefix("postgres") {
            head = String(head[..<slash.upperBound]) + name
        }
        if let password, let at = head.firstIndex(of: "@"), let scheme = head.range(of: "://") {
            let user = head[scheme.upperBound..<at].split(separator: ":").first.map(String.init) ?? ""
            head = String(head[..<scheme.upperBound]) + user + ":" + password + String(head[at...])
        }
        return parts.count > 1 ? head + "?" + parts[1] : head
    }

    /// The test server's script, when `REELPACK_TEST_PG_URL` is its server (the
    /// database-down test stops and starts it).
    static var script: URL? {
        let script = Corpus.packageRoot.appendingPathComponent("scripts/pg-test-server.sh")
        guard let base = baseURL,
              let url = try? ExternalTool.run(["bash", script.path, "url"]),
              String(decoding: url, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == base else { return nil }
        return script
    }
}

/// A database of one test, dropped by `drop()`.
struct TestDatabase {
    var name: String
    var url: String
    var base: String

    func sql(_ statement: String) throws -> String { try QueueTestServer.psql(url, statement) }

    func drop() { _ = try? QueueTestServer.psql(base, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
}
