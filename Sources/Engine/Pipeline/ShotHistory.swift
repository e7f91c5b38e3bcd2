import Codecs
import Foundation

/// What the frames of a run tell the frames after them: tone signatures (for the
/// scene-change signal), where each frame's search found the floors' boundary and its
/// slopes (the warm start), and the codec `auto` settled on.
///
/// A frame inherits from one earlier frame, its *source*:
/// - the nearest earlier frame that has recorded what is asked, when no scene cut lies
///   between them (the same shot);
/// - otherwise the earlier frame that looks most like it, when it looks like it as much
///   as consecutive frames of one shot do (`sameLookDistance`): the film has cut back to a
///   shot it showed before (shot and reverse shot in a dialogue, intercut action),
///   whose boundary is a far better start than the run's median;
/// - otherwise none: the frame starts cold, from `coldStart(codec:)`.
///
/// With several frames in flight, a frame compares itself with the nearest earlier
/// frame already analysed and inherits from frames already done. A wrong inheritance
/// costs encodes, never quality: the search measures every candidate it keeps.
///
/// A value type, so the same logic runs in the engine (inside the `ShotMemory` actor)
/// and in the search benchmark.
public struct ShotHistory: Sendable {
    private var looks: [Int: Look] = [:]
    private var boundaries: [Int: [CodecID: QualitySearch.WarmStart]] = [:]
    private var cuts: Set<Int> = []
    private var autoChoices: [Int: CodecID] = [:]
    /// The highest frame index recorded.
    private var newest = Int.min

    /// An empty history (the start of a run).
    public init() {}

    /// How many frames back the history reaches: frames more than this many indices
    /// before the newest one recorded are forgotten (2048 frames: 85 s at 24 fps). Every
    /// question then costs the same at the end of a feature as at its start; a return
    /// is looked for among the shots of the last minute and a half, and a cold start
    /// takes the median of the boundaries found there.
    public static let window = 2048

    /// Frames remembered (for tests: bounded by about twice `window`).
    var remembered: Int { max(looks.count, boundaries.count) }

    /// What a frame looks like, to recognise a shot the film returns to.
    private struct Look: Sendable {
        var signature: FrameSignature
        var monochrome: Bool
        /// `FrameFeatures.texture`: mean gradient over full scale.
        var texture: Double
        /// Width, height, channels and bit depth: frames of one shot share them.
        var geometry: [Int]
        /// `FrameFeatures.noiseSigma`: the grain, in code values at the frame's depth.
        var grain: Double
        /// What the frame's own prior reads (`SearchPrior.forFrame`).
        var cues: SearchPrior.FrameCues
    }

    /// The largest tone distance (`FrameSignature.distance`) at which a frame after a
    /// cut is taken for a return to an earlier shot. Consecutive frames of one shot
    /// lie within it (a ball crossing the corpus sequence's black frame moves its
    /// tones by 0.094 a frame); different photographs lie beyond it (0.17 and more
    /// among the corpus photos, some of which the scene-cut threshold of 0.25 does
    /// not separate).
    public static let returnThreshold = 0.1

    /// The largest ratio of two frames' texture at which they can be the same shot.
    public static let returnTextureRatio = 1.3

    /// The largest ratio of two frames' grain (`noiseSigma`, each taken as at least
    /// `FrameAnalyzer.measurableGrain`) at which they can be the same shot. Grain is a
    /// property of the stock and exposure: consecutive frames of one shot read within
    /// 1 % of each other on every synthetic kind and within 1.2× across the action
    /// reel's cuts; a change of stock (8 to 24 codes at 12 bits) reads 2.8×. Tones
    /// alone miss such a cut, and the grain moves the floors' boundary far more than
    /// a frame of motion does.
    public static let grainChangeRatio = 1.5

    /// How far apart two grain readings are, as a ratio ≥ 1 (readings under
    /// `FrameAnalyzer.measurableGrain` count as that much: no grain is no grain).
    static func grainRatio(_ a: Double, _ b: Double) -> Double {
        let m = FrameAnalyzer.measurableGrain
        let r = max(a, m) / max(b, m)
        return max(r, 1 / r)
    }

