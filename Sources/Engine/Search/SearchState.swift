import Foundation

/// What one search knows as it goes: every evaluation so far, the bracket's ends, the
/// best passing candidate, and the slopes known before the frame. Its three phases
/// (`SearchState+Phases.swift`) read and extend it; `outcome` turns it into the result.
///
/// Measurements are kept by parameter; only `best` keeps a payload (the caller's
/// payload may be a whole encoded frame, so evaluated candidates are not all kept alive).
struct SearchState<Payload> {
    typealias Evaluate = (Double) throws -> QualitySearch.Evaluation<Payload>
    /// A measured setting: its parameter, the floors' margin there, and its payload bytes.
    typealias Point = (p: Double, margin: Double, bytes: Int)

    let search: QualitySearch
    /// The warm start from the shot's previous frame, if any.
    let warm: QualitySearch.WarmStart?
    /// The prior for a frame without a warm start, if any.
    let prior: QualitySearch.WarmStart?
    /// Where to start and the slopes known before this frame's first evaluation: the
    /// warm start's, with the prior's slopes where the warm start has none.
    let known: QualitySearch.WarmStart?

    private(set) var iterations: [SearchIteration] = []
    private(set) var cache: [Double: QualityMeasurement] = [:]
    private(set) var points: [Point] = []
    private(set) var best: QualitySearch.Candidate<Payload>?
    /// Bracket ends: the highest failing setting and the lowest passing one.
    private(set) var failing: Point?
    private(set) var passing: Point?

    init(search: QualitySearch, warm: QualitySearch.WarmStart?, prior: QualitySearch.WarmStart?) {
        self.search = search
        self.warm = warm
        self.prior = prior
        var known = warm ?? prior
        if let warm, let prior {
            known?.marginSlope = warm.marginSlope ?? prior.marginSlope
            known?.logSizeSlope = warm.logSizeSlope ?? prior.logSizeSlope
        }
        self.known = known
    }

    var lo: Double { search.range.lowerBound }
    var hi: Double { search.range.upperBound }
    var budgetLeft: Bool { iterations.count < search.maxIterations }

    func clamp(_ p: Double) -> Double { min(hi, max(lo, p)) }

    /// True when a file with `bytes` of payload is within the tolerance of one with `smaller`.
    func withinTolerance(_ bytes: Int, of smaller: Double) -> Bool {
        Double(bytes + search.sizeOverhead) <= (smaller + Double(search.sizeOverhead)) * (1 + search.sizeTolerance)
    }

    /// Evaluates `p` (once: a setting measured before answers from the cache) and
    /// records it; true when it passes.
    mutating func eval(_ p: Double, _ evaluate: Evaluate) rethrows -> Bool {
        let floor = search.floor
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
            if e.bytes < (best?.evaluation.bytes ?? .max) { best = .init(parameter: p, evaluation: e) }
            if p < (passing?.p ?? .infinity) { passing = (p, margin, e.bytes) }
        } else if p > (failing?.p ?? -.infinity) {
            failing = (p, margin, e.bytes)
        }
        return ok
    }

    /// Slopes near the boundary: a least-squares line through this frame's points
    /// nearest the bracket (at most four, within about ±40 % of size), pulled toward
    /// the slopes known before this frame as strongly as a pair of points a 5 % size
    /// step apart would pull (2 % for the size slope, which is not noisy). Points close
    /// together (a tight bracket) then barely move a known slope: the tile floor jumps
    /// by more than its trend between settings 2 % apart, and a secant through two such
    /// points can be off several-fold. Nil where not positive.
    func slopes() -> (margin: Double?, logSize: Double?) {
        let centre: Double
        if let f = failing, let s = passing { centre = (f.p + s.p) / 2 } else if let a = passing ?? failing { centre = a.p } else {
            return (known?.marginSlope, known?.logSizeSlope)
        }
        let sizeRate = known?.logSizeSlope
        let window = sizeRate.map { 0.4 / $0 } ?? .infinity
        let near = points.filter { abs($0.p - centre) <= window && abs($0.margin) < QualityFloor.identicalMargin }
            .sorted { abs($0.p - centre) < abs($1.p - centre) }.prefix(4)
        func fit(_ y: (Point) -> Double, prior: Double?, step: Double?) -> Double? {
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

    /// The result: the best candidate, the trace, why it stopped, and the warm start for
    /// the next frame of the shot (the boundary interpolated inside the bracket, or the
    /// passing end moved down by its margin over the slope).
    func outcome(_ stop: QualitySearch.StopReason) -> QualitySearch.Outcome<Payload> {
        var next: QualitySearch.WarmStart?
        if let s = passing {
            let (ms, ls) = slopes()
            var boundary = s.p
            if let f = failing, s.margin - f.margin > 1e-12 {
                boundary = f.p + (s.p - f.p) * (0 - f.margin) / (s.margin - f.margin)
                boundary = min(s.p, max(f.p, boundary))
            } else if let slope = ms ?? known?.marginSlope {
                // Only passing points: the boundary lies the margin's worth of slope
                // below (without this, one-evaluation frames would drift up by the
                // safety margin each frame).
                boundary = max(lo, s.p - s.margin / slope)
            }
            next = .init(parameter: boundary, marginSlope: ms ?? known?.marginSlope, logSizeSlope: ls ?? known?.logSizeSlope)
        }
        return .init(best: best, iterations: iterations, stop: stop, next: next)
    }
}
