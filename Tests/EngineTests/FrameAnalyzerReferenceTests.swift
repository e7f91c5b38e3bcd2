import Formats
import Foundation
import ImageCore
import Testing
import TestSupport
@testable import Engine

/// The analyser's grain and gradient features against plain, one-pixel-at-a-time
/// implementations of the same definitions (kept here as the reference): the fast
/// block-wise code must give exactly the same numbers, on real frames and on sizes
/// that are not multiples of the 16-pixel block.
@Suite("Analysis features equal their reference definitions")
struct FrameAnalyzerReferenceTests {
    /// Immerkær's mask per pixel, mean |mask| per 16×16 block of the interior, the
    /// 10th percentile of the blocks with no sample at 0 or full scale, scaled to a deviation.
    static func referenceNoise(_ p: PixelBuffer, channel: Int) -> Double {
        let w = p.width, h = p.height
        guard w >= 3, h >= 3 else { return 0 }
        let bx = max(1, (w - 2 + 15) / 16), by = max(1, (h - 2 + 15) / 16)
        var sums = [Double](repeating: 0, count: bx * by), counts = [Int](repeating: 0, count: bx * by)
        var clipped = [Bool](repeating: false, count: bx * by)
        let s = p.samples, base = channel * p.planeSize
        for y in 1..<(h - 1) {
            for x in 1..<(w - 1) {
                let i = base + y * w + x
                let a = Int(s[i - w - 1]) + Int(s[i - w + 1]) + Int(s[i + w - 1]) + Int(s[i + w + 1])
                let b = Int(s[i - w]) + Int(s[i - 1]) + Int(s[i + 1]) + Int(s[i + w])
                let k = ((y - 1) / 16) * bx + (x - 1) / 16
                sums[k] += Double(abs(a - 2 * b + 4 * Int(s[i])))
                counts[k] += 1
                if s[i] == 0 || Int(s[i]) == p.maxValue { clipped[k] = true }
            }
        }
        let means = (0..<sums.count).filter { counts[$0] >= 16 && !clipped[$0] }.map { sums[$0] / Double(counts[$0]) }.sorted()
        guard !means.isEmpty else { return 0 }
        return means[min(means.count - 1, means.count / 10)] * (Double.pi / 2).squareRoot() / 6
    }

    /// Edge density, texture and smooth-block share of the colour channels' sum.
    static func referenceGradients(_ p: PixelBuffer) -> (edges: Double, texture: Double, smooth: Double) {
        let w = p.width, h = p.height, n = p.planeSize
        let colour = min(3, p.channels == 2 ? 1 : p.channels)
        guard w >= 2, h >= 2 else { return (0, 0, 0) }
        let full = Double(p.maxValue)
        func sum(_ i: Int) -> Int { (0..<colour).reduce(0) { $0 + Int(p.samples[$1 * n + i]) } }
        let bx = (w - 1 + 15) / 16, by = (h - 1 + 15) / 16
        var blockSum = [Double](repeating: 0, count: bx * by), blockCount = [Int](repeating: 0, count: bx * by)
        var clipped = [Bool](repeating: true, count: bx * by)
        var edges = 0, total = 0.0
        for y in 0..<(h - 1) {
            for x in 0..<(w - 1) {
                let i = y * w + x, v = sum(i)
                let g = Double(abs(sum(i + 1) - v) + abs(sum(i + w) - v))
                total += g
                if g > 0.05 * full * Double(colour) { edges += 1 }
                let k = (y / 16) * bx + x / 16
                blockSum[k] += g
                blockCount[k] += 1
                if v != 0 && v != p.maxValue * colour { clipped[k] = false }
            }
        }
        let smooth = (0..<blockSum.count).filter {
            !clipped[$0] && blockSum[$0] / Double(blockCount[$0]) <= 0.006 * full * Double(colour)
        }.count
        let counted = Double((w - 1) * (h - 1))
        return (Double(edges) / counted, total / counted / (full * Double(colour)), Double(smooth) / Double(blockSum.count))
    }

    static let corpusFrames = ["photos/Cannon_log10.dpx", "photos/Carrots_bw_log10.dpx", "third-party/flower-rgb-contig-16.tif",
                               "third-party/ffmpeg_gray.dpx", "third-party/dpx_nuke_16bits_rgba.dpx",
                               "third-party/libtiff_ladoga_gray16.tif"]

    static func check(_ p: PixelBuffer) {
        let f = FrameAnalyzer.analyze(p).features
        let colour = min(3, p.channels == 2 ? 1 : p.channels)
        #expect(f.noiseSigmaPerChannel == (0..<colour).map { referenceNoise(p, channel: $0) })
        let g = referenceGradients(p)
        #expect(f.edgeDensity == g.edges)
        #expect(f.texture == g.texture)
        #expect(f.smoothShare == g.smooth)
    }

    @Test("corpus frames", arguments: corpusFrames)
    func corpus(_ path: String) throws {
        Self.check(try ImageFile.read(contentsOf: Corpus.url(path)).pixels)
    }

    @Test("odd sizes, clipped areas and grain", arguments: [(3, 3), (2, 2), (17, 5), (33, 18), (16, 16), (97, 41)])
    func oddSizes(width: Int, height: Int) throws {
        var frame = try SyntheticFrames.frame(.grain, width: 128, height: 64, bitDepth: 12)
        frame = try SyntheticFrames.crop(frame, x: 0, y: 0, width: width, height: height)
        // Clip a corner to black and a stripe to full scale.
        for c in 0..<3 {
            for y in 0..<min(height, 6) { for x in 0..<min(width, 9) { frame.samples[frame.index(x: x, y: y, channel: c)] = 0 } }
            for y in 0..<height where y % 7 == 3 { frame.samples[frame.index(x: width - 1, y: y, channel: c)] = UInt16(frame.maxValue) }
        }
        Self.check(frame)
    }
}
