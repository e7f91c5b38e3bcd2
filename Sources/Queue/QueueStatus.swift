import Foundation
import PostgresNIO

/// `queue status`: where each run stands and what each worker did.
public struct QueueStatus: Sendable, Codable {
    public struct Run: Sendable, Codable {
        public var id: Int64
        public var output: String
        public var frames: Int
        public var done: Int
        public var failed: Int
        public var leased: Int
        public var pending: Int
        /// Frames finished per second since the run's first lease.
        public var framesPerSecond: Double
        /// Seconds left at that rate; nil before any frame finished.
        public var etaSeconds: Double?
        public var exported: Bool
    }

    public struct Worker: Sendable, Codable {
        public var id: String
        public var host: String
        public var pid: Int
        public var done: Int
        public var failed: Int
        public var leased: Int
        /// Frames finished per second over the worker's life.
        public var framesPerSecond: Double
        /// Seconds since its last heartbeat.
        public var lastSeenSeconds: Double
        public var stopped: Bool
    }

    public var runs: [Run]
    public var workers: [Worker]

    /// The status of every run, or of run `only`.
    public static func load(_ db: QueueDatabase, run only: Int64? = nil) async throws -> QueueStatus {
        try await QueueSchema.migrate(db)
        return try await db.withConnection { c in
            var runs: [Run] = []
            let runRows = try await QueueDatabase.run("""
                SELECT r.id, r.output, r.frame_count,
                  count(*) FILTER (WHERE f.status = 'done')::int, count(*) FILTER (WHERE f.status = 'failed')::int,
                  count(*) FILTER (WHERE f.status = 'leased')::int, count(*) FILTER (WHERE f.status = 'pending')::int,
                  COALESCE(EXTRACT(EPOCH FROM (CASE WHEN count(*) FILTER (WHERE f.status IN ('pending', 'leased')) > 0
                    THEN now() ELSE max(f.finished_at) END) - min(f.started_at))::float8, 0),
                  r.exported_at IS NOT NULL
                FROM runs r JOIN frames f ON f.run_id = r.id
                WHERE \(only)::bigint IS NULL OR r.id = \(only)
                GROUP BY r.id ORDER BY r.id
                """, on: c)
            for try await (id, output, frames, done, failed, leased, pending, seconds, exported)
                in runRows.decode((Int64, String, Int, Int, Int, Int, Int, Double, Bool).self) {
                let fps = seconds > 0 ? Double(done + failed) / seconds : 0
                runs.append(Run(id: id, output: output, frames: frames, done: done, failed: failed, leased: leased, pending: pending,
                                framesPerSecond: fps, etaSeconds: fps > 0 ? Double(leased + pending) / fps : nil, exported: exported))
            }
            var workers: [Worker] = []
            let workerRows = try await QueueDatabase.run("""
                SELECT w.id, w.host, w.pid,
                  (SELECT count(*) FROM records r WHERE r.worker = w.id AND r.status = 'done' AND (\(only)::bigint IS NULL OR r.run_id = \(only)))::int,
                  (SELECT count(*) FROM records r WHERE r.worker = w.id AND r.status = 'failed' AND (\(only)::bigint IS NULL OR r.run_id = \(only)))::int,
                  (SELECT count(*) FROM frames f WHERE f.lease_owner = w.id AND f.status = 'leased' AND (\(only)::bigint IS NULL OR f.run_id = \(only)))::int,
                  EXTRACT(EPOCH FROM (COALESCE(w.stopped_at, now()) - w.started_at))::float8,
                  EXTRACT(EPOCH FROM (now() - w.heartbeat))::float8,
                  w.stopped_at IS NOT NULL
                FROM workers w ORDER BY w.started_at
                """, on: c)
            for try await (id, host, pid, done, failed, leased, seconds, seen, stopped)
                in workerRows.decode((String, String, Int, Int, Int, Int, Double, Double, Bool).self) {
                // With a run asked for, only the workers that worked on it.
                if only != nil && done + failed + leased == 0 { continue }
                workers.append(Worker(id: id, host: host, pid: pid, done: done, failed: failed, leased: leased,
                                      framesPerSecond: seconds > 0 ? Double(done + failed) / seconds : 0,
                                      lastSeenSeconds: seen, stopped: stopped))
            }
            return QueueStatus(runs: runs, workers: workers)
        }
    }

    /// The status as a table.
    public var text: String {
        func f(_ v: Double, _ d: Int = 2) -> String { String(format: "%.\(d)f", v) }
        var lines = ["run  done  failed  leased  pending  fps    ETA      output"]
        for r in runs {
            let eta = r.etaSeconds.map { "\(f($0, 0)) s" } ?? (r.leased + r.pending == 0 ? "done" : "–")
            lines.append([String(r.id).padding(5), "\(r.done)/\(r.frames)".padding(6), String(r.failed).padding(8), String(r.leased).padding(8),
                          String(r.pending).padding(9), f(r.framesPerSecond).padding(7), eta.padding(9),
                          r.output + (r.exported ? " (exported)" : "")].joined())
        }
        if runs.isEmpty { lines.append("(no runs)") }
        lines.append("")
        lines.append("worker                                   done  failed  leased  fps    last seen")
        for w in workers {
            let seen = w.stopped ? "stopped" : "\(f(w.lastSeenSeconds, 0)) s ago"
            lines.append([w.id.padding(41), String(w.done).padding(6), String(w.failed).padding(8), String(w.leased).padding(8),
                          f(w.framesPerSecond).padding(7), seen].joined())
        }
        if workers.isEmpty { lines.append("(no workers)") }
        return lines.joined(separator: "\n")
    }
}

private extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
