import ArgumentParser
import Engine
import Foundation

/// `reelpack merge OUT`: completes an output folder written by static shards (DESIGN.md §8).
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Complete an output folder written by shards (compress --shard K/N): check, then write its catalog and report.",
        discussion: """
            Run it once every shard has finished, on a machine that sees OUT (the sources
            are needed only for the report's previews). It reads every shard catalog
            under OUT/shards/ and checks that
              - the shards were cut the same way (one N, the same frame listing, the same
                profile, floors and codec);
              - every source frame was done by exactly one shard;
              - each frame's output is in OUT/frames/ and hashes to the SHA-256 its shard
                recorded (its seal was proven when the shard wrote it).
            Then it folds the shards' records (sources, features, every search step,
            results, events) into OUT/reelpack.sqlite as one run, and writes
            manifest-sha256.txt, summary.json, report.html and frames.csv: the folder is
            then what a single `compress` leaves, for `verify`, `restore` and `report`
            (`reelpack verify OUT --source SRC` decodes every output and measures it
            against its source). Running merge again rebuilds them.

            A frame missing (its shard never ran, failed or was interrupted, or its output
            is gone or changed) is listed with the shard that should have done it and the
            command that redoes it: that shard alone with --resume. Nothing is written
            then. Exit status: 0 merged, 1 frames missing or shards that do not belong
            together, 2 usage error (no shards in OUT, or a shard still writing).
            """)

    @Argument(help: "The output folder the shards wrote into (holds shards/).")
    var output: String

    @OptionGroup var jobs: JobOptions

    @Option(help: "How many of the worst frames (lowest tile floor) the report shows with previews.")
    var worst = 4

    @Flag(help: "Print one JSON document on stdout.")
    var json = false

    func validate() throws {
        guard (0...50).contains(worst) else { throw ValidationError("--worst takes 0 to 50 frames") }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: output)
        let report: ShardMerge.Report
        do {
            report = try ShardMerge(output: folder, toolVersion: ReelpackVersion.string, jobs: jobs.count, worstCount: worst).run()
        } catch let error as EngineError where error.kind == .usage {
            Output.error(error.description)
            throw ExitCode(2)
        } catch {
            Output.error(String(describing: error))
            throw ExitCode(1)
        }
        for problem in report.problems { Output.error(problem) }
        for overlap in report.overlapping.prefix(20) {
            Output.error("overlap: \(overlap.name) is recorded by \(overlap.catalogs.joined(separator: " and "))")
        }
        if report.overlapping.count > 20 { Output.error("overlap: and \(report.overlapping.count - 20) more frames") }
        for frame in report.missing.prefix(50) {
            Output.error("missing: \(frame.name) (shard \(frame.shard)): \(frame.reason)")
        }
        if report.missing.count > 50 { Output.error("missing: and \(report.missing.count - 50) more frames") }
        if !report.rerun.isEmpty {
            Output.note("to redo the missing frames, run again (then merge):")
            for command in report.rerun { Output.note("  \(command)") }
        }
        for note in report.notes { Output.note("report: \(note)") }
        if json {
            try Output.printJSON(report)
        } else {
            for shard in report.shards {
                let state = shard.ran ? "\(shard.done) done, \(shard.failed) failed  (shards/\(shard.catalog))" : "never ran (no shards/\(shard.catalog))"
                print("shard \(shard.shard ?? "?")  \(shard.frames) frames: \(state)")
            }
            if let summary = report.summary {
                print(CompressCommand.summaryText(summary))
                print(folder.appendingPathComponent("report.html").path)
            } else {
                print("not merged: \(report.missing.count) frames missing, \(report.overlapping.count) recorded twice, \(report.problems.count) other problems")
            }
        }
        if !report.merged { throw ExitCode(1) }
    }
}
