import Foundation
import ImageCore
import Testing
import TestSupport
@testable import Engine

/// Static shards (`--shard K/N`) and `merge`: blocks that cover a reel once, the
/// array index of each scheduler, and shards of a real reel (HTJ2K, small DPX
/// frames) merged into a folder that verifies and restores as a whole run's does.
@Suite("Static shards and merge")
struct ShardTests {
    // MARK: Blocks

    @Test("blocks are contiguous, cover the reel once, differ in size by at most one, and owner(of:) finds them",
          arguments: [(1, 1), (7, 3), (8, 8), (2, 3), (0, 2), (100, 7), (150_001, 64)])
    func blocksCoverTheReel(total: Int, count: Int) throws {
        var next = 0
        var sizes: [Int] = []
        for k in 1...count {
            let block = try Shard(index: k, count: count).block(of: total)
            #expect(block.lowerBound == next, "shard \(k)/\(count) of \(total) starts at \(block.lowerBound), not \(next)")
            next = block.upperBound
            sizes.append(block.count)
            for position in [block.lowerBound, block.upperBound - 1] where !block.isEmpty {
                #expect(Shard.owner(of: position, total: total, count: count) == k)
            }
        }
        #expect(next == total)
        #expect((sizes.max() ?? 0) - (sizes.min() ?? 0) <= 1, "\(sizes)")
        #expect(sizes == sizes.sorted(by: >), "larger blocks first: \(sizes)")
    }

    @Test("K/N parses; anything else is refused with the form", arguments: ["3/8", " 1/1", "8/8"])
    func parses(text: String) throws {
        let shard = try Shard.parse(text)
        #expect("\(shard.index)/\(shard.count)" == text.trimmingCharacters(in: .whitespaces))
        #expect(shard.catalogName == String(format: "shard-%04d-of-%04d.sqlite", shard.index, shard.count))
    }

    @Test("malformed or impossible K/N is refused", arguments: ["0/8", "9/8", "3", "a/b", "3/0", "-1/4", "2/3/4", ""])
    func refuses(text: String) {
        #expect(throws: EngineError.self) { try Shard.parse(text) }
    }

    // MARK: Schedulers

