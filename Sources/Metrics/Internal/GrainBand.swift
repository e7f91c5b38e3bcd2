/// The film-grain band of one plane, computed a strip of rows at a time.
///
/// The band is the picture minus a low-pass of it: `g = L0 − L2`, where `L1` and `L2`
/// are the first two levels of an "à trous" (with holes) wavelet pyramid, each the
/// previous level blurred by the separable kernel [1 2 1]/4 dilated by 1 and 2 pixels
/// (Starck & Murtagh's undecimated wavelet transform). The detail planes `L0 − L1` and
/// `L1 − L2` hold structure at about one and two pixels; their sum `g` is what lies
/// below about three pixels across (the low-pass is a Gaussian of about 1.6 pixels),
/// which is where film grain lives in a 2K or 4K scan (clumps from under a pixel to
/// about three), while smooth gradients and linear ramps cancel exactly (the kernels
/// are symmetric and sum to one). A third level (dilation 4) was tried in a prototype:
/// it reads clumped grain closer to its deviation, but on a textured photograph its
/// quietest blocks are texture, and 5 codes of grain added read only 1.13x the frame
/// without (1.20x with two levels; BENCHMARKS.md). Picture edges and
/// texture answer too: the estimators that use the band keep to its quiet parts or
/// compare it tile by tile (see `GrainEstimate`, `GrainReference`).
///
/// The frame is extended by repeating its edge samples `GrainBand.margin` pixels on
/// every side, so every pixel, edges included, has a band value, and a strip's result
/// does not depend on where the strips are cut. Working memory is two float buffers of
/// (width + 6) × (rows + 6).
struct GrainBand {
    /// Pixels of context each side: 1 + 2, the dilations.
    static let margin = 3

    /// The dilations of the blur levels.
    static let dilations = [1, 2]

    /// Standard deviation of the band of white noise of unit deviation:
    /// `sqrt(Σ (δ − h)²)` over the 2-D kernel `h` that makes `L2` from `L0`.
    /// The estimators divide by it, so white noise reads at its deviation.
    static let whiteNoiseGain: Double = {
        // The 1-D kernel of L2: [1 2 1]/4 convolved with its dilation by 2.
        var kernel = [1.0]
        for d in dilations {
            var next = [Double](repeating: 0, count: kernel.count + 2 * d)
            for (i, k) in kernel.enumerated() {
                next[i] += 0.25 * k
                next[i + d] += 0.5 * k
                next[i + 2 * d] += 0.25 * k
            }
            kernel = next
        }
        let centre = kernel.count / 2
        var sum = 0.0
        for (i, a) in kernel.enumerated() {
            for (j, b) in kernel.enumerated() {
                let h = a * b
                let delta = (i == centre && j == centre) ? 1.0 : 0.0
                sum += (delta - h) * (delta - h)
            }
        }
        return sum.squareRoot()
    }()

    let width: Int
    let height: Int
    private let stride: Int
    private var level: [Float]
    private var scratch: [Float]

    /// A worker for planes of `width`×`height`, strips of at most `maxRows` rows.
    init(width: Int, height: Int, maxRows: Int) {
        self.width = width
        self.height = height
        stride = width + 2 * Self.margin
        let count = stride * (maxRows + 2 * Self.margin)
        level = [Float](repeating: 0, count: count)
        scratch = level
    }

    /// Writes the band of rows `rows` of `plane` (`width`×`height` samples, row by row)
    /// into `out`, `rows.count` rows of `width` values.
    mutating func run(plane: UnsafePointer<UInt16>, rows: Range<Int>, out: UnsafeMutablePointer<Float>) {
        let m = Self.margin, w = width, h = height, stride = stride
        let bufferRows = rows.count + 2 * m
        level.withUnsafeMutableBufferPointer { levelBuffer in
            scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                let a = levelBuffer.baseAddress!, t = scratchBuffer.baseAddress!
                // L0 with the edges repeated.
                for r in 0..<bufferRows {
                    let y = min(h - 1, max(0, rows.lowerBound - m + r))
                    let source = plane + y * w
                    let row = a + r * stride
                    for x in 0..<w { row[m + x] = Float(source[x]) }
                    let first = row[m], last = row[m + w - 1]
                    for x in 0..<m {
                        row[x] = first
                        row[m + w + x] = last
                    }
                }
                // The levels, each a horizontal then a vertical pass, over the part
                // of the buffer whose inputs are all known (it shrinks by the dilation).
                var rowLow = 0, rowHigh = bufferRows, colLow = 0, colHigh = stride
                for d in Self.dilations {
                    for r in rowLow..<rowHigh {
                        let src = a + r * stride, dst = t + r * stride
                        for x in (colLow + d)..<(colHigh - d) {
                            dst[x] = 0.25 * (src[x - d] + src[x + d]) + 0.5 * src[x]
                        }
                    }
                    colLow += d
                    colHigh -= d
                    for r in (rowLow + d)..<(rowHigh - d) {
                        let up = t + (r - d) * stride, mid = t + r * stride, down = t + (r + d) * stride
                        let dst = a + r * stride
                        for x in colLow..<colHigh {
                            dst[x] = 0.25 * (up[x] + down[x]) + 0.5 * mid[x]
                        }
                    }
                    rowLow += d
                    rowHigh -= d
                }
                // g = L0 − L2 over the strip itself.
                for r in 0..<rows.count {
                    let source = plane + (rows.lowerBound + r) * w
                    let low = a + (r + m) * stride + m
                    let dst = out + r * w
                    for x in 0..<w { dst[x] = Float(source[x]) - low[x] }
                }
            }
        }
    }
}
