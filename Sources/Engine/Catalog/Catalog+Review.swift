import Foundation
import GRDB
import ImageCore

/// Blind review sessions and their scores (`reelpack review`, the paper's Table 2).
///
/// A session is planned once (which frames, which outputs, in which order, the source
/// on which side) and its plan is stored in the catalog of every output folder it
/// covers, so it can be resumed from any of them. Each score is stored in the catalog of
/// the output it judges, next to that output's frame, so it maps back to the file and
/// its metrics whatever order the reviewer saw it in.
extension Catalog {
    /// A planned blind session as stored.
    public struct ReviewSession: Sendable, Equatable, Codable {
        /// A random identifier (UUID string).
        public var id: String
        /// The reviewer's name, as typed once.
        public var reviewer: String
        /// ISO 8601 time the session was planned.
        public var startedAt: String
        /// The plan (JSON of the review module's `BlindPlan`), kept as written.
        public var plan: String

        public init(id: String, reviewer: String, startedAt: String, plan: String) {
            self.id = id; self.reviewer = reviewer; self.startedAt = startedAt; self.plan = plan
        }
    }

    /// One blind judgement of one output against its source.
    public struct ReviewScore: Sendable, Equatable, Codable {
        /// The session it belongs to.
        public var sessionID: String
        /// Position of the pair in the session's plan (0-based).
        public var item: Int
        /// Who scored.
        public var reviewer: String
        /// The source frame's file name (the catalog's `frames.name`).
        public var frame: String
        /// Where the source was shown: "A" (left) or "B" (right).
        public var sourceSide: String
        /// Perceived difference, 0 (none) to 5 (very annoying).
        public var score: Int
        /// The side the reviewer took for the original ("A" or "B"), nil when not answered.
        public var originalGuess: String?
        /// Free text, nil when empty.
        public var comment: String?
        /// ISO 8601 time the score was given (set by the catalog when recorded).
        public var at: String

        public init(sessionID: String, item: Int, reviewer: String, frame: String, sourceSide: String, score: Int,
                    originalGuess: String?, comment: String?, at: String = "") {
            self.sessionID = sessionID; self.item = item; self.reviewer = reviewer; self.frame = frame
            self.sourceSide = sourceSide; self.score = score; self.originalGuess = originalGuess
            self.comment = comment; self.at = at
        }

        /// True when the reviewer named the original correctly; nil when they did not answer.
        public var pickedOriginal: Bool? { originalGuess.map { $0 == sourceSide } }
    }

