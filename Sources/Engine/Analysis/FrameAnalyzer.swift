import Foundation
import ImageCore

/// Measures a frame's features on its samples (DESIGN.md §1, "Analysis").
///
/// Noise uses Immerkær's fast estimator (1996): the Laplacian-difference mask
/// `[1 −2 1; −2 4 −2; 1 −2 1]` cancels flat areas and linear ramps, and for Gaussian
/// noise of deviation σ its response has mean absolute value `6σ·√(2/π)`. Picture
/// structure also answers, so the response is averaged over 16×16 blocks and the
/// 10th percentile of the blocks is taken: the quietest tenth of the picture, where
/// what is left is grain. Hard-clipped blocks (all 0 or all full scale) are left out.
/// The mask measures the fine (pixel-to-pixel) part of the grain: white noise reads
/// at its deviation, film grain correlated over a pixel or two reads lower (a fifth
/// to a third of its full deviation in synthetic reels); grain retention compares
/// like with like, the same estimator on the source and the decoded frame.
///
/// Text (title cards, subtitles) is looked for by `TextDetector` on a subsampled luma grid.
public enum FrameAnalyzer {
    /// Histogram distance above which a frame starts a new shot (warm start is reset).
    public static let sceneChangeThreshold = 0.25

    /// The result of analysing one frame.
    public struct Result: Sendable {
        public var features: FrameFeatures
        public var signature: FrameSignature
    }