    /// How frame `index` follows the nearest earlier frame recorded.
    public struct Change: Sendable, Equatable {
        /// The tone distance (`FrameSignature.distance`); nil for the first frame.
        public var distance: Double?
        /// True when a scene cut lies before the frame: its tones moved more than
        /// `FrameAnalyzer.sceneChangeThreshold`, the picture turned from colour to
        /// black and white or back (whatever its tones), its grain changed by more than
        /// `grainChangeRatio`, or its size, channels or bit depth changed.
        public var isCut: Bool
    }

    /// Records frame `index`'s analysis and returns how it follows the nearest earlier
    /// frame recorded.
    @discardableResult
    public mutating func recordFrame(_ analysis: FrameAnalyzer.Result, index: Int) -> Change {
        let f = analysis.features
        let look = Look(signature: analysis.signature, monochrome: f.monochrome, texture: f.texture,
                        geometry: [f.width, f.height, f.channels, f.bitDepth], grain: f.noiseSigma,
                        cues: SearchPrior.FrameCues(f))
        let previous = looks.keys.filter { $0 < index }.max().flatMap { looks[$0] }
        looks[index] = look
        newest = max(newest, index)
        forgetOldFrames()
        guard let previous else { return Change(distance: nil, isCut: false) }
        let distance = look.signature.distance(to: previous.signature)
        let isCut = distance > FrameAnalyzer.sceneChangeThreshold || look.monochrome != previous.monochrome
            || look.geometry != previous.geometry || Self.grainRatio(look.grain, previous.grain) > Self.grainChangeRatio
        if isCut { cuts.insert(index) }
        return Change(distance: distance, isCut: isCut)
    }

    /// Drops what is older than `window` frames before the newest, once twice that
    /// many frames are held (so the cost is spread thin).
    private mutating func forgetOldFrames() {
        guard max(looks.count, boundaries.count) > 2 * Self.window else { return }
        let oldest = newest - Self.window
        looks = looks.filter { $0.key >= oldest }
        boundaries = boundaries.filter { $0.key >= oldest }
        autoChoices = autoChoices.filter { $0.key >= oldest }
        cuts = cuts.filter { $0 >= oldest }
    }

    /// Where frame `index`'s search should start for `codec` (boundary and slopes of
    /// its source frame, see the type's notes), or nil for a cold start.
    public func warmStart(index: Int, codec: CodecID) -> QualitySearch.WarmStart? {
        boundarySource(for: index, codec: codec).flatMap { boundaries[$0]?[codec] }
    }

    /// True when frame `index`'s warm start for `codec` comes from an earlier shot the
    /// film returned to, rather than from the frame's own shot.
    public func isReturn(index: Int, codec: CodecID) -> Bool {
        guard let from = boundarySource(for: index, codec: codec) else { return false }
        return cuts.contains { $0 > from && $0 <= index }
    }

    /// The frame whose boundary for `codec` frame `index` inherits.
    private func boundarySource(for index: Int, codec: CodecID) -> Int? {
        source(for: index, among: boundaries.compactMap { $0.value[codec] != nil ? $0.key : nil })
    }

