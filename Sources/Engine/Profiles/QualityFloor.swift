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
    /// floor, each floor's margin scaled to a comparable unit: SSIM margins relative to
    /// the distance to 1, PSNR in tens of dB, grain retention as a ratio. The search
    /// interpolates this quantity to find where it crosses zero.
    public func margin(_ m: QualityMeasurement) -> Double {
        if m.identical { return 1 }
        if requiresIdentical { return -1 }
        var worst = Double.infinity
        if let ssim { worst = min(worst, (m.ssim - ssim) / max(1 - ssim, 1e-6)) }
        if let tileSSIM { worst = min(worst, (m.tileFloor - tileSSIM) / max(1 - tileSSIM, 1e-6)) }
        if let psnr, let got = m.psnr { worst = min(worst, (got - psnr) / 10) }
        if let grainRetention, let got = m.grainRetention { worst = min(worst, (got - grainRetention) / max(grainRetention, 1e-6)) }
        return worst.isFinite ? worst : 1
    }

    private func fmt(_ v: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", v) }
}
