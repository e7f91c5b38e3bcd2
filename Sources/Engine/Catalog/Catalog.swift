import Codecs
import Foundation
import GRDB
import ImageCore

/// The single record of a run (DESIGN.md §1, §6): an SQLite file in the output folder
/// holding runs, frames with their header metadata, analysis features, every search
/// iteration, results, errors, and PREMIS-style events. `--resume`, reports and
/// `verify` read it.
///
/// Safe to share across tasks: GRDB's `DatabaseQueue` serialises every access.
public final class Catalog: Sendable {
    /// The schema version this build writes (`PRAGMA user_version`).
    public static let schemaVersion = 4
    /// The catalog's file name inside the output folder.
    public static let fileName = "reelpack.sqlite"

    let db: DatabaseQueue   // internal: read by the extensions in Catalog+Report.swift

    /// Opens (or creates) the catalog at `url` and brings its schema up to date.
    /// - Throws: `CatalogError` when the file cannot be opened or is from a newer version.
    public init(url: URL) throws {
        do {
            db = try DatabaseQueue(path: url.path)
            try Self.migrator.migrate(db)
            let version = try db.read { try Int.fetchOne($0, sql: "PRAGMA user_version") ?? 0 }
            guard version <= Self.schemaVersion else {
                throw CatalogError(path: url.path, reason: "schema version \(version) is newer than this reelpack (\(Self.schemaVersion))")
            }
        } catch let error as CatalogError {
            throw error
        } catch {
            throw CatalogError(path: url.path, reason: "cannot open the catalog: \(error)", cause: error)
        }
    }

