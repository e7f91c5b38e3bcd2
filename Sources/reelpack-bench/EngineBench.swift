import Codecs
import Dispatch
import Engine
import Foundation
import Formats
import ImageCore
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
        let scratch = try TemporaryDirectory("reelpack-bench-engine")
        defer { scratch.remove() }
        let src = scratch.file("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        for f in frames { try FileManager.default.copyItem(at: Corpus.url("photos/\(f).dpx"), to: src.appendingPathComponent("\(f).dpx")) }
        let sourceBytes = try frames.reduce(0) { $0 + (try Data(contentsOf: src.appendingPathComponent("\($1).dpx")).count) }
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        print("frames: \(frames.count) corpus photos (\(sourceBytes) bytes); jobs 2; load average at start: \(load)")
        print("profile  codec  fps    ratio   SSIM min  tile min  iter/frame  fixed-setting ratio  adaptive gain")

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
                                 (.c2, .htj2k), (.c1, .j2k)] {
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
            print(String(format: "%-8@ %-6@ %-6.2f %-7.3f %-9.5f %-9.5f %-11.1f %@  %@",
                         profile.rawValue as NSString, codec.rawValue as NSString, Double(s.frameCount) / s.seconds, s.ratio,
                         s.ssimMin ?? 1, s.tileFloorMin ?? 1, s.meanIterations, reference as NSString, gain as NSString))
            if s.failed > 0 { print("  \(s.failed) frames failed: \(result.frames.compactMap(\.error))") }
        }
    }

    /// Runs async work to completion from synchronous code.
    private static func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
            done.signal()
        }
        done.wait()
        guard let result = box.result else { throw EngineError(.unavailable, "no result") }
        return try result.get()
    }

    // Written once by the task before `done.signal()`, read after `done.wait()`: no overlap.
    private final class ResultBox<T>: @unchecked Sendable { var result: Result<T, any Error>? }
}
