import Engine
import Foundation
import GRDB
import Review
import Testing
import TestSupport

@Suite("Review scores: the catalog table, sessions, resume, the summary table")
struct ScoreStoreTests {
    @Test("A catalog of schema 2 (no review tables) opens, gains them, and keeps its frames")
    func migrationFromVersion2() async throws {
        let reel = try await ReviewFixture.reel(count: 2, profiles: [.c1])
        defer { reel.dir.remove() }
        let url = reel.outputs[0].appendingPathComponent(Catalog.fileName)
        try Self.makeVersion2(url)
        let catalog = try Catalog(url: url)
        #expect(try catalog.count("frames") == 2)
        #expect(try catalog.count("reviewScores") == 0)
        let library = try ReviewLibrary(outputs: reel.outputs, source: reel.source)
        let sessions = BlindSessions(library: library, frameCount: 2)
        let state = try sessions.startOrResume(reviewer: "Ana", seed: 7)
        try sessions.record(session: state.session.id, item: 0, score: 1, originalGuess: "A", comment: nil)
        #expect(try catalog.count("reviewScores") == 1)
        #expect(try Self.userVersion(url) == Catalog.schemaVersion)
    }

    /// Makes a catalog what a reelpack before review wrote: no v3 (review) or later
    /// (v4: shards) tables, user_version 2.
    static func makeVersion2(_ url: URL) throws {
        let queue = try DatabaseQueue(path: url.path)
        try queue.write { db in
            try db.execute(sql: "DROP TABLE reviewScores; DROP TABLE reviewSessions; DROP TABLE shard; DROP TABLE shardListing")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier IN ('v3', 'v4')")
            try db.execute(sql: "PRAGMA user_version = 2")
        }
        try queue.close()
        #expect(try userVersion(url) == 2)
    }

    static func userVersion(_ url: URL) throws -> Int? {
        try DatabaseQueue(path: url.path).read { try Int.fetchOne($0, sql: "PRAGMA user_version") }
    }

    @Test("A session pairs every picked frame with every folder, shuffled, and resumes for the same reviewer")
    func sessionsResume() async throws {
        let reel = try await ReviewFixture.reel(count: 3)
        defer { reel.dir.remove() }
        let library = try ReviewLibrary(outputs: reel.outputs, source: reel.source)
        let sessions = BlindSessions(library: library, frameCount: 2)
        let first = try sessions.startOrResume(reviewer: "Ana", seed: 42)
        #expect(first.isNew)
        #expect(first.plan.items.count == 4)
        #expect(Set(first.plan.items.map(\.frame)).count == 2)
        #expect(Set(first.plan.items.map(\.output)) == Set(library.outputs.map(\.name)))
        // Stored in every folder's catalog.
        for output in library.outputs { #expect(try output.catalog.reviewSessions().map(\.id) == [first.session.id]) }
        // Worst-first: the frame of lowest SSIM in any folder is picked first.
        let worst = library.frames.min { a, b in
            let sa = library.outputs.compactMap { $0.reports[a.name]?.ssim }.min() ?? 1
            let sb = library.outputs.compactMap { $0.reports[b.name]?.ssim }.min() ?? 1
            return sa < sb
        }!
        #expect(first.plan.items.contains { $0.frame == worst.name && $0.reason == "worst SSIM" })

        try sessions.record(session: first.session.id, item: 0, score: 2, originalGuess: nil, comment: "  soft edge ")
        let resumed = try sessions.startOrResume(reviewer: " Ana ")
        #expect(!resumed.isNew)
        #expect(resumed.session.id == first.session.id)
        #expect(resumed.done == [0])
        #expect(resumed.plan == first.plan)
        let other = try sessions.startOrResume(reviewer: "Ben", seed: 42)
        #expect(other.isNew && other.session.id != first.session.id)

        // The score went to the catalog of the output it judged, mapped back to its frame.
        let item = first.plan.items[0]
        let judged = try #require(library.outputs.first { $0.name == item.output })
        let stored = try judged.catalog.reviewScores(session: first.session.id)
        #expect(stored.count == 1)
        #expect(stored[0].frame == item.frame && stored[0].sourceSide == item.sourceSide && stored[0].comment == "soft edge")

        // Finishing it: the next start is a new session.
        for i in 1..<first.plan.items.count {
            try sessions.record(session: first.session.id, item: i, score: 0, originalGuess: "B", comment: nil)
        }
        #expect(try sessions.startOrResume(reviewer: "Ana").isNew)
        #expect(throws: ReviewError.self) {
            try sessions.record(session: first.session.id, item: 0, score: 6, originalGuess: nil, comment: nil)
        }
        #expect(throws: ReviewError.self) {
            try sessions.record(session: first.session.id, item: 99, score: 1, originalGuess: nil, comment: nil)
        }
    }

    @Test("The summary table: acceptance at the threshold, mean, originals picked, comments")
    func summaryTable() throws {
        func score(_ s: Int, guess: String?, side: String = "A", comment: String? = nil, reviewer: String = "Ana") -> Catalog.ReviewScore {
            Catalog.ReviewScore(sessionID: "s", item: 0, reviewer: reviewer, frame: "f.dpx", sourceSide: side, score: s,
                                originalGuess: guess, comment: comment)
        }
        let table = ReviewTable(outputs: [
            ("reel-C0", "C0", [score(0, guess: "A"), score(1, guess: "B"), score(0, guess: nil, reviewer: "Ben")]),
            ("reel-C2", "C2", [score(3, guess: "A", comment: "grain gone"), score(1, guess: "A"), score(2, guess: "B", side: "B")]),
            ("reel-C1", "C1", []),
        ])
        let c0 = table.profiles[0], c2 = table.profiles[1], c1 = table.profiles[2]
        #expect(c0.acceptance == 1 && c0.meanScore == 1.0 / 3 && c0.originalPicked == 0.5 && c0.originalGuesses == 2)
        #expect(c0.reviewers == 2)
        #expect(c2.acceptance == 1.0 / 3 && c2.meanScore == 2 && c2.originalPicked == 1)
        #expect(c2.comments == [ReviewTable.Comment(reviewer: "Ana", frame: "f.dpx", score: 3, text: "grain gone")])
        #expect(c1.scores == 0 && c1.acceptance == nil)
        let unguessed = [score(3, guess: nil), score(1, guess: nil), score(2, guess: nil)]
        #expect(ReviewTable(outputs: [("reel-C2", "C2", unguessed)], threshold: 2).profiles[0].acceptance == 2.0 / 3)
        #expect(table.text.contains("C2") && table.text.contains("grain gone"))
        #expect(table.html.contains("33.3 %"))
    }

    @Test("report.html shows the table once scores exist")
    func reportIncludesScores() async throws {
        let reel = try await ReviewFixture.reel(count: 2, profiles: [.c2])
        defer { reel.dir.remove() }
        let before = try RunReport.model(output: reel.outputs[0], worstCount: 0).0
        #expect(before.review == nil)
        #expect(!ReportPage.html(before).contains("Blind review"))
        let library = try ReviewLibrary(outputs: reel.outputs, source: reel.source)
        let sessions = BlindSessions(library: library, frameCount: 1)
        let state = try sessions.startOrResume(reviewer: "Ana", seed: 1)
        try sessions.record(session: state.session.id, item: 0, score: 4, originalGuess: nil, comment: "blocky sky")
        let after = try RunReport.model(output: reel.outputs[0], worstCount: 0).0
        #expect(after.review?.profiles.first?.meanScore == 4)
        let html = ReportPage.html(after)
        #expect(html.contains("Blind review") && html.contains("blocky sky"))
    }
}
