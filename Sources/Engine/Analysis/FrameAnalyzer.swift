import Foundation
import ImageCore
import Metrics

/// Measures a frame's features on its samples (DESIGN.md §1, "Analysis").
///
/// Grain is `Metrics.GrainEstimate`: the film-grain band (structure below about three
/// pixels, so grain clumped over a pixel or two counts), per colour channel and tone
/// band, from the quietest blocks of each band; see that type for the method.
///
/// Text (title cards, subtitles) is looked for by `TextDetector` on a subsampled luma grid.
public enum FrameAnalyzer {
    /// Histogram distance above which a frame starts a new shot (warm start is reset).
    public static let sceneChangeThreshold = 0.25

    /// Grain (`noiseSigma`, code values) below which a frame has no measurable grain:
    /// grain retention is not measured on it and a grain floor does not apply.
    public static let measurableGrain = GrainEstimate.measurable

    /// The result of analysing one frame.
    public struct Result: Sendable {
        public var features: FrameFeatures
        public var signature: FrameSignature
    }

    /// Analyses `pixels` on its own. The scene-change fields (`sceneChange`,
    /// `isSceneCut`) compare a frame with the one before it: `ShotHistory.recordFrame`
    /// fills them, with the one cut rule `compress` and `analyze` share.
    /// `grain` is the frame's grain when it was measured already (`GrainReference.estimate`).
    public static func analyze(_ pixels: PixelBuffer, grain: GrainEstimate? = nil) -> Result {
        let w = pixels.width, h = pixels.height, n = pixels.planeSize
        let colour = min(3, pixels.channels == 2 ? 1 : pixels.channels)   // leave alpha out
        let full = pixels.maxValue
        let fullD = Double(full)

        // Histogram of the colour channels' codes, plus 64-bin signatures (summed from
        // each channel's histogram, so the samples are read once).
        var hist = [Int](repeating: 0, count: full + 1)
        var signature: [[Double]] = []
        var orAll: UInt16 = 0
        var sum = 0.0
        let binShift = max(0, pixels.bitDepth - 6)
        var channelHist = [Int](repeating: 0, count: full + 1)
        let top = UInt16(truncatingIfNeeded: full)
        pixels.samples.withUnsafeBufferPointer { s in
            for c in 0..<colour {
                channelHist.withUnsafeMutableBufferPointer { counts in
                    counts.update(repeating: 0)
                    var or: UInt16 = 0
                    for i in (c * n)..<(c * n + n) {
                        let v = s[i]
                        or |= v
                        counts[Int(min(v, top))] += 1   // a code above the depth counts as full scale
                    }
                    orAll |= or
                }
                var bins = [Int](repeating: 0, count: 64)
                for v in 0...full {
                    bins[min(63, v >> binShift)] += channelHist[v]
                    hist[v] += channelHist[v]
                }
                signature.append(bins.map { Double($0) / Double(n) })
            }
        }
        let count = n * colour
        var cumulative = 0
        var percentiles = [0.001, 0.01, 0.5, 0.99, 0.999].map { Int((Double(count) * $0).rounded(.down)) }
        var found = [Int](repeating: full, count: percentiles.count)
        var pi = 0
        var codeMin = -1, codeMax = 0, distinct = 0
        var shadows = 0, mids = 0, highs = 0
        for v in 0...full where hist[v] > 0 {
            if codeMin < 0 { codeMin = v }
            codeMax = v
            distinct += 1
            sum += Double(v) * Double(hist[v])
            cumulative += hist[v]
            while pi < percentiles.count, cumulative > percentiles[pi] { found[pi] = v; pi += 1 }
            if v * 3 < full { shadows += hist[v] } else if v * 3 < 2 * full { mids += hist[v] } else { highs += hist[v] }
        }
        percentiles = found
        let bitsUsed = orAll == 0 ? 0 : (16 - orAll.leadingZeroBitCount) - orAll.trailingZeroBitCount

        // Saturation: mean chroma spread.
        var saturation = 0.0
        let monochrome = pixels.isMonochrome
        if colour == 3, !monochrome {
            var acc = 0
            pixels.samples.withUnsafeBufferPointer { s in
                for i in 0..<n {
                    let r = Int(s[i]), g = Int(s[n + i]), b = Int(s[2 * n + i])
                    acc += max(r, g, b) - min(r, g, b)
                }
            }
            saturation = Double(acc) / Double(n) / fullD
        }

        // Noise per colour channel, and gradients on the channel mean.
        let grain = grain ?? GrainEstimate(pixels, threads: 1)
        let noisePerChannel = grain.channels.map(\.sigma)
        let noise = grain.sigma
        let (edges, texture, smooth) = gradientFeatures(pixels, colour: colour)

        let text = TextDetector.detect(pixels, noiseSigma: noise)

        let sig = FrameSignature(histograms: signature)
        let total = Double(count)
        let features = FrameFeatures(
            width: w, height: h, channels: pixels.channels, bitDepth: pixels.bitDepth,
            bitsUsed: bitsUsed, codeMin: max(0, codeMin), codeMax: codeMax, distinctCodes: distinct,
            percentile0_1: percentiles[0], percentile1: percentiles[1], median: percentiles[2],
            percentile99: percentiles[3], percentile99_9: percentiles[4],
            codeSpan: Double(percentiles[4] - percentiles[0]) / fullD,
            meanLevel: sum / total / fullD,
            shadows: Double(shadows) / total, midtones: Double(mids) / total, highlights: Double(highs) / total,
            clippedLow: Double(hist[0]) / total, clippedHigh: Double(hist[full]) / total,
            saturation: saturation, monochrome: monochrome,
            noiseSigma: noise, noiseSigmaPerChannel: noisePerChannel,
            grainToneBands: grain.channels.map(\.toneBands),
            edgeDensity: edges, texture: texture, smoothShare: smooth,
            sceneChange: nil, isSceneCut: false,
            textKind: text.kind?.rawValue, textScore: text.score, textBand: text.band)
        return Result(features: features, signature: sig)
    }

