import Foundation

/// What analysis found in one frame (cheap: a fraction of one encode). Code values
/// are at the source's bit depth; fractions are 0…1.
public struct FrameFeatures: Sendable, Codable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    /// The bit depth the source declares.
    public var bitDepth: Int
    /// Significant bits actually carried: the bit length of the largest code, less the
    /// low bits that are zero in every sample (a 10-bit scan padded into 16 bits reads 10).
    public var bitsUsed: Int
    /// Smallest and largest code present (all colour channels).
    public var codeMin: Int
    public var codeMax: Int
    /// Number of distinct codes present.
    public var distinctCodes: Int
    /// Percentiles of the codes of all colour channels: 0.1 %, 1 %, 50 %, 99 %, 99.9 %.
    public var percentile0_1: Int
    public var percentile1: Int
    public var median: Int
    public var percentile99: Int
    public var percentile99_9: Int
    /// (99.9 % − 0.1 % percentile) / full scale: how much of the code range the frame spans.
    public var codeSpan: Double
    /// Mean code / full scale.
    public var meanLevel: Double
    /// Shares of samples in the lower, middle and upper third of the code range.
    public var shadows: Double
    public var midtones: Double
    public var highlights: Double
    /// Shares of samples clipped at code 0 and at full scale.
    public var clippedLow: Double
    public var clippedHigh: Double
    /// Mean colour saturation: mean of (max − min of R, G, B) / full scale; 0 for monochrome.
    public var saturation: Double
    /// True when every pixel has R = G = B (or the frame has one channel).
    public var monochrome: Bool
    /// Estimated grain/noise standard deviation in code values (mean of colour channels).
    public var noiseSigma: Double
    /// The same per colour channel.
    public var noiseSigmaPerChannel: [Double]
    /// Grain per colour channel and tone band (quarters of the code range, darkest
    /// first; `GrainEstimate.Channel.toneBands`), nil where a band has too few blocks;
    /// nil in features recorded before grain was measured per band.
    public var grainToneBands: [[Double?]]? = nil
    /// Share of pixels on an edge (gradient above 5 % of full scale).
    public var edgeDensity: Double
    /// Mean gradient magnitude / full scale: how busy the picture is.
    public var texture: Double
    /// Share of 16×16 blocks that are smooth but not clipped (mean |∂x| + |∂y| at most
    /// 0.6 % of full scale): gentle gradients, where banding shows first.
    public var smoothShare: Double
    /// Histogram distance to the previous frame, 0 (same) … 1 (disjoint); nil for a first
    /// frame (and for a frame analysed alone). Set by `ShotHistory.recordFrame`.
    public var sceneChange: Double?
    /// True when a scene cut lies before this frame (`ShotHistory.Change.isCut`: the tones
    /// jumped past `FrameAnalyzer.sceneChangeThreshold`, the picture turned from colour to
    /// black and white or back, its grain changed by more than `ShotHistory.grainChangeRatio`,
    /// or its geometry changed).
    public var isSceneCut: Bool
    /// Text found by `TextDetector`: "title" (a title card: text on a flat background
    /// filling the frame) or "subtitles" (burned-in text near the bottom of a picture);
    /// nil when none was found, and in features recorded before text was looked for.
    public var textKind: String? = nil
    /// The detector's score, `TextDetector.Result.score`: 1 or more when text was found,
    /// higher is clearer; nil in features recorded before text was looked for.
    public var textScore: Double? = nil
    /// Rows holding the text found, as fractions of the frame height; nil without text.
    public var textBand: TextBand? = nil

    /// What the frame shows, for the catalog's `contentType`: "bw" (monochrome) or
    /// "colour", followed by "+title" or "+subtitles" when text was found
    /// (e.g. "colour", "bw+title", "colour+subtitles").
    public var contentType: String {
        let base = monochrome ? "bw" : "colour"
        guard let textKind else { return base }
        return "\(base)+\(textKind)"
    }
}

/// A compact description of a frame's tones (64-bin histogram per colour channel),
/// kept to compare the next frame with it.
public struct FrameSignature: Sendable, Codable, Equatable {
    /// Normalised histograms, one per colour channel, 64 bins each.
    public var histograms: [[Double]]

    /// Distance to `other`: half the L1 distance of the histograms, averaged over
    /// channels; 0 = same tones, 1 = disjoint. Frames with different channel counts are 1 apart.
    public func distance(to other: FrameSignature) -> Double {
        guard histograms.count == other.histograms.count, !histograms.isEmpty else { return 1 }
        var total = 0.0
        for (a, b) in zip(histograms, other.histograms) {
            total += 0.5 * zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) }
        }
        return total / Double(histograms.count)
    }
}
