import Foundation
import GRDB

/// Reading a run back out of the catalog, for `reelpack report`.
extension Catalog {
    /// What the catalog holds about the runs into one output folder.
    public struct RunHistory: Sendable {
        /// Settings of the latest run (JSON of `CompressionSettings`), nil when none.
        public var latestSettings: CompressionSettings?
        /// Start of the first run and end of the latest, ISO 8601.
        public var started: String?
        public var finished: String?
        /// Tool version of the latest run.
        public var toolVersion: String?
        /// Notes given with `--note`, oldest first.
        public var notes: [String]
        /// Wall time of the latest run, from its stored summary (0 when unknown).
        public var seconds: Double
        /// Number of runs (a resumed reel has several).
        public var runCount: Int
    }

    /// The runs recorded in this catalog.
    /// - Throws: `CatalogError` on a database failure.
    public func runHistory() throws -> RunHistory {
        try read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT startedAt, endedAt, toolVersion, settings, note, summary FROM runs ORDER BY id")
            let latest = rows.last
            let settings = (latest?["settings"] as String?).flatMap {
                try? JSONDecoder().decode(CompressionSettings.self, from: Data($0.utf8))
            }
            let summary = (latest?["summary"] as String?).flatMap {
                try? JSONDecoder().decode(RunSummary.self, from: Data($0.utf8))
            }
            return RunHistory(latestSettings: settings, started: rows.first?["startedAt"], finished: latest?["endedAt"],
                              toolVersion: latest?["toolVersion"], notes: rows.compactMap { $0["note"] as String? },
                              seconds: summary?.seconds ?? 0, runCount: rows.count)
        }
    }

    /// One report per frame the catalog knows, in reel order (sequence number, then
    /// name): done frames with their results, failed ones with their latest error,
    /// frames left pending by an interrupted run as failed with that reason.
    public func frameReports() throws -> [FrameReport] {
        let done = try completedFrames()
        return try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT f.id, f.name, f.sourcePath, f.sourceBytes, f.status,
                       (SELECT message FROM errors e WHERE e.frameId = f.id ORDER BY e.id DESC LIMIT 1) AS error
                FROM frames f ORDER BY f.sequenceNumber IS NULL, f.sequenceNumber, f.name
                """)
            return try rows.map { row in
                let name: String = try row.decode(forColumn: "name")
                if let completed = done[name] {
                    var report = completed.report
                    report.status = .done
                    return report
                }
                var report = FrameReport(source: try row.decode(forColumn: "sourcePath"), status: .failed)
                report.sourceBytes = try Self.plausibleSize(row, "sourceBytes")
                let status: String = try row.decode(forColumn: "status")
                report.error = try row.decode(forColumn: "error") ?? (status == "pending" ? "not completed: the run was interrupted (use --resume)" : "failed")
                return report
            }
        }
    }

    /// Every search evaluation recorded for the frame named `name`, with the run and
    /// codec it was made for: oldest run first, each run's in the order they were made.
    public func iterations(frameNamed name: String) throws -> [(runID: Int64, codec: String, iteration: SearchIteration)] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT i.* FROM iterations i JOIN frames f ON f.id = i.frameId
                WHERE f.name = ? ORDER BY i.runId, i.id
                """, arguments: [name]).map { row in
                let iteration = SearchIteration(parameter: row["parameter"], bytes: row["bytes"], ssim: row["ssim"],
                                                psnr: row["psnr"], tileFloor: row["tileFloor"],
                                                grainRetention: row["grainRetention"], pass: row["pass"])
                return (runID: row["runId"], codec: row["codec"], iteration: iteration)
            }
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try db.read(body)
        } catch {
            throw CatalogError(path: db.path, reason: "\(error)", cause: error)
        }
    }
}
