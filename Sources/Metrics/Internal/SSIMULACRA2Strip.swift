import Foundation

/// The error maps of SSIMULACRA 2 at one scale, for one horizontal strip of rows,
/// pooled into sums (no map is ever stored whole).
///
/// For each row of the strip and the `radius` rows around it, both frames are turned
/// into positive XYB and the five blurred quantities of SSIM (μ₁, μ₂, σ₁², σ₂², σ₁₂
/// before subtracting means) are blurred along the row; then down each column, and the
/// SSIM error map and the two edge-difference maps are pooled for the strip's rows.
///
/// Blur: the definition blurs with libjxl's recursive Gaussian of σ = 1.5, where samples
/// beyond the frame count as 0. That filter (Charalampidis 2016, "Recursive
/// Implementation of the Gaussian Filter Using Truncated Cosine Functions") has a finite
/// impulse response, Σₖ βₖ·cos(ωₖ·x) for |x| < N = 5: 9 taps, centre 0.26462 where a true
/// Gaussian has 0.26596. Here that same response is applied directly as a 9-tap
/// separable filter, also with zeros beyond the frame: the definition's blur, without
/// the Float rounding that the reference's running recursion accumulates (which
/// raises its SSIM error maps by a noise floor; BENCHMARKS.md, "SSIMULACRA 2 against
/// the reference tool").
final class SSIMULACRA2Strip {
    /// Gaussian σ in pixels (ssimulacra2.cc `Blur`: `CreateRecursiveGaussian(1.5)`).
    static let sigma = 1.5
    /// Taps each side of the centre: N − 1, N = round(3.2795·σ + 0.2546) = 5
    /// (Charalampidis 2016, eq. 57; the response is 0 at ±N).
    static let radius = 4
    /// Weights from the centre out: `weights[k]` for offsets ±k.
    static let weights: [Float] = truncatedCosineGaussian(sigma: sigma).map { Float($0) }

    /// The impulse response of Charalampidis's recursive Gaussian as libjxl sets it up
    /// (`CreateRecursiveGaussian`, Table I and eqs. 37, 44, 50, 52, 53, 55, 56), for
    /// offsets 0...N−1: three cosines ω = π/2N, 3π/2N, 5π/2N weighted so that the sum is
    /// 1, the second moment is σ² and the spectrum matches the Gaussian's.
    static func truncatedCosineGaussian(sigma: Double) -> [Double] {
        let n = (3.2795 * sigma + 0.2546).rounded()
        let omega = [1.0, 3, 5].map { $0 * Double.pi / (2 * n) }
        let p = [1 / tan(0.5 * omega[0]), -1 / tan(0.5 * omega[1]), 1 / tan(0.5 * omega[2])]
        let r = [p[0] * p[0] / sin(omega[0]), -p[1] * p[1] / sin(omega[1]), p[2] * p[2] / sin(omega[2])]
        let rho = omega.map { exp(-0.5 * sigma * sigma * $0 * $0) / n }
        let d13 = p[0] * r[1] - r[0] * p[1], d35 = p[1] * r[2] - r[1] * p[2], d51 = p[2] * r[0] - r[2] * p[0]
        let zeta15 = d35 / d13, zeta35 = d51 / d13
        // Solve [p; r; ζ15 ζ35 1]·β = γ by Cramer's rule.
        let m = [[p[0], p[1], p[2]], [r[0], r[1], r[2]], [zeta15, zeta35, 1]]
        let gamma = [1, n * n - sigma * sigma, zeta15 * rho[0] + zeta35 * rho[1] + rho[2]]
        func det(_ a: [[Double]]) -> Double {
            a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
                + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
        }
        let whole = det(m)
        let beta = (0..<3).map { k in
            // m with column k replaced by γ.
            det((0..<3).map { i in (0..<3).map { j in j == k ? gamma[i] : m[i][j] } }) / whole
        }
        return (0..<Int(n)).map { x in (0..<3).reduce(0.0) { $0 + beta[$1] * cos(omega[$1] * Double(x)) } }
    }

    /// SSIM's stabilising constant (ssimulacra2.cc `kC2`; there is no C1: the luminance
    /// term is 1 − (μ₁ − μ₂)², without the usual denominator).
    static let c2: Float = 0.0009