    /// Where a frame without a warm start starts for `codec`: the median boundary and
    /// slopes of the frames done so far in this run (within `window`), or the codec's
    /// general prior (see `SearchPrior`).
    ///
    /// `grainFloorFor`: the frame (`index`) a grain-retention floor applies to. Where the
    /// codec's knob follows the grain (`SearchPrior.grainShift`) and the frame and
    /// earlier ones have measurable grain, each earlier boundary is first moved by the
    /// difference in grain: a grain floor binds where the step reaches the grain.
    public func coldStart(codec: CodecID, grainFloorFor index: Int? = nil) -> QualitySearch.WarmStart? {
        let recorded = boundaries.keys.sorted().compactMap { k in boundaries[k]?[codec].map { (k, $0) } }
        if let index, let grain = looks[index]?.grain, grain >= FrameAnalyzer.measurableGrain {
            let scaled: [QualitySearch.WarmStart] = recorded.compactMap { k, warm in
                guard let other = looks[k]?.grain, other >= FrameAnalyzer.measurableGrain,
                      let shift = SearchPrior.grainShift(codec: codec, from: other, to: grain) else { return nil }
                var moved = warm
                moved.parameter += shift
                return moved
            }
            if !scaled.isEmpty { return SearchPrior.combining(scaled, codec: codec) }
        }
        return SearchPrior.combining(recorded.map(\.1), codec: codec)
    }

    /// Where frame `index`, without a warm start, starts for `codec` under `floor`: once
    /// frames of the run are done, the run's prior (`coldStart(codec:grainFloorFor:)`);
    /// before that, the prior the frame's own analysis predicts (`SearchPrior.forFrame`)
    /// where the codec's knob has a model, else the codec's general prior.
    /// `fromFeatures` false skips the frame's own prior (the prior as it was before it).
    public func coldStart(codec: CodecID, frame index: Int, floor: QualityFloor,
                          fromFeatures: Bool = true) -> QualitySearch.WarmStart? {
        let runHasBoundaries = boundaries.values.contains { $0[codec] != nil }
        if fromFeatures, !runHasBoundaries, let cues = looks[index]?.cues,
           let own = SearchPrior.forFrame(cues, floor: floor, codec: codec) {
            return own
        }
        return coldStart(codec: codec, grainFloorFor: floor.grainRetention != nil ? index : nil)
    }

    /// Records where frame `index`'s search found the boundary for `codec`.
    public mutating func recordBoundary(_ warm: QualitySearch.WarmStart, codec: CodecID, index: Int) {
        boundaries[index, default: [:]][codec] = warm
        newest = max(newest, index)
        forgetOldFrames()
    }

    /// The codec `auto` settled on for frame `index`'s shot (or for the earlier shot
    /// the film returned to); nil when the frame must try both codecs.
    public func autoChoice(index: Int) -> CodecID? {
        source(for: index, among: autoChoices.keys).flatMap { autoChoices[$0] }
    }

    /// Records the codec `auto` chose for frame `index`.
    public mutating func recordAuto(_ id: CodecID, index: Int) {
        autoChoices[index] = id
    }

    /// The frame `index` inherits from among `candidates` (frames that recorded what
    /// is asked): see the type's notes.
    private func source(for index: Int, among candidates: some Collection<Int>) -> Int? {
        let earlier = candidates.filter { $0 < index }
        guard let nearest = earlier.max() else { return nil }
        if !cuts.contains(where: { $0 > nearest && $0 <= index }) { return nearest }
        guard let look = looks[index] else { return nil }
        var best: (index: Int, distance: Double)?
        for k in earlier {
            guard let other = looks[k], let d = Self.sameLookDistance(look, other) else { continue }
            // Nearest tones; among equals, the latest frame.
            if best.map({ d < $0.distance || (d == $0.distance && k > $0.index) }) ?? true { best = (k, d) }
        }
        return best?.index
    }

    /// The tone distance of two frames that look like the same shot (same geometry and
    /// colour kind, tones within `returnThreshold`, texture within `returnTextureRatio`,
    /// grain within `grainChangeRatio`); nil when they do not.
    private static func sameLookDistance(_ a: Look, _ b: Look) -> Double? {
        guard a.geometry == b.geometry, a.monochrome == b.monochrome,
              grainRatio(a.grain, b.grain) <= grainChangeRatio else { return nil }
        let d = a.signature.distance(to: b.signature)
        guard d <= returnThreshold else { return nil }
        let low = min(a.texture, b.texture), high = max(a.texture, b.texture)
        guard high <= low * returnTextureRatio || high < 1e-4 else { return nil }
        return d
    }
}
