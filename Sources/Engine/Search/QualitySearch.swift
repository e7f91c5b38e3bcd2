import Codecs
import Foundation

/// The decision module: finds the smallest encoding that meets a `QualityFloor`,
/// generic over how a parameter is evaluated (encode → decode → measure).
///
/// The knob `p` lies in `range`; larger `p` gives larger files and better fidelity
/// (monotone up to the codec's granularity). The search
/// 0. with a warm start carrying slopes (the previous frame of the same shot, see
///    `WarmStart`), evaluates just above the predicted boundary (a safety margin of
///    half the size tolerance along the size slope) and stops there when the margin
///    it measures, divided by the margin slope, leaves a predicted saving under the
///    size tolerance; otherwise it takes secant steps along the slopes (re-estimated
///    from this frame's own points as soon as it has two), at most five, aiming further
///    above the boundary after each failure in a row, and leaving for step 2 as soon
///    as the slopes put the boundary below a setting measured to fail. A frame without
///    a warm start but with a `prior` (the run's or the codec's typical boundary and
///    slopes, see `SearchPrior`) takes the same path from the prior's parameter;
/// 1. otherwise starts at the warm-start parameter or a default, and steps outward,
///    doubling the step, until it holds a failing `p` below a passing one (the bracket);
/// 2. then moves inside the bracket by regula falsi on the floors' margin (Illinois
///    variant, safeguarded so every step shrinks the bracket by at least a tenth);
/// 3. stops when the passing end's size is within `sizeTolerance` of the failing end's
///    size (no passing candidate can be smaller than the failing end, so the kept
///    one is within the tolerance of the smallest possible; sizes are file sizes, the
///    payload plus `sizeOverhead`), when the bracket is
///    narrower than `parameterResolution`, or after `maxIterations` evaluations.
///
/// The stop reason says which evidence a "within tolerance" stop rests on: a measured
/// failing neighbour ("of a failing setting's size", "of the smallest possible size"),
/// or the slope model ("predicted …", from slopes measured on this frame or the
/// previous one; it assumes the margin and log-size are locally linear in `p`).
///
/// The returned candidate always passes; when even the top of the range fails the
/// outcome says to fall back to lossless, with the reason.
public struct QualitySearch: Sendable {
    /// The floors to meet.
    public var floor: QualityFloor
    /// The codec's meaningful parameter range.
    public var range: ClosedRange<Double>
    /// Stop when passing size ≤ failing size × (1 + tolerance); default 2 %. Sizes are
    /// file sizes: the payload plus `sizeOverhead`.
    public var sizeTolerance: Double
    /// Bytes every candidate's file carries besides its payload (the container and the
    /// seal). The tolerance is on what is stored: where the seal outweighs a tiny
    /// payload (a black frame), 2 % of the file is several percent of the payload, and
    /// another encode would save less than its entry in the seal's trace adds.
    public var sizeOverhead: Int
    /// Stop when the bracket is narrower than this (in parameter units).
    public var parameterResolution: Double
    /// At most this many evaluations.
    public var maxIterations: Int
    /// Start here when there is no warm start (default: 60 % up the range).
    public var defaultStart: Double?
    /// Search the logarithm of the parameter (for knobs such as a target size in
    /// percent, whose useful values span orders of magnitude); needs a positive range.
    public var logarithmic: Bool

    /// A search over `range` for `floor`.
    public init(floor: QualityFloor, range: ClosedRange<Double>, sizeTolerance: Double = 0.02,
                parameterResolution: Double? = nil, maxIterations: Int = 12, defaultStart: Double? = nil,
                logarithmic: Bool = false, sizeOverhead: Int = 0) {
        self.sizeOverhead = max(0, sizeOverhead)
        self.floor = floor
        self.range = range
        self.sizeTolerance = sizeTolerance
        self.parameterResolution = parameterResolution ?? (range.upperBound - range.lowerBound) / 1000
        self.maxIterations = max(2, maxIterations)
        self.defaultStart = defaultStart
        self.logarithmic = logarithmic && range.lowerBound > 0
        if self.logarithmic, parameterResolution == nil {
            self.parameterResolution = (log(range.upperBound) - log(range.lowerBound)) / 1000
        }
    }

    /// The search for a codec's knob: over its range (or `range`, a part of it) and on
    /// its scale, starting from `prior`'s parameter when the frame has no warm start.
    /// The engine's encode stage and the search benchmark both build their searches here.
    public init(knob: QualityKnob, floor: QualityFloor, range: ClosedRange<Double>? = nil, sizeTolerance: Double = 0.02,
                maxIterations: Int = 12, prior: WarmStart?, sizeOverhead: Int = 0) {
        self.init(floor: floor, range: range ?? knob.range, sizeTolerance: sizeTolerance, maxIterations: maxIterations,
                  defaultStart: prior?.parameter, logarithmic: knob.scale == .logarithmic, sizeOverhead: sizeOverhead)
    }

    /// What one evaluation gives back: the encoded size, its measurement, and the
    /// caller's payload (kept for the winning candidate so it is not encoded twice).
    public struct Evaluation<Payload> {
        public var bytes: Int
        public var measurement: QualityMeasurement
        public var payload: Payload
        /// An evaluation from its parts.
        public init(bytes: Int, measurement: QualityMeasurement, payload: Payload) {
            self.bytes = bytes
            self.measurement = measurement
            self.payload = payload
        }
    }

