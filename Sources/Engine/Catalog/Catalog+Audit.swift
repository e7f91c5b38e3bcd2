import Foundation
import GRDB

/// What `verify` and `compress --resume` check an output folder against: the runs and
/// the frames as the catalog recorded them. Every value is read with a throwing
/// decode, so a damaged catalog (text in a numeric column, an impossible size) is an
/// error naming the catalog, never a trap.
extension Catalog {
    /// Largest size believed for one frame file (1 TiB): a bigger recorded size is damage.
    public static let largestPlausibleFileBytes = 1 << 40

    /// A frame as the catalog recorded it.
    public struct RecordedFrame: Sendable, Equatable {
        /// The source file's name (the catalog's key).
        public var name: String
        /// `pending`, `done` or `failed`.
        public var status: String
        /// The source's size and SHA-256 when it was read.
        public var sourceBytes: Int?
        public var sourceSHA256: String?
        /// The output (relative to OUT) when the frame is done.
        public var output: String?
        /// The output's size and SHA-256 when it was written.
        public var outputBytes: Int?
        public var outputSHA256: String?
    }

    /// A run as recorded.
    public struct RecordedRun: Sendable {
        /// The run's settings, nil when they cannot be read.
        public var settings: CompressionSettings?
        /// True when the run recorded its end.
        public var finished: Bool
    }

    /// Every frame the catalog knows, by name.
    /// - Throws: `CatalogError` naming the catalog when it cannot be read or holds a
    ///   value of the wrong type or an impossible size.
    public func recordedFrames() throws -> [String: RecordedFrame] {
        try audited { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT f.name, f.status, f.sourceBytes, f.sourceSHA256,
                       r.output, r.outputBytes, r.outputSHA256
                FROM frames f LEFT JOIN results r ON r.frameId = f.id
                """)
            var out: [String: RecordedFrame] = [:]
            for row in rows {
                let frame = RecordedFrame(
                    name: try row.decode(forColumn: "name"), status: try row.decode(forColumn: "status"),
                    sourceBytes: try Self.plausibleSize(row, "sourceBytes"),
                    sourceSHA256: try row.decode(forColumn: "sourceSHA256"),
                    output: try row.decode(forColumn: "output"),
                    outputBytes: try Self.plausibleSize(row, "outputBytes"),
                    outputSHA256: try row.decode(forColumn: "outputSHA256"))
                out[frame.name] = frame
            }
            return out
        }
    }

    /// Every run, oldest first.
    /// - Throws: `CatalogError` naming the catalog.
    public func recordedRuns() throws -> [RecordedRun] {
        try audited { db in
            try Row.fetchAll(db, sql: "SELECT settings, endedAt FROM runs ORDER BY id").map { row in
                let text: String? = try row.decode(forColumn: "settings")
                let ended: String? = try row.decode(forColumn: "endedAt")
                return RecordedRun(settings: text.flatMap { try? JSONDecoder().decode(CompressionSettings.self, from: Data($0.utf8)) },
                                   finished: ended != nil)
            }
        }
    }

    /// Checks every size `report` and `--resume` add up, before they are added: a
    /// negative, non-integer or larger than believable size is damage.
    /// - Throws: `CatalogError` naming the catalog and the frame.
    public func checkRecordedSizes() throws {
        _ = try recordedFrames()
    }

    static func plausibleSize(_ row: Row, _ column: String) throws -> Int? {
        guard let value: Int = try row.decode(forColumn: column) else { return nil }
        guard value >= 0, value <= largestPlausibleFileBytes else {
            let name: String = (try? row.decode(forColumn: "name")) ?? "?"
            throw CatalogAuditError("frame \(name): \(column) \(value) is not a plausible file size")
        }
        return value
    }

    func audited<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try db.read(body)
        } catch let error as CatalogAuditError {
            throw CatalogError(path: db.path, reason: "damaged catalog: \(error.reason)", cause: error)
        } catch {
            throw CatalogError(path: db.path, reason: "damaged or unreadable catalog: \(error)", cause: error)
        }
    }
}

struct CatalogAuditError: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}