    /// The v3 tables: sessions and scores.
    static func createReviewTables(_ db: Database) throws {
        try db.create(table: "reviewSessions") { t in
            t.column("id", .text).notNull().primaryKey()
            t.column("reviewer", .text).notNull()
            t.column("startedAt", .text).notNull()
            t.column("plan", .text).notNull()                   // JSON
        }
        try db.create(table: "reviewScores") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("sessionId", .text).notNull().references("reviewSessions", onDelete: .cascade)
            t.column("item", .integer).notNull()
            t.column("reviewer", .text).notNull()
            t.column("frameId", .integer).notNull().references("frames", onDelete: .cascade)
            t.column("sourceSide", .text).notNull()             // "A" or "B"
            t.column("score", .integer).notNull().check { $0 >= 0 && $0 <= 5 }
            t.column("originalGuess", .text)                    // "A", "B" or NULL
            t.column("comment", .text)
            t.column("at", .text).notNull()
            t.uniqueKey(["sessionId", "item"])
        }
    }

    /// Stores a planned session (again storing the same id is a no-op).
    /// - Throws: `CatalogError` on a database failure.
    public func saveReviewSession(_ session: ReviewSession) throws {
        try reviewWrite { db in
            try db.execute(sql: "INSERT OR IGNORE INTO reviewSessions (id, reviewer, startedAt, plan) VALUES (?, ?, ?, ?)",
                           arguments: [session.id, session.reviewer, session.startedAt, session.plan])
        }
    }

    /// Every stored session, oldest first.
    public func reviewSessions() throws -> [ReviewSession] {
        try reviewRead { db in
            try Row.fetchAll(db, sql: "SELECT * FROM reviewSessions ORDER BY startedAt, rowid").map {
                ReviewSession(id: $0["id"], reviewer: $0["reviewer"], startedAt: $0["startedAt"], plan: $0["plan"])
            }
        }
    }

    /// Records (or replaces, when the reviewer goes back) the score of one item.
    /// - Throws: `CatalogError` when the session or the frame is not in this catalog,
    ///   or the score is outside 0...5.
    public func recordReviewScore(_ score: ReviewScore) throws {
        guard (0...5).contains(score.score) else {
            throw CatalogError(path: db.path, reason: "a review score is 0 to 5, not \(score.score)")
        }
        guard ["A", "B"].contains(score.sourceSide), score.originalGuess.map({ ["A", "B"].contains($0) }) ?? true else {
            throw CatalogError(path: db.path, reason: "sides are \"A\" or \"B\"")
        }
        try reviewWrite { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM reviewSessions WHERE id = ?", arguments: [score.sessionID]) != nil else {
                throw CatalogError(path: db.description, reason: "no review session \(score.sessionID)")
            }
            guard let frameID = try Int64.fetchOne(db, sql: "SELECT id FROM frames WHERE name = ?", arguments: [score.frame]) else {
                throw CatalogError(path: db.description, reason: "no frame \(score.frame) in this catalog")
            }
            try db.execute(sql: """
                INSERT OR REPLACE INTO reviewScores (sessionId, item, reviewer, frameId, sourceSide, score, originalGuess, comment, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [score.sessionID, score.item, score.reviewer, frameID, score.sourceSide, score.score,
                                 score.originalGuess, score.comment, Self.now()])
        }
    }

    /// Every score, or those of one session, in session and item order.
    public func reviewScores(session: String? = nil) throws -> [ReviewScore] {
        try reviewRead { db in
            try Row.fetchAll(db, sql: """
                SELECT s.*, f.name FROM reviewScores s JOIN frames f ON f.id = s.frameId
                WHERE ? IS NULL OR s.sessionId = ? ORDER BY s.sessionId, s.item
                """, arguments: [session, session]).map {
                ReviewScore(sessionID: $0["sessionId"], item: $0["item"], reviewer: $0["reviewer"], frame: $0["name"],
                            sourceSide: $0["sourceSide"], score: $0["score"], originalGuess: $0["originalGuess"],
                            comment: $0["comment"], at: $0["at"])
            }
        }
    }

    /// A frame as the review lists it: where its source was read, and its features
    /// (nil when analysis was not recorded or cannot be read).
    public struct ReviewFrame: Sendable {
        public var name: String
        public var sequenceNumber: Int?
        public var sourcePath: String
        public var features: FrameFeatures?
        /// The source's header metadata (nil when not recorded).
        public var metadata: FrameMetadata?
        /// The source's geometry (nil when not recorded).
        public var width: Int?
        public var height: Int?
    }

    /// Every frame the catalog knows, in reel order, with its features.
    public func reviewFrames() throws -> [ReviewFrame] {
        try reviewRead { db in
            try Row.fetchAll(db, sql: """
                SELECT f.name, f.sequenceNumber, f.sourcePath, f.metadata, f.width, f.height, x.json FROM frames f LEFT JOIN features x ON x.frameId = f.id
                ORDER BY f.sequenceNumber IS NULL, f.sequenceNumber, f.name
                """).map { row in
                let json: String? = row["json"], metadata: String? = row["metadata"]
                return ReviewFrame(name: row["name"], sequenceNumber: row["sequenceNumber"], sourcePath: row["sourcePath"],
                                   features: json.flatMap { try? JSONDecoder().decode(FrameFeatures.self, from: Data($0.utf8)) },
                                   metadata: metadata.flatMap { try? JSONDecoder().decode(FrameMetadata.self, from: Data($0.utf8)) },
                                   width: row["width"], height: row["height"])
            }
        }
    }

    private func reviewWrite<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try db.write(body)
        } catch let error as CatalogError {
            throw CatalogError(path: db.path, reason: error.reason)
        } catch {
            throw CatalogError(path: db.path, reason: "\(error)")
        }
    }

    private func reviewRead<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try db.read(body)
        } catch {
            throw CatalogError(path: db.path, reason: "\(error)")
        }
    }
}
