import ImageCore

/// Deterministic synthetic frames for metric tests.
enum TestFrames {
    /// A textured frame with grain: gradients, a ripple and pseudo-random noise,
    /// different in each channel, within `bitDepth` bits.
    static func textured(width: Int, height: Int, channels: Int, bitDepth: Int, seed: UInt64 = 1) throws -> PixelBuffer {
        let peak = Double((1 << bitDepth) - 1)
        var frame = try PixelBuffer(width: width, height: height, channels: channels, bitDepth: bitDepth)
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        for c in 0..<channels {
            for y in 0..<height {
                for x in 0..<width {
                    state ^= state << 13; state ^= state >> 7; state ^= state << 17
                    let noise = Double(state % 1000) / 1000 - 0.5
                    let base = 0.2 + 0.5 * Double(x) / Double(width) + 0.1 * Double(c)
                        + 0.1 * ((Double(x * 3 + y * 5) / 17).truncatingRemainder(dividingBy: 1))
                    let value = (base + 0.08 * noise) * peak
                    frame[x, y, c] = UInt16(min(peak, max(0, value.rounded())))
                }
            }
        }
        return frame
    }

    /// A frame with every sample equal to `value`.
    static func constant(width: Int, height: Int, channels: Int, bitDepth: Int, value: UInt16) throws -> PixelBuffer {
        try PixelBuffer(width: width, height: height, channels: channels, bitDepth: bitDepth,
                        samples: [UInt16](repeating: value, count: width * height * channels))
    }
}
