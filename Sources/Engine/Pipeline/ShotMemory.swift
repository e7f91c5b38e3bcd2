import Codecs
import Foundation

/// What frames of a run tell the frames after them, when frames run in parallel:
/// tone signatures (for the scene-change signal), the boundary each frame found
/// and its slopes (warm start), and the codec `auto` settled on for each shot.
///
/// With several frames in flight, frame k compares itself with the nearest earlier
/// frame already analysed and starts from the nearest earlier frame already done,
/// unless a scene cut lies between them.
actor ShotMemory {
    private var signatures: [Int: FrameSignature] = [:]
    private var parameters: [Int: [CodecID: QualitySearch.WarmStart]] = [:]
    private var cuts: Set<Int> = []
    private var autoChoices: [Int: CodecID] = [:]

    /// Records frame `index`'s signature and returns the distance to the nearest
    /// earlier signature (nil for the first frame).
    func recordSignature(_ signature: FrameSignature, index: Int) -> Double? {
        let previous = signatures.keys.filter { $0 < index }.max().flatMap { signatures[$0] }
        signatures[index] = signature
        let distance = previous.map { signature.distance(to: $0) }
        if let distance, distance > FrameAnalyzer.sceneChangeThreshold { cuts.insert(index) }
        return distance
    }

    /// The parameter to start frame `index`'s search from for `codec`, or nil.
    func warmStart(index: Int, codec: CodecID) -> QualitySearch.WarmStart? {
        guard let from = parameters.filter({ $0.key < index && $0.value[codec] != nil }).keys.max() else { return nil }
        if cuts.contains(where: { $0 > from && $0 <= index }) { return nil }
        return parameters[from]?[codec]
    }

    /// Where a frame without a warm start (after a scene cut, or the first) starts for
    /// `codec`: the median boundary and slopes of the frames done so far in this run,
    /// or the codec's general prior (see `SearchPrior`).
    func coldStart(codec: CodecID) -> QualitySearch.WarmStart? {
        SearchPrior.combining(parameters.keys.sorted().compactMap { parameters[$0]?[codec] }, codec: codec)
    }

    /// Records where frame `index`'s search found the boundary for `codec`.
    func recordParameter(_ p: QualitySearch.WarmStart, codec: CodecID, index: Int) {
        parameters[index, default: [:]][codec] = p
    }

    /// The codec `auto` settled on for frame `index`'s shot: the choice of the nearest
    /// earlier frame that made one, unless a scene cut lies between (then nil: the
    /// first frame of each shot tries both codecs).
    func autoChoice(index: Int) -> CodecID? {
        guard let from = autoChoices.keys.filter({ $0 < index }).max() else { return nil }
        if cuts.contains(where: { $0 > from && $0 <= index }) { return nil }
        return autoChoices[from]
    }

    /// Records the codec `auto` chose for frame `index`.
    func recordAuto(_ id: CodecID, index: Int) {
        autoChoices[index] = id
    }
}
