import Foundation
import ImageCore
import Metrics

/// What `compare` measures on one decoded frame of any method against its source.
///
/// One type for every method (Reelpack's own files included), so a table compares like
/// with like.
public struct FrameQuality: Sendable, Codable, Equatable {
    /// Frame SSIM: the mean of the per-channel SSIMs (DESIGN.md §3).
    public var ssim: Double
    /// The lowest per-channel SSIM.
    public var ssimMinChannel: Double
    /// Lowest 64×64-tile mean of the SSIM map over all channels.
    public var tileFloor: Double
    /// Where the tile floor was found, in SSIM-map coordinates (image x = map x + 5).
    public var worstTile: TileLocation
    /// PSNR in dB; nil when the decoded samples equal the source.
    public var psnr: Double?
    /// True when every decoded sample equals its source sample.
    public var identical: Bool
    /// Largest absolute sample difference, in code values.
    public var maxError: Int
    /// The source's grain kept in the worst 64×64 tile (`Metrics.GrainReference`);
    /// nil when the source has no measurable grain.
    public var grainRetention: Double?
    /// CAMBI banding index of the decoded frame (`Metrics.CAMBI`).
    public var banding: Double?
    /// CAMBI of the source.
    public var bandingSource: Double? = nil

    public init(ssim: Double, ssimMinChannel: Double, tileFloor: Double, worstTile: TileLocation, psnr: Double?,
                identical: Bool, maxError: Int, grainRetention: Double?, banding: Double? = nil,
                bandingSource: Double? = nil) {
        self.ssim = ssim
        self.ssimMinChannel = ssimMinChannel
        self.tileFloor = tileFloor
        self.worstTile = worstTile
        self.psnr = psnr
        self.identical = identical
        self.maxError = maxError
        self.grainRetention = grainRetention
        self.banding = banding
        self.bandingSource = bandingSource
    }

    /// The engine's measurement, for checking a profile's floors.
    public var measurement: QualityMeasurement {
        var m = QualityMeasurement(ssim: ssim, ssimPerChannel: [ssim], tileFloor: tileFloor, psnr: psnr,
                                   identical: identical, maxError: maxError, mse: 0, grainRetention: grainRetention)
        m.banding = banding
        m.bandingSource = bandingSource
        return m
    }
}

/// What is measured once on a source frame and reused for every decoded frame of it:
/// its grain band (`GrainReference`) and its banding index.
public struct SourceAnalysis: Sendable {
    public var grain: GrainReference
    public var banding: Double

    public init(grain: GrainReference, banding: Double) {
        self.grain = grain
        self.banding = banding
    }
}

/// The one place `compare` measures a decoded frame, whatever made it.
public enum CompareMeasurement {
    /// The source's analysis for `measure`.
    public static func analyse(_ source: PixelBuffer) -> SourceAnalysis {
        SourceAnalysis(grain: GrainReference(source: source, threads: 1), banding: CAMBI.measure(source, threads: 1).score)
    }

    /// Measures `decoded` against `source` with Reelpack's metrics: SSIM, tile floor,
    /// PSNR (at the source's depth), grain retention (worst tile) and banding, as
    /// `compress` measures its candidates.
    /// - Throws: `MetricsError` when the geometry differs or the frame is under 11×11.
    public static func measure(source: PixelBuffer, decoded: PixelBuffer, sourceAnalysis: SourceAnalysis,
                               threads: Int = 1) throws -> FrameQuality {
        let report = try QualityMetrics.measure(reference: source, test: decoded, bitDepth: source.bitDepth,
                                                threads: threads)
        let grain = report.identical ? (sourceAnalysis.grain.hasMeasurableGrain ? 1.0 : nil)
            : try sourceAnalysis.grain.retention(decoded: decoded, threads: threads)?.worstTile
        let banding = report.identical ? sourceAnalysis.banding : CAMBI.measure(decoded, threads: threads).score
        return FrameQuality(ssim: report.ssim, ssimMinChannel: report.ssimPerChannel.min() ?? report.ssim,
                            tileFloor: report.tileFloor, worstTile: report.worstTile, psnr: report.psnr,
                            identical: report.identical, maxError: report.maxError,
                            grainRetention: grain, banding: banding, bandingSource: sourceAnalysis.banding)
    }
}