    /// Analyses `pixels`; `previous` is the signature of the frame before it in the
    /// sequence, for the scene-change signal.
    public static func analyze(_ pixels: PixelBuffer, previous: FrameSignature? = nil) -> Result {
        let w = pixels.width, h = pixels.height, n = pixels.planeSize
        let colour = min(3, pixels.channels == 2 ? 1 : pixels.channels)   // leave alpha out
        let full = pixels.maxValue
        let fullD = Double(full)

        // Histogram of the colour channels' codes, plus 64-bin signatures.
        var hist = [Int](repeating: 0, count: full + 1)
        var signature = [[Double]](repeating: [Double](repeating: 0, count: 64), count: colour)
        var orAll: UInt16 = 0
        var sum = 0.0
        let binShift = max(0, pixels.bitDepth - 6)
        pixels.samples.withUnsafeBufferPointer { s in
            for c in 0..<colour {
                var bins = [Int](repeating: 0, count: 64)
                let base = c * n
                for i in 0..<n {
                    let v = Int(s[base + i])
                    if v <= full { hist[v] += 1 } else { hist[full] += 1 }
                    orAll |= s[base + i]
                    bins[min(63, v >> binShift)] += 1
                }
                signature[c] = bins.map { Double($0) / Double(n) }
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
        let noisePerChannel = (0..<colour).map { noiseSigma(pixels, channel: $0) }
        let noise = noisePerChannel.isEmpty ? 0 : noisePerChannel.reduce(0, +) / Double(noisePerChannel.count)
        let (edges, texture, smooth) = gradientFeatures(pixels, colour: colour)

        let text = TextDetector.detect(pixels, noiseSigma: noise)

        let sig = FrameSignature(histograms: signature)
        let change = previous.map { sig.distance(to: $0) }
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
            edgeDensity: edges, texture: texture, smoothShare: smooth,
            sceneChange: change, isSceneCut: (change ?? 0) > sceneChangeThreshold,
            textKind: text.kind?.rawValue, textScore: text.score, textBand: text.band)
        return Result(features: features, signature: sig)
    }

    /// Decoded / source grain sigma, averaged over colour channels; nil when the
    /// source has under half a code value of grain. `sourceNoise` is the source's
    /// `FrameFeatures.noiseSigmaPerChannel`.
    public static func grainRetention(decoded: PixelBuffer, sourceNoise: [Double]) -> Double? {
        let mean = sourceNoise.isEmpty ? 0 : sourceNoise.reduce(0, +) / Double(sourceNoise.count)
        guard mean >= 0.5 else { return nil }
        let channels = min(decoded.channels, sourceNoise.count)
        guard channels > 0 else { return nil }
        var ratio = 0.0
        for c in 0..<channels { ratio += noiseSigma(decoded, channel: c) / max(sourceNoise[c], 1e-9) }
        return ratio / Double(channels)
    }

    /// Estimated noise standard deviation of one channel, in code values (see the type's
    /// comment); 0 for frames smaller than 3×3.
    public static func noiseSigma(_ pixels: PixelBuffer, channel: Int) -> Double {
        let w = pixels.width, h = pixels.height
        guard w >= 3, h >= 3, channel < pixels.channels else { return 0 }
        let block = 16
        let bx = max(1, (w - 2 + block - 1) / block), by = max(1, (h - 2 + block - 1) / block)
        var sums = [Double](repeating: 0, count: bx * by)
        var counts = [Int](repeating: 0, count: bx * by)
        var clipped = [Bool](repeating: true, count: bx * by)
        let full = UInt16(truncatingIfNeeded: pixels.maxValue)
        pixels.samples.withUnsafeBufferPointer { s in
            let base = channel * pixels.planeSize
            for y in 1..<(h - 1) {
                let row = base + y * w
                let blockRow = ((y - 1) / block) * bx
                for x in 1..<(w - 1) {
                    let i = row + x
                    let a = Int(s[i - w - 1]) + Int(s[i - w + 1]) + Int(s[i + w - 1]) + Int(s[i + w + 1])
                    let b = Int(s[i - w]) + Int(s[i - 1]) + Int(s[i + 1]) + Int(s[i + w])
                    let r = a - 2 * b + 4 * Int(s[i])
                    let k = blockRow + (x - 1) / block
                    sums[k] += Double(abs(r))
                    counts[k] += 1
                    let v = s[i]
                    if v != 0 && v != full { clipped[k] = false }
                }
            }
        }
        var means: [Double] = []
        means.reserveCapacity(sums.count)
        for k in 0..<sums.count where counts[k] >= 16 && !clipped[k] { means.append(sums[k] / Double(counts[k])) }
        guard !means.isEmpty else { return 0 }
        means.sort()
        let p10 = means[min(means.count - 1, means.count / 10)]
        return p10 * (Double.pi / 2).squareRoot() / 6
    }

    /// Edge density, texture and smooth-block share on the mean of the colour channels.
    private static func gradientFeatures(_ pixels: PixelBuffer, colour: Int) -> (Double, Double, Double) {
        let w = pixels.width, h = pixels.height, n = pixels.planeSize
        guard w >= 2, h >= 2, colour > 0 else { return (0, 0, 0) }
        let full = Double(pixels.maxValue)
        let edgeThreshold = 0.05 * full * Double(colour)
        let smoothThreshold = 0.006 * full * Double(colour)
        let block = 16
        let bx = (w - 1 + block - 1) / block, by = (h - 1 + block - 1) / block
        var blockSum = [Double](repeating: 0, count: bx * by)
        var blockCount = [Int](repeating: 0, count: bx * by)
        var blockClipped = [Bool](repeating: true, count: bx * by)
        var edges = 0
        var total = 0.0
        let top = pixels.maxValue * colour
        pixels.samples.withUnsafeBufferPointer { s in
            @inline(__always) func sumAt(_ i: Int) -> Int {
                var v = 0
                for c in 0..<colour { v += Int(s[c * n + i]) }
                return v
            }
            for y in 0..<(h - 1) {
                for x in 0..<(w - 1) {
                    let i = y * w + x
                    let v = sumAt(i)
                    let g = abs(sumAt(i + 1) - v) + abs(sumAt(i + w) - v)
                    let gd = Double(g)
                    total += gd
                    if gd > edgeThreshold { edges += 1 }
                    let k = (y / block) * bx + x / block
                    blockSum[k] += gd
                    blockCount[k] += 1
                    if v != 0 && v != top { blockClipped[k] = false }
                }
            }
        }
        let pixelsCounted = Double((w - 1) * (h - 1))
        var smooth = 0, blocks = 0
        for k in 0..<blockSum.count where blockCount[k] > 0 {
            blocks += 1
            if !blockClipped[k], blockSum[k] / Double(blockCount[k]) <= smoothThreshold { smooth += 1 }
        }
        return (Double(edges) / pixelsCounted, total / pixelsCounted / (full * Double(colour)),
                blocks == 0 ? 0 : Double(smooth) / Double(blocks))
    }
}