    let width: Int
    /// Row stride of every buffer: `width` rounded up to 8 lanes.
    let stride: Int
    let stripHeight: Int
    /// Horizontally blurred quantities: 15 planes (component c, quantity q at c·5 + q:
    /// a, b, a², b², a·b) of `stripHeight + 2·radius` rows.
    private let blurred: UnsafeMutablePointer<Float>
    /// Unblurred positive XYB of the strip's own rows: planes 0–2 reference, 3–5 test.
    private let own: UnsafeMutablePointer<Float>
    /// One row with `radius` zeros each side, for the horizontal blur.
    private let padded: UnsafeMutablePointer<Float>
    /// Linear R, G, B rows of the reference (0–2) and test (3–5); XYB rows likewise (6–11).
    private let rows: UnsafeMutablePointer<Float>
    private let haloRows: Int

    init(width: Int, stripHeight: Int) {
        self.width = width
        stride = (width + 7) & ~7
        self.stripHeight = stripHeight
        haloRows = stripHeight + 2 * Self.radius
        blurred = .allocate(capacity: 15 * haloRows * stride)
        blurred.initialize(repeating: 0, count: 15 * haloRows * stride)
        own = .allocate(capacity: 6 * stripHeight * stride)
        own.initialize(repeating: 0, count: 6 * stripHeight * stride)
        padded = .allocate(capacity: stride + 2 * Self.radius + 8)
        padded.initialize(repeating: 0, count: stride + 2 * Self.radius + 8)
        rows = .allocate(capacity: 12 * stride)
        rows.initialize(repeating: 0, count: 12 * stride)
    }

    deinit {
        blurred.deallocate()
        own.deallocate()
        padded.deallocate()
        rows.deallocate()
    }

    /// Pooled sums over `strip` rows of a `reference.height`-row scale: per component c,
    /// `sums[6c ..< 6c + 6]` = Σd, Σd⁴ of the SSIM error, Σ, Σ⁴ of artifact, Σ, Σ⁴ of
    /// detail lost.
    func run(reference: LinearSource, test: LinearSource, strip: Range<Int>) -> [Double] {
        let height = reference.height, r = Self.radius
        let haloStart = max(0, strip.lowerBound - r), haloEnd = min(height, strip.upperBound + r)
        for y in haloStart..<haloEnd {
            let xyb = convertRow(y, reference: reference, test: test)
            let bufferRow = y - haloStart
            for c in 0..<3 {
                let a = xyb + c * stride, b = xyb + (3 + c) * stride
                let planes = blurred + (5 * c) * haloRows * stride + bufferRow * stride
                let planeStep = haloRows * stride
                blurRow(planes) { a[$0] }
                blurRow(planes + planeStep) { b[$0] }
                blurRow(planes + 2 * planeStep) { a[$0] * a[$0] }
                blurRow(planes + 3 * planeStep) { b[$0] * b[$0] }
                blurRow(planes + 4 * planeStep) { a[$0] * b[$0] }
            }
            if strip.contains(y) {
                let ownRow = y - strip.lowerBound
                for p in 0..<6 {
                    (own + (p * stripHeight + ownRow) * stride).update(from: xyb + p * stride, count: stride)
                }
            }
        }

        var sums = [Double](repeating: 0, count: 18)
        for y in strip {
            // Rows of the vertical window that lie inside the frame (zeros beyond it).
            let first = max(y - r, 0), last = min(y + r, height - 1)
            for c in 0..<3 {
                let base = blurred + (5 * c) * haloRows * stride
                let part = poolRow(planes: base, planeStep: haloRows * stride,
                                   firstRow: first - haloStart, lastRow: last - haloStart,
                                   firstOffset: first - y,
                                   a: own + (c * stripHeight + y - strip.lowerBound) * stride,
                                   b: own + ((3 + c) * stripHeight + y - strip.lowerBound) * stride)
                for k in 0..<6 { sums[6 * c + k] += part[k] }
            }
        }
        return sums
    }

    /// Linear rows of both frames → positive XYB rows at `rows + 6·stride` (reference
    /// components 0–2, then test 3–5). Lanes past `width` hold finite filler.
    private func convertRow(_ y: Int, reference: LinearSource, test: LinearSource) -> UnsafeMutablePointer<Float> {
        reference.row(y, r: rows, g: rows + stride, b: rows + 2 * stride)
        test.row(y, r: rows + 3 * stride, g: rows + 4 * stride, b: rows + 5 * stride)
        let out = rows + 6 * stride
        for frame in 0..<2 {
            let src = rows + 3 * frame * stride, dst = out + 3 * frame * stride
            var x = 0
            while x < stride {
                let v = OpsinXYB.positiveXYB(r: load(src + x), g: load(src + stride + x), b: load(src + 2 * stride + x))
                store(v.x, dst + x)
                store(v.y, dst + stride + x)
                store(v.b, dst + 2 * stride + x)
                x += 8
            }
        }
        return out
    }

