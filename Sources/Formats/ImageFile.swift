import Foundation
import ImageCore

/// Source formats Reelpack reads and restores.
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case dpx, tiff
}

/// A frame read from a source file: samples, common metadata, and the record
/// that rebuilds the original file from the samples.
public struct SourceFrame: Sendable {
    public var format: ImageFormat
    public var pixels: PixelBuffer
    public var metadata: FrameMetadata
    /// Format-specific record (JSON) that, with `pixels`, rebuilds the source file
    /// (for DPX: header, trailing and padding bytes, so the rebuild is byte for byte).
    public var rebuildRecord: Data
    /// True when `ImageFile.rebuild(pixels:record:)` reproduces the source byte for byte.
    public var rebuildIsExact: Bool

    public init(format: ImageFormat, pixels: PixelBuffer, metadata: FrameMetadata,
                rebuildRecord: Data, rebuildIsExact: Bool) {
        self.format = format; self.pixels = pixels; self.metadata = metadata
        self.rebuildRecord = rebuildRecord; self.rebuildIsExact = rebuildIsExact
    }
}

/// Reading any supported source file, and rebuilding it.
public enum ImageFile {
    /// The format of `data` from its magic bytes, or nil.
    public static func detectFormat(_ data: Data) -> ImageFormat? {
        guard data.count >= 4 else { return nil }
        let m = [UInt8](data.prefix(4))
        if m == [0x53, 0x44, 0x50, 0x58] || m == [0x58, 0x50, 0x44, 0x53] { return .dpx }   // "SDPX" / "XPDS"
        if m == [0x49, 0x49, 0x2A, 0x00] || m == [0x4D, 0x4D, 0x00, 0x2A] { return .tiff }  // II*\0 / MM\0*
        if m == [0x49, 0x49, 0x2B, 0x00] || m == [0x4D, 0x4D, 0x00, 0x2B] { return .tiff }  // BigTIFF
        return nil
    }

    /// Reads a source frame from a file.
    /// - Throws: `FormatError` naming the file.
    public static func read(contentsOf url: URL) throws -> SourceFrame {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw FormatError(.io, file: url.path, "cannot read: \(error.localizedDescription)")
        }
        return try read(data, name: url.path)
    }

    /// Reads a source frame from memory; `name` appears in errors.
    ///
    /// DPX: decoded here, with a record that rebuilds the file byte for byte. TIFF:
    /// through `TIFF.read`, with a record that writes an equivalent TIFF (same samples,
    /// metadata and compression; not byte for byte).
    /// - Throws: `FormatError` naming `name`.
    public static func read(_ data: Data, name: String? = nil) throws -> SourceFrame {
        switch detectFormat(data) {
        case .dpx:
            let image = try DPXReader.read(data, name: name)
            let record = try DPXRebuildRecord.make(data: data, header: image.header, pixels: image.pixels, name: name)
            return SourceFrame(format: .dpx, pixels: image.pixels, metadata: image.metadata,
                               rebuildRecord: try record.encoded(), rebuildIsExact: true)
        case .tiff:
            let image = try TIFF.read(data, name: name)
            let record = TIFFRebuildRecord(
                metadata: image.metadata,
                compression: TIFFWriteOptions.Compression(rawValue: image.info.compression) ?? .none,
                frameRecord: image.frameRecord)
            return SourceFrame(format: .tiff, pixels: image.pixels, metadata: image.metadata,
                               rebuildRecord: try record.encoded(), rebuildIsExact: false)
        case nil:
            let magic = data.prefix(4).map { String(format: "%02X", $0) }.joined(separator: " ")
            throw FormatError(.malformed, file: name, "not a DPX or TIFF file (first bytes \(magic))")
        }
    }

    /// Rebuilds a source file from samples and the record `read` returned: a DPX byte
    /// for byte; a TIFF with the same samples, metadata and compression.
    /// - Throws: `FormatError` when the record is damaged or does not fit `pixels`.
    public static func rebuild(pixels: PixelBuffer, record: Data) throws -> Data {
        struct Kind: Decodable { var format: String }
        guard let kind = try? JSONDecoder().decode(Kind.self, from: record) else {
            throw FormatError(.malformed, "rebuild record is not valid JSON with a format")
        }
        switch kind.format {
        case "dpx":
            return try DPXWriter.rebuild(pixels: pixels, record: DPXRebuildRecord.decode(record))
        case "tiff":
            guard let r = try? JSONDecoder().decode(TIFFRebuildRecord.self, from: record) else {
                throw FormatError(.malformed, "TIFF rebuild record is damaged")
            }
            return try TIFF.write(pixels, metadata: r.metadata,
                                  options: TIFFWriteOptions(compression: r.compression, predictor: [.deflate, .lzw, .zstd].contains(r.compression),
                                                            frameRecord: r.frameRecord))
        default:
            throw FormatError(.unsupported, "rebuild record for format \"\(kind.format)\" is not supported")
        }
    }
}

/// What rebuilds an equivalent TIFF: its metadata, compression and private frame record.
struct TIFFRebuildRecord: Codable {
    var format = "tiff"
    var metadata: FrameMetadata
    var compression: TIFFWriteOptions.Compression
    var frameRecord: TIFFFrameRecord?

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}
