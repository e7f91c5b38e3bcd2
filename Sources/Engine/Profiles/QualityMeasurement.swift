import Foundation
import Metrics

/// What was measured on one decoded candidate against its source: the figures a
/// `QualityFloor` is checked against and the seal and catalog record.
///
/// The engine's own view of a metrics report (DESIGN.md §3), so the search and the
/// floors can be tested without a codec; `init(report:)` maps the Metrics module's
/// `QualityReport` onto it.
public struct QualityMeasurement: Sendable, Codable, Equatable {
    /// Frame SSIM: the mean of the per-channel SSIMs, 0…1.
    public var ssim: Double
    /// SSIM of each channel.
    public var ssimPerChannel: [Double]
    /// Lowest 64×64-tile mean of the SSIM map over all channels.
    public var tileFloor: Double
    /// PSNR in dB; nil when the decoded samples equal the source (infinite PSNR).
    public var psnr: Double?
    /// True when every decoded sample equals its source sample.
    public var identical: Bool
    /// Largest absolute sample difference, in code values.
    public var maxError: Int
    /// Mean squared error over every sample, in code values squared.
    public var mse: Double
    /// Decoded grain / source grain (noise sigma ratio, 1 = grain kept); nil when the
    /// source has too little grain for the ratio to mean anything, or it was not asked.
    public var grainRetention: Double?

    /// A measurement from its parts.
    public init(ssim: Double, ssimPerChannel: [Double], tileFloor: Double, psnr: Double?,
                identical: Bool, maxError: Int, mse: Double, grainRetention: Double? = nil) {
        self.ssim = ssim
        self.ssimPerChannel = ssimPerChannel
        self.tileFloor = tileFloor
        self.psnr = psnr
        self.identical = identical
        self.maxError = maxError
        self.mse = mse
        self.grainRetention = grainRetention
    }

    /// The measurement of an exact copy of a frame with `channels` channels.
    public static func identical(channels: Int) -> QualityMeasurement {
        QualityMeasurement(ssim: 1, ssimPerChannel: Array(repeating: 1, count: channels), tileFloor: 1,
                           psnr: nil, identical: true, maxError: 0, mse: 0, grainRetention: 1)
    }
}

extension QualityMeasurement {
    /// The engine's view of a metrics report (grain retention is added by the engine).
    public init(report: QualityReport) {
        self.init(ssim: report.ssim, ssimPerChannel: report.ssimPerChannel, tileFloor: report.tileFloor,
                  psnr: report.psnr, identical: report.identical, maxError: report.maxError, mse: report.mse)
    }
}
