import Foundation

/// The two searches over one knob for a whole reel: the setting whose total size
/// equals a target (bisection), and the loosest setting that meets the floors on
/// every frame. Both assume that a larger knob gives larger files and better frames.
public enum KnobSearch {
    /// One trial of the equal-size search.
    public struct SizeTrial: Sendable, Codable, Equatable {
        public var knob: Double
        public var bytes: Int
    }

    /// The equal-size search's outcome: the trial closest to the target, and all trials.
    public struct SizeResult: Sendable, Equatable {
        public var knob: Double
        public var bytes: Int
        public var trials: [SizeTrial]
        /// True when `bytes` is within the tolerance of the target.
        public var matched: Bool
    }

    /// The knob within `range` whose total `size(knob)` is within `tolerance`
    /// (a share: 0.01 = 1 %) of `target` bytes.
    ///
    /// Works on ln(size) over the knob (or ln knob when `logScale`): a first step
    /// along `slope`, then regula falsi with the Illinois correction once the target
    /// is bracketed, falling back to bisection when a step would not shrink the bracket.
    /// - Parameters:
    ///   - start: The first knob tried.
    ///   - maxTrials: The most evaluations of `size`.
    /// - Throws: what `size` throws.
    public static func equalSize(target: Int, range: ClosedRange<Double>, logScale: Bool, slope: Double,
                                 start: Double, tolerance: Double = 0.01, maxTrials: Int = 16,
                                 size: (Double) throws -> Int) rethrows -> SizeResult {
        let toU: (Double) -> Double = { logScale ? log($0) : $0 }
        let fromU: (Double) -> Double = { logScale ? exp($0) : $0 }
        let uLo = toU(range.lowerBound), uHi = toU(range.upperBound)
        let goal = log(Double(max(target, 1)))
        var trials: [SizeTrial] = []
        func f(_ u: Double) throws -> Double {
            let knob = fromU(u)
            let bytes = try size(knob)
            trials.append(SizeTrial(knob: knob, bytes: bytes))
            return log(Double(max(bytes, 1))) - goal
        }
        func best() -> SizeResult {
            let b = trials.min { abs(log(Double(max($0.bytes, 1))) - goal) < abs(log(Double(max($1.bytes, 1))) - goal) }!
            return SizeResult(knob: b.knob, bytes: b.bytes, trials: trials,
                              matched: abs(Double(b.bytes) / Double(max(target, 1)) - 1) <= tolerance)
        }
        let within = log(1 + tolerance) * 0.999
        var u0 = min(max(toU(start), uLo), uHi)
        var f0 = try f(u0)
        if abs(f0) <= within { return best() }
        // Step along the slope until the target is bracketed (or a range end is reached).
        var s = max(slope, 1e-3)
        var u1 = u0, f1 = f0
        while trials.count < maxTrials {
            let step = -f0 / s
            u1 = min(max(u0 + step, uLo), uHi)
            if u1 == u0 { return best() }   // at a range end and still short of the target
            f1 = try f(u1)
            if abs(f1) <= within { return best() }
            if f1.sign != f0.sign { break }
            // Same side: the slope was over-estimated; learn it and go on from here.
            let measured = (f1 - f0) / (u1 - u0)
            s = measured > 1e-3 ? measured : s / 2
            u0 = u1; f0 = f1
        }
        guard f1.sign != f0.sign else { return best() }
        // Bracketed: [a, b] with f(a) < 0 < f(b).
        var (a, fa, b, fb) = f0 < 0 ? (u0, f0, u1, f1) : (u1, f1, u0, f0)
        var side = 0
        while trials.count < maxTrials {
            var u = a - fa * (b - a) / (fb - fa)
            if !(u > a && u < b) || (b - a) < 1e-9 { u = (a + b) / 2 }
            // A bracket this narrow changes the size by under a quarter of the tolerance:
            // what is left is a step in the size that no setting splits.
            if (b - a) * s < log(1 + tolerance / 4) { break }
            let fu = try f(u)
            if abs(fu) <= within { break }
            if fu < 0 {
                a = u; fa = fu
                if side == -1 { fb /= 2 }
                side = -1
            } else {
                b = u; fb = fu
                if side == 1 { fa /= 2 }
                side = 1
            }
        }
        return best()
    }

