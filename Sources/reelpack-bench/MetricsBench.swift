import Foundation
import ImageCore
import Metrics
import TestSupport

/// `reelpack-bench metrics`: SSIM + tile floor + PSNR on a 4096×2160 3-channel 12-bit
/// grain-like frame and a distorted copy, against scikit-image on the same pair
/// (read from the same raw files) in the same run; also the peak extra memory.
enum MetricsBench {
    static let width = 4096, height = 2160, channels = 3, bitDepth = 12

    static func run() throws {
        let (reference, test) = try makePair()
        let frameBytes = reference.samples.count * 2
        let megapixels = Double(width * height) / 1e6
        print("frame: \(width)×\(height)×\(channels), \(bitDepth)-bit, \(frameBytes / 1_000_000) MB as UInt16")

        // Peak extra memory of one measure call: reset the high-water mark, then compare.
        _ = try QualityMetrics.measure(reference: reference, test: test)   // warm-up
        let residentBefore = memoryField("VmRSS")
        resetPeakMemory()
        let report = try QualityMetrics.measure(reference: reference, test: test)
        let peakAfter = memoryField("VmHWM")
        if let residentBefore, let peakAfter {
            let extra = max(0, peakAfter - residentBefore)
            print(String(format: "peak extra memory during measure: %.1f MB (%.2f× the frame's UInt16 size; RSS before %.0f MB)",
                         Double(extra) / 1e6, Double(extra) / Double(frameBytes), Double(residentBefore) / 1e6))
        } else {
            print("peak memory: /proc/self/status not available")
        }

        var timings: [Int: Double] = [:]
        var cpuTimes: [Int: Double] = [:]
        for threads in [1, 2] {
            var best = Double.infinity, bestCPU = Double.infinity
            for _ in 0..<3 {
                let cpuStart = processCPUSeconds()
                let start = DispatchTime.now().uptimeNanoseconds
                let r = try QualityMetrics.measure(reference: reference, test: test, threads: threads)
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                bestCPU = min(bestCPU, processCPUSeconds() - cpuStart)
                precondition(r == report, "result changed with the thread count")
            }
            timings[threads] = best
            cpuTimes[threads] = bestCPU
            print(String(format: "reelpack, %d thread(s): %.3f s wall, %.3f s CPU  (%.1f MP/s of frame, %.1f MP/s of samples)",
                         threads, best, bestCPU, megapixels / best, megapixels * Double(channels) / best))
        }
        print(String(format: "reelpack: SSIM %.8f [%@], tile floor %.6f at %@, PSNR %.4f dB, max error %d",
                     report.ssim, report.ssimPerChannel.map { String(format: "%.6f", $0) }.joined(separator: ", "),
                     report.tileFloor, "\(report.worstTile)", report.psnr ?? .infinity, report.maxError))

        // scikit-image on the same pair, from raw files.
        let folder = try TemporaryDirectory("reelpack-metrics-bench")
        defer { folder.remove() }
        let refURL = folder.file("reference.u16"), testURL = folder.file("test.u16")
        try rawData(reference).write(to: refURL)
        try rawData(test).write(to: testURL)
        let script = Corpus.packageRoot.appendingPathComponent("scripts/reference_metrics.py").path
        let output = try ExternalTool.run(["python3", script, "bench", refURL.path, testURL.path,
                                           "\(width)", "\(height)", "\(channels)", "\(bitDepth)"])
        struct Reference: Decodable {
            var ssim: Double; var ssimPerChannel: [Double]; var psnr: Double; var ssimSeconds: Double; var ssimCPUSeconds: Double
        }
        let theirs = try JSONDecoder().decode(Reference.self, from: output)
        let ours = timings[2] ?? .infinity
        print(String(format: "scikit-image: SSIM %.8f, PSNR %.4f dB, %.2f s wall, %.2f s CPU for the SSIM (%.2f MP/s)",
                     theirs.ssim, theirs.psnr, theirs.ssimSeconds, theirs.ssimCPUSeconds, megapixels / theirs.ssimSeconds))
        let channelDifference = zip(report.ssimPerChannel, theirs.ssimPerChannel).map { abs($0 - $1) }.max() ?? .nan
        print(String(format: "ratio: reelpack (2 threads, SSIM + tile floor + PSNR) is %.1f× scikit-image (SSIM only)",
                     theirs.ssimSeconds / ours))
        print(String(format: "CPU-time ratio (robust to other load on the machine): %.1f× (1 thread), %.1f× (2 threads)",
                     theirs.ssimCPUSeconds / (cpuTimes[1] ?? .infinity), theirs.ssimCPUSeconds / (cpuTimes[2] ?? .infinity)))
        print(String(format: "difference: SSIM %.3g (worst channel %.3g), PSNR %.3g relative",
                     abs(report.ssim - theirs.ssim), channelDifference,
                     abs((report.psnr ?? .infinity) - theirs.psnr) / theirs.psnr))
    }

    /// A grain-like 12-bit frame (smooth gradients, texture, per-sample noise) and a
    /// copy with milder extra noise, coarser low bits and one damaged block.
    static func makePair() throws -> (PixelBuffer, PixelBuffer) {
        let peak = (1 << bitDepth) - 1
        var reference = try PixelBuffer(width: width, height: height, channels: channels, bitDepth: bitDepth)
        var test = reference
        var rng = SeededRandom(seed: 20_261_125)
        for c in 0..<channels {
            for y in 0..<height {
                for x in 0..<width {
                    let base = 600.0 + 2200.0 * Double(x) / Double(width) + 500.0 * sin(Double(y) / 90.0 + Double(c))
                    let texture = 180.0 * sin(Double(x) / 7.0) * cos(Double(y) / 11.0)
                    let grain = rng.approximateGaussian() * 40.0
                    let value = min(Double(peak), max(0, (base + texture + grain).rounded()))
                    let i = reference.index(x: x, y: y, channel: c)
                    reference.samples[i] = UInt16(value)
                    var distorted = value + rng.approximateGaussian() * 12.0
                    if (1000..<1200).contains(x), (700..<900).contains(y) { distorted = (distorted / 64).rounded() * 64 }
                    test.samples[i] = UInt16(min(Double(peak), max(0, distorted.rounded())))
                }
            }
        }
        return (reference, test)
    }

    static func rawData(_ frame: PixelBuffer) -> Data {
        var bytes = [UInt8](repeating: 0, count: frame.samples.count * 2)
        for (i, v) in frame.samples.enumerated() {
            bytes[2 * i] = UInt8(v & 0xFF)
            bytes[2 * i + 1] = UInt8(v >> 8)
        }
        return Data(bytes)
    }

    /// User + system CPU time of this process (all threads), in seconds.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// A `/proc/self/status` field in bytes (Linux), or nil.
    static func memoryField(_ name: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            let digits = line.split(separator: " ").compactMap { Int($0) }
            return digits.first.map { $0 * 1024 }
        }
        return nil
    }

    /// Resets VmHWM to the current RSS (Linux `clear_refs` value 5).
    static func resetPeakMemory() {
        if let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
            handle.write(Data("5".utf8))
            try? handle.close()
        }
    }
}

extension SeededRandom {
    /// Approximately standard normal (sum of four uniforms, rescaled): cheaper than
    /// Box–Muller for the benchmark's 26 million grain samples.
    mutating func approximateGaussian() -> Double {
        var sum = 0.0
        for _ in 0..<4 { sum += Double(next() >> 11) / Double(1 << 53) }
        return (sum - 2.0) * 1.7320508075688772
    }
}
