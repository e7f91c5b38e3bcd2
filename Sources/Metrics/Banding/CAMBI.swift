import Foundation
import ImageCore

/// CAMBI, the Contrast-Aware Multiscale Banding Index (Tandon et al., Picture Coding
/// Symposium 2021): how visible the banding of a frame is, from 0 (none) upward; it
/// cannot exceed 31 (every c-value is at most the window's pixel count, and the scale
/// weights sum to 31). It sees what SSIM and PSNR do not: flat bands a few codes apart
/// in skies, fades and smoke.
///
/// The method, stage by stage (P: as the paper says; V: as libvmaf's `cambi.c`
/// implements it, where the paper leaves the detail open, so that scores can be
/// compared with libvmaf's; R: Reelpack's own choice):
///
/// 1. Luma (R): plane 0 of a one-channel frame, Rec.709 weights on the code values of
///    R, G, B otherwise, at the frame's own bit depth. Frames under 10 bits are
///    promoted to 10-bit codes (V). libvmaf reduces 12- and 16-bit frames to 10 bits
///    first (P and V); Reelpack keeps their codes and scales every contrast step
///    instead: at `b` bits a step of `d` 10-bit codes is `d·2^(b−10)` codes, and the
///    visibility thresholds compare `code >> (b−10)` with the 10-bit threshold. A
///    frame whose codes are those of a 10-bit frame times `2^(b−10)` gets exactly the
///    10-bit frame's score; a genuinely finer 12- or 16-bit gradient is not forced
///    into 10-bit bands, so it scores lower than its 10-bit rounding would (it shows
///    less banding). No anti-dithering filter for 8-bit sources (libvmaf applies one
///    when told the encode is under 10 bits).
/// 2. Flat-region mask (P, details V): a pixel is flat when it equals its right and
///    lower neighbours; the mask keeps pixels with more than `t` flat pixels in their
///    7×7 square, `t` = 24 at 4K, 21 at 1080p (libvmaf's resolution rule). Computed
///    once on the full-resolution luma and decimated with it; grain turns the mask
///    off, as it should (grain hides banding).
/// 3. Five scales (P): scale 0 is the luma, each further scale keeps every other pixel
///    of every other row of the previous (V: plain decimation, no low-pass); each is
///    first cleaned by a 3×3 mode filter (P), applied cumulatively as in libvmaf (V).
/// 4. Contrast histograms (P): for each masked pixel of value `v`, the counts `p(v)`,
///    `p(v ± d)` for d = 1…4 (10-bit codes) among the masked pixels of a square
///    window around it; the window is the same number of pixels at every scale, so
///    it covers 2^s times more of the picture at scale s (V).
///    c(pixel) = max over visible d of w_d · p(v)·p' / (p(v) + p'), p' = the larger of
///    p(v+d), p(v−d), w = 1, 2, 3, 4 (P: the suprathreshold contrast response; V: the
///    values). A step d counts only where the code is at most the largest code at
///    which d is visible (ΔL > 0.019·L, BT.1886, 300 cd/m², limited range; P, V).
/// 5. Pooling (P): per scale, the mean of the worst 60 % of all c-values (unmasked
///    pixels have c = 0); the scales are weighted 16, 8, 4, 2, 1 (finest first) and
///    the sum divided by the window's pixel count (V).
///
/// The window is 65 pixels at 3840×2160 (about one degree of visual angle at 4K; V)
/// and scales with width + height:
/// `⌊⌊65·(w+h)/375⌋/16⌋`, made odd (V): 33 at 1920×1080, 67 at 4096×2160, 3 from
/// w + h = 185, 1 below. libvmaf refuses frames with w + h > 6000 (its reciprocal
/// table stops at a 65×65 window) and frames under 216 pixels on both sides; Reelpack
/// computes the reciprocal and has neither limit. A frame whose window is 1 pixel
/// (w + h under 185) scores 0: no step to a neighbouring band can fall in the window.
///
/// Speed: integer histograms indexed by the codes present among masked pixels (so
/// 16-bit frames cost what 10-bit ones do), one count per output column and code,
/// updated as rows enter and leave the window, a run of equal pixels in one pass;
/// unmasked pixels cost nothing there; frames cut into horizontal strips, two per
/// worker. The scales are computed in full, as the paper and libvmaf do (libvmaf's
/// optional high-resolution speed-up, which changes the score, is not used). See
/// BENCHMARKS.md, "CAMBI against libvmaf".
public enum CAMBI {
    /// A frame's banding.
    public struct Result: Sendable, Equatable {
        /// CAMBI, 0 … 31: 0 for no visible banding.
        public var score: Double
        /// Per 64×64-pixel tile (row by row, top-left first; the last row and column of
        /// tiles may be partial): the score's weighting of the five scales applied to
        /// the tile's mean c-value at each scale. A heat map: unlike the score it
        /// averages all of a tile's pixels rather than the worst 60 %.
        public var tileMap: [Float]
        public var tilesWide: Int
        public var tilesHigh: Int
    }

