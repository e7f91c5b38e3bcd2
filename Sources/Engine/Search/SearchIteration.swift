import Foundation

/// One encode → decode → measure step of the search, as recorded in the seal and the
/// catalog.
public struct SearchIteration: Sendable, Codable, Equatable {
    /// The codec's quality parameter tried.
    public var parameter: Double
    /// Payload size in bytes.
    public var bytes: Int
    /// Frame SSIM measured on the decoded payload.
    public var ssim: Double
    /// PSNR in dB; nil when identical.
    public var psnr: Double?
    /// Lowest 64×64-tile SSIM.
    public var tileFloor: Double
    /// Decoded / source grain sigma, when measured.
    public var grainRetention: Double?
    /// True when every floor was met.
    public var pass: Bool
    /// True for a lossless encode (then `parameter` is 0 and means nothing).
    public var lossless: Bool

    /// An iteration from its parts.
    public init(parameter: Double, bytes: Int, ssim: Double, psnr: Double?, tileFloor: Double,
                grainRetention: Double?, pass: Bool, lossless: Bool = false) {
        self.parameter = parameter
        self.bytes = bytes
        self.ssim = ssim
        self.psnr = psnr
        self.tileFloor = tileFloor
        self.grainRetention = grainRetention
        self.pass = pass
        self.lossless = lossless
    }
}
