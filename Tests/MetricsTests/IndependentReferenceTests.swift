import Foundation
import ImageCore
import Metrics
import Testing

/// The strip-wise, ring-buffered kernel against a direct, naive evaluation of the
/// definition (2-D Gaussian sums per map pixel), on frames large enough to cross
/// strip (128 map rows) and column-block (256 map columns) boundaries.
@Suite("Metrics equal a direct evaluation of the definition")
struct IndependentReferenceTests {
    /// SSIM map of one channel by the textbook formula, map row-major.
    static func naiveMap(_ a: PixelBuffer, _ b: PixelBuffer, channel: Int, peak: Double) -> [Double] {
        let sigma = 1.5
        var w1 = (-5...5).map { x in exp(-Double(x * x) / (2 * sigma * sigma)) }
        let total = w1.reduce(0, +)
        w1 = w1.map { $0 / total }
        let c1 = (0.01 * peak) * (0.01 * peak), c2 = (0.03 * peak) * (0.03 * peak)
        let mw = a.width - 10, mh = a.height - 10
        var map = [Double](repeating: 0, count: mw * mh)
        for my in 0..<mh {
            for mx in 0..<mw {
                var ux = 0.0, uy = 0.0, uxx = 0.0, uyy = 0.0, uxy = 0.0
                for dy in 0..<11 {
                    for dx in 0..<11 {
                        let w = w1[dy] * w1[dx]
                        let x = Double(a[mx + dx, my + dy, channel])
                        let y = Double(b[mx + dx, my + dy, channel])
                        ux += w * x; uy += w * y
                        uxx += w * x * x; uyy += w * y * y; uxy += w * x * y
                    }
                }
                let vx = uxx - ux * ux, vy = uyy - uy * uy, vxy = uxy - ux * uy
                map[my * mw + mx] = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
            }
        }
        return map
    }

    @Test("SSIM, tile floor and worst tile across strips and blocks", arguments: [(300, 270, 1, 10), (277, 150, 3, 16)])
    func matchesNaive(width: Int, height: Int, channels: Int, bitDepth: Int) throws {
        let reference = try TestFrames.textured(width: width, height: height, channels: channels, bitDepth: bitDepth, seed: 7)
        var test = try TestFrames.textured(width: width, height: height, channels: channels, bitDepth: bitDepth, seed: 8)
        // Keep most of the reference, so SSIM is high, and damage one area (bottom right).
        for c in 0..<channels {
            for y in 0..<height {
                for x in 0..<width where !(x > width - 80 && y > height - 60) {
                    let r = Int(reference[x, y, c]), t = Int(test[x, y, c])
                    test[x, y, c] = UInt16((3 * r + t) / 4)
                }
            }
        }
        let peak = Double((1 << bitDepth) - 1)
        let report = try QualityMetrics.measure(reference: reference, test: test, threads: 2)

        let mw = width - 10, mh = height - 10
        var average = [Double](repeating: 0, count: mw * mh)
        for c in 0..<channels {
            let map = Self.naiveMap(reference, test, channel: c, peak: peak)
            let mean = map.reduce(0, +) / Double(map.count)
            #expect(abs(report.ssimPerChannel[c] - mean) < 1e-12, "channel \(c): \(report.ssimPerChannel[c]) vs \(mean)")
            for i in average.indices { average[i] += map[i] / Double(channels) }
        }
        var floor = Double.infinity, worst = TileLocation(x: 0, y: 0, width: 0, height: 0)
        for ty in stride(from: 0, to: mh, by: 64) {
            for tx in stride(from: 0, to: mw, by: 64) {
                let tw = min(64, mw - tx), th = min(64, mh - ty)
                var sum = 0.0
                for y in ty..<ty + th { for x in tx..<tx + tw { sum += average[y * mw + x] } }
                if sum / Double(tw * th) < floor {
                    floor = sum / Double(tw * th)
                    worst = TileLocation(x: tx, y: ty, width: tw, height: th)
                }
            }
        }
        #expect(abs(report.tileFloor - floor) < 1e-12)
        #expect(report.worstTile == worst)
        // The worst tile reads the damaged corner (map pixel x covers image x…x+10).
        #expect(worst.x + worst.width + 10 > width - 80 && worst.y + worst.height + 10 > height - 60, "\(worst)")
    }
}
