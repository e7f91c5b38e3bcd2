import Foundation
import ImageCore

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
}
