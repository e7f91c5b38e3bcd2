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

    private func runLinear<Payload>(warm: WarmStart?, prior: WarmStart?,
                                    evaluate: (Double) throws -> Evaluation<Payload>) rethrows -> Outcome<Payload> {
        // Where to start and the slopes known before this frame's first evaluation: the
        // warm start's, with the prior's slopes where the warm start has none.
        var known = warm ?? prior
        if let warm, let prior {
            known?.marginSlope = warm.marginSlope ?? prior.marginSlope
            known?.logSizeSlope = warm.logSizeSlope ?? prior.logSizeSlope
        }
        let lo = range.lowerBound, hi = range.upperBound
        let width = hi - lo
        let logTolerance = log(1 + sizeTolerance)
        var iterations: [SearchIteration] = []
        // Measurements by parameter; only `best` keeps a payload (the caller's payload
        // may be a whole encoded frame, so evaluated candidates are not all kept alive).
        var cache: [Double: QualityMeasurement] = [:]
        var points: [(p: Double, margin: Double, bytes: Int)] = []
        var best: Candidate<Payload>?
        // Bracket ends: highest failing parameter, lowest passing parameter.
        var failing: (p: Double, margin: Double, bytes: Int)?
        var passing: (p: Double, margin: Double, bytes: Int)?

        func clamp(_ p: Double) -> Double { min(hi, max(lo, p)) }
        /// True when a file with `bytes` of payload is within the tolerance of one with `smaller`.
        func withinTolerance(_ bytes: Int, of smaller: Double) -> Bool {
            Double(bytes + sizeOverhead) <= (smaller + Double(sizeOverhead)) * (1 + sizeTolerance)
        }
        func eval(_ p: Double) throws -> Bool {
            if let m = cache[p] { return floor.passes(m) }
            let e = try evaluate(p)
            cache[p] = e.measurement
            let m = e.measurement
            let ok = floor.passes(m)
            iterations.append(SearchIteration(parameter: p, bytes: e.bytes, ssim: m.ssim, psnr: m.psnr,
                                              tileFloor: m.tileFloor, grainRetention: m.grainRetention, pass: ok))
            let margin = floor.margin(m)
            points.append((p, margin, e.bytes))
            if ok {
                if e.bytes < (best?.evaluation.bytes ?? .max) { best = Candidate(parameter: p, evaluation: e) }
                if p < (passing?.p ?? .infinity) { passing = (p, margin, e.bytes) }
            } else if p > (failing?.p ?? -.infinity) {
                failing = (p, margin, e.bytes)
            }
            return ok
        }
        var budgetLeft: Bool { iterations.count < maxIterations }
        /// Slopes near the boundary: a least-squares line through this frame's points
        /// nearest the bracket (at most four, within about ±40 % of size), pulled
        /// toward the slopes known before this frame as strongly as a pair of points a
        /// 5 % size step apart would pull (2 % for the size slope, which is not noisy).
        /// Points close together (a tight bracket) then barely move a known slope: the
        /// tile floor jumps by more than its trend between settings 2 % apart, and a
        /// secant through two such points can be off several-fold. Nil where not positive.
        func slopes() -> (margin: Double?, logSize: Double?) {
            let centre: Double
            if let f = failing, let s = passing { centre = (f.p + s.p) / 2 } else if let a = passing ?? failing { centre = a.p } else {
                return (known?.marginSlope, known?.logSizeSlope)
            }
            let sizeRate = known?.logSizeSlope
            let window = sizeRate.map { 0.4 / $0 } ?? .infinity
            let near = points.filter { abs($0.p - centre) <= window && abs($0.margin) < QualityFloor.identicalMargin }
                .sorted { abs($0.p - centre) < abs($1.p - centre) }.prefix(4)
            func fit(_ y: ((p: Double, margin: Double, bytes: Int)) -> Double, prior: Double?, step: Double?) -> Double? {
                let n = Double(near.count)
                var sxx = 0.0, sxy = 0.0
                if near.count >= 2 {
                    let mx = near.reduce(0.0) { $0 + $1.p } / n, my = near.reduce(0.0) { $0 + y($1) } / n
                    for q in near { sxx += (q.p - mx) * (q.p - mx); sxy += (q.p - mx) * (y(q) - my) }
                }
                var slope: Double
                if let prior, let step {
                    let weight = step * step / 2
                    slope = (sxy + weight * prior) / (sxx + weight)
                } else if sxx > 0 {
                    slope = sxy / sxx
                } else {
                    return prior
                }
                if slope <= 1e-12 { slope = prior ?? slope }
                return slope > 1e-12 ? slope : nil
            }
            let marginSlope = fit({ $0.margin }, prior: known?.marginSlope, step: sizeRate.map { 0.05 / $0 })
            let sizeSlope = fit({ log(Double(max($0.bytes, 1))) }, prior: sizeRate, step: sizeRate.map { 0.02 / $0 })
            return (marginSlope, sizeSlope)
        }
        func finish(_ reason: String) -> Outcome<Payload> {
            var next: WarmStart?
            if let s = passing {
                let (ms, ls) = slopes()
                var boundary = s.p
                if let f = failing, s.margin - f.margin > 1e-12 {
                    boundary = f.p + (s.p - f.p) * (0 - f.margin) / (s.margin - f.margin)
                    boundary = min(s.p, max(f.p, boundary))
                } else if let slope = ms ?? known?.marginSlope {
                    // Only passing points: the boundary lies the margin's worth of
                    // slope below (without this, one-evaluation frames would drift up
                    // by the safety margin each frame).
                    boundary = max(lo, s.p - s.margin / slope)
                }
                next = WarmStart(parameter: boundary, marginSlope: ms ?? known?.marginSlope, logSizeSlope: ls ?? known?.logSizeSlope)
            }
            return Outcome(best: best, iterations: iterations, stopReason: reason, next: next)
        }
        let percent = sizeTolerance * 100
        let toleranceText = abs(percent - percent.rounded()) < 1e-9 ? "\(Int(percent.rounded())) %" : String(format: "%.1f %%", percent)

        // 0. Predicted boundary (warm start with slopes): evaluate just above where the
        // previous frame's boundary moved by this frame's measured margin, then take
        // secant steps along the margin slope. Stops when the passing candidate is
        // within the size tolerance of a measured failing neighbour (evidence), or when
        // the slope model predicts the remaining saving to the boundary is under the
        // tolerance (a prediction from measured slopes; the stop reason says which).
        if let known, var marginSlope = known.marginSlope, var sizeSlope = known.logSizeSlope {
            let safety = 0.5 * logTolerance / sizeSlope
            // A warm start aims just above the previous boundary; a prior is only a
            // place to take the first measurement from.
            var next = clamp(known.parameter + (warm != nil ? safety : 0))
            var steps = 0, failuresInARow = 0
            while budgetLeft, steps < 5 {
                steps += 1
                failuresInARow = try eval(next) ? 0 : failuresInARow + 1
                let (ms, ls) = slopes()
                if let ms { marginSlope = ms }
                if let ls { sizeSlope = ls }
                let margin = marginSlope, sizeRate = sizeSlope
                if let s = passing {
                    if let f = failing, withinTolerance(s.bytes, of: Double(f.bytes)) {
                        return finish("within \(toleranceText) of a failing setting's size")
                    }
                    if s.p <= lo { return finish("the lowest setting meets the floors") }
                    let room = min(s.margin / margin, s.p - (failing?.p ?? lo))
                    if withinTolerance(s.bytes, of: Double(s.bytes) * exp(-room * sizeRate)) {
                        return finish("predicted within \(toleranceText) of the smallest possible size (measured slopes)")
                    }
                    let predicted = s.p - s.margin / margin + safety
                    if let f = failing, predicted <= f.p + 0.1 * (s.p - f.p) {
                        // The slopes put the boundary at or below a setting that failed:
                        // the margin is far from linear across this bracket (it bends
                        // near lossless). Stepping a tenth of the bracket at a time from
                        // the failing end would creep; the bracketed interpolation below
                        // (regula falsi, Illinois) does not.
                        break
                    }
                    next = max(failing.map { $0.p + 0.1 * (s.p - $0.p) } ?? lo, predicted)
                    if next >= s.p { next = s.p - 0.5 * (s.p - (failing?.p ?? lo)) }
                } else if let f = failing {
                    if f.p >= hi { break }
                    // Aim further above the predicted boundary after each failure in a
                    // row (far below the boundary the margin changes less than linearly).
                    let overshoot = safety * pow(2, Double(max(0, failuresInARow - 1)))
                    next = min(hi, f.p - f.margin / margin + overshoot)
                    if next <= f.p { next = min(hi, f.p + 2 * overshoot) }
                }
                next = clamp(next)
                if cache[next] != nil { break }
            }
        }

        // 1. Bracket.
        var step: Double
        var p: Double
        if let s = passing {
            p = s.p; step = 0.02 * width
        } else if let f = failing {
            p = f.p; step = 0.02 * width
        } else {
            p = clamp(warm?.parameter ?? defaultStart ?? (lo + 0.6 * width))
            step = (warm != nil ? 0.01 : 0.15) * width
            _ = try eval(p)
        }
        if passing != nil {
            while failing == nil, budgetLeft {
                guard let s = passing else { break }
                if s.p <= lo { return finish("the lowest setting meets the floors") }
                p = clamp(s.p - step); step *= 2
                _ = try eval(p)
            }
        } else {
            while passing == nil, budgetLeft {
                if let f = failing { p = f.p }
                if p >= hi {
                    let why = cache[hi].map { floor.failures($0).joined(separator: ", ") } ?? ""
                    return finish("no lossy setting meets the floors (at the highest setting: \(why))")
                }
                p = clamp(p + step); step *= 2
                _ = try eval(p)
            }
        }
        guard passing != nil else {
            return finish("iteration cap reached before any setting met the floors")
        }

        // 2. Interpolate inside the bracket (Illinois regula falsi on the margin: when
        // the same end has been kept twice running, its margin is halved so the
        // interpolation cannot stall on one side).
        var keptFailing = 0, keptPassing = 0
        var failingScale = 1.0, passingScale = 1.0
        while let f = failing, let s = passing {
            if withinTolerance(s.bytes, of: Double(f.bytes)) {
                return finish("within \(toleranceText) of the smallest possible size")
            }
            if s.p - f.p <= parameterResolution {
                return finish("parameter resolution reached")
            }
            guard budgetLeft else {
                return finish("iteration cap reached")
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
        return finish(best.map { _ in "iteration cap reached while bracketing" } ?? "no setting met the floors")
    }
}
