import Codecs
import Foundation
import Formats
import ImageCore
import Metrics
import TestSupport

/// `reelpack-bench ssimulacra2`: Reelpack's SSIMULACRA 2 against Cloudinary's
/// `ssimulacra2` tool on the same frames, in the same run. Opt-in: set
/// `REELPACK_SSIMULACRA2` to the tool's path.
///
/// Each frame and its distorted copy are rendered through the display transform to
/// 16-bit binary PPM (display value × 65535, rounded; the tool reads PPM as sRGB, and
/// the project's PNG writer is 8-bit only), and the tool scores those files. Reelpack
/// scores the same PPM contents (as 16-bit codes shown as they are: the implementation
/// check) and the original frames through the transform (what the engine will do).
enum SSIMULACRA2Bench {
    static func run() throws {
        guard let tool = ProcessInfo.processInfo.environment["REELPACK_SSIMULACRA2"], !tool.isEmpty else {
            print("skipped: set REELPACK_SSIMULACRA2 to the path of Cloudinary's ssimulacra2 tool")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reelpack-ssimulacra2-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }

        print("pair | transform | reference tool | reelpack (same PPM) | diff | reelpack (frames) | tool s | reelpack s")
        var diffs: [Double] = []
        for name in ["Cannon_log10.dpx", "Carrots_709_12.dpx", "Desk_srgb16.tif", "StillLife_bw_log10.dpx"] {
            let source = try ImageFile.read(contentsOf: Corpus.url("photos/\(name)"))
            let frame = source.pixels
            // The corpus's log scans leave the DPX transfer code user-defined: name them.
            let transform = DisplayTransform.forFrame(metadata: source.metadata,
                                                      override: name.contains("_log10") ? .cineonLog : nil)
            for (label, distorted) in try distortions(of: frame) {
                let row = try compare(reference: frame, test: distorted, transform: transform, tool: tool, dir: dir)
                diffs.append(row.diff)
                print(String(format: "%@ %@ | %@ | %.4f | %.4f | %+.4f | %.4f | %.3f | %.3f",
                             name, label, transform.name, row.tool, row.ours, row.diff, row.oursFrames,
                             row.toolSeconds, row.oursSeconds))
            }
        }
        let absDiffs = diffs.map(abs)
        print(String(format: "agreement over %d pairs: largest |diff| %.4f, mean |diff| %.4f",
                     diffs.count, absDiffs.max() ?? 0, absDiffs.reduce(0, +) / Double(max(1, diffs.count))))

        // One 4K frame for the timing (the metrics benchmark's 12-bit grain-like pair).
        let (reference, test) = try MetricsBench.makePair()
        let transform = DisplayTransform.cineonLog
        let row = try compare(reference: reference, test: test, transform: transform, tool: tool, dir: dir, timeTool: true)
        print(String(format: "4K 4096×2160×3 12-bit, %@: tool %.4f, reelpack %.4f (same PPM, diff %+.4f), %.4f (frames)",
                     transform.name, row.tool, row.ours, row.diff, row.oursFrames))
        if let peak = row.toolPeakBytes {
            print(String(format: "reference tool: %.3f s wall, %@ s CPU, peak RSS %.0f MB (/usr/bin/time -v; reads two 16-bit PPMs)",
                         row.toolSeconds, row.toolCPU ?? "?", Double(peak) / 1e6))
        }
        for threads in [1, 2] {
            var best = Double.infinity, bestCPU = Double.infinity
            for _ in 0..<3 {
                let cpuStart = MetricsBench.processCPUSeconds()
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try SSIMULACRA2.score(reference: reference, test: test, transform: transform, threads: threads)
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                bestCPU = min(bestCPU, MetricsBench.processCPUSeconds() - cpuStart)
            }
            print(String(format: "reelpack, %d thread(s): %.3f s wall, %.3f s CPU (best of 3), %.1f× less wall time than the tool",
                         threads, best, bestCPU, row.toolSeconds / best))
        }
        let residentBefore = MetricsBench.memoryField("VmRSS")
        MetricsBench.resetPeakMemory()
        _ = try SSIMULACRA2.score(reference: reference, test: test, transform: transform, threads: 2)
        if let residentBefore, let peak = MetricsBench.memoryField("VmHWM") {
            print(String(format: "reelpack peak extra memory during one 2-thread score: %.0f MB (frames already in memory, %.0f MB as UInt16)",
                         Double(max(0, peak - residentBefore)) / 1e6, Double(2 * reference.samples.count * 2) / 1e6))
        }
    }

    struct BenchFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    struct Row {
        var tool: Double, ours: Double, oursFrames: Double
        var toolSeconds: Double, oursSeconds: Double
        var toolPeakBytes: Int?
        var toolCPU: String?
        var diff: Double { ours - tool }
    }

