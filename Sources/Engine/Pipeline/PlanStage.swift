import Codecs
import Foundation

/// Where a frame's search starts and which codecs it tries (stage 2 of `FramePipeline`).
struct FramePlan: Sendable {
    /// The analysis features, with the scene change against the frame before.
    var features: FrameFeatures
    /// The codecs to search, in order (`CodecStrategy.candidates`).
    var codecs: [CodecID]
    /// Per codec: the warm start from the frame's shot (nil: none), and the prior for
    /// a frame without one (the run's median so far; before any frame is done, the
    /// prior the frame's own analysis predicts, or the codec's knob prior).
    var warmStarts: [CodecID: QualitySearch.WarmStart]
    var coldStarts: [CodecID: QualitySearch.WarmStart]
}

extension ShotMemory {
    /// Stage 2, plan: records frame `index`'s look (and, on a resumed run, the look of
    /// the kept frame just before it, so a cut between them is seen), then reads where
    /// its shot says to start and which codecs the strategy tries.
    /// - Parameters:
    ///   - floor: the run's floors (with a grain floor the prior moves with the frame's
    ///     grain, `ShotHistory.coldStart(codec:frame:floor:fromFeatures:)`).
    ///   - frameFeaturePrior: false to start a frame before any is done from the
    ///     codec's general prior instead of its own (`EngineServices.frameFeaturePrior`).
    func plan(index: Int, analysis: FrameAnalyzer.Result, keptNeighbour: (index: Int, analysis: FrameAnalyzer.Result)?,
              strategy: CodecStrategy, floor: QualityFloor, frameFeaturePrior: Bool = true) -> FramePlan {
        if let keptNeighbour { _ = recordFrame(keptNeighbour.analysis, index: keptNeighbour.index) }
        var features = analysis.features
        let change = recordFrame(analysis, index: index)
        features.sceneChange = change.distance
        features.isSceneCut = change.isCut
        let codecs = strategy.candidates(settled: strategy.remembersChoice ? autoChoice(index: index) : nil)
        var warm: [CodecID: QualitySearch.WarmStart] = [:], cold: [CodecID: QualitySearch.WarmStart] = [:]
        for id in codecs {
            warm[id] = warmStart(index: index, codec: id)
            cold[id] = coldStart(codec: id, frame: index, floor: floor, fromFeatures: frameFeaturePrior)
        }
        return FramePlan(features: features, codecs: codecs, warmStarts: warm, coldStarts: cold)
    }

    /// Records what a written frame tells the frames after it: the codec `auto` kept
    /// and where the floors' boundary lay.
    func learn(from written: WrittenFrame, index: Int, strategy: CodecStrategy) {
        if strategy.remembersChoice { recordAuto(written.codec, index: index) }
        if let warm = written.warm { recordBoundary(warm, codec: written.codec, index: index) }
    }
}
