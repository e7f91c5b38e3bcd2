import Foundation
import ImageCore

/// What, besides the samples, rebuilds a DPX byte for byte: the header bytes, the
/// layout, the bytes the samples do not determine (non-zero padding bits, row tails,
/// end-of-line padding) as sparse patches, and whatever follows the image data.
///
/// Stored as compact JSON in `SourceFrame.rebuildRecord`. Patches are only present
/// when some padding byte is non-zero; runs closer than 16 bytes are merged.
public struct DPXRebuildRecord: Sendable, Codable, Equatable {
    /// Always "dpx": tells this record apart from other formats' records.
    public var format: String = "dpx"
    /// Record version.
    public var version: Int = 1
    /// Bytes before the image data (base64), with trailing zero bytes removed.
    public var header: String
    /// Length of the header region (the image data offset), in bytes.
    public var headerLength: Int
    public var layout: DPXLayout
    /// Bytes that differ from a zero-padded encoding of the samples: offset within the
    /// image data and the original bytes (base64).
    public var patches: [Patch]?
    /// Bytes after the image data (base64), when the file has any.
    public var trailer: String?

    /// A run of original image-data bytes.
    public struct Patch: Sendable, Codable, Equatable {
        /// Offset from the start of the image data.
        public var at: Int
        /// The bytes (base64).
        public var bytes: String
    }

    /// Builds the record for a file read into `data` whose samples are `pixels`.
    /// - Throws: `FormatError` when the layout does not fit `data`.
    public static func make(data: Data, header: DPXHeader, pixels: PixelBuffer, name: String? = nil) throws -> DPXRebuildRecord {
        let layout = header.layout
        let end = layout.dataOffset + layout.dataBytes
        guard end <= data.count else {
            throw FormatError(.malformed, file: name, "truncated image data")
        }
        let encoded = try DPXWriter.encodeImageData(pixels, layout: layout)
        var headerBytes = data.prefix(layout.dataOffset)
        while let last = headerBytes.last, last == 0 { headerBytes.removeLast() }
        let original = data.subdata(in: layout.dataOffset..<end)
        let patches = diff(original: original, encoded: encoded)
        let trailer = end < data.count ? data.subdata(in: end..<data.count).base64EncodedString() : nil
        return DPXRebuildRecord(header: Data(headerBytes).base64EncodedString(), headerLength: layout.dataOffset,
                                layout: layout, patches: patches.isEmpty ? nil : patches, trailer: trailer)
    }

    /// Compact JSON of the record.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }

    /// Decodes a record.
    /// - Throws: `FormatError(.malformed)` when `data` is not a DPX record.
    public static func decode(_ data: Data) throws -> DPXRebuildRecord {
        guard let record = try? JSONDecoder().decode(DPXRebuildRecord.self, from: data), record.format == "dpx" else {
            throw FormatError(.malformed, "not a DPX rebuild record")
        }
        return record
    }

    /// Runs of bytes where `original` and `encoded` (same length) differ.
    static func diff(original: Data, encoded: Data) -> [Patch] {
        var runs: [Range<Int>] = []
        original.withUnsafeBytes { (a: UnsafeRawBufferPointer) in
            encoded.withUnsafeBytes { (b: UnsafeRawBufferPointer) in
                let n = min(a.count, b.count)
                guard let pa = a.baseAddress, let pb = b.baseAddress else { return }
                var i = 0
                while i < n {
                    // Skip equal 8-byte blocks fast.
                    if i + 8 <= n, pa.loadUnaligned(fromByteOffset: i, as: UInt64.self) == pb.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                        i += 8; continue
                    }
                    if pa.load(fromByteOffset: i, as: UInt8.self) != pb.load(fromByteOffset: i, as: UInt8.self) {
                        if let last = runs.last, i - last.upperBound < 16 {
                            runs[runs.count - 1] = last.lowerBound..<(i + 1)
                        } else {
                            runs.append(i..<(i + 1))
                        }
                    }
                    i += 1
                }
            }
        }
        return runs.map { Patch(at: $0.lowerBound, bytes: original.subdata(in: $0).base64EncodedString()) }
    }
}
