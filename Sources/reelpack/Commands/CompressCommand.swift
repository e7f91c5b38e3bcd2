import ArgumentParser
import Engine
import Foundation

/// `reelpack compress SRC... -o OUT --profile P`: the main job (DESIGN.md §1, §5).
struct CompressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compress",
        abstract: "Compress frames to the smallest files that meet a profile's quality floors.",
        discussion: """
            Profiles (every floor can be overridden):
              lossless  decoded samples identical, the source file restorable byte for byte
              C0        SSIM ≥ 0.99, PSNR ≥ 42 dB, tile SSIM ≥ 0.97 (visually lossless)
              C1        SSIM ≥ 0.95, PSNR ≥ 39 dB, tile SSIM ≥ 0.90 (minimal loss)
              C2        SSIM ≥ 0.90, PSNR ≥ 33 dB, tile SSIM ≥ 0.80 (aggressive)
            A frame where no lossy setting meets the floors is stored losslessly.

            At C0, C1 and C2, --codec auto encodes with HTJ2K. Why (24-frame 4096x2160
            10-bit reels at C1 on two cores, BENCHMARKS.md "throughput"): JPEG 2000 took
            2.3x HTJ2K's CPU when forced; its files were 18 % smaller on the scaled-up
            photographs and no smaller on heavy grain over a shot. Tried on each shot's
            first frame and kept only where it saved 30 %, it won one shot of the
            photographs, saved 0.1 % of the reel for 1.9x the CPU, and took 10x a
            frame's memory. Pass --codec j2k for the smaller files. A cut back to a shot
            seen before starts its search where that shot left off.

            With --profile lossless, --codec auto weighs time and memory as well as size:
            on the first frame of each shot HTJ2K and JPEG 2000 each encode the centre
            quarter of the frame, and the shot keeps HTJ2K unless JPEG 2000's is at least
            30 % smaller. Why (4096x2160 DPX sequences on two cores, against ffmpeg FFV1
            with RAWcooked's settings; BENCHMARKS.md "throughput"): HTJ2K encodes and
            decodes a frame in 0.6-1.4 s on one core; a 24-frame run took 0.86-0.96x
            FFV1's wall time on grain and 1.28-1.39x on scaled-up photographs (FFV1 is
            cheap on smooth pictures), and stayed within 4.5x a frame's samples of memory
            per frame in flight; its files are 0.92-0.93x FFV1's ratio on heavy
            synthetic grain and 0.99-1.03x on the photographs. JPEG 2000 takes 2.5-9.6 s
            (1.03x FFV1's ratio on grain, 1.11-1.31x on photographs; a run took 4.6-6.7x
            FFV1's time). JPEG XL is not tried: effort 1-2 takes
            2.1-3.9 s for FFV1's ratio on grain (a run took 2.3x FFV1's time and 15x a
            frame's memory) and made larger files than HTJ2K on the photographs; effort 3
            takes 5.3-6.7 s. Pass --codec j2k or jxl to choose one anyway. Each lossless
            file is decoded once, after it is written, and proven equal to the source
            sample for sample; the source file is rebuilt from it and proven byte for byte.

            OUT receives frames/, reelpack.sqlite (the catalog), manifest-sha256.txt and
            summary.json. Exit status: 0 every frame done within its floors, 1 some frames
            failed (the others are written), 2 usage error.

            Many machines, no server: --shard K/N does the K-th of N contiguous blocks of
            the sorted frames (block sizes differ by at most one; only a block's first
            frame starts its search cold). Every shard is given the same SRC, OUT and
            settings; they run at once into OUT/frames, each with its own catalog
            OUT/shards/shard-K-of-N.sqlite. --shard auto takes K from an array job:
            Slurm (SLURM_ARRAY_TASK_ID, and N from SLURM_ARRAY_TASK_COUNT), Kubernetes
            Indexed Jobs (JOB_COMPLETION_INDEX) or AWS Batch (AWS_BATCH_JOB_ARRAY_INDEX),
            the last two with --shards N. A failed shard is run again alone with the same
            --shard and --resume. Then `reelpack merge OUT` checks every frame is done
            exactly once and writes the catalog, manifest, summary and report.
            """)

    @Argument(help: "Source folders (image sequences) or DPX/TIFF files.")
    var sources: [String]

    @Option(name: [.short, .customLong("output")], help: "Output folder (must not be inside a source folder).")
    var output: String

    @Option(help: "lossless, C0, C1 or C2.")
    var profile: Profile

    @Option(help: "auto, j2k, htj2k or jxl.")
    var codec: CodecChoice = .auto

    @OptionGroup var floors: FloorOptions

    @OptionGroup var jobs: JobOptions

    @Option(name: .customLong("size-tolerance"),
            help: "Stop a frame's search once its file is within this share of the smallest passing size (0.02 = 2 %); larger takes fewer encodes and keeps slightly larger files.")
    var sizeTolerance: Double = 0.02

    @Option(name: .customLong("max-iterations"),
            help: "At most this many encodes per frame and codec (at least 2); a search cut short keeps its smallest passing file (a frame with none is stored losslessly).")
    var maxIterations: Int = 12

    @Flag(help: "Continue a run in OUT with the same profile, floors and codec: keep frames already done and verified, redo the rest.")
    var resume = false

    @Option(help: "A note kept with the run in the catalog.")
    var note: String?

    @Flag(help: "Print one JSON document on stdout.")
    var json = false

    @Option(help: ArgumentHelp("Do one static shard: K/N is the K-th of N contiguous blocks of the sorted frames (K from 1); auto reads a Slurm, Kubernetes or AWS Batch array index.",
                               valueName: "K/N|auto"))
    var shard: String?

    @Option(help: "The number of shards, for --shard auto (needed on Kubernetes and AWS Batch; checked against a Slurm array's size).")
    var shards: Int?

    /// Checks the options; a problem is a usage error (exit status 2, DESIGN.md §5).
    func validate() throws {
        try floors.check()
        if output.isEmpty { throw ValidationError("-o/--output must name a folder (it is empty)") }
        if !(sizeTolerance >= 0.001 && sizeTolerance <= 0.5) {
            throw ValidationError("--size-tolerance must be between 0.001 and 0.5 (a share of the file size: 0.02 is 2 %)")
        }
        if !(2...100).contains(maxIterations) { throw ValidationError("--max-iterations must be between 2 and 100") }
        if let shards {
            guard shard != nil else { throw ValidationError("--shards N goes with --shard auto (or --shard K/N)") }
            guard shards >= 1 else { throw ValidationError("--shards must be at least 1") }
        }
        if let shard, shard != "auto" {
            let parsed: Shard
            do { parsed = try Shard.parse(shard) } catch let error as EngineError { throw ValidationError(error.reason) }
            if let shards, shards != parsed.count {
                throw ValidationError("--shard \(shard) cuts the reel into \(parsed.count) but --shards says \(shards)")
            }
        }
    }

    /// The shard asked for, announced on stderr; nil without --shard.
    func resolveShard() throws -> Shard? {
        guard let shard else { return nil }
        guard shard == "auto" else { return try Shard.parse(shard) }
        let (resolved, origin) = try Shard.fromEnvironment(ProcessInfo.processInfo.environment, count: shards)
        Output.note("reelpack: shard \(resolved) from \(origin)")
        return resolved
    }

    func run() async throws {
        let floor = floors.floor(for: profile)
        let settings = CompressionSettings(profile: profile, floor: floor, codec: codec, jobs: jobs.count,
                                           resume: resume, note: note,
                                           sizeTolerance: sizeTolerance, maxIterations: maxIterations)
        let display = ProgressDisplay()
        let result: CompressionRun.Result
        do {
            let run = CompressionRun(sources: sources.map { URL(fileURLWithPath: $0) }, output: URL(fileURLWithPath: output),
                                     settings: settings, toolVersion: ReelpackVersion.string, shard: try resolveShard())
            result = try await run.run(block: { Output.note("reelpack: \($0)") }, progress: { display.update($0) })
        } catch let error as EngineError where error.kind == .usage {
            Output.error(error.description)
            throw ExitCode(2)
        } catch {
            Output.error(String(describing: error))
            throw ExitCode(1)
        }
        display.finish()
        for warning in result.warnings { Output.note("warning: \(warning)") }
        if let block = result.block {
            Output.note("reelpack: \(block) finished; once every shard has, `reelpack merge \(output)` checks and completes OUT")
        } else {
            do {
                let (_, notes) = try RunReport.write(output: URL(fileURLWithPath: output), includingSummary: false)
                for note in notes { Output.note("report: \(note)") }
            } catch {
                Output.error("the run is complete but its report was not written (\(error)); `reelpack report \(output)` retries")
            }
        }
        for frame in result.frames where frame.status == .failed {
            Output.error("failed: \(Self.failure(frame))")
        }
        if json {
            try Output.printJSON(result)
        } else {
            print(Self.summaryText(result.summary, grainFloor: floor.grainRetention))
        }
        if !result.succeeded { throw ExitCode(1) }
    }

    /// The summary printed at the end of a run. Without a grain-retention floor, a run
    /// that kept under half of some frame's grain says so, and how to keep it.
    /// A failed frame's error, naming its source file when the error itself does not.
    static func failure(_ frame: FrameReport) -> String {
        guard let error = frame.error else { return frame.source }
        let name = URL(fileURLWithPath: frame.source).lastPathComponent
        return error.contains(name) ? error : "\(frame.source): \(error)"
    }

    static func summaryText(_ s: RunSummary, grainFloor: Double? = nil) -> String {
        func f(_ v: Double?, _ d: Int) -> String { v.map { String(format: "%.\(d)f", $0) } ?? "–" }
        let psnr = s.psnrMin == nil && s.frameCount > s.failed
            ? "every frame identical to its source"
            : "min \(f(s.psnrMin, 2)) dB   mean \(f(s.psnrMean, 2)) dB   (identical frames excluded)"
        var grain = s.grainRetentionMin == nil
            ? "no frame has measurable grain"
            : "retention min \(f(s.grainRetentionMin, 3))   mean \(f(s.grainRetentionMean, 3))"
        if let floor = grainFloor {
            grain += "   (floor \(f(floor, 2)))"
        } else if let low = s.grainRetentionMin, low < 0.5 {
            grain += "   (grain floor off: --grain-retention 0.7 keeps 70 % of the source's grain in every tile)"
        }
        return """
            frames      \(s.frameCount) (\(s.frameCount - s.failed - s.kept) done, \(s.kept) kept, \(s.failed) failed, \(s.losslessFallbacks) stored losslessly)
            bytes       \(s.sourceBytes) → \(s.outputBytes)   ratio \(f(s.ratio, 2)):1   storage reduction \(f(s.storageReduction * 100, 1)) %
            SSIM        min \(f(s.ssimMin, 5))   mean \(f(s.ssimMean, 5))
            PSNR        \(psnr)
            tile floor  min \(f(s.tileFloorMin, 5))   mean \(f(s.tileFloorMean, 5))
            grain       \(grain)
            banding     \(s.bandingMax.map { "CAMBI max \(f($0, 2))   largest rise over the source \(f(s.bandingRiseMax, 2))" } ?? "not measured")
            iterations  \(s.iterations) (\(f(s.meanIterations, 1)) per frame)
            time        \(f(s.seconds, 1)) s
            """
    }
}

