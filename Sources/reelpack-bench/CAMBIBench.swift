import Foundation
import Formats
import ImageCore
import Metrics
import TestSupport

/// `reelpack-bench cambi`: the banding index's time on 4096×2160 12-bit frames (1 and
/// 2 threads), and, when `REELPACK_VMAF` names libvmaf's `vmaf` tool, its agreement
/// with libvmaf's CAMBI on frames libvmaf accepts (2K and below, plus one UHD frame
/// for the time ratio), fed the same luma as 10-bit 4:2:0 with neutral chroma.
enum CAMBIBench {
    static func run() throws {
        try timing()
        guard let vmaf = ProcessInfo.processInfo.environment["REELPACK_VMAF"], !vmaf.isEmpty else {
            print("REELPACK_VMAF is not set: the comparison with libvmaf is skipped")
            return
        }
        try agreement(vmaf: vmaf)
    }

    // MARK: Time at 4K

    static func timing() throws {
        let (w, h) = (4096, 2160)
        let frames: [(String, PixelBuffer)] = [
            ("synthetic film frame (grain)", try SyntheticFrames.frame(.grain, width: w, height: h, bitDepth: 12)),
            ("synthetic gradient frame", try SyntheticFrames.frame(.gradient, width: w, height: h, bitDepth: 12)),
            ("banded sky, no grain (worst case: all flat)",
             BandingFrames.banded(try BandingFrames.sky(width: w, height: h, bitDepth: 12, grain: 0), step: 3)),
        ]
        print("CAMBI on \(w)×\(h)×3 12-bit frames (window \(CAMBI.windowSize(width: w, height: h))), best of 3:")
        for (name, frame) in frames {
            var line = "  \(name):"
            var first: CAMBI.Result?
            for threads in [1, 2] {
                var best = Double.infinity, bestCPU = Double.infinity
                for _ in 0..<3 {
                    let cpu = MetricsBench.processCPUSeconds()
                    let start = DispatchTime.now().uptimeNanoseconds
                    let result = CAMBI.measure(frame, threads: threads)
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                    bestCPU = min(bestCPU, MetricsBench.processCPUSeconds() - cpu)
                    if let first { precondition(result == first, "result changed with the thread count") }
                    first = result
                }
                line += String(format: " %d thread(s) %.3f s wall (%.3f s CPU);", threads, best, bestCPU)
            }
            print(line + String(format: " CAMBI %.4f", first!.score))
        }
    }

    // MARK: Against libvmaf

    struct Row {
        var name: String
        var frame: PixelBuffer
    }

