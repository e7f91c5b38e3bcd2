import Codecs
import Foundation
import Formats
import ImageCore
import Metrics

/// `reelpack measure`: a frame against its reference, every metric the floors use
/// (DESIGN.md §3). Either frame may be a source (DPX, TIFF) or a Reelpack output
/// (JP2, JPH, JXL, restored to its source's channels when its seal says it was stored
/// as one plane), so an output can be measured against its source directly.
///
/// JSON: the keys of `QualityReport` (`ssim`, `ssimPerChannel`, `tileFloor`,
/// `worstTile`, `psnr` (null when identical), `identical`, `maxError`, `mse`), then
/// `grainSigma`, `grainRetention` and `grainRetentionMean` (null without measurable
/// grain), `grainRetentionPerToneBand`, `banding`, `bandingReference`, `bandingRise`.
public struct FrameComparison: Sendable, Encodable {
    /// A tile of the SSIM map (valid-map coordinates, see `Metrics.TileLocation`).
    public struct Tile: Sendable, Codable, Equatable {
        public var x: Int, y: Int, width: Int, height: Int
    }

    public var ssim: Double
    public var ssimPerChannel: [Double]
    public var tileFloor: Double
    public var worstTile: Tile
    /// Nil when the frames are identical.
    public var psnr: Double?
    public var identical: Bool
    public var maxError: Int
    public var mse: Double
    /// The reference's bit depth (PSNR's peak is 2^bitDepth − 1).
    public var bitDepth: Int
    /// The reference's grain, in code values.
    public var grainSigma: Double
    /// Grain kept in the worst tile and over every tile with measurable grain; nil
    /// when the reference has none.
    public var grainRetention: Double?
    public var grainRetentionMean: Double?
    public var grainRetentionPerToneBand: [Double?]?
    /// Tiles the grain retention was measured on.
    public var grainTiles: Int?
    /// CAMBI banding index of the test frame and of the reference.
    public var banding: Double
    public var bandingReference: Double
    public var bandingRise: Double { banding - bandingReference }

    /// Measures the frame at `test` against the one at `reference`.
    /// - Throws: `FormatError`/`EngineError` naming the file that cannot be read,
    ///   `MetricsError` when the frames cannot be compared (size, channels, depth).
    public static func measure(reference: URL, test: URL, threads: Int? = nil) throws -> FrameComparison {
        let referencePixels = try FrameFiles.pixels(at: reference)
        let testPixels = try FrameFiles.pixels(at: test)
        let report = try QualityMetrics.measure(reference: referencePixels, test: testPixels, threads: threads)
        let grain = GrainReference(source: referencePixels, threads: threads)
        let retention = try grain.retention(decoded: testPixels, threads: threads)
        let t = report.worstTile
        return FrameComparison(
            ssim: report.ssim, ssimPerChannel: report.ssimPerChannel, tileFloor: report.tileFloor,
            worstTile: Tile(x: t.x, y: t.y, width: t.width, height: t.height), psnr: report.psnr,
            identical: report.identical, maxError: report.maxError, mse: report.mse, bitDepth: referencePixels.bitDepth,
            grainSigma: grain.estimate.sigma, grainRetention: retention?.worstTile, grainRetentionMean: retention?.mean,
            grainRetentionPerToneBand: retention?.perToneBand, grainTiles: retention?.measuredTiles,
            banding: CAMBI.measure(testPixels, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount).score,
            bandingReference: CAMBI.measure(referencePixels, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount).score)
    }

    private enum Keys: String, CodingKey {
        case ssim, ssimPerChannel, tileFloor, worstTile, psnr, identical, maxError, mse
        case grainSigma, grainRetention, grainRetentionMean, grainRetentionPerToneBand, banding, bandingReference, bandingRise
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(ssim, forKey: .ssim)
        try c.encode(ssimPerChannel, forKey: .ssimPerChannel)
        try c.encode(tileFloor, forKey: .tileFloor)
        try c.encode(worstTile, forKey: .worstTile)
        if let psnr { try c.encode(psnr, forKey: .psnr) } else { try c.encodeNil(forKey: .psnr) }
        try c.encode(identical, forKey: .identical)
        try c.encode(maxError, forKey: .maxError)
        try c.encode(mse, forKey: .mse)
        try c.encode(grainSigma, forKey: .grainSigma)
        try c.encode(grainRetention, forKey: .grainRetention)
        try c.encode(grainRetentionMean, forKey: .grainRetentionMean)
        try c.encode(grainRetentionPerToneBand, forKey: .grainRetentionPerToneBand)
        try c.encode(banding, forKey: .banding)
        try c.encode(bandingReference, forKey: .bandingReference)
        try c.encode(bandingRise, forKey: .bandingRise)
    }
}

/// Reads the samples of any frame file Reelpack reads or writes.
public enum FrameFiles {
    /// The samples of the frame at `url`: a DPX or TIFF source, or a JP2/JPH/JXL file
    /// (a Reelpack output is restored to its source's channels).
    /// - Throws: an error naming the file when it cannot be read or decoded.
    public static func pixels(at url: URL) throws -> PixelBuffer {
        let ext = url.pathExtension.lowercased()
        guard ["jp2", "j2k", "j2c", "jph", "jxl"].contains(ext) else {
            return try ImageFile.read(contentsOf: url).pixels
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw EngineError(.io, file: url.path, "cannot read: \(error.localizedDescription)", cause: error)
        }
        guard let id = OutputFolder.codecID(name: url.lastPathComponent, data: data) else {
            throw EngineError(.usage, file: url.path, "not a JPEG 2000, HTJ2K or JPEG XL file")
        }
        do {
            let frame = try CodecRegistry.codec(id).decode(data)
            if let sealBytes = frame.seal, let seal = try? Seal.decode(sealBytes), seal.monochromeStored {
                return try Monochrome.expand(frame.pixels, to: seal.channels)
            }
            return frame.pixels
        } catch let error as CodecError {
            throw EngineError(.io, file: url.path, "cannot decode: \(error)", cause: error)
        }
    }
}
