// The `jxl` benchmark: JPEG XL encode/decode speed and lossless ratio, against
// cjxl/djxl (the libjxl command-line tools) on the same frames in the same run.
import Codecs
import Formats
import Foundation
import ImageCore
import TestSupport

enum JPEGXLBenchmark {
    struct Frame {
        var name: String
        var pixels: PixelBuffer
        /// Bytes of the source file (for the compression ratio), or of the samples
        /// packed at their depth for a synthetic frame.
        var sourceBytes: Int
    }

    static func run() throws {
        var frames: [Frame] = []
        for path in ["sequence/beachball_0001.dpx", "photos/StillLife_log10.dpx", "photos/StillLife_709_12.dpx"] {
            let pixels = try ImageFile.read(contentsOf: Corpus.url(path)).pixels
            let bytes = try FileManager.default.attributesOfItem(atPath: Corpus.url(path).path)[.size] as? Int ?? 0
            frames.append(Frame(name: path, pixels: pixels, sourceBytes: bytes))
        }
        let grain = syntheticGrain(width: 4096, height: 2160, bitDepth: 12)
        frames.append(Frame(name: "synthetic 4096×2160 12-bit grain", pixels: grain,
                            sourceBytes: grain.samples.count * 12 / 8))

        let threads = ProcessInfo.processInfo.activeProcessorCount
        print("threads: \(threads); times are the best of 2 runs; MP/s = megapixels per second")
        print("ratio = source bytes / .jxl bytes; ref = cjxl/djxl wall time (process, PPM I/O included)")
        let modes: [(String, CodecMode, [String], Int)] = [
            ("lossless e1", .lossless, ["-d", "0", "-e", "1"], 1),
            ("lossless e2", .lossless, ["-d", "0", "-e", "2"], 2),
            ("lossless e3", .lossless, ["-d", "0", "-e", "3"], 3),
            ("lossy d=0.3 e3", .lossy(quality: -log2(0.3)), ["-d", "0.3", "-e", "3"], 3),
            ("lossy d=0.3 e5", .lossy(quality: -log2(0.3)), ["-d", "0.3", "-e", "5"], 5),
        ]
        for frame in frames {
            let p = frame.pixels
            let mp = Double(p.width * p.height) / 1e6
            print("\n\(frame.name): \(p.width)×\(p.height), \(p.channels) ch, \(p.bitDepth) bit, source \(frame.sourceBytes) B")
            let dir = try TemporaryDirectory("jxl-bench")
            defer { dir.remove() }
            let ppm = dir.file("in.ppm")
            try writePPM(p, to: ppm)
            for (label, mode, cjxlArgs, effort) in modes {
                let codec = JPEGXLCodec(losslessEffort: effort, lossyEffort: effort, threads: threads)
                var payload = Data()
                let enc = try best(of: 2) { payload = try codec.encode(p, mode: mode) }
                let file = try codec.wrap(payload: payload, seal: nil)
                var decoded: PixelBuffer?
                let dec = try best(of: 2) { decoded = try codec.decode(file).pixels }
                if case .lossless = mode, decoded != p { print("  \(label): LOSSLESS MISMATCH") }
                let out = dir.file("ref.jxl")
                let refEnc = try best(of: 2) {
                    try ExternalTool.run(["cjxl", ppm.path, out.path, "--num_threads", "\(threads)"] + cjxlArgs)
                }
                let refFile = (try? Data(contentsOf: out)) ?? Data()
                let refBytes = refFile.count
                if case .lossless = mode, (try? codec.decode(refFile).pixels) != p {
                    print("  \(label): cjxl did not encode the same samples (reference invalid)")
                }
                let refDec = try best(of: 2) {
                    try ExternalTool.run(["djxl", out.path, dir.file("ref.ppm").path, "--num_threads", "\(threads)"])
                }
                print(String(format: "  %-15@ enc %6.3f s %6.1f MP/s  dec %6.3f s %6.1f MP/s  %9d B  ratio %5.2f:1 | cjxl %6.3f s (%4.2fx) %9d B, djxl %6.3f s (%4.2fx)",
                             label as NSString, enc, mp / enc, dec, mp / dec, file.count,
                             Double(frame.sourceBytes) / Double(file.count),
                             refEnc, refEnc / enc, refBytes, refDec, refDec / dec))
            }
        }
    }

    static func best(of runs: Int, _ body: () throws -> Void) throws -> Double {
        var best = Double.infinity
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }

    /// A smooth image with Gaussian-like grain (σ ≈ 1.5 % of full scale).
    static func syntheticGrain(width: Int, height: Int, bitDepth: Int) -> PixelBuffer {
        // Safe: fixed valid geometry.
        var frame = try! PixelBuffer(width: width, height: height, channels: 3, bitDepth: bitDepth)
        let maxValue = frame.maxValue
        var state: UInt64 = 0x1234_5678_9ABC_DEF1
        let sigma = Double(maxValue) * 0.015
        frame.samples.withUnsafeMutableBufferPointer { s in
            for c in 0..<3 {
                for y in 0..<height {
                    for x in 0..<width {
                        var sum = 0.0
                        for _ in 0..<4 {
                            state ^= state << 13; state ^= state >> 7; state ^= state << 17
                            sum += Double(state >> 11) / Double(1 << 53)
                        }
                        let noise = (sum - 2) * sigma * 1.732
                        let base = Double(maxValue) * (0.2 + 0.6 * Double(x + y * (c + 1)) / Double(width + height * 3))
                        s[c * width * height + y * width + x] = UInt16(min(max(base + noise, 0), Double(maxValue)))
                    }
                }
            }
        }
        return frame
    }

    /// A binary PPM with maxval 2^depth − 1, from which cjxl takes the depth. cjxl
    /// 0.7 passes 16-bit PNM samples to libjxl as 0…65535 whatever the maxval (and
    /// djxl writes them so), so codes are scaled up the way `JPEGXLCodec` does;
    /// without that, cjxl would drop the low bits and compress a darker image.
    static func writePPM(_ p: PixelBuffer, to url: URL) throws {
        var out = Data("P6\n\(p.width) \(p.height)\n\(p.maxValue)\n".utf8)
        let max = UInt32(p.maxValue)
        let scale = p.bitDepth > 8 && p.bitDepth < 16
        guard p.bitDepth > 8 else { throw CocoaError(.featureUnsupported) }
        var body = [UInt8](repeating: 0, count: p.planeSize * 3 * 2)
        for i in 0..<p.planeSize {
            for c in 0..<3 {
                let code = UInt32(p.samples[c * p.planeSize + i])
                let v = scale ? (code * 65535 + max / 2) / max : code
                body[(i * 3 + c) * 2] = UInt8(v >> 8)
                body[(i * 3 + c) * 2 + 1] = UInt8(v & 0xFF)
            }
        }
        out.append(contentsOf: body)
        try out.write(to: url)
    }
}
