import Foundation

/// The search's three phases (`QualitySearch`'s notes, steps 0-2). Each returns why
/// the search stopped, or nil to hand on to the next phase.
extension SearchState {
    /// 0. Predicted boundary (a warm start or prior with slopes): evaluate just above
    /// where the previous frame's boundary lies, moved by this frame's measured margin,
    /// then take secant steps along the margin slope, at most five. Stops when the
    /// passing candidate is within the size tolerance of a measured failing neighbour
    /// (evidence), or when the slope model predicts the remaining saving to the
    /// boundary is under the tolerance (a prediction from measured slopes).
    mutating func predict(_ evaluate: Evaluate) rethrows -> QualitySearch.StopReason? {
        guard let known, var marginSlope = known.marginSlope, var sizeSlope = known.logSizeSlope else { return nil }
        let tolerance = search.sizeTolerance
        let safety = 0.5 * log(1 + tolerance) / sizeSlope
        // A warm start aims just above the previous boundary; a prior is only a place
        // to take the first measurement from.
        var next = clamp(known.parameter + (warm != nil ? safety : 0))
        var steps = 0, failuresInARow = 0
        while budgetLeft, steps < 5 {
            steps += 1
            failuresInARow = try eval(next, evaluate) ? 0 : failuresInARow + 1
            let (ms, ls) = slopes()
            if let ms { marginSlope = ms }
            if let ls { sizeSlope = ls }
            let margin = marginSlope, sizeRate = sizeSlope
            if let s = passing {
                if let f = failing, withinTolerance(s.bytes, of: Double(f.bytes)) {
                    return .withinToleranceOfFailing(tolerance: tolerance)
                }
                if s.p <= lo { return .lowestSettingPasses }
                let room = min(s.margin / margin, s.p - (failing?.p ?? lo))
                if withinTolerance(s.bytes, of: Double(s.bytes) * exp(-room * sizeRate)) {
                    return .predictedWithinTolerance(tolerance: tolerance)
                }
                let predicted = s.p - s.margin / margin + safety
                if let f = failing, predicted <= f.p + 0.1 * (s.p - f.p) {
                    // The slopes put the boundary at or below a setting that failed:
                    // the margin is far from linear across this bracket (it bends near
                    // lossless). Stepping a tenth of the bracket at a time from the
                    // failing end would creep; the bracketed interpolation does not.
                    break
                }
                next = max(failing.map { $0.p + 0.1 * (s.p - $0.p) } ?? lo, predicted)
                if next >= s.p { next = s.p - 0.5 * (s.p - (failing?.p ?? lo)) }
            } else if let f = failing {
                if f.p >= hi { break }
                // Aim further above the predicted boundary after each failure in a row
                // (far below the boundary the margin changes less than linearly).
                let overshoot = safety * pow(2, Double(max(0, failuresInARow - 1)))
                next = min(hi, f.p - f.margin / margin + overshoot)
                if next <= f.p { next = min(hi, f.p + 2 * overshoot) }
            }
            next = clamp(next)
            if cache[next] != nil { break }
        }
        return nil
    }

    /// 1. Bracket: from the warm start, a default or what phase 0 measured, step
    /// outward, doubling the step, until a failing setting lies below a passing one.
    mutating func bracket(_ evaluate: Evaluate) rethrows -> QualitySearch.StopReason? {
        let width = hi - lo
        var step: Double
        var p: Double
        if let s = passing {
            p = s.p; step = 0.02 * width
        } else if let f = failing {
            p = f.p; step = 0.02 * width
        } else {
            p = clamp(warm?.parameter ?? search.defaultStart ?? (lo + 0.6 * width))
            step = (warm != nil ? 0.01 : 0.15) * width
            _ = try eval(p, evaluate)
        }
        if passing != nil {
            while failing == nil, budgetLeft {
                guard let s = passing else { break }
                if s.p <= lo { return .lowestSettingPasses }
                p = clamp(s.p - step); step *= 2
                _ = try eval(p, evaluate)
            }
        } else {
            while passing == nil, budgetLeft {
                if let f = failing { p = f.p }
                if p >= hi {
                    return .noLossySettingPasses(failures: cache[hi].map { search.floor.failures($0) } ?? [])
                }
                p = clamp(p + step); step *= 2
                _ = try eval(p, evaluate)
            }
        }
        return passing == nil ? .iterationCapBeforeAnyPass : nil
    }

    /// 2. Interpolate inside the bracket: Illinois regula falsi on the margin (when the
    /// same end has been kept twice running, its margin is halved so the interpolation
    /// cannot stall on one side), safeguarded so every step shrinks the bracket by at
    /// least a tenth.
    mutating func interpolate(_ evaluate: Evaluate) rethrows -> QualitySearch.StopReason {
        var keptFailing = 0, keptPassing = 0
        var failingScale = 1.0, passingScale = 1.0
        while let f = failing, let s = passing {
            if withinTolerance(s.bytes, of: Double(f.bytes)) {
                return .withinToleranceOfSmallest(tolerance: search.sizeTolerance)
            }
            if s.p - f.p <= search.parameterResolution { return .resolutionReached }
            guard budgetLeft else { return .iterationCap }
            let fm = f.margin * failingScale, sm = s.margin * passingScale
            var next = (sm - fm) > 1e-12 ? f.p + (s.p - f.p) * (0 - fm) / (sm - fm) : (f.p + s.p) / 2
            let guardBand = 0.1 * (s.p - f.p)
            next = min(s.p - guardBand, max(f.p + guardBand, next))
            if try eval(next, evaluate) {
                keptFailing += 1; keptPassing = 0; passingScale = 1
                failingScale = keptFailing >= 2 ? failingScale / 2 : 1
            } else {
                keptPassing += 1; keptFailing = 0; failingScale = 1
                passingScale = keptPassing >= 2 ? passingScale / 2 : 1
            }
        }
        return best != nil ? .iterationCapWhileBracketing : .noSettingPassed
    }
}
