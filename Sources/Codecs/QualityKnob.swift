import Foundation

/// A codec's one lossy knob, as the codec describes it: the engine searches it without
/// knowing any codec's rules (DESIGN.md §3).
///
/// Larger values give larger files and better fidelity, monotonically up to the codec's
/// granularity.
public struct QualityKnob: Sendable, Equatable {
    /// How the search moves along the knob.
    public enum Scale: Sendable, Equatable {
        /// In the value itself (a step in powers of two, a distance in its log).
        case linear
        /// In the value's natural logarithm: for knobs whose useful values span orders
        /// of magnitude, such as a target size in percent.
        case logarithmic
    }

    /// Where searches on this knob usually find the floors' boundary, and how the
    /// floors' margin and the log of the file size move per unit of the search
    /// coordinate (the value, or its natural log on a logarithmic knob).
    public struct Prior: Sendable, Equatable {
        public var parameter: Double
        public var marginSlope: Double
        public var logSizeSlope: Double
        public init(parameter: Double, marginSlope: Double, logSizeSlope: Double) {
            self.parameter = parameter
            self.marginSlope = marginSlope
            self.logSizeSlope = logSizeSlope
        }
    }

    /// The meaningful values, low = small file.
    public var range: ClosedRange<Double>
    public var scale: Scale
    /// What a value means, in a user's words (help text, reports).
    public var meaning: String
    /// The boundary and slopes the search benchmark measured on this knob, or nil when
    /// none were (the search then brackets from its default start).
    public var prior: Prior?
    /// True when the value is the payload's size in percent of the raw samples
    /// (width × height × channels × bitDepth bits): the setting that makes a given
    /// size is then known before encoding (`setting(forPayloadBytes:...)`).
    public var isTargetSize: Bool
    /// True when the value is −log2 of a quantisation step relative to the sample
    /// range: a grain floor binds where the step reaches the grain, so the boundary
    /// moves with the grain (`grainShift`).
    public var isLog2Step: Bool

    public init(range: ClosedRange<Double>, scale: Scale = .linear, meaning: String, prior: Prior? = nil,
                isTargetSize: Bool = false, isLog2Step: Bool = false) {
        self.range = range
        self.scale = scale
        self.meaning = meaning
        self.prior = prior
        self.isTargetSize = isTargetSize
        self.isLog2Step = isLog2Step
    }

    /// A knob for a codec without a lossy mode.
    public static let none = QualityKnob(range: 0...0, meaning: "none (lossless only)")

    /// The setting that asks for a payload of `bytes / divisor` for a frame of this
    /// geometry, on a target-size knob; nil on others.
    public func setting(forPayloadBytes bytes: Int, dividedBy divisor: Double = 1, width: Int, height: Int, channels: Int,
                        bitDepth: Int) -> Double? {
        guard isTargetSize else { return nil }
        let raw = Double(width * height * channels * bitDepth) / 8
        return 100 * Double(bytes) / divisor / raw
    }

    /// How far a grain floor's boundary moves along the knob when the frame's grain goes
    /// from `from` to `to` (code values), or nil when the knob does not follow the grain.
    /// Measured for HTJ2K on three synthetic stocks (BENCHMARKS.md, "Film stocks"): the
    /// step at the boundary grew 2.5–2.8× where the measured grain grew 2.6–2.8×.
    public func grainShift(from: Double, to: Double) -> Double? {
        guard isLog2Step, from > 0, to > 0 else { return nil }
        return -log2(to / from)
    }
}

extension Codec {
    /// The meaningful range of `CodecMode.lossy(quality:)`: the knob's.
    public var qualityRange: ClosedRange<Double> { knob.range }
}
