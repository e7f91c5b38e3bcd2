// Film-like grain: unit-variance noise, spatially correlated over about a pixel,
// produced row by row so a frame never needs a whole noise plane in memory.

/// Rows of correlated, approximately Gaussian noise with unit variance.
///
/// White noise is the sum of two uniform 16-bit integers minus their mean (triangular,
/// integer, no transcendental functions, so identical everywhere; one random word
/// gives two samples), smoothed by the separable kernel [1 2 1] ⊗ [1 2 1]. The
/// kernel's weights' squares sum to 36, so the result divided by 6 × σ_white has unit
/// variance; neighbours correlate by 2/3 horizontally and vertically, like grain a 2K
/// scan resolves over one to two pixels. A weighted sum of eighteen uniforms is
/// Gaussian for every purpose a test or an encoder cares about.
struct GrainField {
    private let width: Int
    private var rng: Xoshiro256StarStar
    /// Horizontally smoothed rows y − 1, y, y + 1 (width each).
    private var above: [Int32]
    private var current: [Int32]
    private var below: [Int32]
    /// One row of white noise with a sample of margin on both sides.
    private var white: [Int32]

    /// 1 / (6 · σ_white), σ_white² = 2 · (65536² − 1) / 12 (two uniform 16-bit integers).
    private static let scale: Float = {
        let whiteVariance: Double = 2 * (65536 * 65536 - 1) / 12
        return Float(1 / (6 * whiteVariance.squareRoot()))
    }()

    init(width: Int, seed: UInt64) {
        self.width = width
        rng = Xoshiro256StarStar(seed: seed)
        above = [Int32](repeating: 0, count: width)
        current = above
        below = above
        white = [Int32](repeating: 0, count: width + 3)   // generated in pairs
        Self.smoothNextRow(width: width, rng: &rng, white: &white, into: &current)   // row −1
        swap(&above, &current)
        Self.smoothNextRow(width: width, rng: &rng, white: &white, into: &current)   // row 0
    }

    /// Writes the next row of noise (unit variance) into `out` (`width` values).
    mutating func nextRow(into out: UnsafeMutableBufferPointer<Float>) {
        Self.smoothNextRow(width: width, rng: &rng, white: &white, into: &below)
        above.withUnsafeBufferPointer { a in
            current.withUnsafeBufferPointer { c in
                below.withUnsafeBufferPointer { b in
                    for x in 0..<width {
                        out[x] = Float(a[x] &+ 2 &* c[x] &+ b[x]) * Self.scale
                    }
                }
            }
        }
        // Rotate: the row below becomes current, current becomes above.
        swap(&above, &current)
        swap(&current, &below)
    }

    private static func smoothNextRow(width: Int, rng: inout Xoshiro256StarStar, white: inout [Int32],
                                      into row: inout [Int32]) {
        var generator = rng   // a local copy stays in registers
        white.withUnsafeMutableBufferPointer { w in
            var x = 0
            while x + 1 < w.count {
                let word = generator.next()
                w[x] = Int32(truncatingIfNeeded: word & 0xFFFF) &+ Int32(truncatingIfNeeded: (word >> 16) & 0xFFFF) &- 65535
                w[x + 1] = Int32(truncatingIfNeeded: (word >> 32) & 0xFFFF) &+ Int32(truncatingIfNeeded: word >> 48) &- 65535
                x += 2
            }
        }
        rng = generator
        white.withUnsafeBufferPointer { w in
            row.withUnsafeMutableBufferPointer { r in
                for x in 0..<width {
                    r[x] = w[x] &+ 2 &* w[x + 1] &+ w[x + 2]
                }
            }
        }
    }
}