    @Test("Slurm: the task id less the array's first id, plus one, of the array's task count")
    func slurm() throws {
        let env = ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "3", "SLURM_ARRAY_TASK_COUNT": "4"]
        let (shard, origin) = try Shard.fromEnvironment(env, count: nil)
        #expect(shard == (try Shard(index: 3, count: 4)))
        #expect(origin.scheduler == "Slurm")
        #expect(try Shard.fromEnvironment(env, count: 4).0 == shard)
        // --shards that disagrees with the array, a task outside a contiguous array, a missing count.
        let wrongCount = #expect(throws: EngineError.self) { try Shard.fromEnvironment(env, count: 8) }
        #expect(wrongCount?.reason.contains("4 tasks") == true)
        #expect(throws: EngineError.self) {
            try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "9", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "4"], count: nil)
        }
        #expect(throws: EngineError.self) { try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "1"], count: nil) }
    }

    @Test("Kubernetes Indexed Jobs and AWS Batch: a 0-based index of --shards N",
          arguments: ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"])
    func zeroBasedIndex(variable: String) throws {
        let (shard, origin) = try Shard.fromEnvironment([variable: "2"], count: 3)
        #expect(shard == (try Shard(index: 3, count: 3)))
        #expect(origin.variables == ["\(variable)=2"])
        let noCount = #expect(throws: EngineError.self) { try Shard.fromEnvironment([variable: "0"], count: nil) }
        #expect(noCount?.reason.contains("--shards") == true)
        #expect(throws: EngineError.self) { try Shard.fromEnvironment([variable: "3"], count: 3) }
        #expect(throws: EngineError.self) { try Shard.fromEnvironment([variable: "two"], count: 3) }
    }

    @Test("no array index in the environment: refused, naming the variables looked for")
    func noIndex() {
        let error = #expect(throws: EngineError.self) { try Shard.fromEnvironment(["HOME": "/root"], count: 4) }
        #expect(error?.reason.contains("SLURM_ARRAY_TASK_ID") == true)
    }

    // MARK: Shards of a reel

    static let settings = CompressionSettings(profile: .c1, codec: .htj2k, jobs: 1, maxIterations: 6)

    static func reel(_ dir: TemporaryDirectory, count: Int = 7, folder: String = "src") throws -> URL {
        let src = dir.file(folder)
        _ = try SyntheticFrames.writeDPXSequence(.grain, count: count, to: src, width: 96, height: 64, bitDepth: 10)
        return src
    }

    static func shard(_ k: Int, of n: Int, _ src: URL, _ out: URL, resume: Bool = false,
                      settings: CompressionSettings = settings) async throws -> CompressionRun.Result {
        var settings = settings
        settings.resume = resume
        return try await CompressionRun(sources: [src], output: out, settings: settings, toolVersion: "test",
                                        shard: try Shard(index: k, count: n)).run()
    }

    static func names(_ result: CompressionRun.Result) -> [String] {
        result.frames.map { URL(fileURLWithPath: $0.source).lastPathComponent }
    }

    @Test("3 shards merged hold the frames of a whole run, each searched as a whole run of its block searches it, and verify and restore")
    func threeShardsMergeIntoAWholeRun() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.reel(dir)
        let whole = try await CompressionRun(sources: [src], output: dir.file("whole"), settings: Self.settings, toolVersion: "test").run()
        try #require(whole.succeeded)
        let out = dir.file("sharded")
        var blocks: [CompressionRun.Result] = []
        for k in 1...3 {
            let result = try await Self.shard(k, of: 3, src, out)
            #expect(result.succeeded)
            #expect(result.block?.positions == (try Shard(index: k, count: 3)).block(of: 7))
            blocks.append(result)
        }
        #expect(blocks.map { $0.frames.count } == [3, 2, 2])
        // A shard writes no whole-run files: merge does.
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(Catalog.fileName).path))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("manifest-sha256.txt").path))

        let merge = try ShardMerge(output: out, toolVersion: "test", jobs: 2).run()
        #expect(merge.merged, "\(merge.problems) \(merge.missing)")
        #expect(merge.shards.map(\.done) == [3, 2, 2])

        // The merged catalog holds the whole run's frames, with the outputs of the same names.
        let merged = try Catalog(url: out.appendingPathComponent(Catalog.fileName))
        let reports = try merged.frameReports()
        #expect(reports.map { URL(fileURLWithPath: $0.source).lastPathComponent } == Self.names(whole))
        #expect(reports.map(\.output) == whole.frames.map(\.output))
        #expect(try merged.recordedRuns().count == 1)
        #expect(try merged.count("iterations") == blocks.flatMap(\.frames).reduce(0) { $0 + $1.iterations })
        #expect(try merged.count("features") == 7)
        #expect(try merged.count("events", where: "eventType = 'compression' AND outcome = 'success'") == 7)
        // The shards' events as they recorded them (when and by whom each frame was made), and the merge.
        let shardEvents = try (1...3).flatMap { k in
            try Catalog(url: out.appendingPathComponent("shards/" + (try Shard(index: k, count: 3)).catalogName)).events()
        }
        #expect(try merged.events().filter { $0.eventType != "merge" } == shardEvents)
        #expect(try merged.events(type: "merge").count == 1)
        // Shard 1 starts where the whole run does: the same settings and sizes, frame by frame.
        let first = whole.frames.prefix(3)
        #expect(reports.prefix(3).map(\.parameter) == first.map(\.parameter))
        #expect(reports.prefix(3).map(\.outputBytes) == first.map(\.outputBytes))
        // The later shards start cold at their first frame: each is searched as a whole
        // run of its block alone is.
        for k in 2...3 {
            let block = try Shard(index: k, count: 3).block(of: 7)
            let alone = dir.file("block\(k)")
            try FileManager.default.createDirectory(at: alone, withIntermediateDirectories: true)
            for frame in whole.frames[block] {
                let name = URL(fileURLWithPath: frame.source).lastPathComponent
                try FileManager.default.copyItem(at: src.appendingPathComponent(name), to: alone.appendingPathComponent(name))
            }
            let run = try await CompressionRun(sources: [alone], output: dir.file("block\(k)-out"), settings: Self.settings,
                                               toolVersion: "test").run()
            #expect(reports[block].map(\.parameter) == run.frames.map(\.parameter), "shard \(k)")
            #expect(reports[block].map(\.outputBytes) == run.frames.map(\.outputBytes), "shard \(k)")
        }

        // The folder is a whole run's: manifest, summary, report, verify, restore.
        for file in ["manifest-sha256.txt", "summary.json", "report.html", "frames.csv"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        let verify = try Verifier(output: out, sources: src, threads: 2, toolVersion: "test").run()
        #expect(verify.passed, "\(verify.summary) \(verify.frames.flatMap(\.problems))")
        #expect(verify.summary.frameCount == 7)
        let restore = try Restorer(output: out, destination: dir.file("restored"), threads: 2, toolVersion: "test").run()
        #expect(restore.complete)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("restored").path).filter { $0.hasSuffix(".dpx") }.count == 7)
    }

    @Test("a shard that never ran: merge writes nothing and lists its frames with the command to run it; run, merge again")
    func missingShardThenRerun() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.reel(dir)
        let out = dir.file("out")
        _ = try await Self.shard(1, of: 3, src, out)
        _ = try await Self.shard(3, of: 3, src, out)
        let merge = try ShardMerge(output: out, toolVersion: "test").run()
        #expect(!merge.merged)
        #expect(merge.missing.map(\.name) == ["reel_0086403.dpx", "reel_0086404.dpx"])
        #expect(merge.missing.allSatisfy { $0.shard == "2/3" })
        #expect(merge.rerun.count == 1)
        #expect(merge.rerun.first?.contains("--shard 2/3 --resume") == true)
        #expect(merge.rerun.first?.contains(src.standardizedFileURL.path) == true)
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(Catalog.fileName).path))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("manifest-sha256.txt").path))

        let rerun = try await Self.shard(2, of: 3, src, out, resume: true)
        #expect(rerun.succeeded && rerun.frames.count == 2)
        let again = try ShardMerge(output: out, toolVersion: "test").run()
        #expect(again.merged, "\(again.missing)")
        #expect(try Verifier(output: out, sources: src, threads: 2, toolVersion: "test").run().passed)
    }

    @Test("a frame that failed in its shard is missing with its error; once its source is readable, the shard resumed does it")
    func failedFrameThenResume() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.reel(dir, count: 4)
        let victim = src.appendingPathComponent("reel_0086403.dpx")
        let intact = try Data(contentsOf: victim)
        try Data(intact.prefix(4096)).write(to: victim)   // the header, not the samples
        let out = dir.file("out")
        _ = try await Self.shard(1, of: 2, src, out)
        let second = try await Self.shard(2, of: 2, src, out)
        #expect(second.frames.map(\.status) == [.done, .failed])
        let merge = try ShardMerge(output: out, toolVersion: "test").run()
        #expect(!merge.merged)
        #expect(merge.missing.map(\.name) == ["reel_0086403.dpx"])
        #expect(merge.missing.first?.reason.hasPrefix("failed: ") == true, "\(merge.missing)")
        #expect(merge.shards.map(\.failed) == [0, 1])

        try intact.write(to: victim)
        let rerun = try await Self.shard(2, of: 2, src, out, resume: true)
        #expect(rerun.frames.map(\.status) == [.kept, .done])
        #expect(try ShardMerge(output: out, toolVersion: "test").run().merged)
        #expect(try Verifier(output: out, sources: src, threads: 2, toolVersion: "test").run().passed)
    }

    @Test("an output changed after its shard wrote it is missing; the shard resumed redoes it alone")
    func changedOutputIsRedone() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.reel(dir, count: 4)
        let out = dir.file("out")
        let first = try await Self.shard(1, of: 2, src, out)
        _ = try await Self.shard(2, of: 2, src, out)
        let damaged = out.appendingPathComponent(try #require(first.frames[1].output))
        var bytes = try Data(contentsOf: damaged)
        bytes[bytes.count - 10] ^= 0xFF
        try bytes.write(to: damaged)
        let merge = try ShardMerge(output: out, toolVersion: "test").run()
        #expect(!merge.merged)
        #expect(merge.missing.map(\.name) == ["reel_0086401.dpx"])
        #expect(merge.missing.first?.reason.contains("SHA-256") == true)

        let rerun = try await Self.shard(1, of: 2, src, out, resume: true)
        #expect(rerun.frames.map(\.status) == [.kept, .done])
        #expect(try ShardMerge(output: out, toolVersion: "test").run().merged)
        #expect(try Verifier(output: out, sources: src, threads: 2, toolVersion: "test").run().passed)
    }

    @Test("shards of two cuts (N = 2 and N = 3) are refused: the counts and the overlapping frames are listed")
    func mixedCountsAreRefused() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.reel(dir, count: 6)
        let out = dir.file("out")
        _ = try await Self.shard(1, of: 2, src, out)
        _ = try await Self.shard(2, of: 3, src, out)
        _ = try await Self.shard(3, of: 3, src, out)
        let merge = try ShardMerge(output: out, toolVersion: "test").run()
        #expect(!merge.merged)
        #expect(merge.problems.contains { $0.contains("N = 2") && $0.contains("N = 3") }, "\(merge.problems)")
        // Shard 1/2 holds frames 1-3, shard 2/3 frames 3-4: frame 3 is recorded twice.
        #expect(merge.overlapping.map(\.name) == ["reel_0086402.dpx"])
        #expect(merge.overlapping.first?.catalogs == ["shard-0001-of-0002.sqlite", "shard-0002-of-0003.sqlite"])
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(Catalog.fileName).path))
    }

    @Test("shards with other floors are refused")
    func otherSettingsAreRefused() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.reel(dir, count: 2)
        let out = dir.file("out")
        _ = try await Self.shard(1, of: 2, src, out)
        _ = try await Self.shard(2, of: 2, src, out, settings: CompressionSettings(profile: .c2, codec: .htj2k, jobs: 1, maxIterations: 6))
        let merge = try ShardMerge(output: out, toolVersion: "test").run()
        #expect(!merge.merged)
        #expect(merge.problems.contains { $0.contains("--profile C2") }, "\(merge.problems)")
    }

    @Test("shards run at once into one folder, each under its own lock; a whole run or a merge is refused meanwhile")
    func shardsRunAtOnce() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.reel(dir, count: 6)
        let out = dir.file("out")
        async let a = Self.shard(1, of: 3, src, out)
        async let b = Self.shard(2, of: 3, src, out)
        async let c = Self.shard(3, of: 3, src, out)
        let results = try await [a, b, c]
        #expect(results.allSatisfy { $0.succeeded })
        // A leftover temporary file of a killed shard is removed by the next shard that runs alone.
        let leftover = out.appendingPathComponent("frames/\(AtomicFile.temporaryPrefix)dead")
        try Data("x".utf8).write(to: leftover)
        _ = try await Self.shard(2, of: 3, src, out, resume: true)
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
        // The same shard twice, a whole run, and a merge while a shard holds OUT are refused.
        await #expect(throws: EngineError.self) { try await Self.shard(1, of: 3, src, out) }
        let held = try OutputLock(sharedIn: out) {}
        await #expect(throws: EngineError.self) {
            try await CompressionRun(sources: [src], output: out, settings: Self.settings, toolVersion: "test").run()
        }
        let busy = #expect(throws: EngineError.self) { try ShardMerge(output: out, toolVersion: "test").run() }
        #expect(busy?.kind == .usage)
        held.release()
        #expect(try ShardMerge(output: out, toolVersion: "test").run().merged)
    }

    @Test("a whole run into a folder of shards is refused until they are merged")
    func wholeRunIntoShardsIsRefused() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.reel(dir, count: 2)
        let out = dir.file("out")
        _ = try await Self.shard(1, of: 2, src, out)
        var settings = Self.settings
        settings.resume = true
        let error = await #expect(throws: EngineError.self) {
            try await CompressionRun(sources: [src], output: out, settings: settings, toolVersion: "test").run()
        }
        #expect(error?.reason.contains("merge") == true)
    }

    @Test("a shard into a folder of a whole run is refused, also with --resume")
    func shardIntoAWholeRunIsRefused() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.reel(dir, count: 2)
        let out = dir.file("out")
        _ = try await CompressionRun(sources: [src], output: out, settings: Self.settings, toolVersion: "test").run()
        for resume in [false, true] {
            let error = await #expect(throws: EngineError.self) { try await Self.shard(1, of: 2, src, out, resume: resume) }
            #expect(error?.reason.contains("whole run") == true, "\(String(describing: error))")
        }
    }
}
