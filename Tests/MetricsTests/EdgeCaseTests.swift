import Foundation
import ImageCore
import Metrics
import Testing

/// Inputs at the edges of the definition: tiny, constant, identical, mismatched.
@Suite("Metrics edge cases")
struct EdgeCaseTests {
    @Test("a frame smaller than the 11×11 window is refused with a clear error",
          arguments: [(10, 40), (40, 10), (1, 1)])
    func tooSmall(width: Int, height: Int) throws {
        let a = try TestFrames.constant(width: width, height: height, channels: 1, bitDepth: 8, value: 3)
        #expect(throws: MetricsError(.imageTooSmall(.init(width: width, height: height)))) {
            try QualityMetrics.measure(reference: a, test: a)
        }
        let message = String(describing: MetricsError(.imageTooSmall(.init(width: width, height: height))))
        #expect(message.contains("11×11") && message.contains("\(width)×\(height)"))
    }

    @Test("an 11×11 frame has a one-pixel map and one tile")
    func smallest() throws {
        let a = try TestFrames.textured(width: 11, height: 11, channels: 1, bitDepth: 12, seed: 3)
        var b = a
        b[5, 5, 0] ^= 0x40
        let report = try QualityMetrics.measure(reference: a, test: b)
        #expect(report.worstTile == TileLocation(x: 0, y: 0, width: 1, height: 1))
        #expect(report.tileFloor == report.ssim)
        #expect(report.ssim < 1)
    }

    @Test("identical frames: SSIM exactly 1, PSNR nil, identical", arguments: [
        (1, 8), (3, 10), (3, 12), (4, 16), (1, 16), (3, 8),
    ])
    func identical(channels: Int, bitDepth: Int) throws {
        let a = try TestFrames.textured(width: 70, height: 50, channels: channels, bitDepth: bitDepth)
        let report = try QualityMetrics.measure(reference: a, test: a)
        #expect(report.ssim == 1)
        #expect(report.ssimPerChannel == [Double](repeating: 1, count: channels))
        #expect(report.tileFloor == 1)
        #expect(report.psnr == nil)
        #expect(report.identical)
        #expect(report.maxError == 0 && report.mse == 0)
    }

    /// The kernel filters in column blocks and map-row strips, with fused multiply-adds
    /// on FMA builds: identical frames must still give exactly 1 in every block and
    /// strip, at 16 bits where x² + y² is largest.
    @Test("identical frames wide and tall enough for several column blocks and strips: SSIM exactly 1",
          arguments: [8, 16])
    func identicalAcrossBlocks(bitDepth: Int) throws {
        let a = try TestFrames.textured(width: 301, height: 290, channels: 3, bitDepth: bitDepth, seed: 11)
        let report = try QualityMetrics.measure(reference: a, test: a, threads: 2)
        #expect(report.ssimPerChannel == [1, 1, 1])
        #expect(report.tileFloor == 1)
    }

    @Test("equal constant frames have SSIM 1 (the C1, C2 terms keep 0/0 away)", arguments: [0, 1, 255])
    func constantEqual(value: UInt16) throws {
        let a = try TestFrames.constant(width: 30, height: 20, channels: 3, bitDepth: 8, value: value)
        let report = try QualityMetrics.measure(reference: a, test: a)
        #expect(report.ssim == 1 && report.tileFloor == 1 && report.identical)
    }

    @Test("different constant frames give the luminance term (2ab + C1)/(a² + b² + C1)")
    func constantDifferent() throws {
        let a = try TestFrames.constant(width: 30, height: 20, channels: 1, bitDepth: 10, value: 100)
        let b = try TestFrames.constant(width: 30, height: 20, channels: 1, bitDepth: 10, value: 300)
        let c1 = (0.01 * 1023.0) * (0.01 * 1023.0)
        let expected = (2 * 100.0 * 300.0 + c1) / (100.0 * 100.0 + 300.0 * 300.0 + c1)
        let report = try QualityMetrics.measure(reference: a, test: b)
        #expect(abs(report.ssim - expected) < 1e-9)
        #expect(report.maxError == 200)
        #expect(report.mse == 40_000)
        let psnr = try #require(report.psnr)
        #expect(abs(psnr - 10 * log10(1023.0 * 1023.0 / 40_000)) < 1e-12)
    }

    @Test("L follows the source's bit depth: the same codes judged at 10 and 16 bits differ")
    func peakFromBitDepth() throws {
        let a = try TestFrames.textured(width: 40, height: 40, channels: 1, bitDepth: 10)
        var b = a
        for i in b.samples.indices where i % 7 == 0 { b.samples[i] = min(1023, b.samples[i] + 9) }
        let at10 = try QualityMetrics.measure(reference: a, test: b)
        let at16 = try QualityMetrics.measure(reference: a, test: b, bitDepth: 16)
        #expect(at16.ssim != at10.ssim)
        let psnr10 = try #require(at10.psnr), psnr16 = try #require(at16.psnr)
        #expect(abs((psnr16 - psnr10) - 20 * log10(65535.0 / 1023.0)) < 1e-9)
    }

    @Test("mismatched sizes, channel counts and bit depths are refused")
    func mismatches() throws {
        let a = try TestFrames.constant(width: 20, height: 20, channels: 3, bitDepth: 10, value: 5)
        let wider = try TestFrames.constant(width: 21, height: 20, channels: 3, bitDepth: 10, value: 5)
        let gray = try TestFrames.constant(width: 20, height: 20, channels: 1, bitDepth: 10, value: 5)
        let deeper = try TestFrames.constant(width: 20, height: 20, channels: 3, bitDepth: 12, value: 5)
        #expect(throws: MetricsError(.sizeMismatch(reference: .init(width: 20, height: 20), test: .init(width: 21, height: 20)))) {
            try QualityMetrics.measure(reference: a, test: wider)
        }
        #expect(throws: MetricsError(.channelMismatch(reference: 3, test: 1))) {
            try QualityMetrics.measure(reference: a, test: gray)
        }
        #expect(throws: MetricsError(.bitDepthMismatch(reference: 10, test: 12))) {
            try QualityMetrics.measure(reference: a, test: deeper)
        }
        // An explicit depth states how to judge, so differing declarations are accepted.
        #expect(try QualityMetrics.measure(reference: a, test: deeper, bitDepth: 10).identical)
        #expect(throws: MetricsError(.badBitDepth(17))) {
            try QualityMetrics.measure(reference: a, test: a, bitDepth: 17)
        }
        #expect(String(describing: MetricsError(.bitDepthMismatch(reference: 10, test: 12))).contains("10-bit"))
    }
}

