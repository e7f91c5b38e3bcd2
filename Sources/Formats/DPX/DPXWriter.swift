import Foundation
import ImageCore

/// How `DPXWriter` lays out a new file.
public struct DPXWriteOptions: Sendable, Equatable {
    /// Bits per sample in the file (8, 10, 12 or 16); nil keeps the frame's depth.
    public var bitDepth: Int?
    /// Packing: `.filledA` (the usual 10-bit scan layout), `.filledB`, or `.packed`.
    /// 8- and 16-bit samples are the same either way (the header says packed or filled).
    public var packing: DPXPacking
    public var byteOrder: DPXByteOrder

    public init(bitDepth: Int? = nil, packing: DPXPacking = .filledA, byteOrder: DPXByteOrder = .big) {
        self.bitDepth = bitDepth; self.packing = packing; self.byteOrder = byteOrder
    }
}

/// Writes DPX files: new ones from samples and metadata, and byte-exact rebuilds of
/// files read before (from their samples and `DPXRebuildRecord`).
public enum DPXWriter {
    /// Offset of the image data in files Reelpack writes (right after the 2048-byte headers).
    public static let imageDataOffset = 2048

    /// Writes a new DPX (V2.0, one element; descriptor 6, 50 or 51 for 1, 3 or 4 channels).
    /// - Throws: `FormatError(.unsupported)` for 2 channels or a depth DPX does not store,
    ///   `FormatError(.malformed)` when a sample exceeds the chosen depth.
    public static func write(_ pixels: PixelBuffer, metadata: FrameMetadata = FrameMetadata(),
                             options: DPXWriteOptions = DPXWriteOptions()) throws -> Data {
        let depth = options.bitDepth ?? pixels.bitDepth
        guard [8, 10, 12, 16].contains(depth) else {
            throw FormatError(.unsupported, "DPX cannot store \(depth)-bit samples (8, 10, 12 or 16)")
        }
        let descriptor: Int
        switch pixels.channels {
        case 1: descriptor = 6
        case 3: descriptor = 50
        case 4: descriptor = 51
        default: throw FormatError(.unsupported, "DPX cannot store \(pixels.channels) channels (1, 3 or 4)")
        }
        do {
            if depth == pixels.bitDepth {
                try pixels.validateSampleRange()
            } else {
                _ = try pixels.redeclared(bitDepth: depth)
            }
        } catch {
            throw FormatError(.malformed, "samples do not fit \(depth) bits: \(error)")
        }
        let layout = try DPXLayout(width: pixels.width, height: pixels.height, channels: pixels.channels,
                                   bitDepth: depth, packing: options.packing, byteOrder: options.byteOrder,
                                   dataOffset: imageDataOffset, alignRows: false)
        var header = DPXHeaderWriter(byteOrder: options.byteOrder)
        header.fill(pixels: pixels, layout: layout, descriptor: descriptor, metadata: metadata)
        var out = header.bytes
        out.append(Data(count: layout.dataBytes))
        try encodeImageData(pixels, layout: layout, into: &out, at: layout.dataOffset)
        return out
    }

