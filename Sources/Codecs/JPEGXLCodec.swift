import Foundation
import ImageCore

/// JPEG XL through libjxl, written as a `.jxl` container with the seal in a box.
///
/// - Lossless: modular lossless with the samples kept as they are
///   (`uses_original_profile`), exact at every depth 1…16 for 1-4 channels.
/// - Lossy: VarDCT at Butteraugli distance `d = 2^(−quality)`, so `quality` 0 is
///   d = 1 ("visually lossless" to libjxl), 2 is d = 0.25, 4 is d = 0.0625. Lossy
///   frames are converted to XYB, and libjxl reads the samples as sRGB (grey: sRGB
///   transfer); film log or Rec.709 codes are compressed as if they were sRGB,
///   which steers where the error goes but not which values are decoded. Alpha is
///   coded as an extra channel at the frame's depth.
///
/// 10- and 12-bit codes reach libjxl as 16-bit samples scaled by rounding and the
/// true depth is declared in the codestream; decoding scales back exactly (see
/// `JXLSampleLayout`).
public struct JPEGXLCodec: Codec {
    /// Encoder effort 1 (fastest) … 9 (slowest) used for every frame.
    public var effort: Int
    /// Worker threads libjxl may use per encode or decode.
    public var threads: Int

    /// The effort used when none is given: measured as the best size for the time
    /// on corpus frames (see the `jxl` benchmark).
    public static let defaultEffort = 2

    /// A codec with the given effort (clamped to 1…9) and thread count
    /// (default: the machine's active processor count).
    public init(effort: Int = JPEGXLCodec.defaultEffort,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.effort = min(max(effort, 1), 9)
        self.threads = max(1, threads)
    }

    public var id: CodecID { .jxl }
    public var fileExtension: String { "jxl" }
    public var libraryVersion: String { libJXLVersion }
    public var supportsLossy: Bool { true }
    /// `quality = −log2(distance)`: −1.5 is d ≈ 2.8, 4.5 is d ≈ 0.044.
    public var qualityRange: ClosedRange<Double> { -1.5 ... 4.5 }

    /// The Butteraugli distance for a lossy `quality` (clamped to `qualityRange`).
    public func distance(forQuality quality: Double) -> Float {
        let q = min(max(quality, qualityRange.lowerBound), qualityRange.upperBound)
        return Float(pow(2.0, -q))
    }

    /// The lossy `quality` that gives Butteraugli distance `distance`.
    public func quality(forDistance distance: Double) -> Double { -log2(distance) }

    /// Encodes `pixels` to a JPEG XL payload: a bare codestream, or for frames that
    /// need conformance level 10 (16-bit lossless) libjxl's minimal container with
    /// its `jxll` box. `wrap` and `decode` take either.
    /// - Throws: `CodecError.unsupportedInput` when libjxl refuses the frame,
    ///   `.libraryFailure` when it fails otherwise.
    public func encode(_ pixels: PixelBuffer, mode: CodecMode) throws -> Data {
        let image = JXLSampleLayout.interleave(pixels)
        let settings: JXLEncodeSettings
        switch mode {
        case .lossless:
            settings = JXLEncodeSettings(lossless: true, distance: 0, effort: effort, threads: threads)
        case let .lossy(quality):
            guard quality.isFinite else {
                throw CodecError(.unsupportedInput, codec: .jxl, operation: "encode", detail: "quality \(quality) is not a number")
            }
            settings = JXLEncodeSettings(lossless: false, distance: distance(forQuality: quality), effort: effort, threads: threads)
        }
        return try JXLEncoder(threads: threads).encode(image, settings: settings)
    }

    /// Wraps a payload from `encode` into a `.jxl` container with `seal` in its own box.
    /// - Throws: `CodecError.malformedData` when `payload` is not a bare codestream.
    public func wrap(payload: Data, seal: Data?) throws -> Data {
        try JXLContainer.wrap(payload: payload, seal: seal)
    }

    /// Decodes a bare codestream or a `.jxl` container (`jxlc` or `jxlp` boxes) to
    /// samples at the codestream's declared depth, with the seal if present.
    /// - Throws: `CodecError.malformedData` for corrupt, truncated or foreign data,
    ///   `.unsupportedInput` for float samples or more than 16 bits.
    public func decode(_ data: Data) throws -> DecodedFrame {
        let contents = try JXLContainer.read(data)
        let image = try JXLDecoder(threads: threads).decode(contents.codestream)
        do {
            return DecodedFrame(pixels: try JXLSampleLayout.deinterleave(image), seal: contents.seal)
        } catch {
            throw CodecError(.malformedData, codec: .jxl, operation: "decode", detail: "\(error)")
        }
    }
}