/// Properties a user relies on: small changes are seen, local damage shows in the floor.
@Suite("Metrics respond to damage")
struct SensitivityTests {
    @Test("changing one sample moves SSIM, PSNR and max error", arguments: [(1, 8), (3, 10), (4, 16)])
    func oneSample(channels: Int, bitDepth: Int) throws {
        let a = try TestFrames.textured(width: 90, height: 80, channels: channels, bitDepth: bitDepth)
        var b = a
        let c = channels - 1
        b[44, 37, c] = b[44, 37, c] > 3 ? b[44, 37, c] - 3 : 3
        let report = try QualityMetrics.measure(reference: a, test: b)
        #expect(!report.identical)
        #expect(report.maxError == 3)
        #expect(report.ssim < 1)
        #expect(report.ssimPerChannel[c] < 1)
        for other in 0..<c { #expect(report.ssimPerChannel[other] == 1) }
        #expect(report.tileFloor < 1)
        let psnr = try #require(report.psnr)
        let peak = Double((1 << bitDepth) - 1)
        #expect(abs(psnr - 10 * log10(peak * peak * Double(90 * 80 * channels) / 9)) < 1e-9)
    }

    @Test("a local artifact lowers the tile floor far more than the mean, and is located")
    func localArtifact() throws {
        let a = try TestFrames.textured(width: 330, height: 250, channels: 3, bitDepth: 12)
        var b = a
        // Flatten a 30×30 block whose windows all fall in the map tile at (128, 64).
        for c in 0..<3 { for y in 90..<120 { for x in 150..<180 { b[x, y, c] = 2000 } } }
        let report = try QualityMetrics.measure(reference: a, test: b)
        #expect(report.ssim > 0.98)
        #expect(1 - report.tileFloor > 10 * (1 - report.ssim), "floor \(report.tileFloor), mean \(report.ssim)")
        #expect(report.worstTile == TileLocation(x: 128, y: 64, width: 64, height: 64))
    }

    @Test("the JSON form has the stable keys, with psnr null when identical")
    func json() throws {
        let a = try TestFrames.textured(width: 20, height: 20, channels: 1, bitDepth: 8)
        let report = try QualityMetrics.measure(reference: a, test: a)
        let data = try JSONEncoder().encode(report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["ssim", "ssimPerChannel", "tileFloor", "worstTile", "psnr", "identical", "maxError"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["psnr"] is NSNull)
        #expect(try JSONDecoder().decode(QualityReport.self, from: data) == report)
    }
}
