import Codecs
import Foundation
import ImageCore
import Testing
import TestSupport
@testable import Engine

/// Where a cold frame (no warm start, nothing done before it in its run) starts: the
/// prior its own analysis predicts (`SearchPrior.forFrame`).
@Suite("A cold frame's prior from its own analysis")
struct FramePriorTests {
    static let c1 = Profile.c1.floor

    @Test("with a grain floor on a log2-step knob, twice the grain starts one step (−1) lower",
          arguments: [10, 12, 16])
    func movesWithGrain(bits: Int) throws {
        let unit = pow(2, Double(bits - 10))
        let fine = try #require(SearchPrior.forFrame(.init(bitDepth: bits, grain: 8 * unit), floor: Self.c1, codec: .htj2k))
        let coarse = try #require(SearchPrior.forFrame(.init(bitDepth: bits, grain: 16 * unit), floor: Self.c1, codec: .htj2k))
        #expect(abs(fine.parameter - coarse.parameter - 1) < 1e-9)
        #expect(fine.marginSlope != nil && fine.logSizeSlope != nil)
    }

    @Test("grain as a share of the range sets the start: two more bits with four times the codes start at the same place; with the same codes, two steps higher")
    func movesWithBitDepth() throws {
        let ten = try #require(SearchPrior.forFrame(.init(bitDepth: 10, grain: 12), floor: Self.c1, codec: .htj2k))
        let twelveScaled = try #require(SearchPrior.forFrame(.init(bitDepth: 12, grain: 48), floor: Self.c1, codec: .htj2k))
        let twelveSame = try #require(SearchPrior.forFrame(.init(bitDepth: 12, grain: 12), floor: Self.c1, codec: .htj2k))
        #expect(abs(ten.parameter - twelveScaled.parameter) < 1e-9)
        #expect(abs(twelveSame.parameter - ten.parameter - 2) < 1e-9)
    }

    @Test("a stricter grain floor starts higher")
    func stricterFloorStartsHigher() throws {
        let cues = SearchPrior.FrameCues(bitDepth: 12, grain: 24)
        let c1 = try #require(SearchPrior.forFrame(cues, floor: Profile.c1.floor, codec: .htj2k))
        let c0 = try #require(SearchPrior.forFrame(cues, floor: Profile.c0.floor, codec: .htj2k))
        #expect(c0.parameter > c1.parameter)
    }

    @Test("the faintest channel's grain sets the start: the worst tile binds the floor, and it lies there")
    func faintestChannel() throws {
        let even = try #require(SearchPrior.forFrame(.init(bitDepth: 12, grain: 24), floor: Self.c1, codec: .htj2k))
        let uneven = try #require(SearchPrior.forFrame(.init(bitDepth: 12, grain: 24, faintestGrain: 12), floor: Self.c1,
                                                       codec: .htj2k))
        #expect(abs(uneven.parameter - even.parameter - 1) < 1e-9)
    }

    @Test("no model, no prior of its own: JPEG 2000's size knob, JPEG XL, the lossless profile, no grain floor, grain the floor exempts")
    func fallsBack() {
        let cues = SearchPrior.FrameCues(bitDepth: 12, grain: 24)
        #expect(SearchPrior.forFrame(cues, floor: Self.c1, codec: .j2k) == nil)
        #expect(SearchPrior.forFrame(cues, floor: Self.c1, codec: .jxl) == nil)
        #expect(SearchPrior.forFrame(cues, floor: Profile.lossless.floor, codec: .htj2k) == nil)
        #expect(SearchPrior.forFrame(cues, floor: Profile.c1.floor(grainRetention: 0), codec: .htj2k) == nil)
        // 3 codes at 12 bits is under one code of a 10-bit frame: exempt from the grain floor.
        #expect(SearchPrior.forFrame(.init(bitDepth: 12, grain: 3), floor: Self.c1, codec: .htj2k) == nil)
        // A grain reading that is not a number gives no grain term.
        let odd = SearchPrior.FrameCues(bitDepth: 12, grain: .nan)
        #expect(SearchPrior.forFrame(odd, floor: QualityFloor(grainRetention: 0.7), codec: .htj2k) == nil)
    }

    @Test("the prior stays inside the knob's range")
    func clamped() throws {
        let huge = try #require(SearchPrior.forFrame(.init(bitDepth: 16, grain: 60_000), floor: Self.c1, codec: .htj2k))
        let tiny = try #require(SearchPrior.forFrame(.init(bitDepth: 16, grain: 70, faintestGrain: 1e-6), floor: Self.c1,
                                                     codec: .htj2k))
        #expect(HTJ2KCodec.knob.range.contains(huge.parameter))
        #expect(HTJ2KCodec.knob.range.contains(tiny.parameter))
    }

    /// A synthetic grain frame's analysis.
    static func grainFrame(grain: Double, bits: Int = 12) throws -> FrameAnalyzer.Result {
        FrameAnalyzer.analyze(try FilmSynthesizer(width: 256, height: 144, bitDepth: bits, kind: .grain, seed: 3,
                                                  grainSigma: grain).frame(0))
    }

    @Test("the first frame of a run starts from its own prior; once a frame is done, from the run's; without it, from the codec's")
    func runMedianWinsOnceFramesAreDone() throws {
        let frame = try Self.grainFrame(grain: 24)
        var history = ShotHistory()
        history.recordFrame(frame, index: 0)
        let own = try #require(SearchPrior.forFrame(.init(frame.features), floor: Self.c1, codec: .htj2k))
        #expect(history.coldStart(codec: .htj2k, frame: 0, floor: Self.c1) == own)
        #expect(history.coldStart(codec: .htj2k, frame: 0, floor: Self.c1, fromFeatures: false) == SearchPrior.general(for: .htj2k))
        // JPEG 2000 has no model: its knob's prior.
        #expect(history.coldStart(codec: .j2k, frame: 0, floor: Self.c1) == SearchPrior.general(for: .j2k))
        // A frame done: the next cold frame starts from the run's boundary, moved by the grain.
        history.recordBoundary(.init(parameter: 7.5, marginSlope: 0.8, logSizeSlope: 0.5), codec: .htj2k, index: 0)
        history.recordFrame(try Self.grainFrame(grain: 48), index: 1)
        #expect(history.coldStart(codec: .htj2k, frame: 1, floor: Self.c1)
                == history.coldStart(codec: .htj2k, grainFloorFor: 1))
        // A frame never analysed has no cues: the run's or the codec's prior.
        #expect(ShotHistory().coldStart(codec: .htj2k, frame: 5, floor: Self.c1) == SearchPrior.general(for: .htj2k))
    }
}