    /// The safe-setting search's outcome.
    public struct SafeResult: Sendable, Equatable {
        /// The loosest knob tried that met every floor; nil when none in the range did.
        public var knob: Double?
        /// Knobs tried, with whether each passed.
        public var trials: [(knob: Double, passed: Bool)]
        public static func == (l: SafeResult, r: SafeResult) -> Bool {
            l.knob == r.knob && l.trials.map(\.knob) == r.trials.map(\.knob) && l.trials.map(\.passed) == r.trials.map(\.passed)
        }
    }

    /// The smallest knob in `range` for which `passes` holds, to within a step that
    /// changes the size by about `sizeResolution` (a share), starting from `start`.
    ///
    /// `cheap` knobs are ones whose test costs less (already encoded or measured): a step
    /// lands on one instead when it is within a third of the step (while bracketing) or a
    /// quarter of the bracket (while bisecting) of where the step would go, so the bracket
    /// still shrinks to at most three quarters each time.
    /// - Throws: what `passes` throws.
    public static func loosestPassing(range: ClosedRange<Double>, logScale: Bool, slope: Double, start: Double,
                                      sizeResolution: Double = 0.03, maxTrials: Int = 10, cheap: [Double] = [],
                                      passes: (Double) throws -> Bool) rethrows -> SafeResult {
        let toU: (Double) -> Double = { logScale ? log($0) : $0 }
        let fromU: (Double) -> Double = { logScale ? exp($0) : $0 }
        let uLo = toU(range.lowerBound), uHi = toU(range.upperBound)
        var trials: [(knob: Double, passed: Bool)] = []
        let cheapU = cheap.filter(range.contains).map(toU)
        /// The cheap knob nearest `u` within `reach` and strictly between `lo` and `hi`; else `u`.
        func snap(_ u: Double, reach: Double, lo: Double, hi: Double) -> Double {
            cheapU.filter { c in abs(c - u) <= reach && c > lo && c < hi && !trials.contains { toU($0.knob) == c } }
                .min { abs($0 - u) < abs($1 - u) } ?? u
        }
        func test(_ u: Double) throws -> Bool {
            let p = try passes(fromU(u))
            trials.append((fromU(u), p))
            return p
        }
        let s = max(slope, 1e-3)
        let resolution = log(1 + sizeResolution) / s
        var step = log(1.5) / s                   // about 1.5× the size
        var u = min(max(toU(start), uLo), uHi)
        var pass: Double?, fail: Double?
        if try test(u) { pass = u } else { fail = u }
        // Bracket, doubling the step.
        while pass == nil || fail == nil, trials.count < maxTrials {
            if pass == nil {
                if u >= uHi { break }
                let next = min(u + step, uHi)
                u = snap(next, reach: step / 3, lo: u, hi: uHi + 1e-12)
                if try test(u) { pass = u } else { fail = u }
            } else {
                if u <= uLo { break }
                let next = max(u - step, uLo)
                u = snap(next, reach: step / 3, lo: uLo - 1e-12, hi: u)
                if try test(u) { pass = u } else { fail = u }
            }
            step *= 2
        }
        guard var p = pass else { return SafeResult(knob: nil, trials: trials) }
        guard var q = fail else { return SafeResult(knob: fromU(p), trials: trials) }
        while p - q > resolution, trials.count < maxTrials {
            let m = snap((p + q) / 2, reach: (p - q) / 4, lo: q, hi: p)
            if try test(m) { p = m } else { q = m }
        }
        return SafeResult(knob: fromU(p), trials: trials)
    }
}
