import Foundation

/// Everything `compare` found, as `compare.json` holds it (camelCase keys).
public struct CompareReport: Sendable, Codable {
    /// `reelpack` and its version.
    public var tool: String
    public var profile: String
    public var floors: QualityFloor
    /// The frames compared (source file names), in reel order.
    public var frames: [String]
    /// The first frame's geometry.
    public var width: Int
    public var height: Int
    public var channels: Int
    public var bitDepth: Int
    /// Bytes of the source files compared.
    public var sourceBytes: Int
    /// Reelpack's own run (its files, seals included), measured like every method.
    public var reelpack: MethodSummary
    /// Bytes of Reelpack's seals inside its files (counted in its size).
    public var reelpackSealBytes: Int
    /// Seconds the compress run took, when `compare` ran it.
    public var compressSeconds: Double?
    /// Reelpack's quality per frame.
    public var reelpackFrames: [FrameRow]
    /// The fixed methods compared.
    public var methods: [MethodResult]
    /// Methods left out, each with why.
    public var skipped: [SkippedMethod]
    /// Library and tool versions, by name.
    public var versions: [String: String]
    /// H.265's RGB → Y'CbCr → RGB conversion alone (no codec), when H.265 ran.
    public var colourRoundTrip: MethodSummary?
    /// The paper's Table 3: storage for this reel and a feature of `featureFrames` frames.
    public var storage: [StorageRow]
    public var featureFrames: Int
    /// Seconds the whole comparison took (the compress run included).
    public var seconds: Double
    public var notes: [String]
    /// Wall seconds of the work outside the methods: reading and analysing the sources,
    /// measuring Reelpack's files, H.265's colour round trip.
    public var stepSeconds: [String: Double]? = nil
}

/// One method at one setting over the reel: the paper's Table 1 row.
public struct MethodSummary: Sendable, Codable, Equatable {
    /// `reelpack`, `j2k`, `htj2k`, `h265`, `jxl` or `colour-round-trip`.
    public var method: String
    public var title: String
    /// The setting in the encoder's terms; nil for Reelpack (one per frame).
    public var setting: String?
    /// The setting as a number in the encoder's unit (rate %, step, CRF, distance).
    public var value: Double?
    /// Frames measured (a method's failed frames are left out).
    public var frames: Int
    public var bytes: Int
    public var sourceBytes: Int
    /// sourceBytes / bytes.
    public var ratio: Double
    public var ssimMean: Double
    public var ssimMin: Double
    /// Over frames that are not identical to their source; nil when all are.
    public var psnrMean: Double?
    public var psnrMin: Double?
    public var tileFloorMin: Double
    /// Over frames whose source has measurable grain; nil when none has.
    public var grainRetentionMean: Double?
    public var grainRetentionMin: Double?
    /// Where a banding measure is built; nil otherwise.
    public var bandingMax: Double?
    /// Frames missing at least one of the profile's floors, and their share.
    public var framesUnderFloors: Int
    public var shareUnderFloors: Double

    /// The summary of `qualities` (one per frame measured) at `bytes` in all.
    public init(method: String, title: String, setting: String?, value: Double?, qualities: [FrameQuality],
                bytes: Int, sourceBytes: Int, floor: QualityFloor) {
        self.method = method
        self.title = title
        self.setting = setting
        self.value = value
        frames = qualities.count
        self.bytes = bytes
        self.sourceBytes = sourceBytes
        ratio = bytes > 0 ? Double(sourceBytes) / Double(bytes) : 0
        func mean(_ v: [Double]) -> Double? { v.isEmpty ? nil : v.reduce(0, +) / Double(v.count) }
        ssimMean = mean(qualities.map(\.ssim)) ?? 0
        ssimMin = qualities.map(\.ssim).min() ?? 0
        let psnrs = qualities.compactMap(\.psnr)
        psnrMean = mean(psnrs)
        psnrMin = psnrs.min()
        tileFloorMin = qualities.map(\.tileFloor).min() ?? 0
        let grain = qualities.compactMap(\.grainRetention)
        grainRetentionMean = mean(grain)
        grainRetentionMin = grain.min()
        bandingMax = qualities.compactMap(\.banding).max()
        framesUnderFloors = qualities.filter { !floor.passes($0.measurement) }.count
        shareUnderFloors = qualities.isEmpty ? 0 : Double(framesUnderFloors) / Double(qualities.count)
    }
}

/// One frame's figures at one setting (along the reel).
public struct FrameRow: Sendable, Codable, Equatable {
    public var frame: String
    public var bytes: Int
    public var ssim: Double
    public var tileFloor: Double
    public var psnr: Double?
    public var grainRetention: Double?
    public var meetsFloors: Bool
}

/// One point of a method's rate-quality curve.
public struct CurvePoint: Sendable, Codable, Equatable {
    public var setting: String
    public var value: Double
    public var ratio: Double
    public var ssimMean: Double
    public var ssimMin: Double
    public var psnrMean: Double?
    public var grainRetentionMean: Double?
    public var shareUnderFloors: Double
}

