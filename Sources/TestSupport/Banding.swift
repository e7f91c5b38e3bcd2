import Foundation
import ImageCore

/// Frames with and without banding, for the banding index: a smooth sky-like
/// gradient, optionally grainy, and the same gradient re-quantised to coarse steps,
/// the way an encoder that loses the grain leaves a sky.
public enum BandingFrames {
    /// A sky: brighter at the top, a gentle diagonal tilt, levels in 10-bit codes
    /// `low`…`high` (scaled to `bitDepth`), with Gaussian grain of `grain` 10-bit codes
    /// (standard deviation, the same in every channel) when non-zero. Three channels (a
    /// blue tint: red 36 codes under green, blue 24 over) or one (the green channel). Samples are the gradient's value rounded at `bitDepth`,
    /// so the 12- and 16-bit frames are finer than the 10-bit one. CAMBI counts steps
    /// of 1 to 4 10-bit codes, visible up to codes 178, 305, 432 and 559: the default
    /// levels keep the sky where steps of 2 to 4 codes show.
    public static func sky(width: Int, height: Int, bitDepth: Int = 10, channels: Int = 3,
                           low: Double = 150, high: Double = 400, grain: Double = 0,
                           seed: UInt64 = 7) throws -> PixelBuffer {
        precondition(channels == 1 || channels == 3, "one or three channels")
        var frame = try PixelBuffer(width: width, height: height, channels: channels, bitDepth: bitDepth)
        let scale = Double(1 << bitDepth) / 1024, maxValue = Double(frame.maxValue)
        // The tint is an offset of a multiple of 12 codes, so banding to steps of 1 to 4
        // codes moves the three channels at the same places.
        let tint: [Double] = channels == 3 ? [-36, 0, 24] : [0]
        var random = SeededRandom(seed: seed)
        for y in 0..<height {
            for x in 0..<width {
                let t = (Double(y) + 0.25 * Double(x)) / (Double(height) + 0.25 * Double(width))
                let level = high - (high - low) * t
                let noise = grain > 0 ? grain * random.gaussian() : 0
                for c in 0..<channels {
                    let value = (level + tint[c] + noise) * scale
                    frame[x, y, c] = UInt16(min(max(value.rounded(), 0), maxValue))
                }
            }
        }
        return frame
    }

    /// `frame` re-quantised to steps of `step` 10-bit codes (`step·2^(b−10)` codes at
    /// `b` bits): every sample rounded to the nearest multiple. Above 10 bits, the
    /// banded frame's codes are those of the 10-bit banded frame times 2^(b−10) wherever
    /// rounding agrees.
    public static func banded(_ frame: PixelBuffer, step: Int) -> PixelBuffer {
        let codes = Double(step) * Double(1 << frame.bitDepth) / 1024
        var out = frame
        let top = Double(frame.maxValue)
        for i in out.samples.indices {
            let q = (Double(out.samples[i]) / codes).rounded() * codes
            out.samples[i] = UInt16(min(q, (top / codes).rounded(.down) * codes))
        }
        return out
    }

    /// `frame` with `patch` (same channels and depth) copied over it, its top-left
    /// corner at (`x`, `y`); the parts outside the frame are dropped.
    public static func paste(_ patch: PixelBuffer, into frame: PixelBuffer, x: Int, y: Int) -> PixelBuffer {
        precondition(patch.channels == frame.channels && patch.bitDepth == frame.bitDepth, "same layout")
        var out = frame
        for c in 0..<frame.channels {
            for py in 0..<patch.height where (0..<frame.height).contains(y + py) {
                for px in 0..<patch.width where (0..<frame.width).contains(x + px) {
                    out[x + px, y + py, c] = patch[px, py, c]
                }
            }
        }
        return out
    }
}
