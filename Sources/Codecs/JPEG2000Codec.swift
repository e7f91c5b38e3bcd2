import Foundation
import ImageCore

/// JPEG 2000 Part 1 (ISO/IEC 15444-1) through OpenJPEG, written as `.jp2` files.
///
/// Lossless uses the reversible 5/3 wavelet with the reversible colour transform
/// for RGB(A); lossy uses the irreversible 9/7 wavelet with OpenJPEG's rate
/// allocation to a target size. One quality layer, 64×64 code-blocks, default
/// precincts, 5 wavelet levels (6 for frames 3840 or more wide; fewer for tiny images).
///
/// The knob: `CodecMode.lossy(quality:)` is the output size as a percentage of the
/// uncompressed samples at their declared depth (quality 25 = 4:1 over
/// width × height × channels × bitDepth bits), over `qualityRange` 0.25…75
/// (400:1 to 1.33:1). A target size (`tcp_rates`) rather than a target PSNR
/// (`tcp_distoratio`) because the size then follows the knob smoothly and
/// monotonically by construction (until the frame needs fewer bytes than asked,
/// where it levels off), and the measured PSNR and SSIM rise smoothly with it.
/// A PSNR target is monotone too but jumps where it crosses the grain level:
/// on a grainy 10-bit frame 42.5 → 45 dB multiplied the size by 4.5, so a
/// search over it cannot place the size finely; it is also OpenJPEG's estimate
/// in the wavelet domain, not the PSNR measured on decoded samples.
public struct JPEG2000Codec: Codec {
    public var id: CodecID { .j2k }
    public var fileExtension: String { "jp2" }
    public var libraryVersion: String { "OpenJPEG \(OpenJPEG.version)" }
    public var supportsLossy: Bool { true }
    /// Output size in percent of the uncompressed samples at their declared depth,
    /// searched in its logarithm. Prior from the search benchmark (180 searches on
    /// corpus and synthetic reels at C0–C2): boundaries 0.25–32 % (median 2.1 %); the
    /// size follows the target exactly (slope 1), the margin at 1.7 per unit of ln.
    public static let knob = QualityKnob(
        range: 0.25...75, scale: .logarithmic, meaning: "output size in percent of the uncompressed samples",
        prior: .init(parameter: 3.0, marginSlope: 1.7, logSizeSlope: 1.0), isTargetSize: true)
    public var knob: QualityKnob { Self.knob }

    /// OpenJPEG worker threads per encode or decode.
    public let threads: Int
    /// Wavelet decomposition levels wanted (reduced for images too small to hold them);
    /// nil chooses 5, or 6 for frames 3840 or more wide.
    public let decompositionLevels: Int?
    /// Write PLT and TLM length markers (faster partial decoding, a few bytes more).
    public let lengthMarkers: Bool

    /// - Parameters:
    ///   - threads: OpenJPEG worker threads; nil = the active processor count.
    ///   - decompositionLevels: Wavelet levels, 1…32; nil for the film default.
    ///   - lengthMarkers: Write PLT/TLM markers.
    public init(threads: Int? = nil, decompositionLevels: Int? = nil, lengthMarkers: Bool = false) {
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        self.decompositionLevels = decompositionLevels.map { min(max($0, 0), 32) }
        self.lengthMarkers = lengthMarkers
    }

    /// Encodes to a JPEG 2000 codestream (the payload; `wrap` makes the `.jp2`).
    /// - Throws: `CodecError(.unsupportedInput)` for a sample above the declared
    ///   depth or a quality outside `qualityRange`; `.libraryFailure` with
    ///   OpenJPEG's messages when it fails.
    public func encode(_ pixels: PixelBuffer, mode: CodecMode) throws -> Data {
        do {
            try pixels.validateSampleRange()
        } catch {
            throw CodecError(.unsupportedInput, codec: id, operation: "encode", detail: "\(error)")
        }
        let target: OpenJPEG.Target
        switch mode {
        case .lossless:
            target = .lossless
        case .lossy(let quality):
            guard quality.isFinite, qualityRange.contains(quality) else {
                throw CodecError(.unsupportedInput, codec: id, operation: "encode",
                                 detail: "quality \(quality) is outside \(qualityRange) (percent of the uncompressed size)")
            }
            target = .ratio(100 / quality)
        }
        let levels = decompositionLevels ?? (pixels.width >= 3840 ? 6 : 5)
        return try OpenJPEG.encode(pixels, settings: .init(
            target: target, threads: threads, decompositionLevels: levels, lengthMarkers: lengthMarkers))
    }

    /// Puts a codestream from `encode` into a `.jp2` file with the seal in a `uuid` box.
    /// - Throws: `CodecError(.malformedData)` when `payload` is not a codestream
    ///   Reelpack can describe (1–4 unsigned components of one depth ≤ 16 bits).
    public func wrap(payload: Data, seal: Data?) throws -> Data {
        let siz = try CodestreamSIZ.read(payload, codec: id)
        guard let depth = siz.components.first?.bitDepth, depth <= 16 else {
            throw CodecError(.malformedData, codec: id, operation: "wrap", detail: "the codestream has no component of 1 to 16 bits")
        }
        return try JP2File.wrap(codestream: payload, width: siz.width, height: siz.height,
                                channels: siz.components.count, bitDepth: depth, brand: .jp2, seal: seal)
    }

    /// Decodes a `.jp2` file or a bare codestream.
    /// - Throws: `CodecError(.malformedData)` for corrupt, truncated or foreign data;
    ///   `.unsupportedInput` for valid JPEG 2000 that Reelpack does not read
    ///   (subsampled, signed, more than 16 bits or 4 components, an HTJ2K `.jph`).
    public func decode(_ data: Data) throws -> DecodedFrame {
        let file = try JP2File.parse(data, codec: id)
        if file.header.brand == .jph {
            throw CodecError(.unsupportedInput, codec: id, operation: "decode",
                             detail: "this is a .jph (HTJ2K) file; decode it with the htj2k codec")
        }
        let pixels = try OpenJPEG.decode(file.codestream, threads: threads)
        return DecodedFrame(pixels: pixels, seal: file.seal)
    }
}