    /// Blurs the row `value(0..<width)` (zeros beyond) into `out[0..<stride]`.
    @inline(__always)
    private func blurRow(_ out: UnsafeMutablePointer<Float>, _ value: (Int) -> Float) {
        let r = Self.radius
        for x in 0..<width { padded[r + x] = value(x) }
        let w = Self.weights
        let w0 = SIMD8<Float>(repeating: w[0]), w1 = SIMD8<Float>(repeating: w[1]), w2 = SIMD8<Float>(repeating: w[2])
        let w3 = SIMD8<Float>(repeating: w[3]), w4 = SIMD8<Float>(repeating: w[4])
        var x = 0
        while x < stride {
            let c = padded + r + x
            var acc = w0 * load(c)
            acc += w1 * (load(c - 1) + load(c + 1))
            acc += w2 * (load(c - 2) + load(c + 2))
            acc += w3 * (load(c - 3) + load(c + 3))
            acc += w4 * (load(c - 4) + load(c + 4))
            store(acc, out + x)
            x += 8
        }
    }

    /// Blurs one output row down the columns (rows `firstRow...lastRow` of the five
    /// planes, the first at offset `firstOffset` from the centre) and pools the three
    /// maps of component planes `a` (reference) and `b` (test) over the row.
    @inline(__always)
    private func poolRow(planes: UnsafeMutablePointer<Float>, planeStep: Int, firstRow: Int, lastRow: Int,
                         firstOffset: Int, a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>) -> [Double] {
        let w = Self.weights
        let zero = SIMD8<Float>(repeating: 0), one = SIMD8<Float>(repeating: 1)
        let c2 = SIMD8<Float>(repeating: Self.c2)
        var ssim1 = zero, ssim4 = zero, art1 = zero, art4 = zero, lost1 = zero, lost4 = zero
        let lanes = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
        var x = 0
        while x < stride {
            var mu1 = zero, mu2 = zero, s11 = zero, s22 = zero, s12 = zero
            var offset = firstOffset
            for row in firstRow...lastRow {
                let weight = SIMD8<Float>(repeating: w[abs(offset)])
                let p = planes + row * stride + x
                mu1 += weight * load(p)
                mu2 += weight * load(p + planeStep)
                s11 += weight * load(p + 2 * planeStep)
                s22 += weight * load(p + 3 * planeStep)
                s12 += weight * load(p + 4 * planeStep)
                offset += 1
            }
            // SSIM without the luminance denominator (ssimulacra2.cc `SSIMMap`), as an error.
            let diff = mu1 - mu2
            let numM = one - diff * diff
            let numS = 2 * (s12 - mu1 * mu2) + c2
            let denS = (s11 - mu1 * mu1) + (s22 - mu2 * mu2) + c2
            var d = OpsinXYB.clampedAtZero(one - numM * numS / denS)
            // Edge difference (ssimulacra2.cc `EdgeDiffMap`): > 0 where the test has
            // edges the reference lacks (artifact), < 0 where it lost them (blur).
            let testOff = load(b + x) - mu2, referenceOff = load(a + x) - mu1
            let testDetail = OpsinXYB.absolute(testOff)
            let referenceDetail = OpsinXYB.absolute(referenceOff)
            let edge: SIMD8<Float> = (one + testDetail) / (one + referenceDetail) - one
            var artifact = OpsinXYB.clampedAtZero(edge), lost = OpsinXYB.clampedAtZero(-edge)
            if x + 8 > width {
                let outside = lanes .>= SIMD8<Int32>(repeating: Int32(width - x))
                d.replace(with: 0, where: outside)
                artifact.replace(with: 0, where: outside)
                lost.replace(with: 0, where: outside)
            }
            ssim1 += d
            let d2 = d * d; ssim4 += d2 * d2
            art1 += artifact
            let a2 = artifact * artifact; art4 += a2 * a2
            lost1 += lost
            let l2 = lost * lost; lost4 += l2 * l2
            x += 8
        }
        return [ssim1, ssim4, art1, art4, lost1, lost4].map { Double($0.sum()) }
    }

    @inline(__always) private func load(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always) private func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
