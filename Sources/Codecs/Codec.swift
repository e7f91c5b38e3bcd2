import Foundation
import ImageCore

/// The codecs Reelpack writes. The raw value is the `--codec` name.
public enum CodecID: String, Sendable, Codable, CaseIterable {
    /// JPEG 2000 Part 1 through OpenJPEG, in a `.jp2` file.
    case j2k
    /// High-throughput JPEG 2000 (Part 15) through OpenJPH, in a `.jph` file.
    case htj2k
    /// JPEG XL through libjxl, in a `.jxl` container.
    case jxl
    /// Lossless TIFF (Deflate + horizontal predictor) through libtiff.
    case tiff
}

/// How to encode: exactly, or with loss steered by one knob.
public enum CodecMode: Sendable, Hashable, Codable {
    /// Decoded samples equal the input's.
    case lossless
    /// Lossy with the codec's quality parameter (see `Codec.knob`):
    /// larger values give larger files and better fidelity, monotonically (up to
    /// the codec's granularity).
    case lossy(quality: Double)
}

/// A frame decoded from an output file: its samples and the seal found in it.
public struct DecodedFrame: Sendable {
    /// The decoded samples at the bit depth the file declares.
    public var pixels: PixelBuffer
    /// The seal's bytes (UTF-8 JSON) when the file carries one.
    public var seal: Data?

    public init(pixels: PixelBuffer, seal: Data?) {
        self.pixels = pixels
        self.seal = seal
    }
}

/// One image codec behind one knob, encoding and decoding in memory.
///
/// Encoding is split in two so that the search can try many settings cheaply and
/// seal only the one it keeps: `encode` makes the payload (the codec's own bytes),
/// `wrap` puts a payload and a seal into the file format that is written. The
/// seal never changes the decoded samples, so metrics measured on a payload hold
/// for the wrapped file; the engine still re-reads what it wrote.
///
/// Implementations are value types or immutable classes: safe to share across tasks.
public protocol Codec: Sendable {
    /// Which codec this is.
    var id: CodecID { get }
    /// File name extension of wrapped output, without the dot (`jp2`, `jph`, `jxl`, `tif`).
    var fileExtension: String { get }
    /// The C library and its version, e.g. `"OpenJPEG 2.5.0"`.
    var libraryVersion: String { get }
    /// Whether the codec has a lossy mode (lossless TIFF does not).
    var supportsLossy: Bool { get }
    /// The lossy knob: its range, scale and meaning (`qualityRange` is its range).
    var knob: QualityKnob { get }

    /// Encodes `pixels` (1-4 channels, 1-16 bits as declared) to the codec's payload.
    /// - Throws: `CodecError` when the library refuses the input or fails.
    func encode(_ pixels: PixelBuffer, mode: CodecMode) throws -> Data

    /// Puts a payload from `encode` into the output file format, with `seal`
    /// (UTF-8 JSON) inside it when given.
    /// - Throws: `CodecError` when the payload is not this codec's.
    func wrap(payload: Data, seal: Data?) throws -> Data

    /// Decodes either a payload or a wrapped file back to samples (and the seal, if any).
    /// - Throws: `CodecError` for corrupt, truncated or foreign data; never traps.
    func decode(_ data: Data) throws -> DecodedFrame
}

/// A codec failure with its context: which codec, what it was doing, and what
/// the library said (its error and warning callbacks are collected into `detail`).
public struct CodecError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in terms a user can act on.
    public enum Kind: Sendable, Equatable {
        /// The input frame cannot be encoded by this codec (e.g. too many channels).
        case unsupportedInput
        /// The bytes are corrupt, truncated or not this codec's.
        case malformedData
        /// The library failed for another reason.
        case libraryFailure
    }

    public var kind: Kind
    public var codec: CodecID
    /// What was being done ("encode", "decode", "wrap").
    public var operation: String
    /// The library's own messages and any further context.
    public var detail: String

    public init(_ kind: Kind, codec: CodecID, operation: String, detail: String) {
        self.kind = kind
        self.codec = codec
        self.operation = operation
        self.detail = detail
    }

    public var description: String { "\(codec.rawValue) \(operation) failed: \(detail)" }
}
