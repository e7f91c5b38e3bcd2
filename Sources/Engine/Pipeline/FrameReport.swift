import Codecs
import Foundation
import ImageCore

/// The outcome of one frame in a run, as printed by `compress --json` (DESIGN.md §5)
/// and kept in the catalog. Keys are stable; a key without a value is written as
/// `null` (so `psnr` is `null` for identical samples).
public struct FrameReport: Sendable, Codable, Equatable {
    /// What became of the frame.
    public enum Status: String, Sendable, Codable {
        /// Compressed and verified in this run.
        case done
        /// Already done by an earlier run and verified unchanged (`--resume`).
        case kept
        /// Could not be compressed; `error` says why.
        case failed
    }

    /// The source file's path as given.
    public var source: String
    /// The output file, relative to OUT (`frames/<stem>.<ext>`).
    public var output: String?
    public var sourceBytes: Int?
    public var outputBytes: Int?
    /// Metrics on the decoded bytes written.
    public var ssim: Double?
    public var tileFloor: Double?
    /// PSNR in dB; null when identical.
    public var psnr: Double?
    public var identical: Bool?
    public var maxError: Int?
    public var grainRetention: Double?
    /// CAMBI banding index of the decoded bytes and of the source (`Metrics.CAMBI`).
    public var banding: Double?
    public var bandingSource: Double?
    /// SSIMULACRA 2 of the decoded bytes' display rendering, when it was a floor.
    public var ssimulacra2: Double?
    /// Search evaluations made (lossless encodes included).
    public var iterations: Int
    public var status: Status
    /// How the kept file was encoded.
    public enum Mode: String, Sendable, Codable {
        case lossless, lossy
    }

    /// The codec, the mode, and the quality parameter kept.
    public var codec: CodecID?
    public var mode: Mode?
    public var parameter: Double?
    public var fellBackToLossless: Bool
    public var monochromeStored: Bool
    public var outputSHA256: String?
    public var decodedSHA256: String?
    /// Wall time spent on the frame, in seconds.
    public var seconds: Double?
    /// Why the frame failed.
    public var error: String?

    /// A report with only the source and status set.
    public init(source: String, status: Status) {
        self.source = source
        self.status = status
        self.iterations = 0
        self.fellBackToLossless = false
        self.monochromeStored = false
    }

    /// Sets the metrics from a measurement of the decoded bytes written.
    mutating func record(_ m: QualityMeasurement) {
        ssim = m.ssim
        tileFloor = m.tileFloor
        psnr = m.psnr
        identical = m.identical
        maxError = m.maxError
        grainRetention = m.grainRetention
        banding = m.banding
        bandingSource = m.bandingSource
        ssimulacra2 = m.ssimulacra2
    }

    /// Source bytes / output bytes, when both are known.
    public var ratio: Double? {
        guard let s = sourceBytes, let o = outputBytes, o > 0 else { return nil }
        return Double(s) / Double(o)
    }

    private enum CodingKeys: String, CodingKey {
        case source, output, sourceBytes, outputBytes, ssim, tileFloor, psnr, identical, maxError, grainRetention, banding, bandingSource, ssimulacra2,
             iterations, status, codec, mode, parameter, fellBackToLossless, monochromeStored, outputSHA256,
             decodedSHA256, seconds, error, ratio
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decode(String.self, forKey: .source)
        output = try c.decodeIfPresent(String.self, forKey: .output)
        sourceBytes = try c.decodeIfPresent(Int.self, forKey: .sourceBytes)
        outputBytes = try c.decodeIfPresent(Int.self, forKey: .outputBytes)
        ssim = try c.decodeIfPresent(Double.self, forKey: .ssim)
        tileFloor = try c.decodeIfPresent(Double.self, forKey: .tileFloor)
        psnr = try c.decodeIfPresent(Double.self, forKey: .psnr)
        identical = try c.decodeIfPresent(Bool.self, forKey: .identical)
        maxError = try c.decodeIfPresent(Int.self, forKey: .maxError)
        grainRetention = try c.decodeIfPresent(Double.self, forKey: .grainRetention)
        banding = try c.decodeIfPresent(Double.self, forKey: .banding)
        bandingSource = try c.decodeIfPresent(Double.self, forKey: .bandingSource)
        ssimulacra2 = try c.decodeIfPresent(Double.self, forKey: .ssimulacra2)
        iterations = try c.decodeIfPresent(Int.self, forKey: .iterations) ?? 0
        status = try c.decode(Status.self, forKey: .status)
        codec = try c.decodeIfPresent(CodecID.self, forKey: .codec)
        mode = try c.decodeIfPresent(Mode.self, forKey: .mode)
        parameter = try c.decodeIfPresent(Double.self, forKey: .parameter)
        fellBackToLossless = try c.decodeIfPresent(Bool.self, forKey: .fellBackToLossless) ?? false
        monochromeStored = try c.decodeIfPresent(Bool.self, forKey: .monochromeStored) ?? false
        outputSHA256 = try c.decodeIfPresent(String.self, forKey: .outputSHA256)
        decodedSHA256 = try c.decodeIfPresent(String.self, forKey: .decodedSHA256)
        seconds = try c.decodeIfPresent(Double.self, forKey: .seconds)
        error = try c.decodeIfPresent(String.self, forKey: .error)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(source, forKey: .source)
        try c.encode(output, forKey: .output)
        try c.encode(sourceBytes, forKey: .sourceBytes)
        try c.encode(outputBytes, forKey: .outputBytes)
        try c.encode(ssim, forKey: .ssim)
        try c.encode(tileFloor, forKey: .tileFloor)
        try c.encode(psnr, forKey: .psnr)
        try c.encode(identical, forKey: .identical)
        try c.encode(maxError, forKey: .maxError)
        try c.encode(grainRetention, forKey: .grainRetention)
        try c.encode(banding, forKey: .banding)
        try c.encode(bandingSource, forKey: .bandingSource)
        try c.encode(ssimulacra2, forKey: .ssimulacra2)
        try c.encode(iterations, forKey: .iterations)
        try c.encode(status, forKey: .status)
        try c.encode(codec, forKey: .codec)
        try c.encode(mode, forKey: .mode)
        try c.encode(parameter, forKey: .parameter)
        try c.encode(fellBackToLossless, forKey: .fellBackToLossless)
        try c.encode(monochromeStored, forKey: .monochromeStored)
        try c.encode(outputSHA256, forKey: .outputSHA256)
        try c.encode(decodedSHA256, forKey: .decodedSHA256)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(error, forKey: .error)
        try c.encode(ratio, forKey: .ratio)
    }
}

