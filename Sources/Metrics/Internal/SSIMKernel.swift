import Foundation

/// The hot loop of SSIM: the SSIM map of a strip of one channel, computed from the
/// 16-bit planes with a separable Gaussian (horizontal pass into a ring of 11 filtered
/// rows, then vertical), in blocks of columns, so no whole-frame float map is held.
///
/// Moments are accumulated in `Double`: E[x²] − E[x]² of 16-bit codes cancels badly
/// in `Float` (errors of order L²·2⁻²⁴ against C2 = (0.03·L)²).
///
/// Unsafe pointers are confined to this file; every index is derived from the block's
/// bounds, which `QualityMetrics` checks against the frame before calling.
final class SSIMKernel {
    /// Widest block of map columns one pass handles (a multiple of the tile size), so
    /// the ring (11 rows × 5 moments) stays in the core's L2 cache.
    static let blockWidth = 256
    /// Moment planes filtered: μx, μy, E[x² + y²], E[xy]. SSIM needs σx² and σy² only
    /// as their sum, so one plane serves both.
    static let planes = 4

    /// Image width and height in pixels.
    let width: Int
    let height: Int
    /// Valid-map width and height: image size minus 10.
    let mapWidth: Int
    let mapHeight: Int
    /// SSIM stabilising constants (K1·L)² and (K2·L)².
    let c1: Double
    let c2: Double

    private let weights: UnsafeMutablePointer<Double>
    /// x, y, x² + y², xy of the input row being filtered (4 × (blockWidth + 11)).
    private let products: UnsafeMutablePointer<Double>
    /// The 4 vertically filtered moments of the current map row (4 × blockWidth).
    private let moments: UnsafeMutablePointer<Double>
    /// SSIM of each column of the current map row (blockWidth).
    private let ssimRow: UnsafeMutablePointer<Double>
    /// 11 ring rows, each holding the 4 moment planes of `blockWidth` values.
    private let ring: UnsafeMutablePointer<Double>
    private let ringRows: UnsafeMutablePointer<UnsafeMutablePointer<Double>>

    /// Sum of squared differences and largest absolute difference over the input
    /// samples this kernel was told it owns (each sample is owned by exactly one block).
    private(set) var sumSquaredError: UInt64 = 0
    private(set) var maxError: Int = 0

    /// Clears `sumSquaredError` and `maxError` before the next strip.
    func resetErrors() {
        sumSquaredError = 0
        maxError = 0
    }

    init(width: Int, height: Int, c1: Double, c2: Double) {
        self.width = width
        self.height = height
        self.mapWidth = width - 2 * GaussianWindow.radius
        self.mapHeight = height - 2 * GaussianWindow.radius
        self.c1 = c1
        self.c2 = c2
        let taps = GaussianWindow.taps
        weights = .allocate(capacity: taps)
        weights.initialize(from: GaussianWindow.weights, count: taps)
        let rowLength = Self.planes * (Self.blockWidth + taps)
        products = .allocate(capacity: rowLength)
        products.initialize(repeating: 0, count: rowLength)
        moments = .allocate(capacity: Self.planes * Self.blockWidth)
        moments.initialize(repeating: 0, count: Self.planes * Self.blockWidth)
        ssimRow = .allocate(capacity: Self.blockWidth)
        ssimRow.initialize(repeating: 0, count: Self.blockWidth)
        ring = .allocate(capacity: taps * Self.planes * Self.blockWidth)
        ring.initialize(repeating: 0, count: taps * Self.planes * Self.blockWidth)
        ringRows = .allocate(capacity: taps)
        ringRows.initialize(repeating: ring, count: taps)
    }

    deinit {
        weights.deallocate()
        products.deallocate()
        moments.deallocate()
        ssimRow.deallocate()
        ring.deallocate()
        ringRows.deallocate()
    }

    /// Adds the SSIM map of map rows `rows` (all columns) of one channel into
    /// `tileSums` (row-major, `tilesAcross` per row, 64×64 tiles of the map), and the
    /// squared errors of the input rows `ownedRows` into `sumSquaredError`/`maxError`.
    /// `reference` and `test` point at the channel's planes (`width`×`height`).
    func run(reference: UnsafePointer<UInt16>, test: UnsafePointer<UInt16>,
             rows: Range<Int>, ownedRows: Range<Int>,
             tileSums: UnsafeMutablePointer<Double>, tilesAcross: Int) {
        var x0 = 0
        while x0 < mapWidth {
            let x1 = min(x0 + Self.blockWidth, mapWidth)
            let ownedColumns = x0 ..< (x1 == mapWidth ? width : x1)
            runBlock(reference: reference, test: test, columns: x0..<x1, rows: rows,
                     ownedColumns: ownedColumns, ownedRows: ownedRows,
                     tileSums: tileSums, tilesAcross: tilesAcross)
            x0 = x1
        }
    }

    private func runBlock(reference: UnsafePointer<UInt16>, test: UnsafePointer<UInt16>,
                          columns: Range<Int>, rows: Range<Int>,
                          ownedColumns: Range<Int>, ownedRows: Range<Int>,
                          tileSums: UnsafeMutablePointer<Double>, tilesAcross: Int) {
        let taps = GaussianWindow.taps
        let blockWidth = columns.count
        let planeStride = Self.blockWidth
        let rowStride = Self.planes * planeStride
        for y in rows.lowerBound ..< rows.upperBound + taps - 1 {
            // Horizontal pass of input row y into ring slot y % 11.
            let slot = ring + (y % taps) * rowStride
            horizontal(reference: reference + y * width + columns.lowerBound,
                       test: test + y * width + columns.lowerBound,
                       count: blockWidth, into: slot, planeStride: planeStride)
            if ownedRows.contains(y) {
                accumulateError(reference: reference + y * width, test: test + y * width, columns: ownedColumns)
            }
            let mapRow = y - (taps - 1)
            guard mapRow >= rows.lowerBound else { continue }
            for k in 0..<taps { ringRows[k] = ring + ((mapRow + k) % taps) * rowStride }
            let tileRow = tileSums + (mapRow / QualityMetrics.tileSize) * tilesAcross
            vertical(count: blockWidth, planeStride: planeStride, firstColumn: columns.lowerBound, tileRow: tileRow)
        }
    }

