import Foundation

/// Linear sRGB → the XYB colour space of JPEG XL, rescaled to about 0...1 as
/// SSIMULACRA 2 uses it, eight pixels at a time.
///
/// XYB (ISO/IEC 18181-1 and libjxl `opsin_params.h`): the opsin absorbance matrix mixes
/// linear R, G, B into three cone-like responses, a bias is added, each is cube-rooted
/// and the cube root of the bias subtracted; then X = (L − M)/2, Y = (L + M)/2, B = S.
/// SSIMULACRA 2 (README, "XYB color space (rescaled to a 0..1 range and with B-Y)")
/// then takes X·14 + 0.42, Y + 0.01 and (B − Y) + 0.55, so that any two pixels differ
/// by at most 1, as its SSIM formula without denominators needs.
enum OpsinXYB {
    /// Opsin absorbance matrix, row-major (libjxl `opsin_params.h` kM00…kM22: each row
    /// sums to 1; rows 1 and 2 have 0.078 blue, the third row is tuned).
    static let m00: Float = 0.30, m02: Float = 0.078, m01: Float = 1 - 0.078 - 0.30
    static let m10: Float = 0.23, m12: Float = 0.078, m11: Float = 1 - 0.078 - 0.23
    static let m20: Float = 0.24342268924547819, m21: Float = 0.20476744424496821
    static let m22: Float = 1 - 0.24342268924547819 - 0.20476744424496821
    /// Opsin absorbance bias, the same for the three responses (libjxl kB0).
    static let bias: Float = 0.0037930732552754493
    /// Cube root of the bias, subtracted after the cube root so black maps to 0.
    static let biasCubeRoot = Float(cbrt(Double(bias)))

    /// Offsets and scale of SSIMULACRA 2's positive XYB (ssimulacra2.cc `MakePositiveXYB`).
    static let xScale: Float = 14, xOffset: Float = 0.42, yOffset: Float = 0.01, bOffset: Float = 0.55

    /// Positive XYB of eight linear-sRGB pixels (linear light, nominally 0...1).
    @inline(__always)
    static func positiveXYB(r: SIMD8<Float>, g: SIMD8<Float>, b: SIMD8<Float>)
        -> (x: SIMD8<Float>, y: SIMD8<Float>, b: SIMD8<Float>) {
        // Linear light here is within 0...1, so the responses are within [bias, 1 + bias]
        // (libjxl also clamps them at 0, which such input never reaches).
        let l = m00 * r + m01 * g + m02 * b + bias
        let m = m10 * r + m11 * g + m12 * b + bias
        let s = m20 * r + m21 * g + m22 * b + bias
        let lc = cubeRoot(l) - biasCubeRoot
        let mc = cubeRoot(m) - biasCubeRoot
        let sc = cubeRoot(s) - biasCubeRoot
        let x = 0.5 * (lc - mc)
        let y = 0.5 * (lc + mc)
        return (x * xScale + xOffset, y + yOffset, (sc - y) + bOffset)
    }

    /// Cube root of eight values of the opsin responses' range, [bias, 1.05] (linear
    /// light in 0...1 through the matrix plus the bias), to Float precision: a quadratic
    /// first guess (within 23 % there, through (1, 1)) and three Halley steps, each cubing
    /// the relative error (1e-2, 7e-7, then below Float's resolution). Plain arithmetic,
    /// so it stays in vector registers.
    @inline(__always)
    static func cubeRoot(_ v: SIMD8<Float>) -> SIMD8<Float> {
        var y = 0.175 + v * (2.325 - 1.5 * v)
        let twoV = v + v
        for _ in 0..<3 {
            let y3 = y * y * y
            y = y * (y3 + twoV) / (y3 + y3 + v)
        }
        return y
    }

    /// Elementwise max(v, 0), exactly: (v + |v|) / 2 with |v| by clearing the sign bit.
    @inline(__always)
    static func clampedAtZero(_ v: SIMD8<Float>) -> SIMD8<Float> {
        (v + absolute(v)) * 0.5
    }

    /// Elementwise |v|, by clearing the sign bit.
    @inline(__always)
    static func absolute(_ v: SIMD8<Float>) -> SIMD8<Float> {
        unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: SIMD8<Float>.self)
    }
}