    static func compare(reference: PixelBuffer, test: PixelBuffer, transform: DisplayTransform,
                        tool: String, dir: URL, timeTool: Bool = false) throws -> Row {
        let refPPM = try rendered(reference, transform), testPPM = try rendered(test, transform)
        let refURL = dir.appendingPathComponent("reference.ppm"), testURL = dir.appendingPathComponent("test.ppm")
        try ppm(refPPM).write(to: refURL)
        try ppm(testPPM).write(to: testURL)

        let start = DispatchTime.now().uptimeNanoseconds
        var arguments = [tool, refURL.path, testURL.path]
        if timeTool, FileManager.default.isExecutableFile(atPath: "/usr/bin/time") { arguments = ["/usr/bin/time", "-v"] + arguments }
        let result = try ExternalTool.runStatus(arguments)
        let toolSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let stdout = String(decoding: result.stdout, as: UTF8.self)
        guard result.status == 0, let toolScore = Double(stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BenchFailure("\(arguments.joined(separator: " ")) exited \(result.status): "
                               + String(decoding: result.stderr, as: UTF8.self).suffix(2000))
        }
        var peak: Int?
        var cpu = 0.0, sawCPU = false
        for line in String(decoding: result.stderr, as: UTF8.self).split(separator: "\n") {
            let value = line.split(separator: " ").last.flatMap { Double($0) }
            if line.contains("Maximum resident set size") { peak = value.map { Int($0) * 1024 } }
            if line.contains("User time (seconds)") || line.contains("System time (seconds)") {
                cpu += value ?? 0
                sawCPU = true
            }
        }

        let ours = try SSIMULACRA2.score(reference: refPPM, test: testPPM, transform: .rec709)
        let oursStart = DispatchTime.now().uptimeNanoseconds
        let oursFrames = try SSIMULACRA2.score(reference: reference, test: test, transform: transform)
        let oursSeconds = Double(DispatchTime.now().uptimeNanoseconds - oursStart) / 1e9
        return Row(tool: toolScore, ours: ours, oursFrames: oursFrames, toolSeconds: toolSeconds,
                   oursSeconds: oursSeconds, toolPeakBytes: peak,
                   toolCPU: sawCPU ? String(format: "%.2f", cpu) : nil)
    }

    /// The frame's display rendering as 16-bit RGB codes (grey frames as R = G = B).
    static func rendered(_ frame: PixelBuffer, _ transform: DisplayTransform) throws -> PixelBuffer {
        let table = transform.lookupTable(bitDepth: frame.bitDepth).map { UInt16(($0 * 65535).rounded()) }
        var out = try PixelBuffer(width: frame.width, height: frame.height, channels: 3, bitDepth: 16)
        let n = frame.planeSize
        for c in 0..<3 {
            let src = frame.channels >= 3 ? c : 0
            for i in 0..<n { out.samples[c * n + i] = table[Int(min(frame.samples[src * n + i], UInt16(frame.maxValue)))] }
        }
        return out
    }

    /// Binary PPM (P6, maxval 65535, big-endian samples) of a 3-channel 16-bit frame.
    static func ppm(_ frame: PixelBuffer) -> Data {
        var data = Data("P6\n\(frame.width) \(frame.height)\n65535\n".utf8)
        let n = frame.planeSize
        var bytes = [UInt8](repeating: 0, count: n * 6)
        for i in 0..<n {
            for c in 0..<3 {
                let v = frame.samples[c * n + i]
                bytes[6 * i + 2 * c] = UInt8(v >> 8)
                bytes[6 * i + 2 * c + 1] = UInt8(v & 0xFF)
            }
        }
        data.append(contentsOf: bytes)
        return data
    }

    /// Distorted copies: our JPEG 2000 and HTJ2K at three settings each, Gaussian
    /// noise, a 3×3 box blur and coarse quantisation of the codes.
    static func distortions(of frame: PixelBuffer) throws -> [(String, PixelBuffer)] {
        var out: [(String, PixelBuffer)] = []
        let j2k = JPEG2000Codec(threads: 2)
        for q in [2.0, 10.0, 40.0] {
            out.append(("j2k q\(Int(q))", try j2k.decode(j2k.encode(frame, mode: .lossy(quality: q))).pixels))
        }
        let htj2k = HTJ2KCodec()
        for q in [2.0, 6.0, 15.0] {
            out.append(("htj2k q\(Int(q))", try htj2k.decode(htj2k.encode(frame, mode: .lossy(quality: q))).pixels))
        }
        out.append(("noise 1%", noisy(frame, sigma: 0.01)))
        out.append(("blur 3x3", boxBlurred(frame)))
        out.append(("quantised /32", quantised(frame, step: max(1, (frame.maxValue + 1) / 32))))
        return out
    }

    static func noisy(_ frame: PixelBuffer, sigma: Double) -> PixelBuffer {
        var out = frame
        var rng = SeededRandom(seed: 42)
        let peak = Double(frame.maxValue)
        for i in out.samples.indices {
            out.samples[i] = UInt16(min(peak, max(0, (Double(frame.samples[i]) + rng.gaussian() * sigma * peak).rounded())))
        }
        return out
    }

    /// Each code replaced by the mean of its 3×3 neighbourhood (edges repeated), rounded.
    static func boxBlurred(_ frame: PixelBuffer) -> PixelBuffer {
        var out = frame
        for c in 0..<frame.channels {
            for y in 0..<frame.height {
                for x in 0..<frame.width {
                    var sum = 0
                    for dy in -1...1 {
                        for dx in -1...1 {
                            sum += Int(frame[min(max(x + dx, 0), frame.width - 1), min(max(y + dy, 0), frame.height - 1), c])
                        }
                    }
                    out[x, y, c] = UInt16((Double(sum) / 9).rounded())
                }
            }
        }
        return out
    }

    /// Each code rounded down to a multiple of `step`.
    static func quantised(_ frame: PixelBuffer, step: Int) -> PixelBuffer {
        var out = frame
        for i in out.samples.indices { out.samples[i] = UInt16(Int(frame.samples[i]) / step * step) }
        return out
    }
}
