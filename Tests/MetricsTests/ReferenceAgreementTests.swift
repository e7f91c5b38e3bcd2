import Foundation
import Formats
import ImageCore
import TestSupport
import Metrics
import Testing

/// Reelpack's SSIM, tile floor and PSNR against scikit-image on crops of real corpus
/// frames (8, 10, 12 and 16 bits; 1, 3 and 4 channels) and distorted copies of them:
/// noise, blur, quantisation, a lossy JPEG 2000 round trip, a flattened block.
@Suite("Metrics agree with scikit-image")
struct ReferenceAgreementTests {
    @Test("the fixture set covers every depth, channel count and distortion")
    func fixturesPresent() {
        let cases = ReferenceCase.all
        #expect(cases.count >= 25)
        #expect(Set(cases.map(\.bitDepth)) == [8, 10, 12, 16])
        #expect(Set(cases.map(\.channels)) == [1, 3, 4])
        for kind in ["noise", "blur", "quant", "j2k", "local"] {
            #expect(cases.contains { $0.name.hasSuffix("-\(kind)") }, "no \(kind) case")
        }
    }

    @Test("SSIM per channel and tile floor within 1e-4, PSNR within 1e-6 relative", arguments: ReferenceCase.all)
    func agrees(with expected: ReferenceCase) throws {
        let reference = try expected.load(expected.reference)
        let test = try expected.load(expected.test)
        try check(QualityMetrics.measure(reference: reference, test: test), against: expected)
    }

    /// Whole corpus frames, read by Reelpack's readers; scikit-image saw ffmpeg's decode.
    @Test("whole corpus frames read by Reelpack agree with scikit-image on ffmpeg's decode",
          .enabled(if: MeasureCommandTests.readersAvailable), arguments: ReferenceCase.corpusPairs)
    func corpusFrames(_ expected: ReferenceCase) throws {
        let reference = try ImageFile.read(contentsOf: Corpus.url(expected.reference)).pixels
        let test = try ImageFile.read(contentsOf: Corpus.url(expected.test)).pixels
        #expect(reference.bitDepth == expected.bitDepth && reference.width == expected.width)
        try check(QualityMetrics.measure(reference: reference, test: test), against: expected)
    }

    private func check(_ report: QualityReport, against expected: ReferenceCase) throws {
        #expect(report.ssimPerChannel.count == expected.channels)
        for (ours, theirs) in zip(report.ssimPerChannel, expected.ssimPerChannel) {
            #expect(abs(ours - theirs) <= 1e-4, "per-channel SSIM \(ours) vs \(theirs)")
        }
        #expect(abs(report.ssim - expected.ssim) <= 1e-4, "SSIM \(report.ssim) vs \(expected.ssim)")
        #expect(abs(report.tileFloor - expected.tileFloor) <= 1e-4, "tile floor \(report.tileFloor) vs \(expected.tileFloor)")
        let tile = expected.worstTile
        #expect(report.worstTile == TileLocation(x: tile.x, y: tile.y, width: tile.width, height: tile.height))
        #expect(report.identical == expected.identical)
        #expect(report.maxError == expected.maxError)
        #expect(abs(report.mse - expected.mse) <= 1e-9 * expected.mse)
        if let theirs = expected.psnr {
            let psnr = try #require(report.psnr)
            #expect(abs(psnr - theirs) <= 1e-6 * theirs, "PSNR \(psnr) vs \(theirs)")
        } else {
            #expect(report.psnr == nil)
        }
    }

    @Test("the result does not depend on the number of threads", arguments: [1, 2, 3])
    func threadCountIndependent(threads: Int) throws {
        let expected = try #require(ReferenceCase.all.first { $0.name.hasPrefix("stilllife-red12") })
        let reference = try expected.load(expected.reference)
        let test = try expected.load(expected.test)
        let serial = try QualityMetrics.measure(reference: reference, test: test, threads: 1)
        let parallel = try QualityMetrics.measure(reference: reference, test: test, threads: threads)
        #expect(serial == parallel)
    }
}
