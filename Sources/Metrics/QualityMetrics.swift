import Foundation
import ImageCore

/// Quality metrics of a test frame against its reference (DESIGN.md §3): SSIM per
/// channel and for the frame, the 64×64 tile floor of the SSIM map, PSNR, MSE and the
/// largest sample error.
///
/// SSIM is Wang et al. 2004 with an 11×11 Gaussian window (σ = 1.5, normalised,
/// truncated at radius 5), K1 = 0.01, K2 = 0.03, L = 2^bitDepth − 1 of the source,
/// population covariance, computed per channel on code values at full resolution
/// over the valid region only (the map is (W−10)×(H−10), no padding). This equals
/// scikit-image's `structural_similarity(gaussian_weights=True, sigma=1.5,
/// use_sample_covariance=False, data_range=L)`, whose mean skips the same 5-pixel border.
///
/// The map is computed in horizontal strips by concurrent workers, each holding only a
/// ring of 11 filtered rows for a block of columns: extra memory is a few tens of KiB
/// per worker plus the tile sums, never a float copy of the frame.
public enum QualityMetrics {
    /// Side of the square tiles of the SSIM map whose minimum mean is the tile floor.
    public static let tileSize = 64
    /// Side of the SSIM window in pixels; frames must be at least this wide and tall.
    public static let windowSize = GaussianWindow.taps
    /// SSIM constant K1 of Wang et al. 2004: C1 = (K1·L)².
    public static let k1 = 0.01
    /// SSIM constant K2 of Wang et al. 2004: C2 = (K2·L)².
    public static let k2 = 0.03
    /// Map rows per unit of concurrent work (a multiple of `tileSize`, so each tile
    /// belongs to one unit and results do not depend on the thread count).
    static let stripHeight = 2 * tileSize

    /// Compares `test` with `reference`.
    ///
    /// - Parameters:
    ///   - reference: the source frame.
    ///   - test: the frame to judge (e.g. decoded codec output), same geometry.
    ///   - bitDepth: the depth whose peak `L = 2^bitDepth − 1` scales SSIM's constants
    ///     and PSNR; `reference.bitDepth` when nil. Giving it also allows `test` to
    ///     declare another depth (its codes are compared as they are).
    ///   - threads: concurrent workers; the number of active processors when nil.
    ///     The result does not depend on it. The call blocks its thread until the
    ///     workers are done (about 0.1–0.5 s for a 4K 3-channel frame): callers running
    ///     many frames at once pass 1 and parallelise over frames instead.
    /// - Throws: `MetricsError` when the sizes, channel counts or (without `bitDepth`)
    ///   bit depths differ, when the frame is smaller than 11×11, or when `bitDepth`
    ///   is outside 1…16.
    public static func measure(reference: PixelBuffer, test: PixelBuffer, bitDepth: Int? = nil,
                               threads: Int? = nil) throws(MetricsError) -> QualityReport {
        guard reference.width == test.width, reference.height == test.height else {
            throw MetricsError(.sizeMismatch(
                reference: .init(width: reference.width, height: reference.height),
                test: .init(width: test.width, height: test.height)))
        }
        guard reference.channels == test.channels else {
            throw MetricsError(.channelMismatch(reference: reference.channels, test: test.channels))
        }
        if bitDepth == nil, reference.bitDepth != test.bitDepth {
            throw MetricsError(.bitDepthMismatch(reference: reference.bitDepth, test: test.bitDepth))
        }
        let depth = bitDepth ?? reference.bitDepth
        guard (1...16).contains(depth) else { throw MetricsError(.badBitDepth(depth)) }
        guard reference.width >= windowSize, reference.height >= windowSize else {
            throw MetricsError(.imageTooSmall(.init(width: reference.width, height: reference.height)))
        }
        let workers = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        return compute(reference: reference, test: test, peak: Double((1 << depth) - 1), workers: workers)
    }

    /// One unit of concurrent work: a strip of map rows of one channel.
    private struct Strip: Sendable {
        var channel: Int
        var rows: Range<Int>
        var ownedRows: Range<Int>
    }

    /// Strips of `stripHeight` map rows per channel; the last strip of a channel also
    /// owns the bottom 10 input rows for the error sums.
    private static func makeStrips(channels: Int, mapHeight: Int, height: Int) -> [Strip] {
        var strips: [Strip] = []
        for channel in 0..<channels {
            var y = 0
            while y < mapHeight {
                let end = min(y + stripHeight, mapHeight)
                strips.append(Strip(channel: channel, rows: y..<end, ownedRows: y ..< (end == mapHeight ? height : end)))
                y = end
            }
        }
        return strips
    }

