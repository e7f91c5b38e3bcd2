import Engine
import Foundation
import PostgresNIO

/// `queue export RUN`: folds a finished run's records into OUT/reelpack.sqlite, as a
/// local run records them, then writes the manifest, summary and report. The folder
/// is then self-contained, like a local run's: `verify`, `report` and `review` read it
/// without the database.
public enum QueueExport {
    public struct Result: Sendable {
        public var output: URL
        public var frames: Int
        public var done: Int
        public var failed: Int
        /// Anything the report left out.
        public var notes: [String]
    }

    /// - Throws: `QueueError.usage` for an unknown run or one with frames still pending
    ///   or leased; `QueueError`/`CatalogError` when the records cannot be written.
    public static func export(run id: Int64, database db: QueueDatabase) async throws -> Result {
        try await QueueSchema.migrate(db)
        guard let run = try await QueueRun.load(id, from: db) else {
            throw QueueError(.usage, "\(db.location): there is no run \(id) (`reelpack queue status` lists the runs)")
        }
        let (open, seconds, records) = try await db.withConnection { c in
            var open = 0
            var seconds = 0.0
            for try await (n, s) in try await QueueDatabase.run("""
                SELECT count(*) FILTER (WHERE status IN ('pending', 'leased'))::int,
                       COALESCE(EXTRACT(EPOCH FROM max(finished_at) - min(started_at))::float8, 0)
                FROM frames WHERE run_id = \(id)
                """, on: c).decode((Int, Double).self) { (open, seconds) = (n, s) }
            var records: [String] = []
            for try await text in try await QueueDatabase.run("""
                SELECT r.record::text FROM frames f JOIN records r ON r.frame_id = f.id WHERE f.run_id = \(id) ORDER BY f.idx
                """, on: c).decode(String.self) { records.append(text) }
            return (open, seconds, records)
        }
        guard open == 0 else {
            throw QueueError(.usage, "run \(id) is not finished: \(open) of \(run.frameCount) frames are pending or leased (`reelpack queue status \(id)`)")
        }
        let frames = try records.map { try QueueJSON.decode(Catalog.FrameRecord.self, from: $0) }

        // OUT's catalog, manifest, summary and report, as a local run leaves them.
        let reports = frames.map { frame -> FrameReport in
            switch frame.outcome {
            case .done(var report):
                report.source = frame.entry.sourcePath
                return report
            case .failed(let message):
                var report = FrameReport(source: frame.entry.sourcePath, status: .failed)
                report.error = message
                return report
            }
        }
        let (_, notes) = try CompressionRun.writeFolder(run.output) { catalog in
            let catalogRun = try catalog.beginRun(settings: try QueueJSON.string(run.settings), note: run.note, toolVersion: run.toolVersion)
            try catalog.record(contentsOf: frames, runID: catalogRun, agent: "reelpack \(run.toolVersion)")
            let summary = RunSummary(reports: reports, seconds: seconds)
            try catalog.endRun(catalogRun, summary: String(decoding: try JSONEncoder().encode(summary), as: UTF8.self))
        }
        // Workers' staging folders: empty when every worker ended well, a killed one's otherwise.
        try? FileManager.default.removeItem(at: run.stagingRoot)
        _ = try await db.withConnection { c in
            try await QueueDatabase.run("UPDATE runs SET exported_at = now() WHERE id = \(id)", on: c)
        }
        let failed = reports.filter { $0.status == .failed }.count
        return Result(output: run.output, frames: reports.count, done: reports.count - failed, failed: failed, notes: notes)
    }
}
