import Foundation
import ImageCore
import TestSupport

/// Small synthetic frames: a soft diagonal gradient with a disc and a bar (edges),
/// optional Gaussian grain of `grain` code values, in `channels` channels.
enum SyntheticFrame {
    static func make(width: Int = 160, height: Int = 120, channels: Int = 3, bitDepth: Int = 10,
                     grain: Double = 0, monochrome: Bool = false, seed: UInt64 = 1, shift: Double = 0) throws -> PixelBuffer {
        var rng = SeededRandom(seed: seed)
        let full = Double((1 << bitDepth) - 1)
        var buffer = try PixelBuffer(width: width, height: height, channels: channels, bitDepth: bitDepth)
        for y in 0..<height {
            for x in 0..<width {
                let base = 0.15 + 0.5 * Double(x + y) / Double(width + height) + shift
                let dx = Double(x) - Double(width) * 0.6, dy = Double(y) - Double(height) * 0.5
                let inDisc = dx * dx + dy * dy < Double(height * height) / 9
                let inBar = x > width / 8 && x < width / 5
                let n = grain > 0 ? grain * rng.gaussian() : 0
                for c in 0..<channels {
                    let tint = monochrome ? 0 : Double(c) * 0.05
                    var v = (inDisc ? 0.8 - tint : base + tint) * full
                    if inBar { v = 0.1 * full }
                    v += n
                    buffer[x, y, c] = UInt16(min(full, max(0, v.rounded())))
                }
            }
        }
        return buffer
    }
}
