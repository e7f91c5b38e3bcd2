import Foundation
import ImageCore
import TestSupport

/// Synthetic and corpus frames for the JPEG XL tests.
enum JPEGXLTestFrames {
    /// A structured frame: a diagonal gradient, hard edges, film-like grain from a
    /// fixed-seed generator, and a run of every code of the depth (so lossless
    /// tests cover 0 and the maximum and everything between), per channel offset.
    static func structured(width: Int, height: Int, channels: Int, bitDepth: Int, seed: UInt64 = 1) -> PixelBuffer {
        // Safe: fixed, valid geometry in tests.
        var frame = try! PixelBuffer(width: width, height: height, channels: channels, bitDepth: bitDepth)
        let maxValue = frame.maxValue
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(truncatingIfNeeded: state >> 33)
        }
        let grain = max(1, maxValue / 64)
        for c in 0..<channels {
            for y in 0..<height {
                for x in 0..<width {
                    let i = y * width + x
                    var v: Int
                    if i < maxValue + 1, i < width * height / 2 {
                        v = (i + c * 7) % (maxValue + 1)
                    } else {
                        let ramp = (x + y) * maxValue / max(1, width + height - 2)
                        let edge = ((x / 8 + y / 8) % 2 == 0) ? maxValue / 5 : 0
                        v = ramp / 2 + edge + (next() % (2 * grain + 1)) - grain + c * maxValue / 10
                    }
                    frame[x, y, c] = UInt16(min(max(v, 0), maxValue))
                }
            }
        }
        return frame
    }

    /// A corpus frame decoded by ffmpeg to planar code values (`gbrp10le`,
    /// `gbrp12le`, `gbrp16le` or `gray16le`), planes reordered from ffmpeg's
    /// G, B, R to R, G, B.
    static func corpus(_ path: String, pixelFormat: String, bitDepth: Int) throws -> PixelBuffer {
        let probe = try ExternalTool.run([
            "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
            "-of", "csv=p=0", Corpus.url(path).path,
        ])
        let dims = String(decoding: probe, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: ",").compactMap { Int($0) }
        guard dims.count == 2 else { throw CorpusFrameError(path: path) }
        let raw = try ExternalTool.run([
            "ffmpeg", "-v", "error", "-i", Corpus.url(path).path, "-f", "rawvideo", "-pix_fmt", pixelFormat, "-",
        ])
        let channels = pixelFormat.hasPrefix("gray") ? 1 : 3
        var samples = raw.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
        if channels == 3 {
            let n = samples.count / 3
            samples = Array(samples[2 * n ..< 3 * n] + samples[0 ..< n] + samples[n ..< 2 * n])
        }
        return try PixelBuffer(width: dims[0], height: dims[1], channels: channels, bitDepth: bitDepth, samples: samples)
    }
}

/// ffprobe did not report a corpus file's size.
struct CorpusFrameError: Error {
    var path: String
}
