import Foundation
import Formats
import ImageCore

/// Lossless TIFF through libtiff: Deflate (or zstd) with the horizontal predictor,
/// chunky strips of about 1 MiB, at the frame's true depth (8-bit samples up to 8
/// bits; 16-bit samples otherwise, 9…15-bit codes scaled by bit replication with the
/// depth recorded in the `ReelpackFrame` tag, so decoding returns the original codes).
///
/// The payload is already a complete TIFF. `wrap` stores the seal in the private
/// seal tag (65421) by letting libtiff rewrite the directory at the end of the
/// file; the strips are not touched, so the decoded samples cannot change.
///
/// Deflate by default, because an archive's lossless copy must open in every TIFF
/// reader, and Deflate is baseline-adjacent and universally supported while zstd
/// TIFFs (compression 50000) open only in libtiff 4.0.10+, GDAL and tifffile. zstd is
/// measurably better and selectable with `TIFFCodec(compression: .zstd)`: on 18 corpus
/// frames (8-, 10-, 12- and 16-bit) zstd level 9 gave files 3.7 % smaller than Deflate
/// level 6 (2.594:1 vs 2.497:1 overall, smaller on every frame) in about a quarter
/// less write time (`reelpack-bench tiff`).
public struct TIFFCodec: Codec {
    /// Compression of written files: `.deflate` (default) or `.zstd`; both with the predictor.
    public var compression: TIFFWriteOptions.Compression
    /// Compression level (zstd 1…22, Deflate 1…12), nil for libtiff's default (zstd 9, Deflate 6).
    public var level: Int?

    /// A codec writing `compression` + predictor at `level` (nil: libtiff's default).
    public init(compression: TIFFWriteOptions.Compression = .deflate, level: Int? = nil) {
        self.compression = compression
        self.level = level
    }

    /// `.tiff`.
    public var id: CodecID { .tiff }
    /// `"tif"`.
    public var fileExtension: String { "tif" }
    /// The libtiff in use, e.g. `"libtiff 4.5.0"`.
    public var libraryVersion: String { TIFF.libraryVersion }
    /// False: TIFF here is lossless only.
    public var supportsLossy: Bool { false }
    /// None: no lossy mode.
    public var knob: QualityKnob { .none }

    /// The write options this codec uses.
    public var writeOptions: TIFFWriteOptions {
        TIFFWriteOptions(compression: compression, predictor: compression != .none && compression != .packbits,
                         level: level)
    }

    /// Encodes `pixels` losslessly as a TIFF (no seal).
    /// - Throws: `CodecError.unsupportedInput` for `.lossy` or a frame TIFF cannot
    ///   hold; `.libraryFailure` when libtiff fails.
    public func encode(_ pixels: PixelBuffer, mode: CodecMode) throws -> Data {
        guard mode == .lossless else {
            throw CodecError(.unsupportedInput, codec: id, operation: "encode",
                             detail: "TIFF is lossless only; use another codec for lossy profiles")
        }
        do {
            return try TIFF.write(pixels, options: writeOptions)
        } catch {
            let kind: CodecError.Kind = error.kind == .malformed || error.kind == .unsupported ? .unsupportedInput : .libraryFailure
            throw CodecError(kind, codec: id, operation: "encode", detail: error.description)
        }
    }

    /// Returns the payload with `seal` in its seal tag (the payload itself when `seal` is nil).
    /// - Throws: `CodecError.malformedData` when `payload` is not a readable TIFF.
    public func wrap(payload: Data, seal: Data?) throws -> Data {
        guard let seal else { return payload }
        do {
            return try TIFF.replacingSeal(in: payload, with: seal)
        } catch {
            throw CodecError(.malformedData, codec: id, operation: "wrap", detail: error.description)
        }
    }

    /// Decodes a payload or a wrapped file to samples at the true depth, with its seal.
    /// - Throws: `CodecError.malformedData` for corrupt, truncated or foreign data,
    ///   `.unsupportedInput` for TIFF flavours Reelpack does not read.
    public func decode(_ data: Data) throws -> DecodedFrame {
        do {
            let image = try TIFF.read(data)
            return DecodedFrame(pixels: image.pixels, seal: image.seal)
        } catch {
            let kind: CodecError.Kind = error.kind == .unsupported ? .unsupportedInput : .malformedData
            throw CodecError(kind, codec: id, operation: "decode", detail: error.description)
        }
    }
}
