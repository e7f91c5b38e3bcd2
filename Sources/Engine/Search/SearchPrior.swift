import Codecs
import Foundation

/// Where a frame without a warm start (the first of a run, or the first after a scene
/// cut) begins its search, and the slopes it steps along until it has measured its own.
///
/// Within a run the prior is the median of what the frames done so far found (their
/// boundaries and slopes): frames of one film resemble each other more than frames in
/// general. Before any frame is done it is the codec's general prior below, read off
/// the search benchmark (`reelpack-bench engine`: the median boundary and slopes over
/// 180 searches on corpus and synthetic reels at C0–C2). Slopes are in the search's
/// own coordinate (the parameter, or its natural log for a logarithmic knob) and the
/// margin in `QualityFloor.margin` units.
public enum SearchPrior {
    /// The codec's general prior, or nil when none was measured (the search then
    /// brackets from its default start).
    public static func general(for codec: CodecID) -> QualitySearch.WarmStart? {
        switch codec {
        // −log2 of the quantisation step: boundaries 1.0–7.2 (median 5.0); each unit
        // halves the step, cutting the distortion by e^1.0 and adding 55 % to the size.
        case .htj2k: return .init(parameter: 5.0, marginSlope: 1.0, logSizeSlope: 0.55)
        // Size in percent of raw, searched in ln: boundaries 0.25–32 % (median 2.1 %);
        // the size follows the target exactly (slope 1), the margin at 1.7 per unit of ln.
        case .j2k: return .init(parameter: 3.0, marginSlope: 1.7, logSizeSlope: 1.0)
        case .jxl, .tiff: return nil
        }
    }

    /// How far a grain-retention boundary moves in the codec's knob when the grain
    /// goes from `from` to `to` (code values), or nil when the knob does not follow
    /// the grain. HTJ2K's knob is −log2 of the quantisation step, and a grain floor
    /// binds where the step reaches the grain: the step scales with it. Measured on
    /// three synthetic stocks (BENCHMARKS.md, "Film stocks"): the step grew 2.5–2.8×
    /// where the measured grain grew 2.6–2.8×.
    public static func grainShift(codec: CodecID, from: Double, to: Double) -> Double? {
        guard codec == .htj2k, from > 0, to > 0 else { return nil }
        return -log2(to / from)
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