    private static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.create(table: "runs") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("startedAt", .text).notNull()
                t.column("endedAt", .text)
                t.column("tool", .text).notNull()
                t.column("toolVersion", .text).notNull()
                t.column("settings", .text).notNull()        // JSON
                t.column("note", .text)
                t.column("summary", .text)                   // JSON, at the end
            }
            try db.create(table: "frames") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique()   // source file name
                t.column("sequenceNumber", .integer)
                t.column("sourcePath", .text).notNull()
                t.column("sourceBytes", .integer)
                t.column("sourceSHA256", .text)
                t.column("format", .text)
                t.column("width", .integer)
                t.column("height", .integer)
                t.column("channels", .integer)
                t.column("bitDepth", .integer)
                t.column("creationDate", .text)
                t.column("inputDevice", .text)
                t.column("contentType", .text)              // FrameFeatures.contentType: "bw" or "colour", "+title"/"+subtitles"
                t.column("metadata", .text)                 // JSON of FrameMetadata
                t.column("status", .text).notNull()         // pending, done, failed
                t.column("runId", .integer).references("runs")
            }
            try db.create(table: "features") { t in
                t.column("frameId", .integer).notNull().primaryKey().references("frames", onDelete: .cascade)
                t.column("noiseSigma", .double)
                t.column("bitsUsed", .integer)
                t.column("monochrome", .boolean)
                t.column("sceneChange", .double)
                t.column("json", .text).notNull()
            }
            try db.create(table: "iterations") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("frameId", .integer).notNull().references("frames", onDelete: .cascade)
                t.column("runId", .integer).notNull().references("runs")
                t.column("codec", .text).notNull()
                t.column("step", .integer).notNull()
                t.column("parameter", .double).notNull()
                t.column("bytes", .integer).notNull()
                t.column("ssim", .double).notNull()
                t.column("psnr", .double)
                t.column("tileFloor", .double).notNull()
                t.column("grainRetention", .double)
                t.column("pass", .boolean).notNull()
            }
            try db.create(table: "results") { t in
                t.column("frameId", .integer).notNull().primaryKey().references("frames", onDelete: .cascade)
                t.column("runId", .integer).notNull().references("runs")
                t.column("output", .text).notNull()          // relative to OUT
                t.column("outputBytes", .integer).notNull()
                t.column("outputSHA256", .text).notNull()
                t.column("decodedSHA256", .text).notNull()
                t.column("codec", .text).notNull()
                t.column("mode", .text).notNull()
                t.column("parameter", .double)
                t.column("ssim", .double).notNull()
                t.column("psnr", .double)
                t.column("tileFloor", .double).notNull()
                t.column("maxError", .integer).notNull()
                t.column("identical", .boolean).notNull()
                t.column("grainRetention", .double)
                t.column("iterations", .integer).notNull()
                t.column("fellBackToLossless", .boolean).notNull()
                t.column("monochromeStored", .boolean).notNull()
                t.column("seconds", .double)
                t.column("completedAt", .text).notNull()
            }
            try db.create(table: "errors") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("runId", .integer).notNull().references("runs")
                t.column("frameId", .integer).references("frames", onDelete: .cascade)
                t.column("source", .text).notNull()
                t.column("message", .text).notNull()
                t.column("at", .text).notNull()
            }
            // PREMIS-style events: what happened to which object, when, by which agent, outcome.
            try db.create(table: "events") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("runId", .integer).notNull().references("runs")
                t.column("frameId", .integer).references("frames", onDelete: .cascade)
                t.column("eventType", .text).notNull()      // compression, fixity check, validation, ...
                t.column("eventDateTime", .text).notNull()
                t.column("agent", .text).notNull()          // tool and version, codec library
                t.column("outcome", .text).notNull()        // success, failure
                t.column("detail", .text)
            }
            try db.execute(sql: "PRAGMA user_version = 1")
        }
        // v2: the banding index of each output and its source, and SSIMULACRA 2 where
        // it was a floor. Catalogs of version 1 gain the columns (empty for their frames).
        m.registerMigration("v2") { db in
            try db.alter(table: "results") { t in
                t.add(column: "banding", .double)
                t.add(column: "bandingSource", .double)
                t.add(column: "ssimulacra2", .double)
            }
            try db.execute(sql: "PRAGMA user_version = 2")
        }
        // v3: blind review sessions and their scores (Catalog+Review.swift). Older
        // catalogs gain the two empty tables.
        m.registerMigration("v3") { db in
            try createReviewTables(db)
            try db.execute(sql: "PRAGMA user_version = 3")
        }
        // v4: a shard's identity and the listing it was cut from (Catalog+Shard.swift),
        // which `merge` checks. Older catalogs gain the two empty tables.
        m.registerMigration("v4") { db in
            try createShardTables(db)
            try db.execute(sql: "PRAGMA user_version = 4")
        }
        return m
    }

    // MARK: Runs

    /// Records the start of a run; returns its id.
    /// - Throws: `CatalogError` on a database failure.
    public func beginRun(settings: String, note: String?, toolVersion: String) throws -> Int64 {
        try write { db in
            try db.execute(sql: "INSERT INTO runs (startedAt, tool, toolVersion, settings, note) VALUES (?, 'reelpack', ?, ?, ?)",
                           arguments: [Self.now(), toolVersion, settings, note])
            return db.lastInsertedRowID
        }
    }

    /// The settings (JSON) of the latest run recorded, or nil when there is none.
    public func latestRunSettings() throws -> String? {
        try db.read { db in try String.fetchOne(db, sql: "SELECT settings FROM runs ORDER BY id DESC LIMIT 1") }
    }

    /// Records the end of a run with its summary (JSON).
    public func endRun(_ runID: Int64, summary: String) throws {
        try write { db in
            try db.execute(sql: "UPDATE runs SET endedAt = ?, summary = ? WHERE id = ?", arguments: [Self.now(), summary, runID])
        }
    }

    // MARK: Frames

    /// What the catalog knows of a source frame before it is processed.
    public struct FrameEntry: Sendable, Codable, Equatable {
        public var name: String
        public var sequenceNumber: Int?
        public var sourcePath: String
        public init(name: String, sequenceNumber: Int?, sourcePath: String) {
            self.name = name; self.sequenceNumber = sequenceNumber; self.sourcePath = sourcePath
        }
    }

    /// Inserts the frame (or marks an existing one pending for this run); returns its id.
    public func registerFrame(_ entry: FrameEntry, runID: Int64) throws -> Int64 {
        try write { db in try Self.register(db, entry, runID: runID) }
    }

    private static func register(_ db: Database, _ entry: FrameEntry, runID: Int64) throws -> Int64 {
        do {
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM frames WHERE name = ?", arguments: [entry.name]) {
                try db.execute(sql: "UPDATE frames SET status = 'pending', runId = ?, sourcePath = ?, sequenceNumber = ? WHERE id = ?",
                               arguments: [runID, entry.sourcePath, entry.sequenceNumber, id])
                return id
            }
            try db.execute(sql: "INSERT INTO frames (name, sequenceNumber, sourcePath, status, runId) VALUES (?, ?, ?, 'pending', ?)",
                           arguments: [entry.name, entry.sequenceNumber, entry.sourcePath, runID])
            return db.lastInsertedRowID
        }
    }

    /// Records what was read from the source: size, digest, geometry, header metadata, features.
    public func recordSource(frameID: Int64, report: FrameSourceInfo, features: FrameFeatures) throws {
        try write { db in try Self.recordSource(db, frameID: frameID, report: report, features: features) }
    }

    private static func recordSource(_ db: Database, frameID: Int64, report: FrameSourceInfo, features: FrameFeatures) throws {
        let metadataJSON = String(decoding: try JSONEncoder().encode(report.metadata), as: UTF8.self)
        let featuresJSON = String(decoding: try JSONEncoder().encode(features), as: UTF8.self)
        do {
            try db.execute(sql: """
                UPDATE frames SET sourceBytes = ?, sourceSHA256 = ?, format = ?, width = ?, height = ?, channels = ?,
                  bitDepth = ?, creationDate = ?, inputDevice = ?, contentType = ?, metadata = ? WHERE id = ?
                """, arguments: [report.sourceBytes, report.sourceSHA256, report.format, report.width, report.height,
                                 report.channels, report.bitDepth, report.metadata.creationDate,
                                 report.metadata.inputDevice, features.contentType, metadataJSON, frameID])
            try db.execute(sql: "INSERT OR REPLACE INTO features (frameId, noiseSigma, bitsUsed, monochrome, sceneChange, json) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [frameID, features.noiseSigma, features.bitsUsed, features.monochrome, features.sceneChange, featuresJSON])
        }
    }


    /// The search iterations of one frame for one codec.
    private static func recordIterations(_ db: Database, frameID: Int64, runID: Int64, codec: String,
                                         _ iterations: [SearchIteration]) throws {
        do {
            for (step, it) in iterations.enumerated() {
                try db.execute(sql: """
                    INSERT INTO iterations (frameId, runId, codec, step, parameter, bytes, ssim, psnr, tileFloor, grainRetention, pass)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [frameID, runID, codec, step, it.parameter, it.bytes, it.ssim, it.psnr, it.tileFloor, it.grainRetention, it.pass])
            }
        }
    }


    /// A completed frame: its result row, status `done`, and the compression and fixity events.
    private static func recordResult(_ db: Database, frameID: Int64, runID: Int64, _ r: FrameReport, agent: String) throws {
        do {
            try ResultRecord(r, frameID: frameID, runID: runID, completedAt: now()).insert(db, onConflict: .replace)
            try db.execute(sql: "UPDATE frames SET status = 'done', runId = ? WHERE id = ?", arguments: [runID, frameID])
            let detail = "\(r.mode?.rawValue ?? "") \(r.codec?.rawValue ?? "")\(r.parameter.map { " q=\(String(format: "%.4f", $0))" } ?? ""), "
                + "\(r.sourceBytes ?? 0) → \(r.outputBytes ?? 0) bytes, SSIM \(String(format: "%.5f", r.ssim ?? 0))"
                + (r.fellBackToLossless ? ", no lossy setting met the floors" : "")
            try insertEvent(db, runID: runID, frameID: frameID, type: "compression", agent: agent, outcome: "success", detail: detail)
            try insertEvent(db, runID: runID, frameID: frameID, type: "fixity check", agent: agent, outcome: "success",
                                 detail: "decoded samples of the written file match SHA-256 \(r.decodedSHA256 ?? "")")
        }
    }


    /// A failed frame: status `failed`, an error row and a failure event.
    private static func recordFailure(_ db: Database, frameID: Int64?, runID: Int64, source: String, message: String,
                                      agent: String) throws {
        do {
            try db.execute(sql: "INSERT INTO errors (runId, frameId, source, message, at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [runID, frameID, source, message, now()])
            if let frameID {
                try db.execute(sql: "UPDATE frames SET status = 'failed', runId = ? WHERE id = ?", arguments: [runID, frameID])
                try db.execute(sql: "DELETE FROM results WHERE frameId = ?", arguments: [frameID])
            }
            try insertEvent(db, runID: runID, frameID: frameID, type: "compression", agent: agent, outcome: "failure", detail: message)
        }
    }

    /// Everything a run records of one frame: its entry, what was read from its source
    /// (nil when it could not be read), each codec's search trace, and how it ended.
    /// Codable, so a record can travel (a shard's catalog, a shared queue) and be
    /// recorded into another catalog as it was.
    public struct FrameRecord: Sendable, Codable {
        public enum Outcome: Sendable, Codable {
            case done(FrameReport)
            case failed(message: String)
        }
        /// What was read from the source file.
        public struct Source: Sendable, Codable {
            public var info: FrameSourceInfo
            public var features: FrameFeatures
            public init(info: FrameSourceInfo, features: FrameFeatures) { self.info = info; self.features = features }
        }
        /// One codec's search: every setting tried, in order (empty when it was not tried).
        public struct Trace: Sendable, Codable {
            public var codec: String
            public var iterations: [SearchIteration]
            public init(codec: String, iterations: [SearchIteration]) { self.codec = codec; self.iterations = iterations }
        }
        public var entry: FrameEntry
        public var source: Source?
        public var traces: [Trace]
        public var outcome: Outcome

        public init(entry: FrameEntry, source: Source?, traces: [Trace], outcome: Outcome) {
            self.entry = entry
            self.source = source
            self.traces = traces
            self.outcome = outcome
        }
    }

    /// Records one frame of run `runID` in one transaction: a frame is in the catalog
    /// whole or not at all. Blocking: call it off the cooperative pool.
    public func record(_ frame: FrameRecord, runID: Int64, agent: String) throws {
        try write { db in try Self.record(db, frame, runID: runID, agent: agent) }
    }

    /// Records many frames of run `runID` in one transaction (folding records made
    /// elsewhere, `merge`): one transaction a frame would wait on the disk for each.
    public func record(contentsOf frames: [FrameRecord], runID: Int64, agent: String) throws {
        try write { db in
            for frame in frames { try Self.record(db, frame, runID: runID, agent: agent) }
        }
    }

    private static func record(_ db: Database, _ frame: FrameRecord, runID: Int64, agent: String) throws {
        let id = try register(db, frame.entry, runID: runID)
        if let source = frame.source {
            try recordSource(db, frameID: id, report: source.info, features: source.features)
        }
        for trace in frame.traces {
            try recordIterations(db, frameID: id, runID: runID, codec: trace.codec, trace.iterations)
        }
        switch frame.outcome {
        case .done(let report):
            try recordResult(db, frameID: id, runID: runID, report, agent: agent)
        case .failed(let message):
            try recordFailure(db, frameID: id, runID: runID, source: frame.entry.sourcePath, message: message, agent: agent)
        }
    }

    /// A frame recorded as done: where its output is and what it must hash to.
    public struct CompletedFrame: Sendable {
        public var name: String
        public var report: FrameReport
    }

    /// Every frame recorded as done, by source name.
    public func completedFrames() throws -> [String: CompletedFrame] {
        try audited { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT f.name, f.sourcePath, f.sourceBytes, r.* FROM frames f JOIN results r ON r.frameId = f.id
                WHERE f.status = 'done'
                """)
            var out: [String: CompletedFrame] = [:]
            for row in rows {
                let name: String = try row.decode(forColumn: "name")
                var report = FrameReport(source: try row.decode(forColumn: "sourcePath"), status: .kept)
                report.sourceBytes = try Self.plausibleSize(row, "sourceBytes")
                try ResultRecord(row: row).apply(to: &report, frame: name)
                out[name] = CompletedFrame(name: name, report: report)
            }
            return out
        }
    }

    /// A PREMIS-style event as recorded.
    public struct Event: Sendable, Equatable {
        public var eventType: String
        public var eventDateTime: String
        public var agent: String
        public var outcome: String
        public var detail: String?
        /// The source frame the event concerns; nil for events about the whole folder.
        public var frame: String?
    }

    /// Records an event about the whole output folder (`verify`, `restore`), attached
    /// to the latest run.
    /// - Throws: `CatalogError` when the catalog holds no run or cannot be written.
    public func recordEvent(type: String, agent: String, outcome: String, detail: String?) throws {
        try write { db in
            guard let runID = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM runs") else {
                throw CatalogError(path: db.description, reason: "the catalog holds no run to attach the event to")
            }
            try Self.insertEvent(db, runID: runID, frameID: nil, type: type, agent: agent, outcome: outcome, detail: detail)
        }
    }

    /// Every event, or every event of `type`, oldest first.
    public func events(type: String? = nil) throws -> [Event] {
        try db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.eventType, e.eventDateTime, e.agent, e.outcome, e.detail, f.name AS frame
                FROM events e LEFT JOIN frames f ON f.id = e.frameId
                WHERE ? IS NULL OR e.eventType = ? ORDER BY e.id
                """, arguments: [type, type]).map {
                Event(eventType: $0["eventType"], eventDateTime: $0["eventDateTime"], agent: $0["agent"],
                      outcome: $0["outcome"], detail: $0["detail"], frame: $0["frame"])
            }
        }
    }

    /// Number of rows in `table` (for tests and reports).
    public func count(_ table: String, where condition: String = "1") throws -> Int {
        let allowed: Set<String> = ["runs", "frames", "features", "iterations", "results", "errors", "events",
                                     "reviewSessions", "reviewScores"]
        guard allowed.contains(table) else { return 0 }
        return try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM \(table) WHERE \(condition)") ?? 0 }
    }

    // MARK: Internals

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try db.write(body)
        } catch {
            throw CatalogError(path: db.path, reason: "\(error)", cause: error)
        }
    }

    private static func insertEvent(_ db: Database, runID: Int64, frameID: Int64?, type: String, agent: String,
                                    outcome: String, detail: String?) throws {
        try db.execute(sql: "INSERT INTO events (runId, frameId, eventType, eventDateTime, agent, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       arguments: [runID, frameID, type, now(), agent, outcome, detail])
    }

    static func now() -> String {
        ISO8601DateFormatter().string(from: Date())
    }
}

/// A catalog that could not be opened or written.
public struct CatalogError: Error, Sendable, CustomStringConvertible {
    /// The catalog file.
    public var path: String
    /// What went wrong.
    public var reason: String
    /// The database error underneath, when one caused this.
    public var cause: (any Error)?
    public var description: String { "\(path): \(reason)" }

    public init(path: String, reason: String, cause: (any Error)? = nil) {
        self.path = path
        self.reason = reason
        self.cause = cause
    }
}
