import Foundation
import ImageCore

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