    /// Rebuilds a file from its samples and the record made when it was read: the same
    /// bytes as the original.
    /// - Throws: `FormatError(.malformed)` when the record is damaged or does not fit `pixels`.
    public static func rebuild(pixels: PixelBuffer, record: DPXRebuildRecord) throws -> Data {
        let layout = record.layout
        guard pixels.width == layout.width, pixels.height == layout.height, pixels.channels == layout.channels else {
            throw FormatError(.malformed, "DPX record is for \(layout.width)×\(layout.height)×\(layout.channels), samples are \(pixels.width)×\(pixels.height)×\(pixels.channels)")
        }
        guard let headerBytes = Data(base64Encoded: record.header), headerBytes.count <= record.headerLength,
              record.headerLength == layout.dataOffset, record.headerLength >= 0 else {
            throw FormatError(.malformed, "DPX record's header is damaged")
        }
        try checkRecordSizes(layout)
        let pixelsAtDepth: PixelBuffer
        do { pixelsAtDepth = try pixels.redeclared(bitDepth: layout.bitDepth) } catch {
            throw FormatError(.malformed, "samples do not fit the record's \(layout.bitDepth) bits: \(error)")
        }
        var trailer = Data()
        if let text = record.trailer {
            guard let bytes = Data(base64Encoded: text) else { throw FormatError(.malformed, "DPX record's trailer is damaged") }
            trailer = bytes
        }
        // One buffer for the whole file: the image data is encoded in place, not
        // encoded apart and then copied in.
        let (withImage, imageOverflow) = record.headerLength.addingReportingOverflow(layout.dataBytes)
        let (total, trailerOverflow) = withImage.addingReportingOverflow(trailer.count)
        guard layout.dataBytes >= 0, !imageOverflow, !trailerOverflow else {
            throw FormatError(.malformed, "DPX record's layout is damaged")
        }
        var out = Data(capacity: total)
        out.append(headerBytes)
        out.append(Data(repeating: record.headerFill ?? 0, count: record.headerLength - headerBytes.count))
        let image = out.count ..< out.count + layout.dataBytes
        out.count = image.upperBound
        try encodeImageData(pixelsAtDepth, layout: layout, into: &out, at: image.lowerBound)
        if let patches = record.patches {
            try DPXRebuildRecord.applyPatches(patches, to: &out, in: image)
        }
        out.append(trailer)
        return out
    }

    /// Largest end-of-line padding believed in a record: a row's own bytes, or 64 KiB.
    static let largestRowPadding = 1 << 16
    /// Largest header region believed in a record (DPX headers with user data are at most about 1 MiB).
    static let largestHeaderLength = 1 << 24

    /// Checks a record's sizes against its geometry before anything is allocated: a
    /// rebuild record comes from an archive, which may be damaged or crafted.
    /// - Throws: `FormatError(.malformed)` naming the size that is impossible.
    static func checkRecordSizes(_ layout: DPXLayout) throws {
        let n = layout.samplesPerRow
        guard layout.width > 0, layout.height > 0, layout.channels > 0, layout.width <= 1 << 20, layout.height <= 1 << 20,
              layout.channels <= 4,
              !layout.samplesSpanRows || (layout.bitDepth == 10 && layout.packing != .packed && layout.rowStride == layout.rowBytes),
              let aligned = DPXLayout.alignedRowBytes(samples: n, bitDepth: layout.bitDepth, packing: layout.packing) else {
            throw FormatError(.malformed, "DPX record's layout is damaged (geometry or depth)")
        }
        let unaligned = DPXLayout.unalignedRowBytes(samples: n, bitDepth: layout.bitDepth, packing: layout.packing) ?? aligned
        guard layout.rowBytes >= min(aligned, unaligned), layout.rowBytes <= max(aligned, unaligned) else {
            throw FormatError(.malformed, "DPX record's row size \(layout.rowBytes) does not fit \(layout.width)×\(layout.channels) \(layout.bitDepth)-bit samples")
        }
        let padding = layout.rowStride - layout.rowBytes
        guard padding >= 0, padding <= max(layout.rowBytes, largestRowPadding) else {
            throw FormatError(.malformed, "DPX record's row stride \(layout.rowStride) is impossible for \(layout.rowBytes)-byte rows")
        }
        guard layout.dataOffset >= 0, layout.dataOffset <= largestHeaderLength else {
            throw FormatError(.malformed, "DPX record's image data offset \(layout.dataOffset) is impossible")
        }
    }

    /// The image data region for `pixels` in `layout`, with zero padding.
    /// - Throws: `FormatError(.malformed)` when `pixels` does not match the layout's geometry.
    static func encodeImageData(_ pixels: PixelBuffer, layout: DPXLayout) throws -> Data {
        var out = Data(count: layout.dataBytes)
        try encodeImageData(pixels, layout: layout, into: &out, at: 0)
        return out
    }