/// A fixed method's results.
public struct MethodResult: Sendable, Codable {
    public var method: MethodID
    public var title: String
    /// At Reelpack's total size (within `tolerance`, see `matched`).
    public var equalSize: MethodSummary
    /// Reelpack's bytes over the same frames: the equal-size target.
    public var targetBytes: Int
    /// True when `equalSize.bytes` is within the tolerance of `targetBytes`.
    public var matched: Bool
    /// Why the size could not be matched, when it was not.
    public var matchNote: String?
    public var sizeTrials: [KnobSearch.SizeTrial]
    /// The loosest single setting meeting every floor on every frame; nil when none does.
    public var safe: MethodSummary?
    public var safeNote: String?
    /// Settings measured on every frame, by ratio (4-6 points).
    public var curve: [CurvePoint]
    /// Each frame at equal size.
    public var frames: [FrameRow]
    /// Frames this method could not encode or decode, with why.
    public var failures: [FrameFailure]
    /// Wall-clock seconds spent on this method (both searches and the curve).
    public var seconds: Double
    /// Where those seconds went.
    public var timing: MethodTiming?
}

/// Where a method's time went: by phase (wall clock), and by kind of work. Encoding is
/// wall clock over the reel; decoding and the metrics are summed over frames and workers,
/// so with several workers they can exceed the wall time.
public struct MethodTiming: Sendable, Codable, Equatable {
    /// The equal-size search with the full measurement at its setting.
    public var equalSizeSeconds: Double = 0
    /// The safe-setting search.
    public var safeSeconds: Double = 0
    public var safeTrials: Int = 0
    /// The curve's extra settings.
    public var curveSeconds: Double = 0
    /// Encoding, over every setting (wall clock).
    public var encodeSeconds: Double = 0
    /// Decoding and measuring (wall clock, encodes they waited for included).
    public var measureSeconds: Double = 0
    /// Decoding: summed over frames (for H.265, the time waited for ffmpeg's next frame).
    public var decodeSeconds: Double = 0
    /// The metrics on decoded frames, summed over frames.
    public var metricSeconds: Double = 0
    public var settingsEncoded: Int = 0
    public var framesEncoded: Int = 0
    public var framesMeasured: Int = 0

    public init() {}
}

public struct FrameFailure: Sendable, Codable, Equatable {
    public var frame: String
    public var message: String
}

public struct SkippedMethod: Sendable, Codable, Equatable {
    public var method: MethodID
    public var note: String
}

/// The paper's Table 3: what a reel and a feature take on storage.
public struct StorageRow: Sendable, Codable, Equatable {
    public var label: String
    public var bytes: Int
    /// bytes / frames × featureFrames, in terabytes (10^12 bytes).
    public var featureTB: Double
    /// The source's feature terabytes less `featureTB`.
    public var savedTB: Double
    public var reduction: Double
}

extension CompareReport {
    /// Pretty, key-sorted JSON (`compare.json`); infinities never occur (PSNR of
    /// identical frames is left out of the means).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// `compare.csv`: one row per method and setting (Table 1, the safe settings, the
    /// curves), then Table 3.
    public func csv() -> String {
        func n(_ v: Double?, _ f: String) -> String { v.map { String(format: f, $0) } ?? "" }
        var out = "table,method,setting,frames,bytes,ratio,ssim_mean,ssim_min,psnr_mean,psnr_min,tile_floor_min,grain_retention_mean,share_under_floors\n"
        func row(_ table: String, _ s: MethodSummary) {
            let cells = [table, s.method, s.setting ?? "per frame", String(s.frames), String(s.bytes), n(s.ratio, "%.4f"),
                         n(s.ssimMean, "%.6f"), n(s.ssimMin, "%.6f"), n(s.psnrMean, "%.4f"), n(s.psnrMin, "%.4f"),
                         n(s.tileFloorMin, "%.6f"), n(s.grainRetentionMean, "%.4f"), n(s.shareUnderFloors, "%.4f")]
            out += cells.map(ReportFiles.csvCell).joined(separator: ",") + "\n"
        }
        row("equal-size", reelpack)
        for m in methods { row("equal-size", m.equalSize) }
        for m in methods { if let s = m.safe { row("safe", s) } }
        if let rt = colourRoundTrip { row("colour-round-trip", rt) }
        for m in methods {
            for p in m.curve {
                let cells = ["curve", m.method.rawValue, p.setting, String(frames.count), "", n(p.ratio, "%.4f"),
                             n(p.ssimMean, "%.6f"), n(p.ssimMin, "%.6f"), n(p.psnrMean, "%.4f"), "", "",
                             n(p.grainRetentionMean, "%.4f"), n(p.shareUnderFloors, "%.4f")]
                out += cells.map(ReportFiles.csvCell).joined(separator: ",") + "\n"
            }
        }
        out += "\nstorage,label,bytes,feature_tb,saved_tb,reduction\n"
        for s in storage {
            out += ["storage", s.label, String(s.bytes), n(s.featureTB, "%.4f"), n(s.savedTB, "%.4f"), n(s.reduction, "%.4f")]
                .map(ReportFiles.csvCell).joined(separator: ",") + "\n"
        }
        return out
    }
}
