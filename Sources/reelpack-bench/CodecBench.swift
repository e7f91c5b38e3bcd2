import Codecs
import Foundation
import Formats
import ImageCore
import TestSupport

/// `reelpack-bench codecs`: encode and decode speed (MP/s, both cores) of every codec
/// in this build, lossless and at a mid lossy setting, on real corpus frames and a
/// synthetic 4K 12-bit grain frame; lossless ratio against ffmpeg's FFV1 on the
/// same source, measured in the same run.
enum CodecBench {
    /// A benchmark input: samples, the bytes of its source file, and a DPX for ffmpeg.
    struct Input {
        var name: String
        var pixels: PixelBuffer
        var sourceBytes: Int
        /// Arguments that make ffmpeg read the same frame (a DPX file, or raw planes).
        var ffmpegInput: [String]
    }

    static func run() throws {
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let scratch = try TemporaryDirectory("reelpack-bench")
        defer { scratch.remove() }
        let inputs = try loadInputs(scratch: scratch)
        let codecs = CodecRegistry.available(threads: threads)
        print("threads: \(threads); codecs: \(codecs.map { "\($0.id.rawValue) (\($0.libraryVersion))" }.joined(separator: ", "))")
        print("MP/s = megapixels per second of wall time, best of \(repeats); ratio = source file bytes / output file bytes")
        print("")
        let header = ["frame", "codec", "mode", "ratio", "enc MP/s", "dec MP/s", "enc s", "dec s", "exact"]
        var rows: [[String]] = []
        for input in inputs {
            let megapixels = Double(input.pixels.width * input.pixels.height) / 1e6
            for codec in codecs {
                var modes: [(String, CodecMode)] = [("lossless", .lossless)]
                if codec.supportsLossy {
                    let mid = (codec.qualityRange.lowerBound + codec.qualityRange.upperBound) / 2
                    modes.append(("q=\(format(mid, 2))", .lossy(quality: mid)))
                }
                for (label, mode) in modes {
                    var payload = Data()
                    let encode = try bestTime { payload = try codec.encode(input.pixels, mode: mode) }
                    let file = try codec.wrap(payload: payload, seal: nil)
                    var decoded: PixelBuffer?
                    let decode = try bestTime { decoded = try codec.decode(file).pixels }
                    let exact = decoded == input.pixels
                    if case .lossless = mode, !exact {
                        FileHandle.standardError.write(Data("warning: \(codec.id) lossless round trip of \(input.name) is not exact\n".utf8))
                    }
                    rows.append([input.name, codec.id.rawValue, label,
                                 format(Double(input.sourceBytes) / Double(file.count), 3),
                                 format(megapixels / encode, 2), format(megapixels / decode, 2),
                                 format(encode, 3), format(decode, 3), exact ? "yes" : "no"])
                }
            }
            // The reference: FFV1 level 3 through ffmpeg, timed as a process.
            let out = scratch.file("ffv1.mkv")
            let arguments = ["ffmpeg", "-v", "error", "-y"] + input.ffmpegInput
                + ["-c:v", "ffv1", "-level", "3", "-g", "1", "-slices", "16", "-slicecrc", "1", out.path]
            let seconds = try bestTime { try ExternalTool.run(arguments) }
            let bytes = (try? FileManager.default.attributesOfItem(atPath: out.path)[.size] as? Int) ?? 0
            rows.append([input.name, "ffv1 (ffmpeg)", "lossless", format(Double(input.sourceBytes) / Double(max(bytes, 1)), 3),
                         format(megapixels / seconds, 2), "-", format(seconds, 3), "-", "-"])
        }
        printTable(header: header, rows: rows)
    }

    static let repeats = 2

    /// Corpus frames when the DPX reader is available, and always the synthetic frame.
    static func loadInputs(scratch: TemporaryDirectory) throws -> [Input] {
        var inputs: [Input] = []
        for path in ["sequence/beachball_0001.dpx", "photos/StillLife_log10.dpx"] {
            let url = Corpus.url(path)
            do {
                let frame = try ImageFile.read(contentsOf: url)
                let bytes = try Data(contentsOf: url).count
                inputs.append(Input(name: url.lastPathComponent, pixels: frame.pixels, sourceBytes: bytes,
                                    ffmpegInput: ["-i", url.path]))
            } catch {
                print("skipping \(path): \(error)")
            }
        }
        // 4096×2160, 12-bit RGB with grain; its "source" is a 12-bit DPX stored in
        // 16-bit words (filled), and ffmpeg reads the same planes raw.
        let synthetic = grainFrame(width: 4096, height: 2160, bitDepth: 12)
        let raw = scratch.file("grain.gbrp12le")
        var planes = Data(capacity: synthetic.samples.count * 2)
        for channel in [1, 2, 0] {   // ffmpeg's gbrp order: G, B, R
            for value in synthetic.samples[synthetic.planeRange(channel)] {
                planes.append(UInt8(value & 0xFF)); planes.append(UInt8(value >> 8))
            }
        }
        try planes.write(to: raw)
        inputs.append(Input(name: "grain 4096x2160 12b", pixels: synthetic, sourceBytes: synthetic.samples.count * 2 + 2048,
                            ffmpegInput: ["-f", "rawvideo", "-pix_fmt", "gbrp12le", "-s", "4096x2160", "-i", raw.path]))
        return inputs
    }

    /// A film-like frame: soft gradients and shapes under Gaussian-ish grain
    /// (σ ≈ 1.5% of full scale, stronger in blue as on film).
    static func grainFrame(width: Int, height: Int, bitDepth: Int) -> PixelBuffer {
        let maxValue = Double((1 << bitDepth) - 1)
        var samples = [UInt16](repeating: 0, count: width * height * 3)
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        for c in 0..<3 {
            let sigma = [0.012, 0.014, 0.02][c] * maxValue
            for y in 0..<height {
                let v = Double(y) / Double(height)
                for x in 0..<width {
                    let u = Double(x) / Double(width)
                    var value = 0.2 + 0.5 * u * (1 - 0.4 * v) + 0.1 * Double(c) * v
                    let dx = u - 0.6, dy = v - 0.45
                    if dx * dx + dy * dy < 0.04 { value += 0.15 }
                    // Sum of four uniforms ≈ Gaussian.
                    var noise = 0.0
                    for _ in 0..<4 {
                        state = state &* 6364136223846793005 &+ 1442695040888963407
                        noise += Double(state >> 40) / Double(1 << 24) - 0.5
                    }
                    value = value * maxValue + noise * sigma * 1.73
                    samples[c * width * height + y * width + x] = UInt16(min(max(value, 0), maxValue))
                }
            }
        }
        guard let frame = try? PixelBuffer(width: width, height: height, channels: 3, bitDepth: bitDepth, samples: samples) else {
            fatalError("synthetic frame geometry is invalid")
        }
        return frame
    }

    /// The shortest wall time of `repeats` runs, in seconds.
    static func bestTime(_ body: () throws -> Void) throws -> Double {
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }

    static func format(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    static func printTable(header: [String], rows: [[String]]) {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i < 3 ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[i] - cell.count) + cell
            }.joined(separator: "  ")
        }
        print(line(header))
        print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for row in rows { print(line(row)) }
    }
}
