import Foundation

/// The decision module: finds the smallest encoding that meets a `QualityFloor`,
/// generic over how a parameter is evaluated (encode → decode → measure).
///
/// The knob `p` lies in `range`; larger `p` gives larger files and better fidelity
/// (monotone up to the codec's granularity). The search
/// 1. starts at the warm-start parameter (the previous frame of the same shot) or a
///    default, and steps outward, doubling the step, until it holds a failing `p`
///    below a passing one (the bracket);
/// 2. then moves inside the bracket by regula falsi on the floors' margin (Illinois
///    variant, safeguarded so every step shrinks the bracket by at least a tenth);
/// 3. stops when the passing end's size is within `sizeTolerance` of the failing end's
///    size (no passing candidate can be smaller than the failing end, so the kept
///    one is within the tolerance of the smallest possible), when the bracket is
///    narrower than `parameterResolution`, or after `maxIterations` evaluations.
///
/// The returned candidate always passes; when even the top of the range fails the
/// outcome says to fall back to lossless, with the reason.
public struct QualitySearch: Sendable {
    /// The floors to meet.
    public var floor: QualityFloor
    /// The codec's meaningful parameter range.
    public var range: ClosedRange<Double>
    /// Stop when passing size ≤ failing size × (1 + tolerance); default 2 %.
    public var sizeTolerance: Double
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
                logarithmic: Bool = false) {
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
        /// Why the search stopped, in one line.
        public var stopReason: String
        /// True when no lossy setting passed: the frame must be stored losslessly.
        public var fallbackToLossless: Bool { best == nil }
    }

    /// Runs the search.
    /// - Parameters:
    ///   - warmStart: the parameter kept for the previous frame of the same shot, or nil
    ///     (first frame, or after a scene change).
    ///   - evaluate: encodes at a parameter, decodes and measures.
    /// - Throws: whatever `evaluate` throws.
    public func run<Payload>(warmStart: Double? = nil,
                             evaluate: (Double) throws -> Evaluation<Payload>) rethrows -> Outcome<Payload> {
        guard logarithmic else { return try runLinear(warmStart: warmStart, evaluate: evaluate) }
        var inner = self
        inner.logarithmic = false
        inner.range = log(range.lowerBound)...log(range.upperBound)
        inner.defaultStart = defaultStart.map { log(max($0, range.lowerBound)) }
        var outcome = try inner.runLinear(warmStart: warmStart.map { log(max($0, range.lowerBound)) }) { u in
            try evaluate(min(range.upperBound, max(range.lowerBound, exp(u))))
        }
        for i in outcome.iterations.indices where !outcome.iterations[i].lossless {
            outcome.iterations[i].parameter = min(range.upperBound, max(range.lowerBound, exp(outcome.iterations[i].parameter)))
        }
        if var best = outcome.best {
            best.parameter = min(range.upperBound, max(range.lowerBound, exp(best.parameter)))
            outcome.best = best
        }
        return outcome
    }

    private func runLinear<Payload>(warmStart: Double?,
                                    evaluate: (Double) throws -> Evaluation<Payload>) rethrows -> Outcome<Payload> {
        let lo = range.lowerBound, hi = range.upperBound
        let width = hi - lo
        var iterations: [SearchIteration] = []
        var cache: [Double: Evaluation<Payload>] = [:]
        var best: Candidate<Payload>?
        // Bracket ends: highest failing parameter, lowest passing parameter.
        var failing: (p: Double, margin: Double, bytes: Int)?
        var passing: (p: Double, margin: Double, bytes: Int)?

        func clamp(_ p: Double) -> Double { min(hi, max(lo, p)) }
        func eval(_ p: Double) throws -> Bool {
            if let e = cache[p] { return floor.passes(e.measurement) }
            let e = try evaluate(p)
            cache[p] = e
            let m = e.measurement
            let ok = floor.passes(m)
            iterations.append(SearchIteration(parameter: p, bytes: e.bytes, ssim: m.ssim, psnr: m.psnr,
                                              tileFloor: m.tileFloor, grainRetention: m.grainRetention, pass: ok))
            let margin = floor.margin(m)
            if ok {
                if e.bytes < (best?.evaluation.bytes ?? .max) { best = Candidate(parameter: p, evaluation: e) }
                if p < (passing?.p ?? .infinity) { passing = (p, margin, e.bytes) }
            } else if p > (failing?.p ?? -.infinity) {
                failing = (p, margin, e.bytes)
            }
            return ok
        }
        var budgetLeft: Bool { iterations.count < maxIterations }

        // 1. Bracket.
        let start = clamp(warmStart ?? defaultStart ?? (lo + 0.6 * width))
        var step = (warmStart != nil ? 0.01 : 0.15) * width
        var p = start
        let startPasses = try eval(p)
        if startPasses {
            while failing == nil, budgetLeft {
                if p <= lo { return Outcome(best: best, iterations: iterations, stopReason: "the lowest setting meets the floors") }
                p = clamp(p - step); step *= 2
                _ = try eval(p)
            }
        } else {
            while passing == nil, budgetLeft {
                if p >= hi {
                    let why = cache[hi].map { floor.failures($0.measurement).joined(separator: ", ") } ?? ""
                    return Outcome(best: nil, iterations: iterations,
                                   stopReason: "no lossy setting meets the floors (at the highest setting: \(why))")
                }
                p = clamp(p + step); step *= 2
                _ = try eval(p)
            }
        }
        guard passing != nil else {
            return Outcome(best: nil, iterations: iterations, stopReason: "iteration cap reached before any setting met the floors")
        }

        // 2. Interpolate inside the bracket (Illinois regula falsi on the margin: when
        // the same end has been kept twice running, its margin is halved so the
        // interpolation cannot stall on one side).
        var keptFailing = 0, keptPassing = 0
        var failingScale = 1.0, passingScale = 1.0
        while let f = failing, let s = passing {
            if Double(s.bytes) <= Double(f.bytes) * (1 + sizeTolerance) {
                return Outcome(best: best, iterations: iterations,
                               stopReason: "within \(Int((sizeTolerance * 100).rounded())) % of the smallest possible size")
            }
            if s.p - f.p <= parameterResolution {
                return Outcome(best: best, iterations: iterations, stopReason: "parameter resolution reached")
            }
            guard budgetLeft else {
                return Outcome(best: best, iterations: iterations, stopReason: "iteration cap reached")
            }
            let fm = f.margin * failingScale, sm = s.margin * passingScale
            var next = (sm - fm) > 1e-12 ? f.p + (s.p - f.p) * (0 - fm) / (sm - fm) : (f.p + s.p) / 2
            let guardBand = 0.1 * (s.p - f.p)
            next = min(s.p - guardBand, max(f.p + guardBand, next))
            if try eval(next) {
                keptFailing += 1; keptPassing = 0; passingScale = 1
                failingScale = keptFailing >= 2 ? failingScale / 2 : 1
            } else {
                keptPassing += 1; keptFailing = 0; failingScale = 1
                passingScale = keptPassing >= 2 ? passingScale / 2 : 1
            }
        }
        return Outcome(best: best, iterations: iterations,
                       stopReason: best.map { _ in "iteration cap reached while bracketing" } ?? "no setting met the floors")
    }
}