    /// Edge density, texture and smooth-block share on the mean of the colour channels.
    private static func gradientFeatures(_ pixels: PixelBuffer, colour: Int) -> (Double, Double, Double) {
        let w = pixels.width, h = pixels.height, n = pixels.planeSize
        guard w >= 2, h >= 2, colour > 0 else { return (0, 0, 0) }
        let full = Double(pixels.maxValue)
        // Gradients are integers: `g > edgeLimit` is `Double(g) > 0.05 × full × colour`.
        let edgeLimit = Int((0.05 * full * Double(colour)).rounded(.down))
        let smoothThreshold = 0.006 * full * Double(colour)
        let block = 16
        let bx = (w - 1 + block - 1) / block, by = (h - 1 + block - 1) / block
        var blockSum = [Int](repeating: 0, count: bx * by)
        var blockClipped = [Bool](repeating: true, count: bx * by)
        var edges = 0
        var total = 0
        let top = pixels.maxValue * colour
        // The channel sums of the row and of the row below it.
        var upper = [Int](repeating: 0, count: w), lower = [Int](repeating: 0, count: w)
        pixels.samples.withUnsafeBufferPointer { s in
            func channelSums(_ y: Int, into row: inout [Int]) {
                row.withUnsafeMutableBufferPointer { row in
                    for x in 0..<w { row[x] = Int(s[y * w + x]) }
                    for c in 1..<max(1, colour) {
                        for x in 0..<w { row[x] += Int(s[c * n + y * w + x]) }
                    }
                }
            }
            channelSums(0, into: &upper)
            blockSum.withUnsafeMutableBufferPointer { blockSum in
                blockClipped.withUnsafeMutableBufferPointer { blockClipped in
                    for y in 0..<(h - 1) {
                        channelSums(y + 1, into: &lower)
                        upper.withUnsafeBufferPointer { up in
                            lower.withUnsafeBufferPointer { down in
                                var k = (y / block) * bx
                                var x0 = 0
                                while x0 < w - 1 {
                                    let x1 = min(x0 + block, w - 1)
                                    var acc = 0, count = 0
                                    var inRange = false
                                    for x in x0..<x1 {
                                        let v = up[x]
                                        let dx = up[x &+ 1] &- v, dy = down[x] &- v
                                        let g = (dx < 0 ? 0 &- dx : dx) &+ (dy < 0 ? 0 &- dy : dy)
                                        acc &+= g
                                        count &+= g > edgeLimit ? 1 : 0
                                        inRange = inRange || (v != 0 && v != top)
                                    }
                                    blockSum[k] += acc
                                    total += acc
                                    edges += count
                                    if inRange { blockClipped[k] = false }
                                    k += 1
                                    x0 = x1
                                }
                            }
                        }
                        swap(&upper, &lower)
                    }
                }
            }
        }
        let pixelsCounted = Double((w - 1) * (h - 1))
        var smooth = 0
        for k in 0..<blockSum.count where !blockClipped[k] {
            let count = min(block, w - 1 - (k % bx) * block) * min(block, h - 1 - (k / bx) * block)
            if Double(blockSum[k]) / Double(count) <= smoothThreshold { smooth += 1 }
        }
        let blocks = blockSum.count
        return (Double(edges) / pixelsCounted, Double(total) / pixelsCounted / (full * Double(colour)),
                blocks == 0 ? 0 : Double(smooth) / Double(blocks))
    }
}
