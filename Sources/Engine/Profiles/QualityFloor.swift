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
    /// Minimum share of the source's film grain kept in the worst 64×64 tile with
    /// measurable grain (`Metrics.GrainReference`), e.g. 0.7. Ignored on frames whose
    /// source carries no measurable grain.
    public var grainRetention: Double?
    /// Highest CAMBI banding index the decoded frame may have (`Metrics.CAMBI`, 0 = no
    /// banding); a source that already has more only may not get worse than it was.
    public var banding: Double? = nil
    /// Highest rise of the CAMBI index over the source's.
    public var bandingRise: Double? = nil
    /// Lowest SSIMULACRA 2 score (of the display rendering), when asked for.
    public var ssimulacra2: Double? = nil

    /// Floors from their parts; nil leaves a floor unset.
    public init(requiresIdentical: Bool = false, ssim: Double? = nil, psnr: Double? = nil,
                tileSSIM: Double? = nil, grainRetention: Double? = nil, banding: Double? = nil,
                bandingRise: Double? = nil, ssimulacra2: Double? = nil) {
        self.requiresIdentical = requiresIdentical
        self.ssim = ssim
        self.psnr = psnr
        self.tileSSIM = tileSSIM
        self.grainRetention = grainRetention
        self.banding = banding
        self.bandingRise = bandingRise
        self.ssimulacra2 = ssimulacra2
    }

    /// True when a candidate's banding must be measured for these floors.
    public var needsBanding: Bool { !requiresIdentical && (banding != nil || bandingRise != nil) }

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
        if let banding, let got = m.banding, got > max(banding, m.bandingSource ?? 0) {
            out.append("banding (CAMBI) \(fmt(got, 2)) > \(fmt(max(banding, m.bandingSource ?? 0), 2))")
        }
        if let bandingRise, let rise = m.bandingRise, rise > bandingRise {
            out.append("banding rise (CAMBI) \(fmt(rise, 2)) > \(fmt(bandingRise, 2))")
        }
        if let ssimulacra2, let got = m.ssimulacra2, got < ssimulacra2 {
            out.append("SSIMULACRA 2 \(fmt(got, 2)) < \(fmt(ssimulacra2, 2))")
        }
        return out
    }

    /// True when `measurement` meets every floor.
    public func passes(_ m: QualityMeasurement) -> Bool { failures(m).isEmpty }

    /// How far `measurement` is above (positive) or below (negative) its most binding
    /// floor, every floor in one unit: the natural log of the distortion the floor
    /// allows over the distortion measured. For SSIM and the tile floor the distortion
    /// is 1 − SSIM; for PSNR it is the MSE, so a margin of Δ dB reads Δ·ln10/10; for
    /// grain retention, the ratio retained over the floor; for banding, the index
    /// allowed over the index measured. Distortion falls about
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
        // Banding: the index allowed over the index measured, each counted from a
        // quarter (CAMBI reads 0 without banding, where the ratio would mean nothing).
        if let banding, let got = m.banding {
            worst = min(worst, log((max(banding, m.bandingSource ?? 0) + 0.25) / (got + 0.25)))
        }
        if let bandingRise, let rise = m.bandingRise {
            worst = min(worst, log((bandingRise + 0.25) / (max(0, rise) + 0.25)))
        }
        // SSIMULACRA 2 runs to 100 for identical frames: the distortion is 100 − score.
        if let ssimulacra2, let got = m.ssimulacra2 { worst = min(worst, logRatio(100 - ssimulacra2, 100 - got)) }
        return worst.isFinite ? min(worst, Self.identicalMargin) : Self.identicalMargin
    }

    /// The margin of identical samples (and the cap of every margin): distortion a
    /// million times below what the floor allows.
    static let identicalMargin = log(1e6)

    private func fmt(_ v: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", v) }
}
