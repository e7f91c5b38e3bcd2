import Foundation
import GRDB
import ImageCore

/// What a shard's catalog (OUT/shards/shard-K-of-N.sqlite) records beyond its frames,
/// so `merge` can check the shards belong together and cover the reel: which shard it
/// is, the whole sorted listing every shard cut its block from (any one shard's catalog
/// names the frames of a shard that never ran), and the SRC arguments to rerun one.
/// Reading a frame back as a `FrameRecord` lets `merge` record it into OUT's catalog
/// as the shard recorded it.
extension Catalog {
    /// A shard's identity and the reel it was cut from.
    public struct ShardInfo: Sendable, Equatable {
        public var shard: Shard
        /// Frames in the whole listing (every shard's blocks together).
        public var frameCount: Int
        /// SHA-256 of the listing's names, one a line, in order: equal for shards of one reel.
        public var listingSHA256: String
        /// The SRC arguments of the shard's command, as absolute paths.
        public var sources: [String]

        public init(shard: Shard, frameCount: Int, listingSHA256: String, sources: [String]) {
            self.shard = shard; self.frameCount = frameCount; self.listingSHA256 = listingSHA256; self.sources = sources
        }
    }

    /// The digest `ShardInfo.listingSHA256` holds for a listing of `names`.
    public static func listingDigest(_ names: [String]) -> String {
        Digest.sha256(Data(names.map { $0 + "\n" }.joined().utf8))
    }

    /// Schema v4: the shard's row and its listing. Every catalog has the two tables;
    /// only a shard's fills them.
    static func createShardTables(_ db: Database) throws {
        try db.create(table: "shard") { t in
            t.column("id", .integer).notNull().primaryKey().check { $0 == 1 }   // one row
            t.column("shardIndex", .integer).notNull()
            t.column("shardCount", .integer).notNull()
            t.column("frameCount", .integer).notNull()
            t.column("listingSHA256", .text).notNull()
            t.column("sources", .text).notNull()                             // JSON array
        }
        try db.create(table: "shardListing") { t in
            t.column("position", .integer).notNull().primaryKey()            // 0-based, sorted order
            t.column("name", .text).notNull()
            t.column("sequenceNumber", .integer)
            t.column("sourcePath", .text).notNull()
        }
    }

    /// Records the shard and the listing it was cut from, once: a resumed shard must
    /// have been cut from the same listing.
    /// - Throws: `CatalogError` when the catalog already holds another shard or listing.
    public func recordShard(_ info: ShardInfo, listing: [WorkItem]) throws {
        do {
            try db.write { db in
                if let row = try Row.fetchOne(db, sql: "SELECT shardIndex, shardCount, frameCount, listingSHA256 FROM shard") {
                    let index: Int = row["shardIndex"], count: Int = row["shardCount"]
                    let frames: Int = row["frameCount"], sha: String = row["listingSHA256"]
                    guard index == info.shard.index, count == info.shard.count else {
                        throw CatalogAuditError("holds shard \(index)/\(count), not \(info.shard)")
                    }
                    guard sha == info.listingSHA256 else {
                        throw CatalogAuditError("shard \(info.shard) was cut from a listing of \(frames) frames that differs from the sources' now (\(info.frameCount) frames): the shards of a reel must all list the same frames; compress into a new folder")
                    }
                    return
                }
                let sources = String(decoding: try JSONEncoder().encode(info.sources), as: UTF8.self)
                try db.execute(sql: "INSERT INTO shard (id, shardIndex, shardCount, frameCount, listingSHA256, sources) VALUES (1, ?, ?, ?, ?, ?)",
                               arguments: [info.shard.index, info.shard.count, info.frameCount, info.listingSHA256, sources])
                for item in listing {
                    try db.execute(sql: "INSERT INTO shardListing (position, name, sequenceNumber, sourcePath) VALUES (?, ?, ?, ?)",
                                   arguments: [item.index, item.name, item.sequenceNumber, item.source.path])
                }
            }
        } catch let error as CatalogAuditError {
            throw CatalogError(path: db.path, reason: error.reason, cause: error)
        } catch {
            throw CatalogError(path: db.path, reason: "\(error)", cause: error)
        }
    }

    /// The shard this catalog belongs to, nil for a catalog that is not a shard's.
    /// - Throws: `CatalogError` naming the catalog when it cannot be read.
    public func shardInfo() throws -> ShardInfo? {
        try audited { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM shard WHERE id = 1") else { return nil }
            let sources: String = try row.decode(forColumn: "sources")
            do {
                return ShardInfo(shard: try Shard(index: try row.decode(forColumn: "shardIndex"), count: try row.decode(forColumn: "shardCount")),
                                 frameCount: try row.decode(forColumn: "frameCount"),
                                 listingSHA256: try row.decode(forColumn: "listingSHA256"),
                                 sources: try JSONDecoder().decode([String].self, from: Data(sources.utf8)))
            } catch let error as EngineError {
                throw CatalogAuditError("the shard's row: \(error.reason)")
            }
        }
    }

    /// The listing the shard was cut from, in order.
    public func shardListing() throws -> [FrameEntry] {
        try audited { db in
            try Row.fetchAll(db, sql: "SELECT name, sequenceNumber, sourcePath FROM shardListing ORDER BY position").map {
                FrameEntry(name: try $0.decode(forColumn: "name"), sequenceNumber: try $0.decode(forColumn: "sequenceNumber"),
                           sourcePath: try $0.decode(forColumn: "sourcePath"))
            }
        }
    }

