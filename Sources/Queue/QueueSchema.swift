import Foundation
import PostgresNIO

/// The queue's tables, created and brought up to date by numbered migrations, like
/// the SQLite catalog's: `schema_version` holds the versions applied. Every command
/// migrates first; an advisory lock keeps two processes from migrating at once.
public enum QueueSchema {
    /// The version this build writes.
    public static let version = migrations.count

    /// The statements of each version, in order. Never edit a published version: add one.
    static let migrations: [[String]] = [
        // v1: runs and their frames, the frames' records, search iterations, events, workers.
        [
            """
            CREATE TABLE runs (
              id bigserial PRIMARY KEY,
              output text NOT NULL UNIQUE,           -- OUT, absolute
              sources jsonb NOT NULL,                -- the SRC arguments, absolute
              settings jsonb NOT NULL,               -- CompressionSettings
              note text,
              tool_version text NOT NULL,
              frame_count integer NOT NULL,
              created_at timestamptz NOT NULL DEFAULT now(),
              exported_at timestamptz
            )
            """,
            """
            CREATE TABLE frames (
              id bigserial PRIMARY KEY,
              run_id bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
              idx integer NOT NULL,                  -- position in the run's sorted listing
              name text NOT NULL,
              source_path text NOT NULL,
              sequence_number integer,
              status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'leased', 'done', 'failed')),
              lease_owner text,
              lease_expires timestamptz,
              attempts integer NOT NULL DEFAULT 0,
              started_at timestamptz,
              finished_at timestamptz,
              UNIQUE (run_id, idx),
              UNIQUE (run_id, name)
            )
            """,
            "CREATE INDEX frames_open ON frames (run_id, idx) WHERE status IN ('pending', 'leased')",
            """
            CREATE TABLE records (
              frame_id bigint PRIMARY KEY REFERENCES frames(id) ON DELETE CASCADE,
              run_id bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
              record jsonb NOT NULL,                 -- Catalog.FrameRecord
              status text NOT NULL,                  -- done, failed
              output text,                           -- relative to OUT
              source_bytes bigint,
              output_bytes bigint,
              ssim double precision,
              codec text,
              worker text NOT NULL,
              recorded_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            """
            CREATE TABLE iterations (
              id bigserial PRIMARY KEY,
              frame_id bigint NOT NULL REFERENCES frames(id) ON DELETE CASCADE,
              run_id bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
              codec text NOT NULL,
              step integer NOT NULL,
              parameter double precision NOT NULL,
              bytes bigint NOT NULL,
              ssim double precision NOT NULL,
              psnr double precision,
              tile_floor double precision NOT NULL,
              grain_retention double precision,
              pass boolean NOT NULL
            )
            """,
            """
            CREATE TABLE events (
              id bigserial PRIMARY KEY,
              run_id bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
              frame_id bigint REFERENCES frames(id) ON DELETE CASCADE,
              event_type text NOT NULL,
              at timestamptz NOT NULL DEFAULT now(),
              agent text NOT NULL,
              outcome text NOT NULL,
              detail text
            )
            """,
            """
            CREATE TABLE workers (
              id text PRIMARY KEY,                   -- host:pid:random
              host text NOT NULL,
              pid integer NOT NULL,
              started_at timestamptz NOT NULL DEFAULT now(),
              heartbeat timestamptz NOT NULL DEFAULT now(),
              stopped_at timestamptz,
              frames_done integer NOT NULL DEFAULT 0,
              frames_failed integer NOT NULL DEFAULT 0,
              queue_seconds double precision NOT NULL DEFAULT 0
            )
            """,
        ],
    ]

    /// Creates the tables or brings them up to date.
    /// - Throws: `QueueError` when the database is unreachable or from a newer reelpack.
    public static func migrate(_ database: QueueDatabase) async throws {
        let location = database.location
        try await database.transaction { c in
            // Any constant will do: it only has to be the same in every reelpack.
            try await QueueDatabase.run("SELECT pg_advisory_xact_lock(726570001)", on: c)
            try await QueueDatabase.run("""
                CREATE TABLE IF NOT EXISTS schema_version (
                  version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """, on: c)
            var current = 0
            for try await v in try await QueueDatabase.run("SELECT COALESCE(MAX(version), 0) FROM schema_version", on: c).decode(Int.self) {
                current = v
            }
            guard current <= version else {
                throw QueueError(.failed, "\(location): the queue's schema is version \(current), newer than this reelpack's (\(version)): update reelpack")
            }
            for (offset, statements) in migrations.enumerated() where offset + 1 > current {
                for statement in statements { try await QueueDatabase.run(PostgresQuery(unsafeSQL: statement), on: c) }
                try await QueueDatabase.run("INSERT INTO schema_version (version) VALUES (\(offset + 1))", on: c)
            }
        }
    }
}
