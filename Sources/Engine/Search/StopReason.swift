import Foundation

extension QualitySearch {
    /// Why a search stopped. The text (`description`) is what a seal's
    /// `searchStopReason` records; the cases say which evidence a stop rests on.
    public enum StopReason: Sendable, Equatable, CustomStringConvertible {
        /// The passing setting's file is within `tolerance` of a setting measured to fail
        /// (found while following the slopes).
        case withinToleranceOfFailing(tolerance: Double)
        /// The passing setting's file is within `tolerance` of the failing end of the
        /// bracket: no passing setting can be smaller than that end.
        case withinToleranceOfSmallest(tolerance: Double)
        /// The slopes (measured on this frame or the one before) predict that the
        /// boundary's file is within `tolerance` of the passing one.
        case predictedWithinTolerance(tolerance: Double)
        /// The lowest setting of the range passes.
        case lowestSettingPasses
        /// The highest setting fails: the frame must be stored losslessly. `failures`
        /// are the floors it missed there (empty when it was not measured).
        case noLossySettingPasses(failures: [String])
        /// The passing and failing ends are closer than the search's resolution.
        case resolutionReached
        /// The evaluation budget ran out inside a bracket.
        case iterationCap
        /// The budget ran out before any setting passed.
        case iterationCapBeforeAnyPass
        /// The budget ran out while bracketing, with a passing setting kept.
        case iterationCapWhileBracketing
        /// Nothing passed.
        case noSettingPassed
        /// The frame is smaller than the SSIM window: no lossy setting can be measured,
        /// so none is tried and the frame is stored losslessly.
        case frameTooSmallToMeasure(width: Int, height: Int, window: Int)
        /// The codec could not decode what it encoded at `parameter` (a library defect:
        /// OpenJPH 0.9 writes such code-blocks on some 16-bit frames): no lossy file of
        /// this codec can be proven, so the frame is stored losslessly.
        case undecodableCandidate(parameter: Double, error: String)

        public var description: String {
            switch self {
            case .withinToleranceOfFailing(let t): "within \(Self.text(t)) of a failing setting's size"
            case .withinToleranceOfSmallest(let t): "within \(Self.text(t)) of the smallest possible size"
            case .predictedWithinTolerance(let t): "predicted within \(Self.text(t)) of the smallest possible size (measured slopes)"
            case .lowestSettingPasses: "the lowest setting meets the floors"
            case .noLossySettingPasses(let failures):
                "no lossy setting meets the floors (at the highest setting: \(failures.joined(separator: ", ")))"
            case .resolutionReached: "parameter resolution reached"
            case .iterationCap: "iteration cap reached"
            case .iterationCapBeforeAnyPass: "iteration cap reached before any setting met the floors"
            case .iterationCapWhileBracketing: "iteration cap reached while bracketing"
            case .noSettingPassed: "no setting met the floors"
            case .frameTooSmallToMeasure(let w, let h, let window):
                "frame is \(w)×\(h), smaller than the \(window)×\(window) SSIM window: no lossy setting can be measured, stored losslessly"
            case .undecodableCandidate(let p, let error):
                "the codec could not decode its own file at setting \(String(format: "%.3f", p)) (\(error)): stored losslessly"
            }
        }

        /// A size tolerance as a percentage: "2 %", or "2.5 %" when not whole.
        private static func text(_ tolerance: Double) -> String {
            let percent = tolerance * 100
            return abs(percent - percent.rounded()) < 1e-9 ? "\(Int(percent.rounded())) %" : String(format: "%.1f %%", percent)
        }
    }
}