    /// Every frame recorded as done, read back as the record that made it: its entry,
    /// what was read from its source, the search traces of the run that completed it,
    /// and its result. Recording these into another catalog (`merge`) gives that
    /// catalog the same frames, sources, features, iterations and results.
    /// - Throws: `CatalogError` naming the catalog when a value cannot be read back.
    public func completedFrameRecords() throws -> [FrameRecord] {
        let completed = try completedFrames()
        return try audited { db in
            var traces: [Int64: [FrameRecord.Trace]] = [:]
            // Only the iterations of the run that completed the frame (a resumed shard
            // may hold an earlier, failed attempt's too), in the order they were made.
            let rows = try Row.fetchAll(db, sql: """
                SELECT i.* FROM iterations i JOIN results r ON r.frameId = i.frameId AND r.runId = i.runId
                ORDER BY i.frameId, i.id
                """)
            for row in rows {
                let frameID: Int64 = try row.decode(forColumn: "frameId")
                let codec: String = try row.decode(forColumn: "codec")
                let iteration = SearchIteration(parameter: try row.decode(forColumn: "parameter"), bytes: try row.decode(forColumn: "bytes"),
                                                ssim: try row.decode(forColumn: "ssim"), psnr: try row.decode(forColumn: "psnr"),
                                                tileFloor: try row.decode(forColumn: "tileFloor"),
                                                grainRetention: try row.decode(forColumn: "grainRetention"), pass: try row.decode(forColumn: "pass"))
                if traces[frameID]?.last?.codec == codec {
                    traces[frameID]![traces[frameID]!.count - 1].iterations.append(iteration)
                } else {
                    traces[frameID, default: []].append(FrameRecord.Trace(codec: codec, iterations: [iteration]))
                }
            }
            let frames = try Row.fetchAll(db, sql: """
                SELECT f.*, x.json AS features FROM frames f LEFT JOIN features x ON x.frameId = f.id
                WHERE f.status = 'done' ORDER BY f.sequenceNumber IS NULL, f.sequenceNumber, f.name
                """)
            return try frames.compactMap { row -> FrameRecord? in
                let name: String = try row.decode(forColumn: "name")
                guard var report = completed[name]?.report else { return nil }
                report.status = .done
                let id: Int64 = try row.decode(forColumn: "id")
                let entry = FrameEntry(name: name, sequenceNumber: try row.decode(forColumn: "sequenceNumber"),
                                       sourcePath: try row.decode(forColumn: "sourcePath"))
                return FrameRecord(entry: entry, source: try Self.recordedSource(row, frame: name), traces: traces[id] ?? [],
                                   outcome: .done(report))
            }
        }
    }

    /// What was read from a frame's source, as recorded (nil when it was not).
    private static func recordedSource(_ row: Row, frame name: String) throws -> FrameRecord.Source? {
        guard let sha: String = try row.decode(forColumn: "sourceSHA256"), let bytes = try plausibleSize(row, "sourceBytes"),
              let metadata: String = try row.decode(forColumn: "metadata"), let features: String = try row.decode(forColumn: "features")
        else { return nil }
        let format: String? = try row.decode(forColumn: "format")
        let width: Int? = try row.decode(forColumn: "width"), height: Int? = try row.decode(forColumn: "height")
        let channels: Int? = try row.decode(forColumn: "channels"), bitDepth: Int? = try row.decode(forColumn: "bitDepth")
        do {
            let info = FrameSourceInfo(sourceBytes: bytes, sourceSHA256: sha, format: format ?? "", width: width ?? 0,
                                       height: height ?? 0, channels: channels ?? 0, bitDepth: bitDepth ?? 0,
                                       metadata: try JSONDecoder().decode(FrameMetadata.self, from: Data(metadata.utf8)))
            return FrameRecord.Source(info: info, features: try JSONDecoder().decode(FrameFeatures.self, from: Data(features.utf8)))
        } catch {
            throw CatalogAuditError("frame \(name): its source record cannot be read back (\(error))")
        }
    }
}

extension Catalog {
    /// Replaces the events of run `runID` with `events` recorded elsewhere (a shard's),
    /// attached to the frames of the same names, so the provenance keeps when and by
    /// which agent each frame was compressed and checked, not when it was folded.
    /// Events of frames this catalog does not hold are kept for the folder (no frame).
    /// - Throws: `CatalogError` on a database failure.
    public func replaceEvents(ofRun runID: Int64, with events: [Event]) throws {
        do {
            try db.write { db in
                var ids: [String: Int64] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT id, name FROM frames") { ids[row["name"]] = row["id"] }
                try db.execute(sql: "DELETE FROM events WHERE runId = ?", arguments: [runID])
                for e in events {
                    try db.execute(sql: "INSERT INTO events (runId, frameId, eventType, eventDateTime, agent, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                   arguments: [runID, e.frame.flatMap { ids[$0] }, e.eventType, e.eventDateTime, e.agent, e.outcome, e.detail])
                }
            }
        } catch {
            throw CatalogError(path: db.path, reason: "\(error)", cause: error)
        }
    }
}
