import Codecs
import Formats
import Foundation
import ImageCore
import Testing
import TestSupport
@testable import Engine

/// Where each frame's search starts: from the frame before it in its shot, from an
/// earlier shot the film cuts back to, or cold. Real frames: slow pans across corpus
/// photos (one window a frame), as a camera move would give.
@Suite("Where a frame's search starts: shots, cuts and returns")
struct ShotHistoryTests {
    /// `count` frames of a slow pan (8 px right, 4 px down a frame) across a corpus photo.
    static func pan(_ photo: String, count: Int, from first: Int = 0) throws -> [FrameAnalyzer.Result] {
        let still = try ImageFile.read(contentsOf: Corpus.url("photos/\(photo).dpx")).pixels
        return try (first..<(first + count)).map {
            FrameAnalyzer.analyze(try SyntheticFrames.crop(still, x: 8 * $0, y: 4 * $0,
                                                           width: still.width - 48, height: still.height - 24))
        }
    }

    /// A boundary that names the frame it came from.
    static func boundary(_ index: Int) -> QualitySearch.WarmStart {
        .init(parameter: Double(index), marginSlope: 1, logSizeSlope: 0.5)
    }

    /// Records `frames` in order, each done before the next starts; returns, per frame,
    /// the index of the frame its warm start came from (nil: cold) and whether it was
    /// a return to an earlier shot.
    static func play(_ frames: [FrameAnalyzer.Result]) -> [(from: Int?, returned: Bool)] {
        var history = ShotHistory()
        var out: [(from: Int?, returned: Bool)] = []
        for (i, frame) in frames.enumerated() {
            history.recordFrame(frame, index: i)
            let warm = history.warmStart(index: i, codec: .htj2k)
            out.append((warm.map { Int($0.parameter) }, history.isReturn(index: i, codec: .htj2k)))
            history.recordBoundary(boundary(i), codec: .htj2k, index: i)
        }
        return out
    }

    @Test("within a shot, each frame starts from the one before it; after a cut to new content, cold")
    func shotThenCut() throws {
        let frames = try Self.pan("Cannon_log10", count: 3) + Self.pan("StillLife_log10", count: 2)
        let starts = Self.play(frames)
        #expect(starts.map(\.from) == [nil, 0, 1, nil, 3])
        #expect(starts.allSatisfy { !$0.returned })
    }

    @Test("a cut back to an earlier shot starts from where that shot left off (shot, reverse shot)")
    func cutBackToEarlierShot() throws {
        let cannon = try Self.pan("Cannon_log10", count: 4), still = try Self.pan("StillLife_log10", count: 4)
        // A A B B A A B B: the second A starts from frame 1, the second B from frame 3.
        let frames = [cannon[0], cannon[1], still[0], still[1], cannon[2], cannon[3], still[2], still[3]]
        let starts = Self.play(frames)
        #expect(starts.map(\.from) == [nil, 0, nil, 2, 1, 4, 3, 6])
        #expect(starts.map(\.returned) == [false, false, false, false, true, false, true, false])
    }

    @Test("a black-and-white frame is never taken for the colour shot it resembles")
    func monochromeIsNotColour() throws {
        // Cannon in black and white is only 0.045 from the colour Cannon in tones: the
        // change of colour kind alone makes the cut, and rules out a return.
        let colour = try Self.pan("Cannon_log10", count: 2), bw = try Self.pan("Cannon_bw_log10", count: 2, from: 2)
        var history = ShotHistory()
        #expect(history.recordFrame(colour[0], index: 0).isCut == false)
        let change = history.recordFrame(bw[0], index: 1)
        #expect(change.isCut && change.distance! < FrameAnalyzer.sceneChangeThreshold)
        #expect(Self.play([colour[0], colour[1], bw[0], bw[1]]).map(\.from) == [nil, 0, nil, 2])
        #expect(Self.play([colour[0], bw[0], colour[1]]).map(\.from) == [nil, nil, 0])
    }

