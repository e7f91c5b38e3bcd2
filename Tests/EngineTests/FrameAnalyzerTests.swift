import Formats
import Foundation
import ImageCore
import Testing
import TestSupport
@testable import Engine

@Suite("Analysis reads a frame's features")
struct FrameAnalyzerTests {
    @Test("noise sigma reads the grain added, in code values", arguments: [(10, 4.0), (10, 8.0), (12, 16.0), (16, 200.0)])
    func noiseMatchesGrain(bitDepth: Int, grain: Double) throws {
        let frame = try SyntheticFrame.make(bitDepth: bitDepth, grain: grain, monochrome: true)
        let sigma = FrameAnalyzer.analyze(frame).features.noiseSigma
        #expect(sigma > grain * 0.75 && sigma < grain * 1.25, "estimated \(sigma) for grain \(grain)")
    }

    @Test("a clean synthetic frame reads near zero noise; more grain reads higher")
    func noiseOrdering() throws {
        let clean = FrameAnalyzer.analyze(try SyntheticFrame.make(grain: 0)).features.noiseSigma
        let light = FrameAnalyzer.analyze(try SyntheticFrame.make(grain: 2)).features.noiseSigma
        let heavy = FrameAnalyzer.analyze(try SyntheticFrame.make(grain: 6)).features.noiseSigma
        #expect(clean < FrameAnalyzer.measurableGrain)   // a clean gradient: only its rounding
        #expect(light > clean)
        #expect(heavy > light * 2)
    }

    @Test("monochrome: R = G = B everywhere is detected, a tint is not")
    func monochrome() throws {
        #expect(FrameAnalyzer.analyze(try SyntheticFrame.make(monochrome: true)).features.monochrome)
        let colour = FrameAnalyzer.analyze(try SyntheticFrame.make(monochrome: false)).features
        #expect(!colour.monochrome)
        #expect(colour.saturation > 0.05)
    }

    @Test("bits used: 10-bit codes padded into a 16-bit frame read as 10 bits")
    func bitsUsed() throws {
        let ten = try SyntheticFrame.make(bitDepth: 10, grain: 3)
        #expect(FrameAnalyzer.analyze(ten).features.bitsUsed == 10)
        let padded = try PixelBuffer(width: ten.width, height: ten.height, channels: 3, bitDepth: 16,
                                     samples: ten.samples.map { $0 << 6 })
        let f = FrameAnalyzer.analyze(padded).features
        #expect(f.bitsUsed == 10)
        #expect(f.codeMax <= 1023 << 6)
    }

    @Test("percentiles and tone shares describe the code range")
    func tones() throws {
        let f = FrameAnalyzer.analyze(try SyntheticFrame.make()).features
        #expect(f.percentile0_1 <= f.percentile1 && f.percentile1 <= f.median && f.median <= f.percentile99 && f.percentile99 <= f.percentile99_9)
        #expect(abs(f.shadows + f.midtones + f.highlights - 1) < 1e-9)
        #expect(f.codeMin <= f.percentile0_1 && f.percentile99_9 <= f.codeMax)
        #expect(f.edgeDensity > 0 && f.edgeDensity < 0.2)
        #expect(f.smoothShare > 0.3)   // the clean gradient is smooth: banding risk
        let grainy = FrameAnalyzer.analyze(try SyntheticFrame.make(grain: 8)).features
        #expect(grainy.smoothShare < f.smoothShare)
    }

    @Test("scene change: the next frame of a shot is close, a different picture is a cut")
    func sceneChange() throws {
        var history = ShotHistory()
        let a = history.recordFrame(FrameAnalyzer.analyze(try SyntheticFrame.make(grain: 3, seed: 1)), index: 0)
        let b = history.recordFrame(FrameAnalyzer.analyze(try SyntheticFrame.make(grain: 3, seed: 2)), index: 1)
        let cut = history.recordFrame(FrameAnalyzer.analyze(try SyntheticFrame.make(grain: 3, seed: 3, shift: 0.3)), index: 2)
        #expect(a.distance == nil)
        #expect(try #require(b.distance) < 0.1)
        #expect(!b.isCut)
        #expect(cut.isCut)
    }
}