/// Progress on stderr: a live bar on a terminal, plain lines every few seconds otherwise.
final class ProgressDisplay: @unchecked Sendable {
    // Guarded by `lock`: updates arrive from the engine's worker tasks.
    private let lock = NSLock()
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastLine = Date.distantPast
    private var drewBar = false

    func update(_ p: CompressionRun.Progress) {
        lock.lock(); defer { lock.unlock() }
        let finished = p.done + p.failed + p.kept
        let eta = p.eta.map { String(format: "%.0f s", $0) } ?? "–"
        let ssim = p.meanSSIM.map { String(format: "%.4f", $0) } ?? "–"
        let stats = "\(finished)/\(p.total) frames  \(String(format: "%.2f", p.framesPerSecond)) fps  ETA \(eta)  ratio \(String(format: "%.2f", p.ratio)):1  SSIM \(ssim)\(p.failed > 0 ? "  failed \(p.failed)" : "")"
        if isTerminal {
            let width = 24
            let filled = p.total > 0 ? width * finished / p.total : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[K[\(bar)] \(stats)".utf8))
            drewBar = true
        } else if Date().timeIntervalSince(lastLine) >= 5 || finished == p.total {
            FileHandle.standardError.write(Data("reelpack: \(stats)\n".utf8))
            lastLine = Date()
        }
    }

    func finish() {
        lock.lock(); defer { lock.unlock() }
        if drewBar { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