    static func agreement(vmaf: String) throws {
        var rows: [Row] = []
        for name in Corpus.files(in: "photos", suffix: ".dpx") {
            rows.append(Row(name: name, frame: try ImageFile.read(contentsOf: Corpus.url(name)).pixels))
        }
        let (w, h) = (1920, 1080)
        for step in 1...4 {
            rows.append(Row(name: "sky 10-bit, steps of \(step)",
                            frame: BandingFrames.banded(try BandingFrames.sky(width: w, height: h, grain: 0), step: step)))
        }
        rows.append(Row(name: "sky 10-bit, grain 1.5 then steps of 4",
                        frame: BandingFrames.banded(try BandingFrames.sky(width: w, height: h, grain: 1.5), step: 4)))
        rows.append(Row(name: "sky 10-bit, grain 1.5", frame: try BandingFrames.sky(width: w, height: h, grain: 1.5)))
        rows.append(Row(name: "sky 12-bit, steps of 3",
                        frame: BandingFrames.banded(try BandingFrames.sky(width: w, height: h, bitDepth: 12, grain: 0), step: 3)))
        rows.append(Row(name: "sky 16-bit, smooth", frame: try BandingFrames.sky(width: w, height: h, bitDepth: 16, grain: 0)))
        for kind in FilmSynthesizer.Kind.allCases {
            rows.append(Row(name: "synth \(kind.rawValue) 2048×1080",
                            frame: try SyntheticFrames.frame(kind, width: 2048, height: 1080, bitDepth: 10)))
        }
        rows.append(Row(name: "sky 10-bit 3840×2160, steps of 3 (time)",
                        frame: BandingFrames.banded(try BandingFrames.sky(width: 3840, height: 2160, grain: 0), step: 3)))

        let folder = try TemporaryDirectory("reelpack-cambi-bench")
        defer { folder.remove() }
        print("\nCAMBI against libvmaf (\(vmaf) --feature cambi, 1 thread each). ours@10: Reelpack on the same")
        print("10-bit luma libvmaf reads; ours@src: Reelpack at the frame's own depth (12/16-bit differ by design).")
        print("| frame | size | bits | libvmaf | ours@10 | Δ | ours@src | Δ | ours@10 s | libvmaf s |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        var worst10 = 0.0, oursTime = 0.0, theirTime = 0.0
        for row in rows {
            let frame = row.frame
            let luma10 = tenBitLuma(frame)
            let yuv = folder.file("frame.yuv")
            try yuv420(luma10).write(to: yuv)
            let (theirs, theirSeconds) = try libvmaf(vmaf, yuv: yuv, luma: luma10, folder: folder)
            let start = DispatchTime.now().uptimeNanoseconds
            let ours10 = CAMBI.measure(luma10, threads: 1).score
            let ourSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let oursSource = frame.bitDepth == 10 && frame.channels == 1 ? ours10 : CAMBI.measure(frame, threads: 1).score
            worst10 = max(worst10, abs(ours10 - theirs))
            oursTime += ourSeconds
            theirTime += theirSeconds
            print(String(format: "| %@ | %d×%d | %d | %.6f | %.6f | %+.1e | %.6f | %+.4f | %.3f | %.3f |",
                         row.name, frame.width, frame.height, frame.bitDepth, theirs, ours10, ours10 - theirs,
                         oursSource, oursSource - theirs, ourSeconds, theirSeconds))
        }
        print(String(format: "largest |ours@10 − libvmaf| %.2e; time, all frames: ours %.3f s, libvmaf %.3f s (%.2f× libvmaf's)",
                     worst10, oursTime, theirTime, oursTime / theirTime))
    }

    /// The luma CAMBI measures, as libvmaf reads it: 10-bit codes (rounded from
    /// 12/16 bits as libvmaf rounds, shifted up from 8).
    static func tenBitLuma(_ frame: PixelBuffer) -> PixelBuffer {
        var luma = CAMBI.luma(frame)
        let depth = luma.bitDepth
        for i in luma.samples.indices {
            let v = Int(luma.samples[i])
            // Rounded as libvmaf rounds, but kept within 10 bits (4095 would round to 1024).
            luma.samples[i] = UInt16(min(1023, depth > 10 ? (v + (1 << (depth - 11))) >> (depth - 10) : v << (10 - depth)))
        }
        return try! luma.redeclared(bitDepth: 10)
    }

    /// yuv420p10le: the luma, then neutral (512) chroma planes.
    static func yuv420(_ luma: PixelBuffer) -> Data {
        let chroma = ((luma.width + 1) / 2) * ((luma.height + 1) / 2)
        var data = Data(capacity: 2 * (luma.planeSize + 2 * chroma))
        luma.samples.withUnsafeBytes { data.append(contentsOf: $0) }   // little-endian hosts
        let neutral = [UInt16](repeating: 512, count: 2 * chroma)
        neutral.withUnsafeBytes { data.append(contentsOf: $0) }
        return data
    }

    /// libvmaf's CAMBI of the one-frame file `yuv`, and its time per frame: the time
    /// of a run on three copies less that of a run on one, halved (so the process
    /// start and model loading cancel; reading the file does not).
    static func libvmaf(_ vmaf: String, yuv: URL, luma: PixelBuffer, folder: TemporaryDirectory) throws -> (Double, Double) {
        let one = try Data(contentsOf: yuv)
        let three = folder.file("three.yuv")
        try (one + one + one).write(to: three)
        var score = Double.nan
        var seconds: [Double] = []
        for file in [yuv, three] {
            let json = folder.file("out.json")
            let start = DispatchTime.now().uptimeNanoseconds
            try ExternalTool.run([vmaf, "-r", file.path, "-d", file.path, "-w", "\(luma.width)", "-h", "\(luma.height)",
                                  "-p", "420", "-b", "10", "--feature", "cambi", "-n", "--threads", "1", "-q",
                                  "--json", "-o", json.path])
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any]
            let frames = object?["frames"] as? [[String: Any]]
            let metrics = frames?.first?["metrics"] as? [String: Any]
            score = (metrics?["cambi"] as? Double) ?? .nan
        }
        return (score, max(0, seconds[1] - seconds[0]) / 2)
    }
}
