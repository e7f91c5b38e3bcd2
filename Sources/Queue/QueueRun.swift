import Engine
import Foundation
import PostgresNIO

/// A run submitted to the queue: its output folder and the settings every worker
/// uses for its frames.
public struct QueueRun: Sendable {
    public var id: Int64
    /// OUT, absolute: on storage every worker sees at the same path.
    public var output: URL
    public var settings: CompressionSettings
    public var note: String?
    public var toolVersion: String
    public var frameCount: Int

    /// OUT/frames.
    public var framesFolder: URL { output.appendingPathComponent("frames") }
    /// Where a worker's outputs wait until their frame is recorded: beside OUT/frames,
    /// so moving one in is a rename. Hidden, so OUT's checks ignore it.
    public var stagingRoot: URL { output.appendingPathComponent(".reelpack-queue") }

    /// The run `id`, or nil when there is none.
    static func load(_ id: Int64, from db: QueueDatabase) async throws -> QueueRun? {
        let location = db.location
        return try await db.withConnection { c in
            let rows = try await QueueDatabase.run("""
                SELECT id, output, settings::text, note, tool_version, frame_count FROM runs WHERE id = \(id)
                """, on: c)
            var run: QueueRun?
            for try await (id, output, settings, note, tool, count) in rows.decode((Int64, String, String, String?, String, Int).self) {
                guard let decoded = try? QueueJSON.decode(CompressionSettings.self, from: settings) else {
                    throw QueueError(.failed, "\(location): run \(id)'s settings cannot be read by this reelpack")
                }
                run = QueueRun(id: id, output: URL(fileURLWithPath: output), settings: decoded, note: note, toolVersion: tool,
                               frameCount: count)
            }
            return run
        }
    }
}

/// `queue submit`: records a run and its frames.
public enum QueueSubmission {
    public struct Result: Sendable {
        public var run: Int64
        /// False when the same run was submitted before (nothing changed).
        public var created: Bool
        public var frames: Int
        /// What the source scan found worth telling (gaps, mixed sizes).
        public var warnings: [String]
    }

    /// Lists `sources` as `compress` does and records the run into `output`.
    /// Submitting the same sources, output and settings again changes nothing.
    /// - Throws: `EngineError.usage` for missing sources or an OUT inside one;
    ///   `QueueError.usage` for an OUT holding another run (in the queue, or a local one),
    ///   or a resubmission with other settings; `QueueError` for the database.
    public static func submit(sources: [URL], output: URL, settings: CompressionSettings, toolVersion: String,
                              database db: QueueDatabase) async throws -> Result {
        let listing = try SourceListing.listing(sources)
        try SourceListing.checkOutput(output, outsideOf: sources)
        let out = output.standardizedFileURL.resolvingSymlinksInPath()
        let names = listing.items.map(\.name)

        if let earlier = try await existing(out.path, db: db) {
            let run = try await QueueRun.load(earlier, from: db)
            if let run, !run.settings.sameOutputs(as: settings) {
                throw QueueError(.usage, "\(out.path): is the output of queue run \(earlier), submitted with \(run.settings.outputDescription); a resubmission must ask for the same profile, floors and codec (asked: \(settings.outputDescription)), or choose another folder")
            }
            let recorded = try await frameNames(of: earlier, db: db)
            guard recorded == names else {
                throw QueueError(.usage, "\(out.path): is the output of queue run \(earlier), whose \(recorded.count) frames are not these \(names.count): choose another folder")
            }
            return Result(run: earlier, created: false, frames: names.count, warnings: listing.warnings)
        }
        try checkOutputFolder(out)
        do {
            try FileManager.default.createDirectory(at: out.appendingPathComponent("frames"), withIntermediateDirectories: true)
        } catch {
            throw QueueError(.failed, "\(out.path): cannot create: \(error.localizedDescription)")
        }

        struct Row: Encodable { var idx: Int; var name: String; var source_path: String; var sequence_number: Int? }
        let rows = try QueueJSON.string(listing.items.map {
            Row(idx: $0.index, name: $0.name, source_path: $0.source.path, sequence_number: $0.sequenceNumber)
        })
        var stored = settings
        stored.resume = false
        let settingsJSON = try QueueJSON.string(stored)
        let sourcesJSON = try QueueJSON.string(sources.map { $0.standardizedFileURL.path })
        let note = settings.note
        do {
            let id = try await db.transaction { c in
                var id: Int64 = 0
                let inserted = try await QueueDatabase.run("""
                    INSERT INTO runs (output, sources, settings, note, tool_version, frame_count)
                    VALUES (\(out.path), \(sourcesJSON)::jsonb, \(settingsJSON)::jsonb, \(note), \(toolVersion), \(names.count))
                    RETURNING id
                    """, on: c)
                for try await v in inserted.decode(Int64.self) { id = v }
                try await QueueDatabase.run("""
                    INSERT INTO frames (run_id, idx, name, source_path, sequence_number)
                    SELECT \(id), x.idx, x.name, x.source_path, x.sequence_number
                    FROM jsonb_to_recordset(\(rows)::jsonb) AS x(idx int, name text, source_path text, sequence_number int)
                    """, on: c)
                try await QueueDatabase.run("""
                    INSERT INTO events (run_id, event_type, agent, outcome, detail)
                    VALUES (\(id), 'submission', \("reelpack \(toolVersion)"), 'success', \("\(names.count) frames into \(out.path)"))
                    """, on: c)
                return id
            }
            return Result(run: id, created: true, frames: names.count, warnings: listing.warnings)
        } catch let error as QueueError where error.message.contains("23505") {
            // Submitted at the same moment by another process: same answer as a resubmission.
            return try await submit(sources: sources, output: output, settings: settings, toolVersion: toolVersion, database: db)
        }
    }

    /// Refuses an OUT that holds a local run or files that are not Reelpack's.
    private static func checkOutputFolder(_ out: URL) throws {
        let fm = FileManager.default
        let entries = ((try? fm.contentsOfDirectory(atPath: out.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        let frames = ((try? fm.contentsOfDirectory(atPath: out.appendingPathComponent("frames").path)) ?? []).filter { !$0.hasPrefix(".") }
        if entries.contains(Catalog.fileName) || !frames.isEmpty {
            throw QueueError(.usage, "\(out.path): already holds a run: choose another folder (a local run continues with `compress --resume`)")
        }
        if !entries.isEmpty && entries != ["frames"] {
            let shown = entries.prefix(5).joined(separator: ", ") + (entries.count > 5 ? " and \(entries.count - 5) more" : "")
            throw QueueError(.usage, "\(out.path): is not empty and not a Reelpack output (holds \(shown)): choose an empty or new folder")
        }
    }

    private static func existing(_ output: String, db: QueueDatabase) async throws -> Int64? {
        try await db.withConnection { c in
            var id: Int64?
            for try await v in try await QueueDatabase.run("SELECT id FROM runs WHERE output = \(output)", on: c).decode(Int64.self) { id = v }
            return id
        }
    }

    private static func frameNames(of run: Int64, db: QueueDatabase) async throws -> [String] {
        try await db.withConnection { c in
            var names: [String] = []
            for try await v in try await QueueDatabase.run("SELECT name FROM frames WHERE run_id = \(run) ORDER BY idx", on: c).decode(String.self) {
                names.append(v)
            }
            return names
        }
    }
}
