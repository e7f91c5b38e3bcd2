import Foundation
import ImageCore

/// A DPX read into memory: its parsed header, samples and common metadata.
public struct DPXImage: Sendable {
    public var header: DPXHeader
    /// Samples as stored (codes at the file's depth; rows in file order, see `header.image.orientation`).
    public var pixels: PixelBuffer
    public var metadata: FrameMetadata

    public init(header: DPXHeader, pixels: PixelBuffer, metadata: FrameMetadata) {
        self.header = header; self.pixels = pixels; self.metadata = metadata
    }
}

/// Reads DPX files: every flavour scanners and tools write (8, 10, 12, 16 bit; packed,
/// filled method A and B; big- and little-endian; 1, 3 and 4 channels).
public enum DPXReader {
    /// Parses the header only (no sample is decoded). See `DPXHeader.parse`.
    /// - Throws: `FormatError` naming `name`.
    public static func header(_ data: Data, name: String? = nil) throws -> DPXHeader {
        try DPXHeader.parse(data, name: name)
    }

    /// Reads the header of the file at `url`, reading only its first bytes.
    /// - Throws: `FormatError(.io)` when the file cannot be read, else as `DPXHeader.parse`.
    public static func header(contentsOf url: URL) throws -> DPXHeader {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: url) } catch {
            throw FormatError(.io, file: url.path, "cannot read: \(error.localizedDescription)")
        }
        defer { try? handle.close() }
        do {
            let size = try handle.seekToEnd()
            try handle.seek(toOffset: 0)
            let prefix = try handle.read(upToCount: DPXHeader.fullHeaderSize + 32) ?? Data()
            return try DPXHeader.parse(prefix, name: url.path, fileSize: Int(size))
        } catch let error as FormatError {
            throw error
        } catch {
            throw FormatError(.io, file: url.path, "cannot read: \(error.localizedDescription)")
        }
    }

    /// Decodes a whole DPX from memory.
    /// - Throws: `FormatError` naming `name`: `.malformed`, `.unsupported`, `.limitExceeded`.
    public static func read(_ data: Data, name: String? = nil) throws -> DPXImage {
        let header = try DPXHeader.parse(data, name: name)
        let pixels = try decodeSamples(data, layout: header.layout, name: name)
        return DPXImage(header: header, pixels: pixels, metadata: header.frameMetadata)
    }

    /// Decodes the samples `layout` describes (already checked against `data.count`).
    static func decodeSamples(_ data: Data, layout: DPXLayout, name: String?) throws -> PixelBuffer {
        guard layout.dataOffset >= 0, layout.dataOffset + layout.dataBytes <= data.count else {
            throw FormatError(.malformed, file: name, "truncated image data: \(layout.dataBytes) bytes needed at offset \(layout.dataOffset), file has \(data.count)")
        }
        do {
            try PixelBuffer.validate(width: layout.width, height: layout.height, channels: layout.channels, bitDepth: layout.bitDepth)
        } catch {
            throw FormatError(.limitExceeded, file: name, "\(error)")
        }
        // Every sample is written by the decoder, so the planes need no zero fill first.
        let count = layout.width * layout.height * layout.channels
        let samples = [UInt16](unsafeUninitializedCapacity: count) { planes, initialized in
            data.withUnsafeBytes { file in
                if let p = planes.baseAddress {
                    DPXSampleCodec.decode(file: file, layout: layout, planes: p)
                }
            }
            initialized = count
        }
        do {
            return try PixelBuffer(width: layout.width, height: layout.height, channels: layout.channels,
                                   bitDepth: layout.bitDepth, samples: samples)
        } catch {
            throw FormatError(.limitExceeded, file: name, "\(error)")
        }
    }
}
