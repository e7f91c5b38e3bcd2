import Dispatch
import Engine
import Foundation
import ImageCore
import TestSupport

/// `reelpack-bench compare`: the comparison's cost against the compress run it compares,
/// measured in the same run on the same frames. Target: at most 10× the compress run on
/// the 24-frame 2K demo reel. `REELPACK_BENCH_COMPARE_FRAMES` (default 24) and
/// `REELPACK_BENCH_COMPARE_SIZE` (default 2048x1080) shrink the reel for a quick look.
enum CompareBench {
    static func run() throws {
        let env = ProcessInfo.processInfo.environment
        let count = Int(env["REELPACK_BENCH_COMPARE_FRAMES"] ?? "") ?? 24
        let size = (env["REELPACK_BENCH_COMPARE_SIZE"] ?? "2048x1080").split(separator: "x").compactMap { Int($0) }
        let (width, height) = size.count == 2 ? (size[0], size[1]) : (2048, 1080)
        let scratch = try TemporaryDirectory("reelpack-bench-compare")
        defer { scratch.remove() }
        let src = scratch.file("scans")
        try SyntheticFrames.writeDPXSequence(.grain, count: count, to: src, width: width, height: height, bitDepth: 10)
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        print("reel: \(count) synthetic \(width)x\(height) 10-bit grain frames (the demo reel's kind), profile C1, jobs 2; load average at start: \(load)")
        // The compress run alone, then the comparison reading its output: each timed on the
        // wall clock and in CPU seconds (this process and the ffmpeg processes it ran).
        let archive = scratch.file("reelpack")
        let compressRun = CompressionRun(sources: [src], output: archive, settings: CompressionSettings(profile: .c1, jobs: 2),
                                         toolVersion: "bench")
        var clock = Date(), cpuStart = cpuSeconds()
        _ = try blocking { try await compressRun.run() }
        let compress = Date().timeIntervalSince(clock), compressCPU = cpuSeconds() - cpuStart
        let run = ComparisonRun(sources: [src], output: scratch.file("compare"), archive: archive,
                                settings: ComparisonSettings(profile: .c1, jobs: 2), toolVersion: "bench")
        clock = Date(); cpuStart = cpuSeconds()
        let result = try blocking { try await run.run() }
        let comparison = Date().timeIntervalSince(clock), comparisonCPU = cpuSeconds() - cpuStart
        let r = result.report
        print(String(format: "compress %.1f s wall, %.1f s CPU; compare %.1f s wall, %.1f s CPU; ratio %.1f× wall, %.1f× CPU (target ≤ 10×)",
                     compress, compressCPU, comparison, comparisonCPU, comparison / max(compress, 1e-9),
                     comparisonCPU / max(compressCPU, 1e-9)))
        print("method   setting                           ratio    SSIM mean/min     PSNR mean/min   tile min  grain  under floors")
        func line(_ s: MethodSummary) {
            func pad(_ t: String, _ n: Int) -> String { t.count >= n ? t : t + String(repeating: " ", count: n - t.count) }
            let grain = s.grainRetentionMean.map { String(format: "%.2f", $0) } ?? "–"
            print(pad(s.method, 8) + " " + pad(s.setting ?? "per frame", 33)
                  + String(format: " %6.2f:1  %.4f / %.4f  %6.2f / %6.2f  %.4f   ", s.ratio, s.ssimMean, s.ssimMin,
                           s.psnrMean ?? .nan, s.psnrMin ?? .nan, s.tileFloorMin)
                  + "\(grain)   \(s.framesUnderFloors)/\(s.frames)")
        }
        line(r.reelpack)
        for m in r.methods { line(m.equalSize) }
        print("safe settings:")
        for m in r.methods { if let s = m.safe { line(s) } else { print("\(m.method.rawValue): \(m.safeNote ?? "none")") } }
        for s in r.skipped { print("skipped: \(s.note)") }
        print("time by method: " + r.methods.map { String(format: "%@ %.1f s", $0.method.rawValue, $0.seconds) }.joined(separator: ", "))
        // The profile: wall seconds by phase, and by kind of work (decode and metrics are
        // summed over frames and workers).
        for (name, seconds) in (r.stepSeconds ?? [:]).sorted(by: { $0.key < $1.key }) {
            print(String(format: "step %@: %.1f s", name, seconds))
        }
        print("method  equal-size  safe (settings)  curve   encode (settings, frames)   decode+measure  decode Σ  metrics Σ (frames)")
        for m in r.methods {
            guard let t = m.timing else { continue }
            print(String(format: "%-6@  %8.1f s  %6.1f s (%2d)  %5.1f s  %6.1f s (%2d, %4d)        %7.1f s      %6.1f s  %6.1f s (%d)",
                         m.method.rawValue, t.equalSizeSeconds, t.safeSeconds, t.safeTrials, t.curveSeconds,
                         t.encodeSeconds, t.settingsEncoded, t.framesEncoded, t.measureSeconds, t.decodeSeconds,
                         t.metricSeconds, t.framesMeasured))
            print("        size trials: " + m.sizeTrials.map { String(format: "%.3g → %d", $0.knob, $0.bytes) }.joined(separator: ", ")
                  + " (target \(m.targetBytes))")
        }
    }

    /// User + system CPU seconds of this process and its finished children (ffmpeg).
    static func cpuSeconds() -> Double {
        func seconds(_ who: Int32) -> Double {
            var usage = rusage()
            getrusage(who, &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
                + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
        return seconds(Int32(RUSAGE_SELF.rawValue)) + seconds(Int32(RUSAGE_CHILDREN.rawValue))
    }


}