    /// Encodes into `out` (zero-filled where padding goes) starting at byte `offset`.
    static func encodeImageData(_ pixels: PixelBuffer, layout declared: DPXLayout, into out: inout Data, at offset: Int) throws {
        guard pixels.width == declared.width, pixels.height == declared.height, pixels.channels == declared.channels,
              !declared.samplesSpanRows || (declared.bitDepth == 10 && declared.packing != .packed) else {
            throw FormatError(.malformed, "samples do not match the DPX layout")
        }
        // The layout may come from a record (untrusted): rows must hold every sample the kernels write.
        let layout = declared.kernelView
        let n = layout.samplesPerRow
        guard pixels.width * pixels.height == layout.width * layout.height,
              let needed = DPXLayout.unalignedRowBytes(samples: n, bitDepth: layout.bitDepth, packing: layout.packing)
                ?? DPXLayout.alignedRowBytes(samples: n, bitDepth: layout.bitDepth, packing: layout.packing),
              layout.rowBytes >= needed, layout.rowStride >= layout.rowBytes, layout.dataOffset >= 0 else {
            throw FormatError(.malformed, "samples do not match the DPX layout")
        }
        guard offset >= 0, offset + layout.dataBytes <= out.count else {
            throw FormatError(.malformed, "DPX output buffer is too small for the layout")
        }
        out.withUnsafeMutableBytes { raw in
            pixels.samples.withUnsafeBufferPointer { planes in
                guard let dst = raw.baseAddress, let src = planes.baseAddress else { return }
                DPXSampleCodec.encode(planes: src, layout: layout, into: dst + offset)
            }
        }
    }
}

/// Fills the 2048 header bytes of a new file; undefined numeric fields are all ones.
struct DPXHeaderWriter {
    var bytes = Data(count: DPXHeader.fullHeaderSize)
    let big: Bool

    init(byteOrder: DPXByteOrder) { big = byteOrder == .big }

    mutating func u8(_ o: Int, _ v: UInt8) { bytes[o] = v }
    mutating func u16(_ o: Int, _ v: UInt16) {
        let b = big ? v.bigEndian : v.littleEndian
        withUnsafeBytes(of: b) { bytes.replaceSubrange(o..<(o + 2), with: $0) }
    }
    mutating func u32(_ o: Int, _ v: UInt32) {
        let b = big ? v.bigEndian : v.littleEndian
        withUnsafeBytes(of: b) { bytes.replaceSubrange(o..<(o + 4), with: $0) }
    }
    mutating func u32(_ o: Int, _ v: Int?) { u32(o, v.map { UInt32(clamping: $0) } ?? 0xFFFF_FFFF) }
    mutating func f32(_ o: Int, _ v: Double?) { u32(o, v.map { Float($0).bitPattern } ?? 0xFFFF_FFFF) }
    mutating func text(_ o: Int, _ n: Int, _ s: String?) {
        let utf8 = Array((s ?? "").utf8.prefix(n - 1))
        bytes.replaceSubrange(o..<(o + utf8.count), with: utf8)
    }

