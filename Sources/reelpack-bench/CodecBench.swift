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
        print("MP/s = megapixels per second of wall time, best of \(repeats); cpu s = CPU seconds of that run, all threads")
        print("ratio = source file bytes / output file bytes; ffv1 is timed as a whole ffmpeg process (reading the source included)")
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        print("load average at start: \(load)")
        print("")
        let header = ["frame", "codec", "mode", "ratio", "enc MP/s", "dec MP/s", "enc s", "dec s", "enc cpu s", "dec cpu s", "exact"]
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
                                 format(megapixels / encode.wall, 2), format(megapixels / decode.wall, 2),
                                 format(encode.wall, 3), format(decode.wall, 3),
                                 format(encode.cpu, 2), format(decode.cpu, 2), exact ? "yes" : "no"])
                }
            }
            // The reference: FFV1 level 3 through ffmpeg, timed as a process.
            let out = scratch.file("ffv1.mkv")
            let arguments = ["ffmpeg", "-v", "error", "-y"] + input.ffmpegInput
                + ["-c:v", "ffv1", "-level", "3", "-g", "1", "-slices", "16", "-slicecrc", "1", out.path]
            let seconds = try bestTime { try ExternalTool.run(arguments) }
            let bytes = (try? FileManager.default.attributesOfItem(atPath: out.path)[.size] as? Int) ?? 0
            rows.append([input.name, "ffv1 (ffmpeg)", "lossless", format(Double(input.sourceBytes) / Double(max(bytes, 1)), 3),
                         format(megapixels / seconds.wall, 2), "-", format(seconds.wall, 3), "-",
                         format(seconds.cpu, 2), "-", "-"])
        }
        printTable(header: header, rows: rows)
    }

    static let repeats = 2

    /// Corpus frames when the DPX reader is available, and always the synthetic frame.
    static func loadInputs(scratch: TemporaryDirectory) throws -> [Input] {
        var inputs: [Input] = []
        for path in ["sequence/beachball_0001.dpx", "photos/StillLife_log10.dpx"] {
            let url = Corpus.url(path)
            guard let bytes = try? Data(contentsOf: url).count else {
                print("skipping \(path): not in the corpus")
                continue
            }
            var pixels: PixelBuffer
            do {
                pixels = try ImageFile.read(contentsOf: url).pixels
            } catch {
                // Without Reelpack's DPX reader, take ffmpeg's decoding of the same file.
                print("\(path): \(error); decoding it with ffmpeg instead")
                pixels = try ffmpegDecode10BitRGB(url)
            }
            inputs.append(Input(name: url.lastPathComponent, pixels: pixels, sourceBytes: bytes, ffmpegInput: ["-i", url.path]))
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

    /// A 10-bit RGB DPX's samples as ffmpeg decodes them.
    static func ffmpegDecode10BitRGB(_ url: URL) throws -> PixelBuffer {
        let probe = String(decoding: try ExternalTool.run(["ffprobe", "-v", "error", "-select_streams", "v:0",
            "-show_entries", "stream=width,height", "-of", "csv=p=0", url.path]), as: UTF8.self)
        let size = probe.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").compactMap { Int($0) }
        let raw = [UInt8](try ExternalTool.run(["ffmpeg", "-v", "error", "-i", url.path, "-f", "rawvideo", "-pix_fmt", "gbrp10le", "-"]))
        guard size.count == 2, raw.count == size[0] * size[1] * 6 else {
            throw CodecError(.malformedData, codec: .j2k, operation: "bench input", detail: "ffmpeg could not decode \(url.path)")
        }
        let plane = size[0] * size[1]
        var samples = [UInt16](repeating: 0, count: plane * 3)
        for (c, from) in [2, 0, 1].enumerated() {   // ffmpeg's planes are G, B, R
            for i in 0..<plane { samples[c * plane + i] = UInt16(raw[2 * (from * plane + i)]) | UInt16(raw[2 * (from * plane + i) + 1]) << 8 }
        }
        return try PixelBuffer(width: size[0], height: size[1], channels: 3, bitDepth: 10, samples: samples)
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

    /// The shortest wall time of `repeats` runs, and the CPU time (all threads of
    /// this process and of finished child processes) of that run, in seconds. CPU
    /// time shows the work done even when other jobs share the cores.
    static func bestTime(_ body: () throws -> Void) throws -> (wall: Double, cpu: Double) {
        var best = (wall: Double.infinity, cpu: 0.0)
        for _ in 0..<repeats {
            let cpuStart = cpuSeconds()
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if wall < best.wall { best = (wall, cpuSeconds() - cpuStart) }
        }
        return best
    }

    static func cpuSeconds() -> Double {
        var total = 0.0
        for who in [RUSAGE_SELF, RUSAGE_CHILDREN] {
            var usage = rusage()
            #if os(Linux)
            getrusage(__rusage_who_t(who.rawValue), &usage)
            #else
            getrusage(who, &usage)
            #endif
            for t in [usage.ru_utime, usage.ru_stime] { total += Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        }
        return total
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
