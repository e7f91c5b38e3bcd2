import Foundation

/// The floors one frame must meet (DESIGN.md §4). A lossy candidate passes when
/// every floor that is set is met; the lossless floor passes only identical samples.
public struct QualityFloor: Sendable, Codable, Equatable {
    /// True for the lossless profile: decoded samples must equal the source's.
    public var requiresIdentical: Bool
    /// Minimum frame SSIM (mean of channels), 0…1.
    public var ssim: Double?
    /// Minimum PSNR in dB (identical samples always pass).
    public var psnr: Double?
    /// Minimum 64×64-tile SSIM.
    public var tileSSIM: Double?
    /// Minimum grain retention (decoded noise sigma / source noise sigma), e.g. 0.8.
    /// Ignored on frames whose source carries no measurable grain.
    public var grainRetention: Double?

    /// Floors from their parts; nil leaves a floor unset.
    public init(requiresIdentical: Bool = false, ssim: Double? = nil, psnr: Double? = nil,
                tileSSIM: Double? = nil, grainRetention: Double? = nil) {
        self.requiresIdentical = requiresIdentical
        self.ssim = ssim
        self.psnr = psnr
        self.tileSSIM = tileSSIM
        self.grainRetention = grainRetention
    }

    /// The floors `measurement` misses, each as one readable line; empty when it passes.
    public func failures(_ m: QualityMeasurement) -> [String] {
        if requiresIdentical {
            return m.identical ? [] : ["decoded samples differ from the source (max error \(m.maxError))"]
        }
        if m.identical { return [] }
        var out: [String] = []
        if let ssim, m.ssim < ssim { out.append("SSIM \(fmt(m.ssim)) < \(fmt(ssim))") }
        if let psnr, let got = m.psnr, got < psnr { out.append("PSNR \(fmt(got, 2)) dB < \(fmt(psnr, 2)) dB") }
        if let tileSSIM, m.tileFloor < tileSSIM { out.append("tile SSIM \(fmt(m.tileFloor)) < \(fmt(tileSSIM))") }
        if let grainRetention, let got = m.grainRetention, got < grainRetention {
            out.append("grain retention \(fmt(got, 3)) < \(fmt(grainRetention, 3))")
        }
        return out
    }

    /// True when `measurement` meets every floor.
    public func passes(_ m: QualityMeasurement) -> Bool { failures(m).isEmpty }

    /// How far `measurement` is above (positive) or below (negative) its most binding
    /// floor, every floor in one unit: the natural log of the distortion the floor
    /// allows over the distortion measured. For SSIM and the tile floor the distortion
    /// is 1 − SSIM; for PSNR it is the MSE, so a margin of Δ dB reads Δ·ln10/10; for
    /// grain retention, the ratio retained over the floor. Distortion falls about
    /// exponentially as a codec's quality knob rises (the MSE of a quantiser goes with
    /// its step squared), so this margin is close to linear in the knob, which is what
    /// the search interpolates to find where it crosses zero.
    public func margin(_ m: QualityMeasurement) -> Double {
        if m.identical { return Self.identicalMargin }
        if requiresIdentical { return -Self.identicalMargin }
        func logRatio(_ allowed: Double, _ measured: Double) -> Double {
            log(max(allowed, 1e-12) / max(measured, 1e-12))
        }
        var worst = Double.infinity
        if let ssim { worst = min(worst, logRatio(1 - ssim, 1 - m.ssim)) }
        if let tileSSIM { worst = min(worst, logRatio(1 - tileSSIM, 1 - m.tileFloor)) }
        if let psnr, let got = m.psnr { worst = min(worst, (got - psnr) * log(10) / 10) }
        if let grainRetention, let got = m.grainRetention { worst = min(worst, logRatio(got, grainRetention)) }
        return worst.isFinite ? min(worst, Self.identicalMargin) : Self.identicalMargin
    }

    /// The margin of identical samples (and the cap of every margin): distortion a
    /// million times below what the floor allows.
    static let identicalMargin = log(1e6)

    private func fmt(_ v: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", v) }
}