/// What was read from a source file, for the catalog.
public struct FrameSourceInfo: Sendable, Codable, Equatable {
    public var sourceBytes: Int
    public var sourceSHA256: String
    public var format: String
    public var width: Int
    public var height: Int
    public var channels: Int
    public var bitDepth: Int
    public var metadata: FrameMetadata
}

/// Totals over a run (DESIGN.md §5 `summary`).
public struct RunSummary: Sendable, Codable, Equatable {
    /// Frames in the run (done, kept and failed).
    public var frameCount: Int
    public var failed: Int
    /// Frames kept from an earlier run (`--resume`).
    public var kept: Int
    /// Bytes of the sources and outputs of the frames written (failed frames excluded).
    public var sourceBytes: Int
    public var outputBytes: Int
    /// sourceBytes / outputBytes (0 when nothing was written).
    public var ratio: Double
    /// 1 − outputBytes / sourceBytes.
    public var storageReduction: Double
    public var ssimMin: Double?
    public var ssimMean: Double?
    public var psnrMin: Double?
    public var psnrMean: Double?
    public var tileFloorMin: Double?
    public var tileFloorMean: Double?
    /// Grain retention (decoded grain over the source's) over the frames that carry
    /// measurable grain; nil when none does.
    public var grainRetentionMin: Double?
    public var grainRetentionMean: Double?
    /// The highest CAMBI banding index of an output, and the largest rise over its
    /// source's; nil when banding was not measured.
    public var bandingMax: Double?
    public var bandingRiseMax: Double?
    /// Frames stored losslessly because no lossy setting met the floors.
    public var losslessFallbacks: Int
    /// Search evaluations in all, and per frame done.
    public var iterations: Int
    public var meanIterations: Double
    /// Wall time of the run, in seconds.
    public var seconds: Double

    /// Totals over `reports`, `seconds` of wall time.
    public init(reports: [FrameReport], seconds: Double) {
        let ok = reports.filter { $0.status != .failed }
        frameCount = reports.count
        failed = reports.count - ok.count
        kept = reports.filter { $0.status == .kept }.count
        sourceBytes = ok.reduce(0) { $0 + ($1.sourceBytes ?? 0) }
        outputBytes = ok.reduce(0) { $0 + ($1.outputBytes ?? 0) }
        ratio = outputBytes > 0 ? Double(sourceBytes) / Double(outputBytes) : 0
        storageReduction = sourceBytes > 0 ? 1 - Double(outputBytes) / Double(sourceBytes) : 0
        let ssims = ok.compactMap(\.ssim), tiles = ok.compactMap(\.tileFloor), psnrs = ok.compactMap(\.psnr)
        ssimMin = ssims.min(); ssimMean = ssims.isEmpty ? nil : ssims.reduce(0, +) / Double(ssims.count)
        tileFloorMin = tiles.min(); tileFloorMean = tiles.isEmpty ? nil : tiles.reduce(0, +) / Double(tiles.count)
        psnrMin = psnrs.min(); psnrMean = psnrs.isEmpty ? nil : psnrs.reduce(0, +) / Double(psnrs.count)
        let grains = ok.compactMap(\.grainRetention)
        grainRetentionMin = grains.min()
        grainRetentionMean = grains.isEmpty ? nil : grains.reduce(0, +) / Double(grains.count)
        bandingMax = ok.compactMap(\.banding).max()
        bandingRiseMax = ok.compactMap { f in f.banding.flatMap { b in f.bandingSource.map { b - $0 } } }.max()
        losslessFallbacks = ok.filter(\.fellBackToLossless).count
        iterations = ok.reduce(0) { $0 + $1.iterations }
        meanIterations = ok.isEmpty ? 0 : Double(iterations) / Double(ok.count)
        self.seconds = seconds
    }
}
