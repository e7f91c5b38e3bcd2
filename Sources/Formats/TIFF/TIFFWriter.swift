import Foundation
import ImageCore

/// Writes a frame as a chunky, unsigned-integer TIFF: 8-bit samples for frames of
/// up to 8 bits, 16-bit samples otherwise, scaled by bit replication and with the
/// true depth recorded when the frame's depth is not the stored one.
enum TIFFWriter {
    /// Uncompressed bytes per strip (whole rows; at least one row).
    static let targetStripBytes = 1 << 20

    static func write(_ pixels: PixelBuffer, metadata: FrameMetadata, options: TIFFWriteOptions) throws(FormatError) -> Data {
        do {
            try pixels.validateSampleRange()
        } catch {
            throw FormatError(.malformed, "cannot write the frame as TIFF: \(error)")
        }
        let depth = pixels.bitDepth
        let storedBits = depth <= 8 ? 8 : 16
        let channels = pixels.channels
        let width = pixels.width, height = pixels.height
        let rowBytes = width * channels * storedBits / 8
        let imageBytes = rowBytes * height
        let scheme = compressionCode(options.compression)
        guard LibTIFFFile.isCodecConfigured(scheme) else {
            throw FormatError(.unsupported, "this libtiff cannot write \(options.compression.rawValue) compression")
        }

        let file = try LibTIFFFile(writingBigTIFF: imageBytes > 0xE000_0000,
                                   expectedBytes: options.compression == .none ? imageBytes + 65536 : imageBytes / 2)
        try file.set(TIFFTag.imageWidth, uint32: UInt32(width))
        try file.set(TIFFTag.imageLength, uint32: UInt32(height))
        try file.set(TIFFTag.bitsPerSample, uint16: UInt16(storedBits))
        try file.set(TIFFTag.samplesPerPixel, uint16: UInt16(channels))
        try file.set(TIFFTag.sampleFormat, uint16: 1)
        try file.set(TIFFTag.photometric, uint16: channels >= 3 ? 2 : 1)   // RGB or min-is-black
        try file.set(TIFFTag.planarConfig, uint16: 1)                       // chunky
        if channels == 2 || channels == 4 { try file.setExtraSamples([2]) } // unassociated alpha
        try file.set(TIFFTag.compression, uint16: scheme)
        switch options.compression {
        case .deflate, .lzw, .zstd:
            if options.predictor { try file.set(TIFFTag.predictor, uint16: 2) }
        case .none, .packbits: break
        }
        if let level = options.level {
            switch options.compression {
            case .deflate: try file.set(TIFFTag.zipQuality, int32: Int32(clamping: level))
            case .zstd: try file.set(TIFFTag.zstdLevel, int32: Int32(clamping: level))
            case .none, .lzw, .packbits: break
            }
        }
        let rowsPerStrip = max(1, min(height, targetStripBytes / max(rowBytes, 1)))
        try file.set(TIFFTag.rowsPerStrip, uint32: UInt32(rowsPerStrip))
        try TIFFMetadataMapping.write(metadata, to: file)

        if depth != storedBits || options.frameRecord != nil {
            var record = options.frameRecord ?? TIFFFrameRecord(bitDepth: depth)
            record.bitDepth = depth
            try file.set(TIFF.frameRecordTag, bytes: try encode(record))
        }
        if let seal = options.seal, !seal.isEmpty { try file.set(TIFF.sealTag, bytes: seal) }

        let scale = ReplicationTable(from: depth, to: storedBits)
        var strip = [UInt8](repeating: 0, count: rowsPerStrip * rowBytes)
        let planeSize = pixels.planeSize
        var stripIndex = 0
        for y0 in stride(from: 0, to: height, by: rowsPerStrip) {
            let rows = min(rowsPerStrip, height - y0)
            pixels.samples.withUnsafeBufferPointer { src in
                strip.withUnsafeMutableBufferPointer { dst in
                    for r in 0..<rows {
                        let srcRow = (y0 + r) * width
                        var o = r * rowBytes
                        if storedBits == 8 {
                            for x in 0..<width {
                                for c in 0..<channels {
                                    dst[o] = UInt8(truncatingIfNeeded: scale[src[c * planeSize + srcRow + x]])
                                    o += 1
                                }
                            }
                        } else {
                            for x in 0..<width {
                                for c in 0..<channels {
                                    let v = scale[src[c * planeSize + srcRow + x]]
                                    // Host byte order: libtiff writes the file in it.
                                    #if _endian(little)
                                    dst[o] = UInt8(truncatingIfNeeded: v); dst[o + 1] = UInt8(truncatingIfNeeded: v >> 8)
                                    #else
                                    dst[o] = UInt8(truncatingIfNeeded: v >> 8); dst[o + 1] = UInt8(truncatingIfNeeded: v)
                                    #endif
                                    o += 2
                                }
                            }
                        }
                    }
                }
            }
            try file.writeStrip(stripIndex, &strip, count: rows * rowBytes)
            stripIndex += 1
        }
        return try file.finish(writeDirectory: true)
    }

    static func compressionCode(_ c: TIFFWriteOptions.Compression) -> UInt16 {
        switch c {
        case .none: 1
        case .lzw: 5
        case .deflate: 8
        case .packbits: 32773
        case .zstd: 50000
        }
    }

    static func encode(_ record: TIFFFrameRecord) throws(FormatError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return try encoder.encode(record) } catch {
            throw FormatError(.io, "cannot encode the frame record: \(error)")
        }
    }
}

/// Bit replication from `from` bits to `to` bits as a lookup table: the code's
/// bits repeated from the top (10 → 16: `v << 6 | v >> 4`), so 0 maps to 0, the
/// largest code to the largest, and `>> (to - from)` gives the code back.
struct ReplicationTable {
    private let table: [UInt16]
    private let identity: Bool

    init(from: Int, to: Int) {
        identity = from == to
        guard !identity else { table = []; return }
        table = (0..<(1 << from)).map { Self.replicate(UInt32($0), from: from, to: to) }
    }

    static func replicate(_ v: UInt32, from: Int, to: Int) -> UInt16 {
        var result: UInt32 = 0
        var shift = to - from
        while shift > -from {
            result |= shift >= 0 ? v << UInt32(shift) : v >> UInt32(-shift)
            shift -= from
        }
        return UInt16(truncatingIfNeeded: result & ((1 << UInt32(to)) - 1))
    }

    subscript(_ v: UInt16) -> UInt16 { identity ? v : table[Int(v)] }
}