    @Test("a change of film stock (the same scene with three times the grain) is a cut, and no return to the other stock")
    func grainChangeIsACut() throws {
        func frames(grain: Double, seed: UInt64, _ range: Range<Int>) throws -> [FrameAnalyzer.Result] {
            let s = try FilmSynthesizer(width: 256, height: 144, bitDepth: 12, kind: .grain, seed: seed, grainSigma: grain)
            return range.map { FrameAnalyzer.analyze(s.frame($0)) }
        }
        // The same scene (same seed): the tones barely move when only the grain changes.
        let fine = try frames(grain: 8, seed: 3, 0..<4), coarse = try frames(grain: 24, seed: 3, 2..<4)
        var history = ShotHistory()
        #expect(history.recordFrame(fine[0], index: 0).isCut == false)
        #expect(history.recordFrame(fine[1], index: 1).isCut == false)
        let change = history.recordFrame(coarse[0], index: 2)
        #expect(change.isCut && change.distance! < FrameAnalyzer.sceneChangeThreshold, "\(change)")
        #expect(ShotHistory.grainRatio(coarse[0].features.noiseSigma, fine[1].features.noiseSigma) > 2)
        // fine fine coarse coarse fine: the coarse shot starts cold, the cut back to the
        // fine stock returns to the fine frames, never to the coarse ones.
        #expect(Self.play([fine[0], fine[1], coarse[0], coarse[1], fine[2]]).map(\.from) == [nil, 0, nil, 2, 1])
        // Frames of one stock, even across its whole grain range in one shot, are no cut.
        #expect(Self.play(fine).map(\.from) == [nil, 0, 1, 2])
        // No grain on either side is no change of grain.
        #expect(ShotHistory.grainRatio(0.1, 0.4) == 1)
    }

    @Test("with a grain floor, a cold HTJ2K start moves the earlier boundaries by the change in grain")
    func grainScaledColdStart() throws {
        func frame(grain: Double) throws -> FrameAnalyzer.Result {
            FrameAnalyzer.analyze(try FilmSynthesizer(width: 256, height: 144, bitDepth: 12, kind: .grain, seed: 3,
                                                      grainSigma: grain).frame(0))
        }
        let fine = try frame(grain: 8), coarse = try frame(grain: 24)
        var history = ShotHistory()
        history.recordFrame(fine, index: 0)
        history.recordBoundary(.init(parameter: 9, marginSlope: 0.6, logSizeSlope: 0.5), codec: .htj2k, index: 0)
        history.recordFrame(coarse, index: 1)
        let ratio = coarse.features.noiseSigma / fine.features.noiseSigma
        #expect(ratio > 2)
        // Without a grain floor: the run's median boundary, whatever the grain.
        #expect(history.coldStart(codec: .htj2k)?.parameter == 9)
        // With one: a step larger by the grain's ratio (the knob is −log2 of the step).
        let scaled = try #require(history.coldStart(codec: .htj2k, grainFloorFor: 1))
        #expect(abs(scaled.parameter - (9 - log2(ratio))) < 1e-9)
        #expect(scaled.marginSlope == 0.6)
        // JPEG 2000's knob is a size: not moved.
        history.recordBoundary(.init(parameter: 2, marginSlope: 1.7, logSizeSlope: 1), codec: .j2k, index: 0)
        #expect(history.coldStart(codec: .j2k, grainFloorFor: 1)?.parameter == 2)
    }

    @Test("no two different corpus photographs are taken for the same shot",
          arguments: [("Cannon_log10", "Carrots_log10"), ("Cannon_log10", "Carrots_bw_log10"),
                      ("Cannon_bw_log10", "Carrots_bw_log10"), ("Desk_log10", "StillLife_log10"),
                      ("Carrots_log10", "Desk_log10"), ("Cannon_log10", "StillLife_log10"),
                      ("Cannon_bw_log10", "StillLife_bw_log10")])
    func differentPhotosAreDifferentShots(_ a: String, _ b: String) throws {
        // A, black leader (a cut from anything), then B: B must start cold, not from A's
        // boundary (several of these pairs are closer in tones than the scene-cut
        // threshold, so only what a return demands keeps them apart).
        let first = try Self.pan(a, count: 1), second = try Self.pan(b, count: 1, from: 2)
        let size = (first[0].features.width, first[0].features.height)
        let leader = FrameAnalyzer.analyze(try PixelBuffer(width: size.0, height: size.1, channels: 3, bitDepth: 10,
                                                           samples: [UInt16](repeating: 0, count: size.0 * size.1 * 3)))
        let starts = Self.play(first + [leader] + second)
        #expect(starts.map(\.from) == [nil, nil, nil], "\(b) after \(a): \(starts.map(\.from))")
    }

