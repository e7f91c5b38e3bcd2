import Codecs
import Dispatch
import Engine
import Foundation
import Formats
import ImageCore
import Metrics
import TestSupport

/// `reelpack-bench engine`: the whole pipeline (read, analyse, search, seal, write,
/// verify) on the corpus photos, per profile and codec: frames per second, ratio,
/// SSIM, iterations. References measured in the same run: FFV1 through ffmpeg for
/// lossless; for lossy, one fixed setting for every frame (the loosest that lets every
/// frame pass, what a non-adaptive encoder must use), encoded directly with the codec
/// and wrapped with the same seal as the adaptive file.
enum EngineBench {
    static let frames = ["Carrots_log10", "Desk_log10", "Cannon_log10", "StillLife_log10", "Cannon_bw_log10"]

    static func run() throws {
        let env = ProcessInfo.processInfo.environment
        if env["REELPACK_BENCH_PIPELINE_ONLY"] == nil { try runSearch() }
        if env["REELPACK_BENCH_SEARCH_ONLY"] != nil { return }
        try runPipeline(name: "corpus photos", files: frames.map { Corpus.url("photos/\($0).dpx") })
        try runPipeline(name: "frames of the corpus sequence (2K)", files: (1...4).map { Corpus.url("sequence/beachball_000\($0).dpx") })
    }

