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
    /// Encoder effort 1 (fastest) … 9 (slowest) for lossless frames.
    public var losslessEffort: Int
    /// Encoder effort 1 (fastest) … 9 (slowest) for lossy frames.
    public var lossyEffort: Int
    /// Worker threads libjxl may use per encode or decode.
    public var threads: Int

    /// The lossless effort used when none is given. Measured with `reelpack-bench jxl`
    /// (2 threads): effort 2 gives files 1-11 % smaller than effort 1 on corpus
    /// photos (32 % on the mostly black 2K sequence frame) in about the same time;
    /// effort 3 gains 4-5 % more on photos (nothing on 4K grain) but takes 2-3× as
    /// long to encode and about 2× as long to decode.
    public static let defaultLosslessEffort = 2

    /// The lossy effort used when none is given. On corpus photos at equal SSIM,
    /// effort 5 files are about 40 % smaller than effort 3 or 4 (Desk, 12-bit:
    /// SSIM 0.989 at 148 kB with effort 5 and d = 0.2, at 244 kB with effort 3 and
    /// d = 0.1), for 2-4× the encode time of effort 3; effort 7 gains about 2 % more
    /// for 3× the time of effort 5. Pass 3 when encode time matters more than size.
    public static let defaultLossyEffort = 5

    /// A codec with the given efforts (clamped to 1…9) and thread count
    /// (default: the machine's active processor count).
    public init(losslessEffort: Int = JPEGXLCodec.defaultLosslessEffort,
                lossyEffort: Int = JPEGXLCodec.defaultLossyEffort,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.losslessEffort = min(max(losslessEffort, 1), 9)
        self.lossyEffort = min(max(lossyEffort, 1), 9)
        self.threads = max(1, threads)
    }

    public var id: CodecID { .jxl }
    public var fileExtension: String { "jxl" }
    public var libraryVersion: String { libJXLVersion }
    public var supportsLossy: Bool { true }
    /// `quality = −log2(distance)`: −1.5 is d ≈ 2.8, 4.5 is d ≈ 0.044. No prior measured.
    public static let knob = QualityKnob(range: -1.5 ... 4.5, meaning: "−log2 of the Butteraugli distance")
    public var knob: QualityKnob { Self.knob }

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
    /// - Throws: `CodecError.unsupportedInput` when a sample exceeds the declared
    ///   depth or libjxl refuses the frame,
    ///   `.libraryFailure` when it fails otherwise.
    public func encode(_ pixels: PixelBuffer, mode: CodecMode) throws -> Data {
        do {
            try pixels.validateSampleRange()
        } catch {
            throw CodecError(.unsupportedInput, codec: .jxl, operation: "encode", detail: "\(error)")
        }
        let image = JXLSampleLayout.interleave(pixels)
        let settings: JXLEncodeSettings
        switch mode {
        case .lossless:
            settings = JXLEncodeSettings(lossless: true, distance: 0, effort: losslessEffort, threads: threads)
        case let .lossy(quality):
            guard quality.isFinite else {
                throw CodecError(.unsupportedInput, codec: .jxl, operation: "encode", detail: "quality \(quality) is not a number")
            }
            settings = JXLEncodeSettings(lossless: false, distance: distance(forQuality: quality), effort: lossyEffort,
                                         threads: threads)
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
