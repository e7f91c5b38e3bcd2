import Codecs
import Engine
import Foundation
import PostgresNIO

/// The leases: which worker holds which frames, and until when. A lease is taken on a
/// chunk of consecutive open frames (pending, or leased to a worker whose lease ran
/// out) with `SELECT ... FOR UPDATE SKIP LOCKED`, so workers never wait on each other
/// and never take the same frame; it is renewed while the worker lives; a frame is
/// completed only by the worker that still holds it.
enum QueueLeases {
    /// A frame whose lease ran out this many times (its workers killed or stuck) is
    /// failed rather than handed out again.
    static let maxAttempts = 3

    /// A chunk of leased frames of one run.
    struct Chunk: Sendable {
        var run: Int64
        var items: [WorkItem]
    }

    /// Leases up to `size` consecutive open frames for `worker`: of `run` beginning at
    /// index `from` exactly when given (nil when that frame is not open), else beginning
    /// at the first open frame of the oldest run with one.
    static func lease(_ db: QueueDatabase, worker: String, run: Int64?, from: Int = 0, size: Int, seconds: Int) async throws -> Chunk? {
        try await failAbandoned(db)
        return try await db.transaction { c in
            var first: (id: Int64, run: Int64, idx: Int)?
            let open = "(status = 'pending' OR (status = 'leased' AND lease_expires < now()))"
            let rows = try await QueueDatabase.run("""
                SELECT id, run_id, idx FROM frames
                WHERE \(unescaped: open) AND (\(run)::bigint IS NULL OR (run_id = \(run) AND idx = \(from)))
                ORDER BY run_id, idx LIMIT 1 FOR UPDATE SKIP LOCKED
                """, on: c)
            for try await row in rows.decode((Int64, Int64, Int).self) { first = (row.0, row.1, row.2) }
            guard let first else { return nil }
            var picked: [(id: Int64, item: WorkItem)] = []
            let more = try await QueueDatabase.run("""
                SELECT id, idx, name, source_path, sequence_number FROM frames
                WHERE run_id = \(first.run) AND idx >= \(first.idx) AND idx < \(first.idx + size) AND \(unescaped: open)
                ORDER BY idx FOR UPDATE SKIP LOCKED
                """, on: c)
            for try await (id, idx, name, path, sequence) in more.decode((Int64, Int, String, String, Int?).self) {
                // Consecutive only: a frame another worker holds ends the chunk.
                guard idx == first.idx + picked.count else { break }
                picked.append((id, WorkItem(index: idx, source: URL(fileURLWithPath: path), name: name, sequenceNumber: sequence)))
            }
            let ids = picked.map(\.id)
            try await QueueDatabase.run("""
                UPDATE frames SET status = 'leased', lease_owner = \(worker),
                  lease_expires = now() + make_interval(secs => \(Double(seconds))), attempts = attempts + 1,
                  started_at = COALESCE(started_at, now())
                WHERE id = ANY(\(ids))
                """, on: c)
            return Chunk(run: first.run, items: picked.map(\.item))
        }
    }

    /// Extends every lease `worker` holds, and its heartbeat.
    static func renew(_ db: QueueDatabase, worker: String, seconds: Int) async throws {
        let spent = db.usage.seconds
        try await db.withConnection { c in
            try await QueueDatabase.run("""
                UPDATE frames SET lease_expires = now() + make_interval(secs => \(Double(seconds)))
                WHERE lease_owner = \(worker) AND status = 'leased'
                """, on: c)
            try await QueueDatabase.run("UPDATE workers SET heartbeat = now(), queue_seconds = \(spent) WHERE id = \(worker)", on: c)
        }
    }

    /// Hands back the frames `worker` holds (leased but not begun: nothing of this
    /// process works on them any more).
    static func release(_ db: QueueDatabase, worker: String) async throws {
        _ = try await db.withConnection { c in
            try await QueueDatabase.run("""
                UPDATE frames SET status = 'pending', lease_owner = NULL, lease_expires = NULL
                WHERE lease_owner = \(worker) AND status = 'leased'
                """, on: c)
        }
    }

    /// Frames open in any run (pending or leased): none means there is no work left.
    static func openFrames(_ db: QueueDatabase) async throws -> Int {
        try await db.withConnection { c in
            var n = 0
            for try await v in try await QueueDatabase.run("SELECT count(*)::int FROM frames WHERE status IN ('pending', 'leased')", on: c).decode(Int.self) { n = v }
            return n
        }
    }

    /// Fails the frames whose lease ran out `maxAttempts` times, with a record saying so.
    private static func failAbandoned(_ db: QueueDatabase) async throws {
        try await db.transaction { c in
            let rows = try await QueueDatabase.run("""
                UPDATE frames SET status = 'failed', lease_owner = NULL, lease_expires = NULL, finished_at = now()
                WHERE status = 'leased' AND lease_expires < now() AND attempts >= \(maxAttempts)
                RETURNING id, run_id, name, source_path, sequence_number, attempts
                """, on: c)
            var abandoned: [(Int64, Int64, String, String, Int?, Int)] = []
            for try await row in rows.decode((Int64, Int64, String, String, Int?, Int).self) { abandoned.append(row) }
            for (id, run, name, path, sequence, attempts) in abandoned {
                let message = "\(name): abandoned after \(attempts) workers lost it (killed, or stuck past their lease)"
                let record = Catalog.FrameRecord(entry: .init(name: name, sequenceNumber: sequence, sourcePath: path), source: nil,
                                                 traces: [], outcome: .failed(message: message))
                try await insertRecord(c, frame: id, run: run, record: record, status: "failed", worker: "queue")
                try await QueueDatabase.run("""
                    INSERT INTO events (run_id, frame_id, event_type, agent, outcome, detail)
                    VALUES (\(run), \(id), 'compression', 'reelpack queue', 'failure', \(message))
                    """, on: c)
            }
        }
    }

    /// Inserts (or replaces) a frame's record.
    static func insertRecord(_ c: PostgresConnection, frame: Int64, run: Int64, record: Catalog.FrameRecord, status: String,
                             worker: String) async throws {
        var report: FrameReport?
        if case .done(let r) = record.outcome { report = r }
        let json = try QueueJSON.string(record)
        try await QueueDatabase.run("""
            INSERT INTO records (frame_id, run_id, record, status, output, source_bytes, output_bytes, ssim, codec, worker)
            VALUES (\(frame), \(run), \(json)::jsonb, \(status), \(report?.output), \(report?.sourceBytes), \(report?.outputBytes),
                    \(report?.ssim), \(report?.codec?.rawValue), \(worker))
            ON CONFLICT (frame_id) DO UPDATE SET record = EXCLUDED.record, status = EXCLUDED.status, output = EXCLUDED.output,
              source_bytes = EXCLUDED.source_bytes, output_bytes = EXCLUDED.output_bytes, ssim = EXCLUDED.ssim,
              codec = EXCLUDED.codec, worker = EXCLUDED.worker, recorded_at = now()
            """, on: c)
    }
}

/// JSON as the queue stores it: non-finite numbers as strings, so any record encodes.
enum QueueJSON {
    static func string(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(type, from: Data(text.utf8))
    }
}
