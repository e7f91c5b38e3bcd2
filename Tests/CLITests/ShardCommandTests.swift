import Foundation
import TestSupport
import Testing

/// `compress --shard` and `merge` as an array job runs them: one process per shard
/// into one folder, the index given or read from the scheduler's variables, then a
/// merge whose folder `verify` and `restore` take as a whole run's.
@Suite struct ShardCommandTests {
    static func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }

    /// The array variables cleared, so a test run inside an array job reads only what it sets.
    static func withArrayEnvironment(_ variables: [String: String], _ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: Data) {
        let cleared = ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_COUNT", "JOB_COMPLETION_INDEX",
                       "AWS_BATCH_JOB_ARRAY_INDEX"].flatMap { ["-u", $0] }
        let set = variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return try ExternalTool.runStatus(["/usr/bin/env"] + cleared + set + [ReelpackBinary.url.path] + arguments)
    }

    static func synth(_ dir: TemporaryDirectory, frames: Int) throws -> URL {
        let src = dir.file("scans")
        let synth = try ReelpackBinary.run(["synth", "-o", src.path, "--frames", "\(frames)", "--size", "128x72", "--bits", "10", "--kind", "grain"])
        try #require(synth.status == 0, "\(text(synth.stderr))")
        return src
    }

    static let compress = ["--profile", "C1", "--codec", "htj2k", "--jobs", "1", "--max-iterations", "6"]

    @Test func threeShardsFromTheirArrayIndexThenMergeVerifyAndRestore() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.synth(dir, frames: 6)
        let out = dir.file("out")
        // One shard from each scheduler's variables.
        let runs: [[String: String]] = [
            ["SLURM_ARRAY_TASK_ID": "10", "SLURM_ARRAY_TASK_MIN": "10", "SLURM_ARRAY_TASK_COUNT": "3"],
            ["JOB_COMPLETION_INDEX": "1"],
            ["AWS_BATCH_JOB_ARRAY_INDEX": "2"],
        ]
        for (k, variables) in runs.enumerated() {
            let run = try Self.withArrayEnvironment(variables, ["compress", src.path, "-o", out.path] + Self.compress
                                                    + ["--shard", "auto", "--shards", "3"])
            let stderr = Self.text(run.stderr)
            #expect(run.status == 0, "\(stderr)")
            #expect(stderr.contains("shard \(k + 1)/3: frames \(2 * k + 1)-\(2 * k + 2) of 6"), "\(stderr)")
        }
        let catalogs = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("shards").path)
            .filter { $0.hasSuffix(".sqlite") }.sorted()
        #expect(catalogs == ["shard-0001-of-0003.sqlite", "shard-0002-of-0003.sqlite", "shard-0003-of-0003.sqlite"])

        let merge = try ReelpackBinary.run(["merge", out.path, "--json"])
        #expect(merge.status == 0, "\(Self.text(merge.stderr))")
        let document = try JSONSerialization.jsonObject(with: merge.stdout) as? [String: Any]
        let summary = try #require(document?["summary"] as? [String: Any])
        #expect(summary["frameCount"] as? Int == 6)
        #expect(summary["failed"] as? Int == 0)
        let manifest = try String(contentsOf: out.appendingPathComponent("manifest-sha256.txt"), encoding: .utf8)
        #expect(manifest.split(separator: "\n").count == 6)

        let verify = try ReelpackBinary.run(["verify", out.path, "--source", src.path])
        #expect(verify.status == 0, "\(Self.text(verify.stdout)) \(Self.text(verify.stderr))")
        let restore = try ReelpackBinary.run(["restore", out.path, "-o", dir.file("restored").path])
        #expect(restore.status == 0, "\(Self.text(restore.stderr))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("restored").path).filter { $0.hasSuffix(".dpx") }.count == 6)
        let report = try ReelpackBinary.run(["report", out.path])
        #expect(report.status == 0, "\(Self.text(report.stderr))")
    }

    @Test func mergeWithAShardMissingExits1ListingItsFramesAndTheCommandThatRedoesThem() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.synth(dir, frames: 4)
        let out = dir.file("out")
        // Floors off the profile's defaults (banding raised, its rise and the grain floor
        // off), so the printed command must carry them for --resume to take it.
        let floors = ["--banding", "9", "--banding-rise", "0", "--grain-retention", "0"]
        let first = try ReelpackBinary.run(["compress", src.path, "-o", out.path] + Self.compress + floors + ["--shard", "1/2"])
        #expect(first.status == 0, "\(Self.text(first.stderr))")
        let merge = try ReelpackBinary.run(["merge", out.path])
        let stderr = Self.text(merge.stderr)
        #expect(merge.status == 1)
        #expect(stderr.contains("missing: reel_0086402.dpx (shard 2/2)") && stderr.contains("missing: reel_0086403.dpx (shard 2/2)"), "\(stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("reelpack.sqlite").path))
        // The command merge prints redoes the shard as printed.
        let line = try #require(stderr.split(separator: "\n").first { $0.contains("--shard 2/2 --resume") })
        let words = line.trimmingCharacters(in: .whitespaces).split(separator: " ").map(String.init)
        #expect(words.first == "reelpack")
        let rerun = try ReelpackBinary.run(Array(words.dropFirst()))
        #expect(rerun.status == 0, "\(Self.text(rerun.stderr))")
        let again = try ReelpackBinary.run(["merge", out.path])
        #expect(again.status == 0, "\(Self.text(again.stderr))")
        let verify = try ReelpackBinary.run(["verify", out.path, "--source", src.path])
        #expect(verify.status == 0, "\(Self.text(verify.stdout)) \(Self.text(verify.stderr))")
    }

    @Test(arguments: [
        ["--shards", "3"],                      // --shards alone
        ["--shard", "4/3"],                     // no such shard
        ["--shard", "two"],                     // not K/N
        ["--shard", "2/3", "--shards", "4"],    // counts disagree
        ["--shard", "auto"],                    // no array index in the environment
        ["--shard", "auto", "--shards", "0"],
    ])
    func badShardOptionsAreUsageErrors(options: [String]) throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.synth(dir, frames: 1)
        let run = try Self.withArrayEnvironment([:], ["compress", src.path, "-o", dir.file("out").path, "--profile", "C1"] + options)
        #expect(run.status == 2, "\(Self.text(run.stderr))")
        #expect(!Self.text(run.stderr).isEmpty)
    }

    @Test func mergeOfAFolderWithoutShardsIsAUsageError() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let merge = try ReelpackBinary.run(["merge", dir.url.path])
        #expect(merge.status == 2)
        #expect(Self.text(merge.stderr).contains("no shard catalogs"))
    }
}