    @Test("a frame of another size or bit depth is a new shot, never a return, whatever it shows")
    func geometryIsPartOfTheShot() throws {
        let still = try ImageFile.read(contentsOf: Corpus.url("photos/Cannon_log10.dpx")).pixels
        let frame = try SyntheticFrames.crop(still, x: 0, y: 0, width: 400, height: 300)
        let smaller = try SyntheticFrames.crop(still, x: 0, y: 0, width: 398, height: 300)
        let deeper = try PixelBuffer(width: frame.width, height: frame.height, channels: 3, bitDepth: 12,
                                     samples: frame.samples.map { $0 << 2 })
        let a = FrameAnalyzer.analyze(frame), b = FrameAnalyzer.analyze(smaller), c = FrameAnalyzer.analyze(deeper)
        #expect(b.signature.distance(to: a.signature) < 0.01 && c.signature.distance(to: a.signature) < 0.01)
        #expect(Self.play([a, b, a]).map(\.from) == [nil, nil, 0])
        #expect(Self.play([a, c, a, c]).map(\.from) == [nil, nil, 0, 1])
    }

    @Test("auto's codec choice follows the shot, and the shot the film returns to")
    func autoChoiceFollowsTheShot() throws {
        let cannon = try Self.pan("Cannon_log10", count: 2), still = try Self.pan("StillLife_log10", count: 1)
        var history = ShotHistory()
        for (i, frame) in [cannon[0], still[0], cannon[1]].enumerated() { history.recordFrame(frame, index: i) }
        history.recordAuto(.j2k, index: 0)
        #expect(history.autoChoice(index: 1) == nil)   // a new shot tries both codecs
        history.recordAuto(.htj2k, index: 1)
        #expect(history.autoChoice(index: 2) == .j2k)  // back to the first shot
    }

    @Test("a long run remembers a bounded window: a shot from long ago is not a return, and memory stays bounded")
    func boundedWindow() throws {
        let cannon = try Self.pan("Cannon_log10", count: 2), still = try Self.pan("StillLife_log10", count: 1)
        var history = ShotHistory()
        history.recordFrame(cannon[0], index: 0)
        history.recordBoundary(Self.boundary(0), codec: .htj2k, index: 0)
        // A long other shot: far more frames than the window.
        let last = 3 * ShotHistory.window
        for i in 1...last {
            history.recordFrame(still[0], index: i)
            history.recordBoundary(Self.boundary(i), codec: .htj2k, index: i)
        }
        #expect(history.remembered <= 2 * ShotHistory.window + 1)
        history.recordFrame(cannon[1], index: last + 1)
        #expect(history.warmStart(index: last + 1, codec: .htj2k) == nil, "a return beyond the window")
        // Within the window, a return is found.
        var recent = ShotHistory()
        recent.recordFrame(cannon[0], index: 0)
        recent.recordBoundary(Self.boundary(0), codec: .htj2k, index: 0)
        for i in 1..<(ShotHistory.window / 2) { recent.recordFrame(still[0], index: i) }
        recent.recordFrame(cannon[1], index: ShotHistory.window / 2)
        #expect(recent.warmStart(index: ShotHistory.window / 2, codec: .htj2k)?.parameter == 0)
    }

    @Test("boundaries recorded without looks (the frames a resumed run keeps) are bounded too, and the frame after them starts from the last")
    func boundariesWithoutLooks() throws {
        var history = ShotHistory()
        let last = 3 * ShotHistory.window
        for i in 0...last { history.recordBoundary(Self.boundary(i), codec: .htj2k, index: i) }
        #expect(history.remembered <= 2 * ShotHistory.window + 1)
        let next = try Self.pan("Cannon_log10", count: 1)[0]
        history.recordFrame(next, index: last + 1)
        #expect(history.warmStart(index: last + 1, codec: .htj2k)?.parameter == Double(last))
    }

    @Test("with frames in flight, a frame starts from the nearest earlier frame already done")
    func framesInFlight() throws {
        let frames = try Self.pan("Desk_log10", count: 4)
        var history = ShotHistory()
        for (i, frame) in frames.enumerated() { history.recordFrame(frame, index: i) }
        history.recordBoundary(Self.boundary(0), codec: .htj2k, index: 0)
        history.recordBoundary(Self.boundary(2), codec: .htj2k, index: 2)
        #expect(history.warmStart(index: 1, codec: .htj2k)?.parameter == 0)
        #expect(history.warmStart(index: 3, codec: .htj2k)?.parameter == 2)
        #expect(history.warmStart(index: 3, codec: .j2k) == nil)   // per codec
        // A frame without a warm start begins at the run's median boundary.
        #expect(history.coldStart(codec: .htj2k)?.parameter == 2)
    }
}
