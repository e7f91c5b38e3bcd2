import Foundation

/// The hot loop of SSIM: one block of the SSIM map of one channel, computed from
/// the 16-bit planes with a separable Gaussian over a ring of 11 horizontally filtered
/// rows, so no whole-frame float map is ever held.
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
    private let rowX: UnsafeMutablePointer<Double>
    private let rowY: UnsafeMutablePointer<Double>
    /// 11 ring rows, each holding 5 planes (μx, μy, E[x²], E[y²], E[xy]) of `blockWidth` values.
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
        let rowLength = Self.blockWidth + taps
        rowX = .allocate(capacity: rowLength)
        rowX.initialize(repeating: 0, count: rowLength)
        rowY = .allocate(capacity: rowLength)
        rowY.initialize(repeating: 0, count: rowLength)
        ring = .allocate(capacity: taps * 5 * Self.blockWidth)
        ring.initialize(repeating: 0, count: taps * 5 * Self.blockWidth)
        ringRows = .allocate(capacity: taps)
        ringRows.initialize(repeating: ring, count: taps)
    }

    deinit {
        weights.deallocate()
        rowX.deallocate()
        rowY.deallocate()
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
        let rowStride = 5 * planeStride
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

    /// The 11-tap horizontal filter of x, y, x², y², xy for `count` map columns
    /// starting at the given input samples (which must have `count + 10` readable samples).
    @inline(__always)
    private func horizontal(reference: UnsafePointer<UInt16>, test: UnsafePointer<UInt16>,
                            count: Int, into slot: UnsafeMutablePointer<Double>, planeStride: Int) {
        let taps = GaussianWindow.taps
        let inputCount = count + taps - 1
        for i in 0..<inputCount {
            rowX[i] = Double(reference[i])
            rowY[i] = Double(test[i])
        }
        let hx = slot, hy = slot + planeStride, hxx = slot + 2 * planeStride
        let hyy = slot + 3 * planeStride, hxy = slot + 4 * planeStride
        var j = 0
        while j + 4 <= count {
            var ax = SIMD4<Double>(), ay = SIMD4<Double>()
            var axx = SIMD4<Double>(), ayy = SIMD4<Double>(), axy = SIMD4<Double>()
            for k in 0..<11 {
                let w = SIMD4<Double>(repeating: weights[k])
                let vx = load4(rowX + j + k), vy = load4(rowY + j + k)
                let wx = w * vx, wy = w * vy
                ax += wx; ay += wy
                axx += wx * vx; ayy += wy * vy; axy += wx * vy
            }
            store4(ax, hx + j); store4(ay, hy + j)
            store4(axx, hxx + j); store4(ayy, hyy + j); store4(axy, hxy + j)
            j += 4
        }
        while j < count {
            var ax = 0.0, ay = 0.0, axx = 0.0, ayy = 0.0, axy = 0.0
            for k in 0..<11 {
                let w = weights[k]
                let vx = rowX[j + k], vy = rowY[j + k]
                let wx = w * vx, wy = w * vy
                ax += wx; ay += wy
                axx += wx * vx; ayy += wy * vy; axy += wx * vy
            }
            hx[j] = ax; hy[j] = ay; hxx[j] = axx; hyy[j] = ayy; hxy[j] = axy
            j += 1
        }
    }

    /// The vertical filter over the 11 ring rows and the SSIM formula for one map row
    /// of `count` columns; adds each 64-column run into its tile of `tileRow`.
    @inline(__always)
    private func vertical(count: Int, planeStride: Int, firstColumn: Int, tileRow: UnsafeMutablePointer<Double>) {
        let tile = QualityMetrics.tileSize
        var start = 0
        while start < count {
            let column = firstColumn + start
            let end = min(count, start + tile - column % tile)
            var sum4 = SIMD4<Double>()
            var j = start
            while j + 4 <= end {
                sum4 += ssim4(at: j, planeStride: planeStride)
                j += 4
            }
            var sum = sum4.sum()
            while j < end {
                sum += ssim1(at: j, planeStride: planeStride)
                j += 1
            }
            tileRow[column / tile] += sum
            start = end
        }
    }

    @inline(__always)
    private func ssim4(at j: Int, planeStride: Int) -> SIMD4<Double> {
        var mx = SIMD4<Double>(), my = SIMD4<Double>()
        var sxx = SIMD4<Double>(), syy = SIMD4<Double>(), sxy = SIMD4<Double>()
        for k in 0..<11 {
            let w = SIMD4<Double>(repeating: weights[k])
            let r = ringRows[k] + j
            mx += w * load4(r)
            my += w * load4(r + planeStride)
            sxx += w * load4(r + 2 * planeStride)
            syy += w * load4(r + 3 * planeStride)
            sxy += w * load4(r + 4 * planeStride)
        }
        let mx2 = mx * mx, my2 = my * my, mxy = mx * my
        let vx = sxx - mx2, vy = syy - my2, vxy = sxy - mxy
        let c1v = SIMD4<Double>(repeating: c1), c2v = SIMD4<Double>(repeating: c2)
        let numerator = (2 * mxy + c1v) * (2 * vxy + c2v)
        let denominator = (mx2 + my2 + c1v) * (vx + vy + c2v)
        return numerator / denominator
    }

    @inline(__always)
    private func ssim1(at j: Int, planeStride: Int) -> Double {
        var mx = 0.0, my = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0
        for k in 0..<11 {
            let w = weights[k]
            let r = ringRows[k] + j
            mx += w * r[0]
            my += w * r[planeStride]
            sxx += w * r[2 * planeStride]
            syy += w * r[3 * planeStride]
            sxy += w * r[4 * planeStride]
        }
        let mx2 = mx * mx, my2 = my * my, mxy = mx * my
        let vx = sxx - mx2, vy = syy - my2, vxy = sxy - mxy
        return ((2 * mxy + c1) * (2 * vxy + c2)) / ((mx2 + my2 + c1) * (vx + vy + c2))
    }
}

@inline(__always)
private func load4(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
}

@inline(__always)
private func load4(_ p: UnsafeMutablePointer<Double>) -> SIMD4<Double> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
}

@inline(__always)
private func store4(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Double>.self)
}
