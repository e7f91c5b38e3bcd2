import Foundation

/// A compression profile (DESIGN.md §4): how much loss a frame may take.
public enum Profile: String, Sendable, Codable, CaseIterable {
    /// Decoded samples identical; the original file restorable byte for byte.
    case lossless
    /// Visually lossless: SSIM ≥ 0.99, PSNR ≥ 42 dB, tile floor ≥ 0.97, grain kept ≥ 0.9.
    case c0 = "C0"
    /// Minimal loss: SSIM ≥ 0.95, PSNR ≥ 39 dB, tile floor ≥ 0.90, grain kept ≥ 0.7.
    case c1 = "C1"
    /// Aggressive: SSIM ≥ 0.90, PSNR ≥ 33 dB, tile floor ≥ 0.80, grain kept ≥ 0.4.
    case c2 = "C2"

    /// The profile named `name`, case-insensitively (`c1` is `C1`).
    public init?(name: String) {
        guard let p = Profile.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else { return nil }
        self = p
    }

    /// True for the lossless profile.
    public var isLossless: Bool { self == .lossless }

    /// The profile's floors before any override.
    public var floor: QualityFloor {
        switch self {
        case .lossless: QualityFloor(requiresIdentical: true)
        case .c0: QualityFloor(ssim: 0.99, psnr: 42, tileSSIM: 0.97, grainRetention: 0.9, banding: 3, bandingRise: 1)
        case .c1: QualityFloor(ssim: 0.95, psnr: 39, tileSSIM: 0.90, grainRetention: 0.7, banding: 6, bandingRise: 2)
        case .c2: QualityFloor(ssim: 0.90, psnr: 33, tileSSIM: 0.80, grainRetention: 0.4)
        }
    }

    /// The profile's floors with the given overrides applied (nil keeps the profile's;
    /// 0 turns a grain, banding or SSIMULACRA 2 floor off).
    /// Overrides on the lossless profile are ignored: nothing is looser than identical.
    public func floor(ssim: Double? = nil, psnr: Double? = nil, tileSSIM: Double? = nil,
                      grainRetention: Double? = nil, banding: Double? = nil, bandingRise: Double? = nil,
                      ssimulacra2: Double? = nil) -> QualityFloor {
        var f = floor
        guard !isLossless else { return f }
        if let ssim { f.ssim = ssim }
        if let psnr { f.psnr = psnr }
        if let tileSSIM { f.tileSSIM = tileSSIM }
        if let grainRetention { f.grainRetention = grainRetention > 0 ? grainRetention : nil }
        if let banding { f.banding = banding > 0 ? banding : nil }
        if let bandingRise { f.bandingRise = bandingRise > 0 ? bandingRise : nil }
        if let ssimulacra2 { f.ssimulacra2 = ssimulacra2 > 0 ? ssimulacra2 : nil }
        return f
    }
}
