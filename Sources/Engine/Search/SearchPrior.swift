import Codecs
import Foundation

/// Where a frame without a warm start (the first of a run, or the first after a scene
/// cut) begins its search, and the slopes it steps along until it has measured its own.
///
/// Within a run the prior is the median of what the frames done so far found (their
/// boundaries and slopes): frames of one film resemble each other more than frames in
/// general. Before any frame is done it is the codec's general prior below, read off
/// the search benchmark, which each codec's knob carries (`QualityKnob.prior`). Slopes are in the search's
/// own coordinate (the parameter, or its natural log for a logarithmic knob) and the
/// margin in `QualityFloor.margin` units.
public enum SearchPrior {
    /// The codec's general prior (its knob's, `QualityKnob.prior`), or nil when none
    /// was measured (the search then brackets from its default start).
    public static func general(for codec: CodecID) -> QualitySearch.WarmStart? {
        codec.knob.prior.map { .init(parameter: $0.parameter, marginSlope: $0.marginSlope, logSizeSlope: $0.logSizeSlope) }
    }

    /// How far a grain-retention boundary moves in the codec's knob when the grain
    /// goes from `from` to `to` (code values), or nil when the knob does not follow
    /// the grain (`QualityKnob.grainShift`).
    public static func grainShift(codec: CodecID, from: Double, to: Double) -> Double? {
        codec.knob.grainShift(from: from, to: to)
    }

    /// The run's prior from the warm starts its frames left (any shot): the median
    /// boundary and the median slopes; the codec's general prior when there are none.
    public static func combining(_ recorded: [QualitySearch.WarmStart], codec: CodecID) -> QualitySearch.WarmStart? {
        guard !recorded.isEmpty else { return general(for: codec) }
        func median(_ values: [Double]) -> Double? {
            let v = values.sorted()
            return v.isEmpty ? nil : v[v.count / 2]
        }
        let general = general(for: codec)
        return .init(parameter: median(recorded.map(\.parameter)) ?? general?.parameter ?? 0,
                     marginSlope: median(recorded.compactMap(\.marginSlope)) ?? general?.marginSlope,
                     logSizeSlope: median(recorded.compactMap(\.logSizeSlope)) ?? general?.logSizeSlope)
    }
}