    /// A passing candidate.
    public struct Candidate<Payload> {
        public var parameter: Double
        public var evaluation: Evaluation<Payload>
    }

    /// The result of a search.
    public struct Outcome<Payload> {
        /// The smallest passing candidate found; nil when none passed.
        public var best: Candidate<Payload>?
        /// Every evaluation, in order.
        public var iterations: [SearchIteration]
        /// Why the search stopped.
        public var stop: StopReason
        /// Why the search stopped, in one line (what the seal records).
        public var stopReason: String { stop.description }
        /// True when no lossy setting passed: the frame must be stored losslessly.
        public var fallbackToLossless: Bool { best == nil }
        /// What the next frame of the same shot should start from (boundary and local
        /// slopes estimated from this trace); nil when nothing passed.
        public var next: WarmStart?
    }

    /// A warm start: where the previous frame of the shot found the floors' boundary
    /// and how the margin and the file size changed around it.
    ///
    /// Slopes are per unit of the search coordinate (the parameter, or its natural
    /// logarithm for a `logarithmic` search); nil when the trace could not tell.
    public struct WarmStart: Sendable, Equatable {
        /// Estimated boundary parameter (where the floors' margin crosses zero).
        public var parameter: Double
        /// d(margin)/d(coordinate) near the boundary; positive when known.
        public var marginSlope: Double?
        /// d(ln bytes)/d(coordinate) near the boundary; positive when known.
        public var logSizeSlope: Double?
        /// A warm start from its parts.
        public init(parameter: Double, marginSlope: Double? = nil, logSizeSlope: Double? = nil) {
            self.parameter = parameter
            self.marginSlope = marginSlope
            self.logSizeSlope = logSizeSlope
        }
    }

    /// Runs the search.
    /// - Parameters:
    ///   - warmStart: the parameter kept for the previous frame of the same shot, or nil
    ///     (first frame, or after a scene change).
    ///   - evaluate: encodes at a parameter, decodes and measures.
    /// - Throws: whatever `evaluate` throws.
    public func run<Payload>(warmStart: Double?,
                             evaluate: (Double) throws -> Evaluation<Payload>) rethrows -> Outcome<Payload> {
        try run(warm: warmStart.map { WarmStart(parameter: $0) }, evaluate: evaluate)
    }

    /// Runs the search from a warm start carrying the previous frame's slopes (see
    /// `WarmStart`); with slopes the search evaluates at the predicted boundary first
    /// and usually stops after one or two evaluations.
    /// - Throws: whatever `evaluate` throws.
    ///   - warm: where the previous frame of the same shot found the boundary, or nil.
    ///   - prior: for a frame without `warm` (the first of a shot), a start parameter
    ///     and the slopes frames of this run (or this codec in general) showed: the
    ///     search evaluates there first and steps along the slopes, instead of
    ///     bracketing blind. Ignored when `warm` is given.
    public func run<Payload>(warm: WarmStart? = nil, prior: WarmStart? = nil,
                             evaluate: (Double) throws -> Evaluation<Payload>) rethrows -> Outcome<Payload> {
        guard logarithmic else { return try runLinear(warm: warm, prior: prior, evaluate: evaluate) }
        var inner = self
        inner.logarithmic = false
        inner.range = log(range.lowerBound)...log(range.upperBound)
        inner.defaultStart = defaultStart.map { log(max($0, range.lowerBound)) }
        var innerWarm = warm, innerPrior = prior
        innerWarm?.parameter = log(max(warm?.parameter ?? 1, range.lowerBound))
        innerPrior?.parameter = log(max(prior?.parameter ?? 1, range.lowerBound))
        var outcome = try inner.runLinear(warm: innerWarm, prior: innerPrior) { u in
            try evaluate(min(range.upperBound, max(range.lowerBound, exp(u))))
        }
        for i in outcome.iterations.indices where !outcome.iterations[i].lossless {
            outcome.iterations[i].parameter = min(range.upperBound, max(range.lowerBound, exp(outcome.iterations[i].parameter)))
        }
        if var best = outcome.best {
            best.parameter = min(range.upperBound, max(range.lowerBound, exp(best.parameter)))
            outcome.best = best
        }
        if var next = outcome.next {
            next.parameter = min(range.upperBound, max(range.lowerBound, exp(next.parameter)))
            outcome.next = next
        }
        return outcome
    }

    /// The search in the parameter's own (linear) coordinate: the three phases in turn,
    /// each ending the search or handing on to the next (see the type's notes).
    private func runLinear<Payload>(warm: WarmStart?, prior: WarmStart?,
                                    evaluate: (Double) throws -> Evaluation<Payload>) rethrows -> Outcome<Payload> {
        var state = SearchState<Payload>(search: self, warm: warm, prior: prior)
        if let stop = try state.predict(evaluate) { return state.outcome(stop) }
        if let stop = try state.bracket(evaluate) { return state.outcome(stop) }
        let stop = try state.interpolate(evaluate)
        return state.outcome(stop)
    }
}
