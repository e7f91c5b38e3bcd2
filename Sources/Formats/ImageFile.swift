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
    /// - Throws: `FormatError`.
    public static func read(_ data: Data, name: String? = nil) throws -> SourceFrame {
        throw FormatError(.unsupported, file: name, "reading is not available yet")
    }

    /// Rebuilds a source file from samples and the record `read` returned.
    /// - Throws: `FormatError` when the record is damaged or does not fit `pixels`.
    public static func rebuild(pixels: PixelBuffer, record: Data) throws -> Data {
        throw FormatError(.unsupported, "rebuilding is not available yet")
    }
}
