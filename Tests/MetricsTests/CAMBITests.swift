import Foundation
import Formats
import ImageCore
import Metrics
import Testing
import TestSupport

/// CAMBI as a reviewer would use it: banded skies score high, smooth grainy ones low.
@Suite("CAMBI banding index")
struct CAMBITests {
    static let width = 640, height = 360

    static func sky(bitDepth: Int = 10, channels: Int = 3, grain: Double = 1.5) throws -> PixelBuffer {
        try BandingFrames.sky(width: width, height: height, bitDepth: bitDepth, channels: channels, grain: grain)
    }

    @Test("a smooth grainy sky scores near 0; the same sky with its grain lost and banded scores far higher")
    func grainySkyAgainstBanded() throws {
        let smooth = CAMBI.measure(try Self.sky())
        let banded = CAMBI.measure(BandingFrames.banded(try Self.sky(grain: 0), step: 4))
        #expect(smooth.score < 0.5)
        #expect(banded.score > 5)
        #expect(banded.score > 10 * max(smooth.score, 0.1))
    }

    /// libvmaf 3.2.0's CAMBI of these frames (`vmaf --feature cambi`, the same 10-bit
    /// codes as yuv420p10le with neutral chroma). It prints 6 decimals; the pooling sums
    /// in another order, so agreement is to about 1e-6 (BENCHMARKS.md).
    @Test("agrees with libvmaf on a banded 10-bit sky", arguments: [(2, 10.107534), (4, 22.829357)])
    func libvmafAgreement(step: Int, libvmaf: Double) throws {
        let frame = BandingFrames.banded(try Self.sky(channels: 1, grain: 0), step: step)
        #expect(abs(CAMBI.measure(frame).score - libvmaf) < 2e-6)
    }

    @Test("coarser steps score higher")
    func coarserStepsScoreHigher() throws {
        let sky = try Self.sky(grain: 0)
        let scores = [1, 2, 3, 4].map { CAMBI.measure(BandingFrames.banded(sky, step: $0)).score }
        for (finer, coarser) in zip(scores, scores.dropFirst()) { #expect(coarser > finer) }
    }

    @Test("the same picture at 10, 12 and 16 bits scores about the same", arguments: [1, 3])
    func bitDepths(channels: Int) throws {
        for grain in [0.0, 1.5] {
            let scores = try [10, 12, 16].map { depth in
                CAMBI.measure(BandingFrames.banded(try Self.sky(bitDepth: depth, channels: channels, grain: grain),
                                                   step: 3)).score
            }
            if grain == 0 { #expect(scores[0] > 5) }
            for s in scores.dropFirst() { #expect(abs(s - scores[0]) <= 0.05 * scores[0] + 0.2) }
        }
    }

    @Test("a smooth sky without grain: finer codes show less banding (16-bit at most the 10-bit score)")
    func finerCodesBandLess() throws {
        let ten = CAMBI.measure(try Self.sky(bitDepth: 10, grain: 0)).score
        let sixteen = CAMBI.measure(try Self.sky(bitDepth: 16, grain: 0)).score
        #expect(sixteen <= ten)
        #expect(sixteen < 1)
    }

    @Test("the thread count does not change the result")
    func threads() throws {
        let frame = BandingFrames.banded(try Self.sky(), step: 4)
        #expect(CAMBI.measure(frame, threads: 1) == CAMBI.measure(frame, threads: 3))
    }

    @Test("corpus frames give finite scores; a banded sky pasted in raises the score",
          arguments: ["photos/Carrots_log10.dpx", "photos/Cannon_709_12.dpx", "photos/Desk_bw_log10.dpx"])
    func corpus(name: String) throws {
        let frame = try ImageFile.read(contentsOf: Corpus.url(name)).pixels
        let plain = CAMBI.measure(frame)
        #expect(plain.score.isFinite && plain.score >= 0)
        let patch = BandingFrames.banded(
            try BandingFrames.sky(width: frame.width / 2, height: frame.height / 3, bitDepth: frame.bitDepth,
                                  channels: frame.channels, grain: 0), step: 4)
        let pasted = CAMBI.measure(BandingFrames.paste(patch, into: frame, x: frame.width / 4, y: 0))
        #expect(pasted.score > plain.score + 1)
        // The heat map points at the sky: its hottest tile is in the pasted region.
        let hottest = pasted.tileMap.indices.max { pasted.tileMap[$0] < pasted.tileMap[$1] }!
        let (tx, ty) = (hottest % pasted.tilesWide, hottest / pasted.tilesWide)
        #expect(ty * CAMBI.tileSize < patch.height)
        #expect((tx + 1) * CAMBI.tileSize > frame.width / 4 && tx * CAMBI.tileSize < frame.width / 4 + patch.width)
    }

    @Test("the heat map covers the frame in 64-pixel tiles and is hot only where banding is")
    func heatMap() throws {
        let frame = try Self.sky(grain: 1.5)
        let patch = BandingFrames.banded(try BandingFrames.sky(width: 256, height: 128, grain: 0), step: 4)
        let result = CAMBI.measure(BandingFrames.paste(patch, into: frame, x: 0, y: 0))
        #expect(result.tilesWide == 10 && result.tilesHigh == 6 && result.tileMap.count == 60)
        let inside = result.tileMap[0], outside = result.tileMap[5 * 10 + 9]
        #expect(inside > 1 && outside < 0.1 * inside)
    }

    @Test("flat, tiny and odd-sized frames do not crash and give defined scores")
    func degenerateFrames() throws {
        let flat = try PixelBuffer(width: 300, height: 200, channels: 3, bitDepth: 12)
        #expect(CAMBI.measure(flat).score == 0)   // one band, no neighbour band to step to
        for (w, h) in [(1, 1), (2, 3), (7, 1), (90, 90), (217, 5)] {
            let tiny = BandingFrames.banded(try BandingFrames.sky(width: w, height: h, channels: 1), step: 4)
            let result = CAMBI.measure(tiny)
            #expect(result.score.isFinite && result.score >= 0)
            #expect(result.tilesWide == (w + 63) / 64 && result.tileMap.count == result.tilesWide * result.tilesHigh)
            if w + h < 185 { #expect(result.score == 0) }   // a 1-pixel window
        }
        let eight = BandingFrames.banded(try Self.sky(bitDepth: 8, grain: 0), step: 4)
        #expect(CAMBI.measure(eight).score > 2)
    }

    @Test("the window grows with width + height: 33 at 1080p, 65 at UHD, 67 at 4K DCI, and beyond libvmaf's limit")
    func windowSizes() {
        #expect(CAMBI.windowSize(width: 1920, height: 1080) == 33)
        #expect(CAMBI.windowSize(width: 3840, height: 2160) == 65)
        #expect(CAMBI.windowSize(width: 4096, height: 2160) == 67)
        #expect(CAMBI.windowSize(width: 8192, height: 4320) == 135)
    }
}