    mutating func fill(pixels: PixelBuffer, layout: DPXLayout, descriptor: Int, metadata m: FrameMetadata) {
        // Undefined by default: every numeric field of the image, orientation, film and TV headers.
        bytes.replaceSubrange(660..<664, with: [0xFF, 0xFF, 0xFF, 0xFF])
        bytes.replaceSubrange(768..<2048, with: [UInt8](repeating: 0xFF, count: 1280))
        u32(0, 0x5344_5058)
        u32(4, layout.dataOffset)
        text(8, 8, "V2.0")
        u32(16, layout.dataOffset + layout.dataBytes)
        u32(20, 1)
        u32(24, DPXHeader.genericHeaderSize)
        u32(28, DPXHeader.fullHeaderSize - DPXHeader.genericHeaderSize)
        u32(32, 0)
        text(36, 100, m.originalFileName)
        text(136, 24, m.creationDate ?? Self.now())
        text(160, 100, m.creator ?? "Reelpack")
        text(260, 200, m.project)
        text(460, 200, m.copyright)
        // Image information.
        u16(768, UInt16(clamping: m.orientation ?? 0))
        u16(770, 1)
        u32(772, layout.width)
        u32(776, layout.height)
        // Elements 2…8 stay undefined; element 1:
        let e = 780
        u32(e, 0)
        u32(e + 4, 0)
        f32(e + 8, nil)
        u32(e + 12, (1 << layout.bitDepth) - 1)
        f32(e + 16, nil)
        u8(e + 20, UInt8(descriptor))
        u8(e + 21, UInt8(clamping: Self.code(m.extra["dpx.transferCode"], name: m.transfer)))
        u8(e + 22, UInt8(clamping: Self.code(m.extra["dpx.colorimetricCode"], name: m.colorimetric, names: DPXHeader.colorimetricName)))
        u8(e + 23, UInt8(layout.bitDepth))
        u16(e + 24, UInt16(layout.bitDepth == 8 || layout.bitDepth == 16 ? (layout.packing == .packed ? 0 : 1) : layout.packing.code))
        u16(e + 26, 0)
        u32(e + 28, layout.dataOffset)
        u32(e + 32, 0)
        u32(e + 36, 0)
        bytes.replaceSubrange((e + 40)..<(e + 72), with: [UInt8](repeating: 0, count: 32))
        text(e + 40, 32, m.extra["dpx.elementDescription"])
        for k in 1..<8 {   // description text of unused elements: empty
            bytes.replaceSubrange((e + 72 * k + 40)..<(e + 72 * k + 72), with: [UInt8](repeating: 0, count: 32))
        }
        bytes.replaceSubrange(1356..<1408, with: [UInt8](repeating: 0, count: 52))
        // Orientation header: text fields empty, numbers undefined unless known.
        for (o, n) in [(1432, 100), (1532, 24), (1556, 32), (1588, 32)] {
            bytes.replaceSubrange(o..<(o + n), with: [UInt8](repeating: 0, count: n))
        }
        u32(1408, Int(m.extra["dpx.xOffset"] ?? ""))
        u32(1412, Int(m.extra["dpx.yOffset"] ?? ""))
        u32(1424, Int(m.extra["dpx.xOriginalSize"] ?? ""))
        u32(1428, Int(m.extra["dpx.yOriginalSize"] ?? ""))
        text(1432, 100, m.extra["dpx.sourceFileName"])
        text(1532, 24, m.extra["dpx.sourceDate"])
        text(1556, 32, m.inputDevice)
        text(1588, 32, m.inputDeviceSerial)
        bytes.replaceSubrange(1644..<1664, with: [UInt8](repeating: 0, count: 20))
        // Film header.
        for (o, n) in [(1664, 48), (1732, 132), (1864, 56)] {
            bytes.replaceSubrange(o..<(o + n), with: [UInt8](repeating: 0, count: n))
        }
        text(1664, 3, m.extra["dpx.filmManufacturerID"])
        text(1666, 3, m.extra["dpx.filmType"])
        text(1668, 3, m.extra["dpx.perfsOffset"])
        text(1670, 7, m.extra["dpx.filmPrefix"])
        text(1676, 5, m.extra["dpx.filmCount"])
        text(1680, 32, m.extra["dpx.filmFormat"])
        u32(1712, m.framePosition)
        u32(1716, m.sequenceLength)
        u32(1720, Int(m.extra["dpx.heldCount"] ?? ""))
        f32(1724, m.frameRate)
        text(1732, 32, m.extra["dpx.frameID"])
        text(1764, 100, m.extra["dpx.slate"])
        // Television header.
        u32(1920, m.timecode.flatMap(Self.bcd) ?? 0xFFFF_FFFF)
        f32(1940, m.frameRate)
        bytes.replaceSubrange(1972..<2048, with: [UInt8](repeating: 0, count: 76))
    }

    /// A DPX characteristic code from a stored code or a name `DPXHeader.characteristicName` gives.
    static func code(_ stored: String?, name: String?,
                     names: (Int) -> String = DPXHeader.characteristicName) -> Int {
        if let stored, let c = Int(stored) { return c }
        guard let name else { return 255 }
        return (0...18).first { names($0) == name } ?? 255
    }

    /// The BCD word of `HH:MM:SS:FF`, or nil when the text is not a timecode.
    static func bcd(_ timecode: String) -> UInt32? {
        let digits = timecode.filter(\.isNumber).compactMap { $0.wholeNumberValue }
        guard digits.count == 8 else { return nil }
        return digits.reduce(UInt32(0)) { $0 << 4 | UInt32($1) }
    }

    static func now() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy:MM:dd:HH:mm:ss'Z'"
        return f.string(from: Date())
    }
}
