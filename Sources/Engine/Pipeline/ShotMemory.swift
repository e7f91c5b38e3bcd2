import Codecs
import Foundation

/// A run's `ShotHistory`, shared by the frames in flight: each frame records its
/// signature once analysed and its boundary once done, and asks where to start.
actor ShotMemory {
    private var history = ShotHistory()

    /// Records frame `index`'s analysis; see `ShotHistory.recordFrame`.
    func recordFrame(_ analysis: FrameAnalyzer.Result, index: Int) -> ShotHistory.Change {
        history.recordFrame(analysis, index: index)
    }

    /// The warm start for frame `index` and `codec`, or nil; see `ShotHistory.warmStart`.
    func warmStart(index: Int, codec: CodecID) -> QualitySearch.WarmStart? {
        history.warmStart(index: index, codec: codec)
    }

    /// Where a frame without a warm start starts; see `ShotHistory.coldStart`.
    func coldStart(codec: CodecID, grainFloorFor index: Int? = nil) -> QualitySearch.WarmStart? {
        history.coldStart(codec: codec, grainFloorFor: index)
    }

    /// Where frame `index`, without a warm start, starts; see
    /// `ShotHistory.coldStart(codec:frame:floor:fromFeatures:)`.
    func coldStart(codec: CodecID, frame index: Int, floor: QualityFloor, fromFeatures: Bool) -> QualitySearch.WarmStart? {
        history.coldStart(codec: codec, frame: index, floor: floor, fromFeatures: fromFeatures)
    }

    /// Records where frame `index`'s search found the boundary for `codec`.
    func recordBoundary(_ warm: QualitySearch.WarmStart, codec: CodecID, index: Int) {
        history.recordBoundary(warm, codec: codec, index: index)
    }

    /// The codec `auto` settled on for frame `index`'s shot; see `ShotHistory.autoChoice`.
    func autoChoice(index: Int) -> CodecID? {
        history.autoChoice(index: index)
    }

    /// Records the codec `auto` chose for frame `index`.
    func recordAuto(_ id: CodecID, index: Int) {
        history.recordAuto(id, index: index)
    }
}
