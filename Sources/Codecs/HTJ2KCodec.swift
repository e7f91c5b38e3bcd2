import Foundation
import ImageCore

/// High-throughput JPEG 2000 (ISO/IEC 15444-15) through OpenJPH, in a `.jph` file.
///
/// Lossless uses the reversible 5/3 wavelet with the reversible colour transform
/// on RGB; lossy uses the irreversible 9/7 wavelet (ICT on RGB) with one
/// quantisation step for the whole frame. OpenJPH has no rate control, so the
/// knob is the step: `quality = −log2(step)`, where the step is relative to the
/// sample range (2^bitDepth). Quality 1 (step ½) gives a tiny, smeared file;
/// each +1 halves the step; around `bitDepth + 1` the error is about one code
/// value, and beyond about `bitDepth + 2` a lossy file is larger than the
/// lossless one. Files grow monotonically with quality. Measured on corpus
/// frames: a 12-bit photograph gives 17.9:1 at 43 dB PSNR with quality 6, 3.3:1
/// at 63 dB with quality 10. Code-blocks are 64×64, no tiles, RPCL order, one
/// quality layer; 5 wavelet levels (fewer on images under 64 pixels a side).
///
/// OpenJPH encodes and decodes on one thread; run frames in parallel instead.
public struct HTJ2KCodec: Codec {
    /// Wavelet decomposition levels (5 suits 2K-4K frames).
    public let decompositions: Int

    /// A codec with `decompositions` wavelet levels (0…32).
    public init(decompositions: Int = 5) {
        self.decompositions = decompositions
    }

    /// `.htj2k`.
    public var id: CodecID { .htj2k }
    /// `jph` (ISO/IEC 15444-15 Annex D file format).
    public var fileExtension: String { "jph" }
    /// `"OpenJPH 0.9.0"`: the version of the headers compiled against.
    public var libraryVersion: String { "OpenJPH \(OpenJPH.version)" }
    /// True: the irreversible 9/7 path.
    public var supportsLossy: Bool { true }
    /// −log2 of the quantisation step, from 1 (step 2^-1) to 20 (step 2^-20, finer than
    /// one code value of a 16-bit frame). Prior from the search benchmark (180
    /// searches on corpus and synthetic reels at C0–C2): boundaries 1.0–7.2, median 5.0;
    /// each unit halves the step, cutting the distortion by e^1.0 and adding 55 % to the size.
    public static let knob = QualityKnob(
        range: 1...20, meaning: "−log2 of the quantisation step over the sample range (each +1 halves the step)",
        prior: .init(parameter: 5.0, marginSlope: 1.0, logSizeSlope: 0.55), isLog2Step: true)
    public var knob: QualityKnob { Self.knob }

    /// How far below one code value the finest step goes (in powers of two): a lossy
    /// encode uses at most quality `bitDepth + 5`.
    static let finestStepBelowOneCode = 5.0

    /// The quantisation step OpenJPH receives for `quality` (clamped to `qualityRange`).
    public func quantizationStep(forQuality quality: Double) -> Float {
        let q = min(max(quality.isFinite ? quality : qualityRange.lowerBound, qualityRange.lowerBound),
                    qualityRange.upperBound)
        return Float(pow(2.0, -q))
    }

    /// Encodes `pixels` to a raw HTJ2K codestream (J2C).
    /// - Throws: `CodecError(.unsupportedInput)` when a sample exceeds the
    ///   declared depth (checked by the shim in the same pass that feeds the
    ///   encoder) or the library refuses the frame.
    public func encode(_ pixels: PixelBuffer, mode: CodecMode) throws -> Data {
        let settings: OpenJPH.EncodeSettings
        switch mode {
        case .lossless:
            settings = .init(reversible: true, quantizationStep: 0, decompositions: decompositions)
        case .lossy(let quality):
            // Steps far below one code value add nothing but bit-planes, and OpenJPH
            // 0.9 writes code-blocks it cannot decode once the step is about 2^-7.75
            // of a code (a grainy 10-bit frame at quality 17.75): stop at 2^-5.
            let finest = Double(pixels.bitDepth) + Self.finestStepBelowOneCode
            settings = .init(reversible: false, quantizationStep: quantizationStep(forQuality: min(quality, finest)),
                             decompositions: decompositions)
        }
        return try OpenJPH.encode(pixels, settings: settings)
    }

    /// Puts a codestream from `encode` into a `.jph` file, with `seal` in a `uuid` box.
    /// - Throws: `CodecError(.malformedData)` when `payload` is not a codestream.
    public func wrap(payload: Data, seal: Data?) throws -> Data {
        let header = try JP2File.parse(payload, codec: id).header
        return try JP2File.wrap(codestream: payload, width: header.width, height: header.height,
                                channels: header.channels, bitDepth: header.bitDepth, brand: .jph, seal: seal)
    }

    /// Decodes a `.jph` (or `.jp2` holding an HTJ2K codestream) file, or a raw
    /// codestream, to samples at the declared bit depth, with the seal if any.
    /// - Throws: `CodecError(.malformedData)` for corrupt or truncated data (the
    ///   library's message in `detail`), `.unsupportedInput` for a valid file
    ///   Reelpack does not read (Part 1 code-blocks, signed or subsampled
    ///   components, several quality layers). Never traps.
    public func decode(_ data: Data) throws -> DecodedFrame {
        let (codestream, seal, _) = try JP2File.parse(data, codec: id)
        return DecodedFrame(pixels: try OpenJPH.decode(codestream).pixels, seal: seal)
    }
}
