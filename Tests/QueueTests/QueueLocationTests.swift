import Foundation
@testable import Queue
import Testing

/// The database location from URLs and PG* variables, and its printed form.
@Suite struct QueueLocationTests {
    @Test func aURLGivesEveryPartAndItsDescriptionHidesThePassword() throws {
        let location = try QueueLocation(url: "postgresql://archive:p%40ss@db.example:6543/reels?sslmode=disable", environment: [:])
        #expect(location.host == "db.example" && location.port == 6543 && location.user == "archive" && location.database == "reels")
        #expect(location.hasPassword)
        #expect(location.description == "postgresql://archive:***@db.example:6543/reels")
        #expect(!location.description.contains("p@ss") && !location.description.contains("p%40ss"))
    }

    @Test func aUnixSocketFolderComesFromTheHostParameter() throws {
        let location = try QueueLocation(url: "postgresql://reelpack@/test?host=/var/run/pg&port=5433", environment: [:])
        #expect(location.isUnixSocket && location.host == "/var/run/pg" && location.port == 5433 && location.database == "test")
        #expect(!location.hasPassword)
        #expect(location.description == "postgresql://reelpack@/test?host=/var/run/pg&port=5433")
    }

    @Test func thePGVariablesFillWhatTheURLLeavesOut() throws {
        let env = ["PGHOST": "pg.local", "PGPORT": "5999", "PGUSER": "scan", "PGPASSWORD": "hidden", "PGDATABASE": "farm"]
        let fromEnv = try QueueLocation(url: nil, environment: env)
        #expect(fromEnv.host == "pg.local" && fromEnv.port == 5999 && fromEnv.user == "scan" && fromEnv.database == "farm")
        #expect(fromEnv.description == "postgresql://scan:***@pg.local:5999/farm")
        let mixed = try QueueLocation(url: "postgresql://other@/", environment: env)
        #expect(mixed.user == "other" && mixed.host == "pg.local" && mixed.database == "farm")
        // REELPACK_DB comes before the variables, --db before both.
        #expect(try QueueLocation.resolve(nil, environment: ["REELPACK_DB": "postgres://a@b/c"]).database == "c")
        #expect(try QueueLocation.resolve("postgres://a@b/d", environment: ["REELPACK_DB": "postgres://a@b/c"]).database == "d")
    }

    @Test func aURLOfAnotherSchemeIsRefusedWithoutRepeatingIt() {
        #expect {
            try QueueLocation(url: "mysql://root:topsecret@h/db", environment: [:])
        } throws: { error in
            guard let error = error as? QueueError else { return false }
            return error.kind == .usage && !error.message.contains("topsecret")
        }
    }
}

/// Moving a recorded frame's output into OUT/frames.
@Suite struct QueueOutputPlacementTests {
    @Test func aRedoneFrameLeavesOneFileWhateverCodecTheKilledAttemptChose() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("queue-place-\(UUID().uuidString)")
        let frames = folder.appendingPathComponent("frames"), staging = folder.appendingPathComponent(".reelpack-queue/w")
        try FileManager.default.createDirectory(at: frames, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // A killed attempt left reel_0001.jp2 (JPEG 2000); the redo chose HTJ2K.
        try Data("old".utf8).write(to: frames.appendingPathComponent("reel_0001.jp2"))
        try Data("neighbour".utf8).write(to: frames.appendingPathComponent("reel_0002.jp2"))
        try Data("new".utf8).write(to: staging.appendingPathComponent("reel_0001.jph"))
        try QueueRecorder.place(staging.appendingPathComponent("reel_0001.jph"), as: frames.appendingPathComponent("reel_0001.jph"))
        let names = try FileManager.default.contentsOfDirectory(atPath: frames.path).sorted()
        #expect(names == ["reel_0001.jph", "reel_0002.jp2"])
        #expect(try Data(contentsOf: frames.appendingPathComponent("reel_0001.jph")) == Data("new".utf8))
        #expect(!FileManager.default.fileExists(atPath: staging.appendingPathComponent("reel_0001.jph").path))
    }
}
