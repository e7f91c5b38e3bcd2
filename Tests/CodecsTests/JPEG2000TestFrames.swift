import Foundation
import ImageCore
import TestSupport

/// Synthetic frames with the structure of a film scan: smooth gradients, hard
/// edges, fine texture and grain, different in each channel.
enum JPEG2000TestFrames {
    /// A deterministic frame; `grain` is the noise amplitude in code values at the depth.
    static func frame(width: Int, height: Int, channels: Int, bitDepth: Int, grain: Double = 0.01, seed: UInt64 = 1) -> PixelBuffer {
        let maxValue = Double((1 << bitDepth) - 1)
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func noise() -> Double {   // xorshift, roughly uniform in -1...1
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Double(state % 2001) / 1000 - 1
        }
        var samples = [UInt16](repeating: 0, count: width * height * channels)
        for c in 0..<channels {
            for y in 0..<height {
                for x in 0..<width {
                    let u = Double(x) / Double(max(width - 1, 1)), v = Double(y) / Double(max(height - 1, 1))
                    var value = 0.15 + 0.6 * (c == 3 ? v : (u * 0.7 + v * 0.3))
                    value += 0.08 * sin(Double(x + 3 * c) * 0.31) * cos(Double(y) * 0.17)   // texture
                    if (x / 37 + y / 29) % 5 == 0 { value += 0.12 }                           // edges
                    value += grain * noise()
                    samples[c * width * height + y * width + x] = UInt16(min(max(value, 0), 1) * maxValue)
                }
            }
        }
        // Force the extremes to appear so the full code range is exercised.
        samples[0] = 0
        samples[samples.count - 1] = UInt16(maxValue)
        // The geometry is the caller's constant, so this cannot fail in a test that compiles.
        guard let pixels = try? PixelBuffer(width: width, height: height, channels: channels, bitDepth: bitDepth, samples: samples) else {
            fatalError("bad synthetic frame geometry \(width)×\(height)×\(channels) @\(bitDepth)")
        }
        return pixels
    }

    /// PSNR in dB over all samples at the frame's depth (infinity when identical).
    static func psnr(_ a: PixelBuffer, _ b: PixelBuffer) -> Double {
        var sum = 0.0
        for i in a.samples.indices { let d = Double(a.samples[i]) - Double(b.samples[i]); sum += d * d }
        let mse = sum / Double(a.samples.count)
        return mse == 0 ? .infinity : 10 * log10(Double(a.maxValue * a.maxValue) / mse)
    }
}

/// Real corpus frames decoded by ffmpeg (which the corpus notes say decodes every
/// corpus DPX to the same codes as other tools), for codec tests that must not
/// depend on Reelpack's own readers.
enum FFmpegFrames {
    /// The samples of `path` (inside the corpus) at `bitDepth`, planar R, G, B(, A) or grey.
    static func read(_ path: String, bitDepth: Int, channels: Int) throws -> PixelBuffer {
        let url = Corpus.url(path)
        let probe = String(decoding: try ExternalTool.run(
            ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
             "-of", "csv=p=0", url.path]), as: UTF8.self)
        let size = probe.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").compactMap { Int($0) }
        guard size.count == 2 else { throw FFmpegFrameError(detail: "ffprobe gave no size for \(path): \(probe)") }
        let wide = bitDepth > 8
        let suffix = wide ? (bitDepth == 16 ? "16le" : "\(bitDepth)le") : ""
        let pixelFormat = channels == 1 ? "gray\(suffix)" : (channels == 4 ? "gbrap\(suffix)" : "gbrp\(suffix)")
        let raw = [UInt8](try ExternalTool.run(["ffmpeg", "-v", "error", "-i", url.path, "-f", "rawvideo", "-pix_fmt", pixelFormat, "-"]))
        let plane = size[0] * size[1]
        guard raw.count == plane * channels * (wide ? 2 : 1) else {
            throw FFmpegFrameError(detail: "ffmpeg gave \(raw.count) bytes for \(path) as \(pixelFormat)")
        }
        // ffmpeg's planar order is G, B, R(, A).
        let sourcePlane = channels >= 3 ? [2, 0, 1, 3] : [0, 1]
        var samples = [UInt16](repeating: 0, count: plane * channels)
        for c in 0..<channels {
            let from = sourcePlane[c] * plane
            for i in 0..<plane {
                samples[c * plane + i] = wide ? UInt16(raw[2 * (from + i)]) | UInt16(raw[2 * (from + i) + 1]) << 8 : UInt16(raw[from + i])
            }
        }
        return try PixelBuffer(width: size[0], height: size[1], channels: channels, bitDepth: bitDepth, samples: samples)
    }
}

struct FFmpegFrameError: Error, CustomStringConvertible {
    var detail: String
    var description: String { detail }
}