    /// Side of a `tileMap` tile, in pixels.
    public static let tileSize = 64
    /// The window at 3840×2160 (P: one degree).
    static let windowAt4K = 65
    /// Contrast weights w_d for d = 1…4 (10-bit codes).
    static let contrastWeights: [Int] = [1, 2, 3, 4]
    /// Scale weights, finest first.
    static let scaleWeights: [Double] = [16, 8, 4, 2, 1]
    /// Share of the c-values pooled at each scale.
    static let topFraction = 0.6

    /// CAMBI of `frame` at its own bit depth.
    /// - Parameters:
    ///   - frame: any size, 1 to 4 channels, 1 to 16 bits; alpha is ignored.
    ///   - threads: concurrent workers; the number of active processors when nil.
    ///     The result does not depend on it.
    public static func measure(_ frame: PixelBuffer, threads: Int? = nil) -> Result {
        let workers = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        var (luma, depth) = (CAMBIStages.luma(frame, workers: workers), frame.bitDepth)
        if depth < 10 {
            let shift = UInt16(10 - depth)
            for i in luma.indices { luma[i] <<= shift }
            depth = 10
        }
        return measure(luma: luma, width: frame.width, height: frame.height, bitDepth: depth, workers: workers)
    }

    /// The luma CAMBI measures, as a one-channel frame at `frame`'s bit depth.
    public static func luma(_ frame: PixelBuffer) -> PixelBuffer {
        // The geometry and depth are `frame`'s own, so this cannot throw.
        try! PixelBuffer(width: frame.width, height: frame.height, channels: 1, bitDepth: frame.bitDepth,
                         samples: CAMBIStages.luma(frame))
    }

    /// The window side at `width`×`height` (odd, at least 1).
    public static func windowSize(width: Int, height: Int) -> Int {
        (((windowAt4K * (width + height)) / 375) >> 4) | 1
    }

    static func measure(luma: [UInt16], width: Int, height: Int, bitDepth: Int, workers: Int) -> Result {
        let window = windowSize(width: width, height: height)
        let shift = bitDepth - 10
        let tilesWide = (width + tileSize - 1) / tileSize, tilesHigh = (height + tileSize - 1) / tileSize
        var tileMap = [Double](repeating: 0, count: tilesWide * tilesHigh)

        var mask = luma.withUnsafeBufferPointer {
            CAMBIStages.flatMask($0.baseAddress!, width: width, height: height, workers: workers)
        }
        var image = luma
        var (w, h) = (width, height)
        var score = 0.0
        for scale in 0..<5 {
            if scale > 0 {
                image = CAMBIStages.decimate(image, width: w, height: h)
                mask = CAMBIStages.decimate(mask, width: w, height: h)
                (w, h) = ((w + 1) >> 1, (h + 1) >> 1)
            }
            image = CAMBIStages.modeFilter(image, width: w, height: h, workers: workers)
            let c = CAMBIHistograms.cValues(image: image, mask: mask, width: w, height: h, window: window,
                                            shift: shift, workers: workers)
            let pooled = c.withUnsafeBufferPointer { CAMBIStages.topMean($0, fraction: topFraction) }
            score += scaleWeights[scale] * pooled

            // Tile means at this scale: tile (tx, ty) covers scaled columns
            // (64·tx) >> scale ..< (64·(tx+1)) >> scale.
            let side = tileSize >> scale, sideShift = 6 - scale   // tileSize = 64
            var sums = [Double](repeating: 0, count: tilesWide * tilesHigh)
            c.withUnsafeBufferPointer { cv in
                sums.withUnsafeMutableBufferPointer { sum in
                    // One worker per band of tile rows: each tile is summed in row order.
                    let shared = Pointers(input: cv.baseAddress!, output: sum.baseAddress!)
                    let bands = CAMBIStages.rowStrips(height: tilesHigh, count: workers, minimumRows: 1)
                    let (width, height) = (w, h)
                    CAMBIParallel.run(bands.count, workers: workers) { band in
                        let rows = (bands[band].lowerBound * side) ..< min(height, bands[band].upperBound * side)
                        for y in rows {
                            let tileRow = shared.output + (y >> sideShift) * tilesWide, row = shared.input + y * width
                            for x in 0..<width where row[x] != 0 { tileRow[x >> sideShift] += Double(row[x]) }
                        }
                    }
                }
            }
            for ty in 0..<tilesHigh {
                let rows = min(h, (ty + 1) * side) - ty * side
                for tx in 0..<tilesWide {
                    let cols = min(w, (tx + 1) * side) - tx * side
                    guard rows > 0, cols > 0 else { continue }
                    tileMap[ty * tilesWide + tx] += scaleWeights[scale] * sums[ty * tilesWide + tx] / Double(rows * cols)
                }
            }
        }
        let pixels = Double(window * window)
        return Result(score: score / pixels, tileMap: tileMap.map { Float($0 / pixels) },
                      tilesWide: tilesWide, tilesHigh: tilesHigh)
    }
}