    /// Sum of squares and maximum of sample differences over `columns` of one row.
    private func accumulateError(reference: UnsafePointer<UInt16>, test: UnsafePointer<UInt16>, columns: Range<Int>) {
        var sse: UInt64 = 0
        var worst: Int32 = 0
        for i in columns {
            let d = Int32(reference[i]) - Int32(test[i])
            let a = d < 0 ? -d : d
            sse &+= UInt64(UInt32(a) &* UInt32(a))
            worst = max(worst, a)
        }
        sumSquaredError &+= sse
        maxError = max(maxError, Int(worst))
    }

    /// The 11-tap horizontal filter of x, y, x² + y², xy for `count` map columns
    /// starting at the given input samples (which must have `count + 10` readable samples).
    @inline(__always)
    private func horizontal(reference: UnsafePointer<UInt16>, test: UnsafePointer<UInt16>,
                            count: Int, into slot: UnsafeMutablePointer<Double>, planeStride: Int) {
        let inputCount = count + GaussianWindow.taps - 1
        let inputStride = Self.blockWidth + GaussianWindow.taps
        let px = products, py = products + inputStride
        let psq = products + 2 * inputStride, pxy = products + 3 * inputStride
        for i in 0..<inputCount {
            let a = Double(reference[i]), b = Double(test[i])
            px[i] = a; py[i] = b
            psq[i] = a * a + b * b   // exact: below 2^33
            pxy[i] = a * b
        }
        for p in 0..<Self.planes {
            filter(products + p * inputStride, into: slot + p * planeStride, count: count)
        }
    }

    /// out[j] = Σₖ w[k]·s[j+k], k = 0…10, with the window's symmetry (w[k] = w[10−k]).
    @inline(__always)
    private func filter(_ s: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, count: Int) {
        let w0 = weights[0], w1 = weights[1], w2 = weights[2], w3 = weights[3], w4 = weights[4], w5 = weights[5]
        for j in 0..<count {
            let t = s + j
            var v = w5 * t[5]
            v += w4 * (t[4] + t[6])
            v += w3 * (t[3] + t[7])
            v += w2 * (t[2] + t[8])
            v += w1 * (t[1] + t[9])
            v += w0 * (t[0] + t[10])
            out[j] = v
        }
    }

    /// The vertical filter over the 11 ring rows and the SSIM formula for one map row
    /// of `count` columns; adds each 64-column run into its tile of `tileRow`.
    @inline(__always)
    private func vertical(count: Int, planeStride: Int, firstColumn: Int, tileRow: UnsafeMutablePointer<Double>) {
        let w0 = weights[0], w1 = weights[1], w2 = weights[2], w3 = weights[3], w4 = weights[4], w5 = weights[5]
        for p in 0..<Self.planes {
            let offset = p * planeStride
            let r0 = ringRows[0] + offset, r1 = ringRows[1] + offset, r2 = ringRows[2] + offset
            let r3 = ringRows[3] + offset, r4 = ringRows[4] + offset, r5 = ringRows[5] + offset
            let r6 = ringRows[6] + offset, r7 = ringRows[7] + offset, r8 = ringRows[8] + offset
            let r9 = ringRows[9] + offset, r10 = ringRows[10] + offset
            let out = moments + offset
            for j in 0..<count {
                var v = w5 * r5[j]
                v += w4 * (r4[j] + r6[j])
                v += w3 * (r3[j] + r7[j])
                v += w2 * (r2[j] + r8[j])
                v += w1 * (r1[j] + r9[j])
                v += w0 * (r0[j] + r10[j])
                out[j] = v
            }
        }
        let mxp = moments, myp = moments + planeStride
        let ssqp = moments + 2 * planeStride, sxyp = moments + 3 * planeStride
        let c1 = self.c1, c2 = self.c2
        for j in 0..<count {
            let mx = mxp[j], my = myp[j]
            let mx2 = mx * mx, my2 = my * my, mxy = mx * my
            let squares = mx2 + my2
            // σx² + σy² = E[x² + y²] − (μx² + μy²); written so that identical frames
            // give exactly the same numerator and denominator (SSIM exactly 1).
            let variances = ssqp[j] - squares, covariance = sxyp[j] - mxy
            ssimRow[j] = ((2 * mxy + c1) * (2 * covariance + c2)) / ((squares + c1) * (variances + c2))
        }
        let tile = QualityMetrics.tileSize
        var start = 0
        while start < count {
            let column = firstColumn + start
            let end = min(count, start + tile - column % tile)
            var sum4 = SIMD4<Double>()
            var j = start
            while j + 4 <= end {
                sum4 += UnsafeRawPointer(ssimRow + j).loadUnaligned(as: SIMD4<Double>.self)
                j += 4
            }
            var sum = sum4.sum()
            while j < end {
                sum += ssimRow[j]
                j += 1
            }
            tileRow[column / tile] += sum
            start = end
        }
    }
}

