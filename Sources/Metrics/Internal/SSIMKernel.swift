import Foundation

/// The hot loop of SSIM: the SSIM map of a strip of one channel, computed from the
/// 16-bit planes with a separable Gaussian (horizontal pass into a ring of filtered
/// rows, then vertical), in blocks of columns, so no whole-frame float map is held.
///
/// Moments are accumulated in `Double`: E[x²] − E[x]² of 16-bit codes cancels badly
/// in `Float` (errors of order L²·2⁻²⁴ against C2 = (0.03·L)²).
///
/// The filter passes use fused multiply-adds where the build targets a CPU that has
/// them (`REELPACK_FMA`, set by `Package.swift`). Every moment plane goes through the
/// same sequence of operations, and the SSIM formula has none fused, so identical
/// frames still give exactly equal numerator and denominator (SSIM 1).
///
/// Unsafe pointers are confined to this file; every index is derived from the block's
/// bounds, which `QualityMetrics` checks against the frame before calling.
final class SSIMKernel {
    /// Widest block of map columns one pass handles: narrow, so the ring (22 slots of
    /// 4 planes, 22 KiB) stays in the core's L1 cache, which the vertical filter reads
    /// 11 times per value; with 256 columns (a 176 KiB ring) SSIM took about twice as
    /// long (BENCHMARKS.md). Narrow blocks cost little: horizontal outputs do not overlap
    /// between blocks, only the products of 10 input columns per block are repeated.
    static let blockWidth = 32
    /// Moment planes filtered: μx, μy, E[x² + y²], E[xy]. SSIM needs σx² and σy² only
    /// as their sum, so one plane serves both.
    static let planes = 4
    /// Doubles in one ring slot: the 4 planes of one filtered row of a block.
    static let slotLength = planes * blockWidth
    /// Doubles in each plane of `products`: a block's input samples.
    static let productsStride = blockWidth + 11

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
    /// x, y, x² + y², xy of the input row being filtered (4 × `productsStride`).
    private let products: UnsafeMutablePointer<Double>
    /// The 4 vertically filtered moments of the current map row (4 × blockWidth).
    private let moments: UnsafeMutablePointer<Double>
    /// SSIM of each column of the current map row (blockWidth).
    private let ssimRow: UnsafeMutablePointer<Double>
    /// 22 ring slots: horizontally filtered input row y is stored in slot y % 11 and
    /// again in slot y % 11 + 11, so the 11 rows under map row m are the consecutive
    /// slots from m % 11, reached from one base pointer at constant offsets.
    private let ring: UnsafeMutablePointer<Double>

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
        products = .allocate(capacity: Self.planes * Self.productsStride)
        products.initialize(repeating: 0, count: Self.planes * Self.productsStride)
        moments = .allocate(capacity: Self.slotLength)
        moments.initialize(repeating: 0, count: Self.slotLength)
        ssimRow = .allocate(capacity: Self.blockWidth)
        ssimRow.initialize(repeating: 0, count: Self.blockWidth)
        ring = .allocate(capacity: 2 * taps * Self.slotLength)
        ring.initialize(repeating: 0, count: 2 * taps * Self.slotLength)
    }

    deinit {
        weights.deallocate()
        products.deallocate()
        moments.deallocate()
        ssimRow.deallocate()
        ring.deallocate()
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
        let count = columns.count
        for y in rows.lowerBound ..< rows.upperBound + taps - 1 {
            // Horizontal pass of input row y into ring slots y % 11 and y % 11 + 11.
            horizontal(reference: reference + y * width + columns.lowerBound,
                       test: test + y * width + columns.lowerBound,
                       count: count, into: ring + (y % taps) * Self.slotLength)
            if ownedRows.contains(y) {
                accumulateError(reference: reference + y * width, test: test + y * width, columns: ownedColumns)
            }
            let mapRow = y - (taps - 1)
            guard mapRow >= rows.lowerBound else { continue }
            vertical(rows: ring + (mapRow % taps) * Self.slotLength, count: count)
            addToTiles(count: count, firstColumn: columns.lowerBound,
                       tileRow: tileSums + (mapRow / QualityMetrics.tileSize) * tilesAcross)
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

    /// `acc + w·x`, fused (one rounding) when the build targets FMA hardware.
    @inline(__always)
    private static func multiplyAdd(_ acc: Double, _ w: Double, _ x: Double) -> Double {
        #if REELPACK_FMA
        return acc.addingProduct(w, x)
        #else
        return acc + w * x
        #endif
    }

    /// The 11-tap horizontal filter of x, y, x² + y², xy for `count` map columns
    /// starting at the given input samples (which must have `count + 10` readable
    /// samples), written as 4 planes of stride `count` into `slot` and into its twin
    /// 11 slots further.
    @inline(__always)
    private func horizontal(reference: UnsafePointer<UInt16>, test: UnsafePointer<UInt16>,
                            count: Int, into slot: UnsafeMutablePointer<Double>) {
        let inputCount = count + GaussianWindow.taps - 1
        let stride = Self.productsStride
        let px = products, py = products + stride
        let psq = products + 2 * stride, pxy = products + 3 * stride
        for i in 0..<inputCount {
            let a = Double(reference[i]), b = Double(test[i])
            px[i] = a; py[i] = b
            psq[i] = a * a + b * b   // exact: below 2^33
            pxy[i] = a * b
        }
        let w0 = weights[0], w1 = weights[1], w2 = weights[2], w3 = weights[3], w4 = weights[4], w5 = weights[5]
        let twin = GaussianWindow.taps * Self.slotLength
        for p in 0..<Self.planes {
            let s = products + p * stride
            let out = slot + p * count
            for j in 0..<count {
                let t = s + j
                var v = w5 * t[5]
                v = Self.multiplyAdd(v, w4, t[4] + t[6])
                v = Self.multiplyAdd(v, w3, t[3] + t[7])
                v = Self.multiplyAdd(v, w2, t[2] + t[8])
                v = Self.multiplyAdd(v, w1, t[1] + t[9])
                v = Self.multiplyAdd(v, w0, t[0] + t[10])
                out[j] = v
                out[twin + j] = v
            }
        }
    }

    /// The vertical filter of the 11 consecutive ring slots from `rows` (all 4 planes
    /// in one pass: they are contiguous, of stride `count`) and the SSIM formula, for
    /// `count` columns into `ssimRow`.
    @inline(__always)
    private func vertical(rows: UnsafeMutablePointer<Double>, count: Int) {
        let w0 = weights[0], w1 = weights[1], w2 = weights[2], w3 = weights[3], w4 = weights[4], w5 = weights[5]
        let n = Self.slotLength
        let out = moments
        for i in 0 ..< Self.planes * count {
            let t = rows + i
            var v = w5 * t[5 * n]
            v = Self.multiplyAdd(v, w4, t[4 * n] + t[6 * n])
            v = Self.multiplyAdd(v, w3, t[3 * n] + t[7 * n])
            v = Self.multiplyAdd(v, w2, t[2 * n] + t[8 * n])
            v = Self.multiplyAdd(v, w1, t[1 * n] + t[9 * n])
            v = Self.multiplyAdd(v, w0, t[0] + t[10 * n])
            out[i] = v
        }
        let mxp = moments, myp = moments + count
        let ssqp = moments + 2 * count, sxyp = moments + 3 * count
        let c1 = self.c1, c2 = self.c2
        for j in 0..<count {
            let mx = mxp[j], my = myp[j]
            let mx2 = mx * mx, my2 = my * my, mxy = mx * my
            let squares = mx2 + my2
            // σx² + σy² = E[x² + y²] − (μx² + μy²); written so that identical frames
            // give exactly the same numerator and denominator (SSIM exactly 1): no
            // fused operations here.
            let variances = ssqp[j] - squares, covariance = sxyp[j] - mxy
            ssimRow[j] = ((2 * mxy + c1) * (2 * covariance + c2)) / ((squares + c1) * (variances + c2))
        }
    }

    /// Adds each 64-column run of the first `count` values of `ssimRow` into its tile
    /// of `tileRow`.
    @inline(__always)
    private func addToTiles(count: Int, firstColumn: Int, tileRow: UnsafeMutablePointer<Double>) {
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