    /// The whole pipeline (`CompressionRun`, as `reelpack compress` runs it) on `files`.
    static func runPipeline(name: String, files: [URL]) throws {
        let frames = files.map { $0.deletingPathExtension().lastPathComponent }
        let scratch = try TemporaryDirectory("reelpack-bench-engine")
        defer { scratch.remove() }
        let src = scratch.file("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        for f in files { try FileManager.default.copyItem(at: f, to: src.appendingPathComponent(f.lastPathComponent)) }
        let sourceBytes = try frames.reduce(0) { $0 + (try Data(contentsOf: src.appendingPathComponent("\($1).dpx")).count) }
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        print("frames: \(frames.count) \(name) (\(sourceBytes) bytes); jobs 2; load average at start: \(load)")
        print("profile  codec  fps    ratio   SSIM min/mean      tile min  PSNR min   iter/frame  fixed-setting ratio  adaptive gain")

        // Lossless reference: FFV1 (ffmpeg), whole process per frame.
        var ffv1Bytes = 0
        let ffStart = Date()
        for f in frames {
            let out = scratch.file("\(f).mkv")
            try ExternalTool.run(["ffmpeg", "-v", "error", "-y", "-i", src.appendingPathComponent("\(f).dpx").path,
                                  "-c:v", "ffv1", "-level", "3", out.path])
            ffv1Bytes += try Data(contentsOf: out).count
        }
        let ffSeconds = Date().timeIntervalSince(ffStart)

        for (profile, codec) in [(Profile.lossless, CodecChoice.htj2k), (.lossless, .j2k), (.c0, .htj2k), (.c1, .htj2k),
                                 (.c2, .htj2k), (.c1, .j2k), (.c1, .auto)] {
            let out = scratch.file("out-\(profile.rawValue)-\(codec.rawValue)")
            let settings = CompressionSettings(profile: profile, codec: codec, jobs: 2)
            let result = try blocking {
                try await CompressionRun(sources: [src], output: out, settings: settings, toolVersion: "bench").run()
            }
            let s = result.summary
            var reference = "–", gain = "–"
            if profile.isLossless {
                reference = String(format: "ffv1 %.3f (%.2f fps)", Double(sourceBytes) / Double(ffv1Bytes), Double(frames.count) / ffSeconds)
                gain = String(format: "%.3f× ffv1", Double(ffv1Bytes) / Double(max(1, s.outputBytes)))
            } else if let id = codec.codecID {
                // The loosest single setting that lets every frame pass = the largest kept parameter.
                let fixed = result.frames.compactMap(\.parameter).max()
                if let fixed, result.frames.allSatisfy({ $0.parameter != nil }) {
                    let c = try CodecRegistry.codec(id, threads: 2)
                    var bytes = 0
                    let sealed = Dictionary(uniqueKeysWithValues: result.frames.compactMap { r -> (String, URL)? in
                        r.output.map { ((r.source as NSString).lastPathComponent, out.appendingPathComponent($0)) }
                    })
                    for f in frames {
                        var pixels = try ImageFile.read(contentsOf: src.appendingPathComponent("\(f).dpx")).pixels
                        if pixels.channels == 3, pixels.isMonochrome {
                            pixels = try PixelBuffer(width: pixels.width, height: pixels.height, channels: 1,
                                                     bitDepth: pixels.bitDepth, samples: Array(pixels.samples[pixels.planeRange(0)]))
                        }
                        // Same seal as the adaptive file, so both carry the same overhead.
                        let seal = try sealed["\(f).dpx"].flatMap { try c.decode(try Data(contentsOf: $0)).seal }
                        bytes += try c.wrap(payload: try c.encode(pixels, mode: .lossy(quality: fixed)), seal: seal).count
                    }
                    reference = String(format: "%.3f (q=%.3f)", Double(sourceBytes) / Double(bytes), fixed)
                    gain = String(format: "%.3f× smaller", Double(bytes) / Double(max(1, s.outputBytes)))
                }
            }
            print(String(format: "%-8@ %-6@ %-6.2f %-7.3f %.5f/%.5f  %-9.5f %-10@ %-11.1f %@  %@",
                         profile.rawValue as NSString, codec.rawValue as NSString, Double(s.frameCount) / s.seconds, s.ratio,
                         s.ssimMin ?? 1, s.ssimMean ?? 1, s.tileFloorMin ?? 1,
                         (s.psnrMin.map { String(format: "%.2f dB", $0) } ?? "identical") as NSString,
                         s.meanIterations, reference as NSString, gain as NSString))
            if s.failed > 0 { print("  \(s.failed) frames failed: \(result.frames.compactMap(\.error))") }
        }
    }

    /// A set of frames the search runs over, in order.
    private struct Reel {
        var name: String
        var frames: [PixelBuffer]
        /// True for a sequence: frames start where the engine would start them
        /// (`ShotHistory`); false for independent frames, which all start cold.
        var sequence: Bool
    }

    /// The search alone, per codec, profile and reel, against two references measured in
    /// the same run: an oracle (per frame, a cold search run to convergence: 0.1 % size
    /// tolerance, 1/10 000 of the range resolution, up to 40 evaluations) and the best
    /// single fixed setting that meets the floors on every frame of the reel (the
    /// largest oracle parameter, raised until every frame passes). Sizes are payloads
    /// without the seal. Time: the adaptive search's wall time summed over frames,
    /// against one encode + decode + measure at each frame's final setting.
    static func runSearch() throws {
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        var reels: [Reel] = []
        // The 2K frames halved (2×2 means) to 1024×778: keeps the run within minutes on two cores.
        let beach = try (1...4).map {
            try halve(try ImageFile.read(contentsOf: Corpus.url("sequence/beachball_000\($0).dpx")).pixels)
        }
        reels.append(Reel(name: "beachball", frames: beach, sequence: true))
        let grain = try FilmSynthesizer(width: 1024, height: 540, bitDepth: 12, kind: .grain, seed: 11)
        let other = try FilmSynthesizer(width: 1024, height: 540, bitDepth: 12, kind: .action, seed: 5)
        reels.append(Reel(name: "synth", frames: (0..<6).map { grain.frame($0) } + (0..<6).map { other.frame($0) }, sequence: true))
        let photos = try frames.map { try ImageFile.read(contentsOf: Corpus.url("photos/\($0).dpx")).pixels }
        reels.append(Reel(name: "photos", frames: photos, sequence: false))
        // Real frames arranged as a reel of shots: a slow pan (8 px a frame) across each of
        // four corpus photos, 6 frames a shot, cut to the next photo.
        var pans: [PixelBuffer] = []
        for name in ["Cannon_log10", "Desk_log10", "StillLife_log10", "Carrots_bw_log10"] {
            let photo = try ImageFile.read(contentsOf: Corpus.url("photos/\(name).dpx")).pixels
            for k in 0..<6 { pans.append(try SyntheticFrames.crop(photo, x: 8 * k, y: 4 * k, width: photo.width - 48, height: photo.height - 24)) }
        }
        reels.append(Reel(name: "pans", frames: pans, sequence: true))
        // Intercut shots, as in a dialogue (shot, reverse shot, back again): the pans
        // across Cannon and StillLife cut together three frames at a time, A B A B.
        var intercut: [PixelBuffer] = []
        for half in 0..<2 {
            for shot in [0, 12] { intercut += pans[(shot + 3 * half)..<(shot + 3 * half + 3)] }
        }
        reels.append(Reel(name: "intercut", frames: intercut, sequence: true))
        let env = ProcessInfo.processInfo.environment
        if let only = env["REELPACK_BENCH_REELS"]?.split(separator: ",").map(String.init) {
            reels = reels.filter { only.contains($0.name) }
            // Only on request (it is not in the recorded table): three film stocks, the
            // grain scene with fine, medium and coarse grain (8, 24, 64 codes at mid grey,
            // 12 bits), 4 frames each, then 4 frames of smooth gradients (grain 0.5 codes).
            if only.contains("stocks") {
                var stocks: [PixelBuffer] = []
                for (shot, sigma) in [8.0, 24, 64].enumerated() {
                    let s = try FilmSynthesizer(width: 1024, height: 540, bitDepth: 12, kind: .grain, seed: 21 + UInt64(shot),
                                                grainSigma: sigma)
                    stocks += (0..<4).map { s.frame($0) }
                }
                let clean = try FilmSynthesizer(width: 1024, height: 540, bitDepth: 12, kind: .gradient, seed: 24)
                stocks += (0..<4).map { clean.frame($0) }
                reels.append(Reel(name: "stocks", frames: stocks, sequence: true))
            }
        }
        for reel in reels {
            let f = reel.frames[0]
            print("reel \(reel.name): \(reel.frames.count) frames \(f.width)x\(f.height)x\(f.channels) \(f.bitDepth)-bit"
                  + (reel.sequence ? " (sequence)" : " (independent frames)"))
        }
        print("search bench, release, 2 library threads; load average at start: \(load)")
        print("codec  profile reel       ratio   iter med/mean  time/final  vs oracle max/mean   fixed ratio  adaptive/fixed  fallbacks")
        let threads = 2
        let benchStart = Date()
        let codecs = env["REELPACK_BENCH_CODECS"].map { $0.split(separator: ",").compactMap { CodecID(rawValue: String($0)) } }
            ?? [.htj2k, .j2k]
        let profiles = env["REELPACK_BENCH_PROFILES"].map { $0.split(separator: ",").compactMap { Profile(name: String($0)) } }
            ?? [.c0, .c1, .c2]
        for id in codecs {
            let codec = try CodecRegistry.codec(id, threads: threads)
            for profile in profiles {
                for reel in reels {
                    try searchRow(codec: codec, profile: profile, reel: reel, threads: threads)
                }
            }
        }
        print(String(format: "search bench total wall time: %.1f s", Date().timeIntervalSince(benchStart)))
    }

    /// A frame at half its width and height, each sample the rounded mean of a 2×2 block.
    private static func halve(_ p: PixelBuffer) throws -> PixelBuffer {
        let w = p.width / 2, h = p.height / 2
        var samples: [UInt16] = []
        samples.reserveCapacity(w * h * p.channels)
        for c in 0..<p.channels {
            let base = c * p.planeSize
            for y in 0..<h {
                let r0 = base + 2 * y * p.width, r1 = r0 + p.width
                for x in 0..<w {
                    let sum = Int(p.samples[r0 + 2 * x]) + Int(p.samples[r0 + 2 * x + 1])
                        + Int(p.samples[r1 + 2 * x]) + Int(p.samples[r1 + 2 * x + 1])
                    samples.append(UInt16((sum + 2) / 4))
                }
            }
        }
        return try PixelBuffer(width: w, height: h, channels: p.channels, bitDepth: p.bitDepth, samples: samples)
    }

    private static func searchRow(codec: any Codec, profile: Profile, reel: Reel, threads: Int) throws {
        // REELPACK_BENCH_GRAIN=0.8: every profile with that grain-retention floor
        // (frames without measurable grain are exempt), as `compress --grain-retention`.
        let grainFloor = ProcessInfo.processInfo.environment["REELPACK_BENCH_GRAIN"].flatMap(Double.init)
        let floor = profile.floor(grainRetention: grainFloor)
        let profileLabel = profile.rawValue + (grainFloor.map { "+g\($0)" } ?? "")
        let logarithmic = codec.knob.scale == .logarithmic
        let analyses = reel.frames.map { FrameAnalyzer.analyze($0) }
        func evaluator(_ i: Int) -> (Double) throws -> QualitySearch.Evaluation<Void> {
            let px = reel.frames[i]
            let grain = floor.grainRetention == nil ? nil : GrainReference(source: px, threads: threads)
            return { p in
                let payload = try codec.encode(px, mode: .lossy(quality: p))
                let decoded = try codec.decode(payload).pixels
                var m = try EngineServices.standard.measure(px, decoded, threads)
                m.setGrain(try grain?.retention(decoded: decoded, threads: threads))
                return .init(bytes: payload.count, measurement: m, payload: ())
            }
        }
        let raw = reel.frames.reduce(0) { $0 + $1.samples.count * $1.bitDepth / 8 }
        let trace = ProcessInfo.processInfo.environment["REELPACK_BENCH_TRACE"] != nil
        let verbose = ProcessInfo.processInfo.environment["REELPACK_BENCH_TRACE"] == "2"

        // Adaptive, frames in order, warm-started within a shot.
        var adaptiveBytes = 0, iterations: [Int] = [], searchSeconds = 0.0, finalSeconds = 0.0, fallbacks = 0
        var perFrameBytes: [Int] = [], keptPerFrame: [Double?] = []
        var warmIterations: [Int] = [], warmSearchSeconds = 0.0, warmFinalSeconds = 0.0
        // Where each frame starts, exactly as the engine decides it (`ShotHistory`):
        // warm from the frame before in its shot, or from an earlier shot the reel
        // returned to, else cold from the run's prior.
        var history = ShotHistory()
        let noReturns = ProcessInfo.processInfo.environment["REELPACK_BENCH_NO_RETURNS"] != nil
        // REELPACK_BENCH_TOLERANCE=0.04: the search's size tolerance (default 2 %).
        let tolerance = ProcessInfo.processInfo.environment["REELPACK_BENCH_TOLERANCE"].flatMap(Double.init) ?? 0.02
        // REELPACK_BENCH_OVERHEAD=7000: bytes of seal and container every file carries
        // (the engine estimates it per frame; the tolerance is then on file sizes).
        let overhead = ProcessInfo.processInfo.environment["REELPACK_BENCH_OVERHEAD"].flatMap(Int.init) ?? 0
        var returnIterations: [Int] = []
        for i in reel.frames.indices {
            history.recordFrame(analyses[i], index: i)
            // Independent frames (the photos) measure cold starts: none inherits.
            // REELPACK_BENCH_NO_RETURNS=1 starts returns cold too (to measure what they save).
            let returned = reel.sequence && history.isReturn(index: i, codec: codec.id)
            let warm = reel.sequence && !(returned && noReturns) ? history.warmStart(index: i, codec: codec.id) : nil
            let prior = history.coldStart(codec: codec.id, frame: i, floor: floor)
            let search = QualitySearch(knob: codec.knob, floor: floor, sizeTolerance: tolerance, prior: prior, sizeOverhead: overhead)
            let evaluate = evaluator(i)
            let t0 = Date()
            let outcome = try search.run(warm: warm, prior: prior, evaluate: evaluate)
            let seconds = Date().timeIntervalSince(t0)
            if trace {
                let steps = outcome.iterations.map {
                    String(format: "%.3f%@", $0.parameter, $0.pass ? "+" : "-")
                        + (verbose ? String(format: "(s%.4f t%.4f p%.2f%@ %dB)", $0.ssim, $0.tileFloor, $0.psnr ?? 0,
                                          ($0.grainRetention.map { String(format: " g%.3f", $0) } ?? "") as NSString, $0.bytes) : "")
                }
                let slopes = outcome.next.map { String(format: " [boundary %.3f, slopes margin %.3f size %.3f]", $0.parameter, $0.marginSlope ?? .nan, $0.logSizeSlope ?? .nan) } ?? ""
                print("      frame \(i)\(warm == nil ? " cold" : returned ? " return" : " warm"): \(steps.joined(separator: " ")) | \(outcome.stopReason)\(slopes)")
            }
            searchSeconds += seconds
            iterations.append(outcome.iterations.count)
            let warmStarted = warm != nil
            if warmStarted { warmIterations.append(outcome.iterations.count); warmSearchSeconds += seconds }
            if returned && warm != nil { returnIterations.append(outcome.iterations.count) }
            if let best = outcome.best {
                adaptiveBytes += best.evaluation.bytes
                perFrameBytes.append(best.evaluation.bytes)
                keptPerFrame.append(best.parameter)
                let t1 = Date()
                _ = try evaluate(best.parameter)
                finalSeconds += Date().timeIntervalSince(t1)
                if warmStarted { warmFinalSeconds += Date().timeIntervalSince(t1) }
            } else {
                fallbacks += 1
                let bytes = try codec.encode(reel.frames[i], mode: .lossless).count
                adaptiveBytes += bytes
                perFrameBytes.append(bytes)
                keptPerFrame.append(nil)
            }
            if let next = outcome.next { history.recordBoundary(next, codec: codec.id, index: i) }
        }

        // Oracle per frame, and the fixed setting.
        var excess: [Double] = [], fileExcess: [Double] = [], oracleParameters: [Double] = [], oracleBytes = 0, comparedBytes = 0
        for i in reel.frames.indices {
            let r = codec.qualityRange
            let resolution = logarithmic ? (log(r.upperBound) - log(r.lowerBound)) / 10_000 : (r.upperBound - r.lowerBound) / 10_000
            let oracle = QualitySearch(floor: floor, range: r, sizeTolerance: 0.001, parameterResolution: resolution,
                                       maxIterations: 40, logarithmic: logarithmic)
            // Started at the adaptive result's parameter only to bracket faster; it then
            // runs to convergence on its own.
            let start = keptPerFrame[i]
            let outcome = try oracle.run(warmStart: start, evaluate: evaluator(i))
            if let best = outcome.best {
                oracleParameters.append(best.parameter)
                excess.append(Double(perFrameBytes[i]) / Double(best.evaluation.bytes) - 1)
                fileExcess.append(Double(perFrameBytes[i] + overhead) / Double(best.evaluation.bytes + overhead) - 1)
                oracleBytes += best.evaluation.bytes
                comparedBytes += perFrameBytes[i]
            }
        }
        if trace { print("    excess over the oracle per frame (%): " + excess.map { String(format: "%.1f", $0 * 100) }.joined(separator: " ")) }
        var fixedText = "–", gainText = "–", ceilingText = "–"
        if oracleParameters.count == reel.frames.count, var p = oracleParameters.max() {
            let r = codec.qualityRange
            for _ in 0..<20 {
                var bytes = 0, allPass = true
                for i in reel.frames.indices {
                    let e = try evaluator(i)(p)
                    bytes += e.bytes
                    if !floor.passes(e.measurement) { allPass = false; break }
                }
                if allPass {
                    fixedText = String(format: "%.2f (q=%.3f)", Double(raw) / Double(bytes), p)
                    gainText = String(format: "%.3f×", Double(bytes) / Double(adaptiveBytes))
                    // The most any per-frame choice of this one knob can win over the
                    // fixed setting: the oracle's own gain.
                    if comparedBytes == adaptiveBytes {
                        ceilingText = String(format: "%.3f×", Double(bytes) / Double(max(1, oracleBytes)))
                    }
                    break
                }
                p = min(r.upperBound, logarithmic ? p * 1.01 : p + 0.005 * (r.upperBound - r.lowerBound))
            }
        }
        func median(_ values: [Int]) -> Double {
            let v = values.sorted()
            guard !v.isEmpty else { return 0 }
            return v.count % 2 == 1 ? Double(v[v.count / 2]) : Double(v[v.count / 2 - 1] + v[v.count / 2]) / 2
        }
        let medianAll = median(iterations)
        let mean = Double(iterations.reduce(0, +)) / Double(max(1, iterations.count))
        let maxExcess = (excess.max() ?? 0) * 100, meanExcess = excess.reduce(0, +) / Double(max(1, excess.count)) * 100
        print(String(format: "%-6@ %-7@ %-10@ %-7.2f %4.1f / %-6.2f %5.2f×      %+6.2f %% / %+6.2f %%  %-12@ %-15@ %d",
                     codec.id.rawValue as NSString, profileLabel as NSString, reel.name as NSString,
                     Double(raw) / Double(adaptiveBytes), medianAll, mean, searchSeconds / max(finalSeconds, 1e-9),
                     maxExcess, meanExcess, fixedText as NSString, gainText as NSString, fallbacks))
        let warmText = warmIterations.isEmpty ? "none" : String(
            format: "%d frames, iterations median %.1f mean %.2f, time/final %.2f×", warmIterations.count,
            median(warmIterations), Double(warmIterations.reduce(0, +)) / Double(warmIterations.count),
            warmSearchSeconds / max(warmFinalSeconds, 1e-9))
        let returnText = returnIterations.isEmpty ? "" : String(
            format: " (%d of them from an earlier shot the reel returned to: iterations mean %.2f)", returnIterations.count,
            Double(returnIterations.reduce(0, +)) / Double(returnIterations.count))
        print("    iterations per frame: \(iterations.map(String.init).joined(separator: " ")); warm-started: \(warmText)\(returnText)")
        print("    oracle/fixed (the most a per-frame setting can win here): \(ceilingText)")
        print(String(format: "    reel size over the oracle's: %+.2f %%", (Double(comparedBytes) / Double(max(1, oracleBytes)) - 1) * 100))
        if overhead > 0, !fileExcess.isEmpty {
            let seals = Double(fileExcess.count * overhead)
            let worst: Double = 100 * (fileExcess.max() ?? 0)
            let mean: Double = 100 * fileExcess.reduce(0, +) / Double(fileExcess.count)
            let whole: Double = 100 * ((Double(comparedBytes) + seals) / (Double(oracleBytes) + seals) - 1)
            print(String(format: "    files (payload + %d B) over the oracle's: max %+.2f %%, mean %+.2f %%, reel %+.2f %%",
                         overhead, worst, mean, whole))
        }
    }


}