    private static func compute(reference: PixelBuffer, test: PixelBuffer, peak: Double, workers: Int) -> QualityReport {
        let width = reference.width, height = reference.height, channels = reference.channels
        let mapWidth = width - (windowSize - 1), mapHeight = height - (windowSize - 1)
        let tilesAcross = (mapWidth + tileSize - 1) / tileSize
        let tilesDown = (mapHeight + tileSize - 1) / tileSize
        let tilesPerChannel = tilesAcross * tilesDown
        let c1 = (k1 * peak) * (k1 * peak), c2 = (k2 * peak) * (k2 * peak)

        let strips = makeStrips(channels: channels, mapHeight: mapHeight, height: height)
        var tileSums = [Double](repeating: 0, count: channels * tilesPerChannel)
        var errors = [(sse: UInt64, maxError: Int)](repeating: (0, 0), count: strips.count)
        let planeSize = reference.planeSize
        reference.samples.withUnsafeBufferPointer { ref in
            test.samples.withUnsafeBufferPointer { tst in
                tileSums.withUnsafeMutableBufferPointer { sums in
                    errors.withUnsafeMutableBufferPointer { errs in
                        guard let refBase = ref.baseAddress, let testBase = tst.baseAddress,
                              let sumsBase = sums.baseAddress, let errsBase = errs.baseAddress else { return }
                        let shared = SharedPointers(reference: refBase, test: testBase, tileSums: sumsBase, errors: errsBase)
                        let queue = WorkQueue(count: strips.count)
                        let body: @Sendable (Int) -> Void = { _ in
                            let kernel = SSIMKernel(width: width, height: height, c1: c1, c2: c2)
                            while let index = queue.next() {
                                let strip = strips[index]
                                kernel.resetErrors()
                                kernel.run(reference: shared.reference + strip.channel * planeSize,
                                           test: shared.test + strip.channel * planeSize,
                                           rows: strip.rows, ownedRows: strip.ownedRows,
                                           tileSums: shared.tileSums + strip.channel * tilesPerChannel,
                                           tilesAcross: tilesAcross)
                                shared.errors[index] = (kernel.sumSquaredError, kernel.maxError)
                            }
                        }
                        let count = min(workers, strips.count)
                        if count == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: count, execute: body) }
                    }
                }
            }
        }

        // Per-channel means: every map pixel was added to exactly one tile sum.
        let mapCount = Double(mapWidth * mapHeight)
        var perChannel: [Double] = []
        for c in 0..<channels {
            let base = c * tilesPerChannel
            perChannel.append(tileSums[base ..< base + tilesPerChannel].reduce(0, +) / mapCount)
        }
        var floor = Double.infinity
        var worst = TileLocation(x: 0, y: 0, width: min(tileSize, mapWidth), height: min(tileSize, mapHeight))
        for ty in 0..<tilesDown {
            for tx in 0..<tilesAcross {
                let tileWidth = min(tileSize, mapWidth - tx * tileSize)
                let tileHeight = min(tileSize, mapHeight - ty * tileSize)
                var sum = 0.0
                for c in 0..<channels { sum += tileSums[c * tilesPerChannel + ty * tilesAcross + tx] }
                let mean = sum / Double(channels * tileWidth * tileHeight)
                if mean < floor {
                    floor = mean
                    worst = TileLocation(x: tx * tileSize, y: ty * tileSize, width: tileWidth, height: tileHeight)
                }
            }
        }

        var sse: UInt64 = 0
        var maxError = 0
        for e in errors {
            sse &+= e.sse
            maxError = max(maxError, e.maxError)
        }
        let mse = Double(sse) / Double(reference.samples.count)
        let identical = sse == 0
        let psnr: Double? = identical ? nil : 10 * log10(peak * peak / mse)
        return QualityReport(
            ssim: perChannel.reduce(0, +) / Double(channels), ssimPerChannel: perChannel,
            tileFloor: floor, worstTile: worst, psnr: psnr, identical: identical,
            maxError: maxError, mse: mse)
    }
}

/// Base pointers shared by the workers of one `measure` call.
///
/// `@unchecked Sendable`: the frames are only read; each strip writes only its own
/// `errors` slot and the tile sums of its own channel's tile rows (strips are whole
/// tile rows), so no two workers write the same memory, and `concurrentPerform`
/// returns only after every worker is done.
private struct SharedPointers: @unchecked Sendable {
    let reference: UnsafePointer<UInt16>
    let test: UnsafePointer<UInt16>
    let tileSums: UnsafeMutablePointer<Double>
    let errors: UnsafeMutablePointer<(sse: UInt64, maxError: Int)>
}
