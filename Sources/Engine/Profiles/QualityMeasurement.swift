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
    /// The source's film grain kept in the worst 64×64 tile with measurable grain
    /// (`Metrics.GrainReference`: 1 = kept, 0 = gone; noise the codec adds does not
    /// count); nil when the source has no measurable grain, or it was not measured.
    public var grainRetention: Double?
    /// The same over every tile with measurable grain.
    public var grainRetentionMean: Double? = nil
    /// CAMBI banding index of the decoded frame (`Metrics.CAMBI`); nil when not measured.
    public var banding: Double? = nil
    /// CAMBI of the source, measured with `banding`.
    public var bandingSource: Double? = nil
    /// SSIMULACRA 2 of the decoded frame's display rendering; nil when not asked for.
    public var ssimulacra2: Double? = nil

    /// How much the decoded frame's banding rose over the source's.
    public var bandingRise: Double? {
        guard let banding, let bandingSource else { return nil }
        return banding - bandingSource
    }

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
    /// Sets the grain figures from a retention measurement (nil clears them).
    public mutating func setGrain(_ retention: GrainRetention?) {
        grainRetention = retention?.worstTile
        grainRetentionMean = retention?.mean
    }

    /// The engine's view of a metrics report (grain retention is added by the engine).
    public init(report: QualityReport) {
        self.init(ssim: report.ssim, ssimPerChannel: report.ssimPerChannel, tileFloor: report.tileFloor,
                  psnr: report.psnr, identical: report.identical, maxError: report.maxError, mse: report.mse)
    }
}
