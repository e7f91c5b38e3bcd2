import Foundation
import ImageCore

/// What, besides the samples, rebuilds a DPX byte for byte: the header bytes, the
/// layout, the bytes the samples do not determine (non-zero padding bits, row tails,
/// end-of-line padding) as sparse patches, and whatever follows the image data.
///
/// Stored as compact JSON in `SourceFrame.rebuildRecord`. Patches are only present
/// when some padding byte is non-zero; runs closer than 16 bytes are merged, and the
/// runs are stored as one base64 string of `(gap, length, bytes)` records, with gap and
/// length as LEB128 varints (a row's stray tail bits cost a few bytes, not a JSON object).
public struct DPXRebuildRecord: Sendable, Codable, Equatable {
    /// Always "dpx": tells this record apart from other formats' records.
    public var format: String = "dpx"
    /// Record version.
    public var version: Int = 1
    /// Bytes before the image data (base64), without the trailing run of `headerFill` bytes.
    public var header: String
    /// The byte that fills the header region after `header` (nil: zero). Writers pad
    /// the space up to the image data with zeros or all-ones; the run is not stored.
    public var headerFill: UInt8?
    /// Length of the header region (the image data offset), in bytes.
    public var headerLength: Int
    public var layout: DPXLayout
    /// Bytes that differ from a zero-padded encoding of the samples (see the type's
    /// description), or nil when every padding bit is zero.
    public var patches: String?
    /// Bytes after the image data (base64), when the file has any.
    public var trailer: String?

    /// Builds the record for a file read into `data` whose samples are `pixels`.
    /// - Throws: `FormatError` when the layout does not fit `data`.
    public static func make(data: Data, header: DPXHeader, pixels: PixelBuffer, name: String? = nil) throws -> DPXRebuildRecord {
        let layout = header.layout
        let end = layout.dataOffset + layout.dataBytes
        guard end <= data.count else {
            throw FormatError(.malformed, file: name, "truncated image data")
        }
        guard pixels.width == layout.width, pixels.height == layout.height, pixels.channels == layout.channels else {
            throw FormatError(.malformed, file: name, "samples do not match the DPX layout")
        }
        var headerBytes = data.prefix(layout.dataOffset)
        let fill = headerBytes.last ?? 0
        while let last = headerBytes.last, last == fill { headerBytes.removeLast() }
        let runs = data.withUnsafeBytes { file in
            pixels.samples.withUnsafeBufferPointer { planes in
                planes.baseAddress.map { DPXSampleCodec.differences(file: file, planes: $0, layout: layout) } ?? []
            }
        }
        let patches = packPatches(runs, from: data, base: layout.dataOffset)
        let trailer = end < data.count ? data.subdata(in: end..<data.count).base64EncodedString() : nil
        return DPXRebuildRecord(header: Data(headerBytes).base64EncodedString(), headerFill: fill == 0 ? nil : fill,
                                headerLength: layout.dataOffset,
                                layout: layout, patches: patches, trailer: trailer)
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

    /// The runs as base64 of `(gap since the previous run's end, length, bytes)`; nil when there are none.
    static func packPatches(_ runs: [Range<Int>], from original: Data, base: Int) -> String? {
        guard !runs.isEmpty else { return nil }
        var out = [UInt8]()
        func varint(_ value: Int) {
            var v = UInt(value)
            while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
            out.append(UInt8(v))
        }
        var end = 0
        for run in runs {
            varint(run.lowerBound - end); varint(run.count)
            let from = original.startIndex + base
            out.append(contentsOf: original[(from + run.lowerBound)..<(from + run.upperBound)])
            end = run.upperBound
        }
        return Data(out).base64EncodedString()
    }

    /// Applies packed patches to the image data, the bytes `image` of `data` (patch
    /// offsets count from `image.lowerBound`).
    /// - Throws: `FormatError(.malformed)` when the patches are damaged or reach past the image.
    static func applyPatches(_ packed: String, to data: inout Data, in image: Range<Int>) throws {
        guard let bytes = Data(base64Encoded: packed).map([UInt8].init) else {
            throw FormatError(.malformed, "DPX record's patches are not base64")
        }
        var i = 0, end = 0
        func varint() throws -> Int {
            var v = 0, shift = 0
            while i < bytes.count, shift < 56 {
                let b = bytes[i]; i += 1
                v |= Int(b & 0x7F) << shift
                if b < 0x80 { return v }
                shift += 7
            }
            throw FormatError(.malformed, "DPX record's patches are damaged")
        }
        while i < bytes.count {
            let start = end + (try varint())
            let length = try varint()
            guard length > 0, i + length <= bytes.count, start + length <= image.count else {
                throw FormatError(.malformed, "DPX record has a patch outside the image data")
            }
            let at = image.lowerBound + start
            data.replaceSubrange(at ..< (at + length), with: bytes[i..<(i + length)])
            i += length
            end = start + length
        }
    }
}
