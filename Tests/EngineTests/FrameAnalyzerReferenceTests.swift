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
    /// The grain definition (`Metrics.GrainEstimate`), one pixel at a time in Double: the frame
    /// extended by 3 edge pixels, blurred by [1 2 1]/4 dilated by 1 then 2, the band
    /// `L0 − L2`; its RMS over 16×16 blocks without a sample at 0 or full scale, split
    /// into tone bands by the block mean; per band the quietest twentieth, over the
    /// white-noise gain and the quiet-block bias; the median of the bands with a tenth
    /// of the blocks.
    static func referenceNoise(_ p: PixelBuffer, channel: Int) -> Double {
        let w = p.width, h = p.height, m = 3, pw = w + 2 * m, ph = h + 2 * m
        var level = [Double](repeating: 0, count: pw * ph)
        for y in 0..<ph {
            for x in 0..<pw {
                level[y * pw + x] = Double(p[min(w - 1, max(0, x - m)), min(h - 1, max(0, y - m)), channel])
            }
        }
        var lo = 0, hi = pw, rlo = 0, rhi = ph
        for d in [1, 2] {
            var tmp = level
            for y in rlo..<rhi { for x in (lo + d)..<(hi - d) {
                tmp[y * pw + x] = 0.25 * level[y * pw + x - d] + 0.5 * level[y * pw + x] + 0.25 * level[y * pw + x + d]
            } }
            lo += d; hi -= d
            var next = tmp
            for y in (rlo + d)..<(rhi - d) { for x in lo..<hi {
                next[y * pw + x] = 0.25 * tmp[(y - d) * pw + x] + 0.5 * tmp[y * pw + x] + 0.25 * tmp[(y + d) * pw + x]
            } }
            rlo += d; rhi -= d
            level = next
        }
        // White-noise gain of the band: Σ (δ − h)² over the 2-D kernel.
        var kernel = [1.0]
        for d in [1, 2] {
            var next = [Double](repeating: 0, count: kernel.count + 2 * d)
            for (i, k) in kernel.enumerated() { next[i] += 0.25 * k; next[i + d] += 0.5 * k; next[i + 2 * d] += 0.25 * k }
            kernel = next
        }
        var g2 = 0.0
        for i in kernel.indices { for j in kernel.indices {
            let v = (i == kernel.count / 2 && j == kernel.count / 2 ? 1 : 0) - kernel[i] * kernel[j]
            g2 += v * v
        } }
        let gain = g2.squareRoot()
        var bands = [[Double]](repeating: [], count: 4)
        for by in stride(from: 0, to: h, by: 16) {
            for bx in stride(from: 0, to: w, by: 16) {
                var energy = 0.0, sum = 0.0, count = 0, clipped = false
                for y in by..<min(h, by + 16) { for x in bx..<min(w, bx + 16) {
                    let v = Double(p[x, y, channel])
                    let band = v - level[(y + m) * pw + x + m]
                    energy += band * band; sum += v; count += 1
                    if v == 0 || Int(v) == p.maxValue { clipped = true }
                } }
                guard !clipped, count >= 64 else { continue }
                let tone = min(3, Int(sum / Double(count) / Double(p.maxValue + 1) * 4))
                bands[tone].append((energy / Double(count)).squareRoot() / gain / 0.93)
            }
        }
        let total = bands.map(\.count).reduce(0, +)
        let major = bands.filter { $0.count >= 4 && 10 * $0.count >= total }.map { $0.sorted()[Int(Double($0.count) * 0.05)] }.sorted()
        guard !major.isEmpty else { return 0 }
        return (major[(major.count - 1) / 2] + major[major.count / 2]) / 2
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
        let noise = (0..<colour).map { referenceNoise(p, channel: $0) }
        for (fast, plain) in zip(f.noiseSigmaPerChannel, noise) {
            #expect(abs(fast - plain) <= 1e-4 * max(1, plain), "grain \(fast), plain definition \(plain)")
        }
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