@Suite("Analysis of synthetic film reels")
struct FilmAnalysisTests {
    @Test("film grain: more grain reads higher, a clean reel reads about zero", arguments: [10, 12])
    func grain(bitDepth: Int) throws {
        var readings: [Double] = []
        for sigma in [0.0, 2, 6] {
            let synth = try FilmSynthesizer(width: 384, height: 216, bitDepth: bitDepth, kind: .grain, seed: 3,
                                            grainSigma: sigma * Double(1 << (bitDepth - 10)))
            readings.append(FrameAnalyzer.analyze(synth.frame(0)).features.noiseSigma / Double(1 << (bitDepth - 10)))
        }
        // The clean reel's painted texture reads about a code: under 0.6 of 2 codes of grain.
        #expect(readings[0] < 0.6 * readings[1], "\(readings)")
        #expect(readings[1] > readings[0] && readings[2] > readings[1] * 2, "\(readings)")
        #expect(readings[2] < 6, "correlated grain never reads above its deviation: \(readings)")
    }

    @Test("black-and-white reels are monochrome; an action reel's cut is seen")
    func bwAndCuts() throws {
        let bw = try FilmSynthesizer(width: 128, height: 72, kind: .bw)
        #expect(FrameAnalyzer.analyze(bw.frame(0)).features.monochrome)
        let action = try FilmSynthesizer(width: 128, height: 72, kind: .action, seed: 5)
        var history = ShotHistory()
        var cuts: [Int] = []
        for i in 0..<8 where history.recordFrame(FrameAnalyzer.analyze(action.frame(i)), index: i).isCut {
            cuts.append(i)
        }
        #expect(cuts == [action.shotLength], "cuts at \(cuts)")
    }
}

@Suite("The grain estimate on real frames")
struct RealGrainTests {
    /// `frame` with white Gaussian grain of `sigma` code values added to every sample.
    static func addGrain(_ frame: PixelBuffer, sigma: Double, seed: UInt64) -> PixelBuffer {
        var rng = SeededRandom(seed: seed)
        var out = frame
        let top = Double(frame.maxValue)
        for i in out.samples.indices {
            out.samples[i] = UInt16(min(top, max(0, (Double(frame.samples[i]) + sigma * rng.gaussian()).rounded())))
        }
        return out
    }

    @Test("the same scan with more grain added reads higher, by about the grain added, in code values of its depth",
          arguments: ["photos/Cannon_log10.dpx", "photos/StillLife_709_12.dpx", "photos/Desk_srgb16.tif",
                      "third-party/ffmpeg_gray.dpx"])
    func moreGrainReadsHigher(_ path: String) throws {
        let frame = try ImageFile.read(contentsOf: Corpus.url(path)).pixels
        let scale = Double(1 << (frame.bitDepth - 8))   // grain of 1, 2, 4 8-bit codes at the frame's depth
        let base = FrameAnalyzer.analyze(frame).features.noiseSigma
        var readings = [base]
        for (k, sigma) in [1.0, 2, 4].enumerated() {
            let grainy = Self.addGrain(frame, sigma: sigma * scale, seed: UInt64(k + 1))
            let reading = FrameAnalyzer.analyze(grainy).features.noiseSigma
            // White grain reads at its deviation, on top of what the scan had. On frames
            // whose blacks are crushed to code 0 (StillLife's Rec.709 render: 31 % of its
            // samples; Desk's sRGB), grain added there is clipped, the blocks it clips
            // are left out, and the blocks left in the darkest band are the black's
            // edges: such a frame reads more than the grain added (up to 6x on Desk),
            // so only the lower bound is asserted on them.
            let added = (max(0, reading * reading - base * base)).squareRoot()
            let crushedBlacks = path.contains("StillLife_709") || path.contains("Desk_srgb16")
            #expect(added > 0.7 * sigma * scale && (crushedBlacks || added < 1.3 * sigma * scale),
                    "\(path): \(sigma * scale) added reads \(added) (base \(base), total \(reading))")
            readings.append(reading)
        }
        #expect(readings == readings.sorted() && Set(readings).count == readings.count, "\(path): \(readings)")
    }
}
