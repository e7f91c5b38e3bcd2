import Foundation
import ImageCore

/// Reads the first image of a TIFF: checks that it is a flavour Reelpack handles,
/// then decodes its strips or tiles into planar samples.
enum TIFFReader {
    /// Largest decoded strip or tile accepted (a crafted header cannot ask for more).
    static let maxChunkBytes = 1 << 28

    /// The header fields of the open file's current (first) directory.
    static func info(_ file: LibTIFFFile, data: Data) throws(FormatError) -> TIFFInfo {
        guard let width = file.uint32(TIFFTag.imageWidth), let height = file.uint32(TIFFTag.imageLength) else {
            throw file.error(.malformed, "the TIFF has no image width or length")
        }
        let samples = Int(file.uint16(TIFFTag.samplesPerPixel, defaulted: true) ?? 1)
        let bits = Int(file.uint16(TIFFTag.bitsPerSample, defaulted: true) ?? 1)
        let sampleFormat = file.uint16(TIFFTag.sampleFormat, defaulted: true) ?? 1
        let compression = file.uint16(TIFFTag.compression, defaulted: true) ?? 1
        let photometric = file.uint16(TIFFTag.photometric)
        let planar = file.uint16(TIFFTag.planarConfig, defaulted: true) ?? 1
        // Predictor belongs to the LZW, Deflate, LZMA and zstd codecs: libtiff
        // logs an error when it is asked for under any other compression.
        let predictor = [5, 8, 32946, 34925, 50000].contains(compression)
            ? file.uint16(TIFFTag.predictor, defaulted: true) ?? 1 : 1
        let tiled = file.isTiled
        var rowsPerStrip: Int? = nil
        var tileWidth: Int? = nil, tileHeight: Int? = nil
        if tiled {
            tileWidth = file.uint32(TIFFTag.tileWidth).map(Int.init)
            tileHeight = file.uint32(TIFFTag.tileLength).map(Int.init)
        } else {
            let rows = Int(file.uint32(TIFFTag.rowsPerStrip, defaulted: true) ?? UInt32.max)
            rowsPerStrip = max(1, min(rows, Int(height)))
        }
        let tags = TIFFDirectoryScan.firstDirectory(data).map { file.fieldName($0.tag) ?? String($0.tag) }
        var recorded: Int? = nil
        if let record = try frameRecord(file) { recorded = record.bitDepth }
        return TIFFInfo(
            width: Int(width), height: Int(height), samplesPerPixel: samples, bitsPerSample: bits,
            sampleFormat: Names.sampleFormat(sampleFormat), compression: Names.compression(compression),
            photometric: photometric.map(Names.photometric) ?? "absent",
            planarConfiguration: planar == 2 ? "planar" : "chunky", tiled: tiled,
            tileWidth: tileWidth, tileHeight: tileHeight, rowsPerStrip: rowsPerStrip,
            byteOrder: file.isBigEndian ? "big" : "little", tags: tags, imageCount: file.directoryCount,
            recordedBitDepth: recorded, predictor: Names.predictor(predictor), bigTIFF: file.isBigTIFF)
    }

    /// The `ReelpackFrame` tag, decoded.
    static func frameRecord(_ file: LibTIFFFile) throws(FormatError) -> TIFFFrameRecord? {
        guard let bytes = file.bytes(TIFF.frameRecordTag) else { return nil }
        do {
            return try JSONDecoder().decode(TIFFFrameRecord.self, from: bytes)
        } catch {
            throw FormatError(.malformed, file: file.name, "the ReelpackFrame tag is not a valid frame record: \(error)")
        }
    }

    /// Decodes the first image.
    static func read(_ file: LibTIFFFile, data: Data) throws(FormatError) -> TIFFImage {
        let info = try info(file, data: data)
        try checkSupported(info, file: file)
        let channels = info.samplesPerPixel
        do {
            try PixelBuffer.validate(width: info.width, height: info.height, channels: channels, bitDepth: info.bitsPerSample)
        } catch {
            throw FormatError(.limitExceeded, file: file.name, "\(error)")
        }
        // A tag whose value lies past the end means a truncated file, even when
        // libtiff could skip the tag.
        if let cut = TIFFDirectoryScan.firstDirectory(data).first(where: { !$0.valueInsideFile }) {
            throw FormatError(.malformed, file: file.name,
                              "the value of tag \(file.fieldName(cut.tag) ?? String(cut.tag)) lies past the end of the file (truncated?)")
        }
        // Before allocating: an uncompressed image must fit in the file, and the
        // compressed chunks must lie within it.
        let declaredBytes = (info.width * info.bitsPerSample * channels + 7) / 8 * info.height
        if info.compression == "none", declaredBytes > data.count {
            throw FormatError(.malformed, file: file.name,
                              "the header declares \(declaredBytes) bytes of samples but the file has \(data.count)")
        }
        var stored: UInt64 = 0
        for i in 0..<file.strileCount { stored &+= file.storedBytes(i) }
        guard stored <= UInt64(data.count) else {
            throw FormatError(.malformed, file: file.name,
                              "the strips or tiles claim \(stored) bytes but the file has \(data.count) (truncated?)")
        }
        try checkStripsApartFromHeader(file, data: data, tiled: info.tiled)
        if let ratio = maxExpansion(info.compression), UInt64(declaredBytes) > stored * ratio + 65536 {
            throw FormatError(.malformed, file: file.name,
                              "the header declares \(declaredBytes) bytes of samples but only \(stored) compressed "
                              + "bytes are stored, more than \(info.compression) can expand to")
        }

        if maxExpansion(info.compression) == nil, info.compression != "none" {
            // No bound on how far these codecs expand: decode the first strip or tile
            // before allocating the frame, so a header over garbage fails cheaply.
            try decodeFirstChunk(file, info: info)
        }

        var samples = [UInt16](repeating: 0, count: info.width * info.height * channels)
        if info.tiled {
            try readTiles(file, info: info, into: &samples)
        } else {
            try readStrips(file, info: info, into: &samples)
        }

        let record = try frameRecord(file)
        var bitDepth = info.bitsPerSample
        if let record, record.bitDepth != bitDepth {
            guard (1..<bitDepth).contains(record.bitDepth) else {
                throw FormatError(.malformed, file: file.name,
                                  "the ReelpackFrame tag records \(record.bitDepth)-bit samples in a \(bitDepth)-bit file")
            }
            let shift = UInt16(bitDepth - record.bitDepth)
            for i in samples.indices { samples[i] >>= shift }
            bitDepth = record.bitDepth
        }
        let pixels: PixelBuffer
        do {
            pixels = try PixelBuffer(width: info.width, height: info.height, channels: channels,
                                     bitDepth: bitDepth, samples: samples)
        } catch {
            throw FormatError(.malformed, file: file.name, "\(error)")
        }
        var metadata = TIFFMetadataMapping.read(file)
        metadata.descriptor = [.luma, .lumaAlpha, .rgb, .rgba][channels - 1]
        return TIFFImage(pixels: pixels, metadata: metadata, info: info, frameRecord: record,
                         seal: file.bytes(TIFF.sealTag))
    }

    /// Stored strips or tiles must not overlap the header or the first directory: a
    /// strip offset of 0 would decode the header's own bytes as samples.
    static func checkStripsApartFromHeader(_ file: LibTIFFFile, data: Data, tiled: Bool) throws(FormatError) {
        guard let (header, directory) = TIFFDirectoryScan.headerAndFirstDirectory(data) else { return }
        let what = tiled ? "tile" : "strip"
        for i in 0..<file.strileCount {
            let count = file.storedBytes(i)
            guard count > 0 else { continue }
            let offset = file.storedOffset(i)
            let (end, overflow) = offset.addingReportingOverflow(count)
            let stored = offset..<(overflow ? UInt64.max : end)
            if stored.overlaps(header) {
                throw FormatError(.malformed, file: file.name,
                                  "\(what) \(i) at offset \(offset) overlaps the \(header.count)-byte TIFF header")
            }
            if stored.overlaps(directory) {
                throw FormatError(.malformed, file: file.name,
                                  "\(what) \(i) (bytes \(offset)..<\(stored.upperBound)) overlaps the image file directory (bytes \(directory.lowerBound)..<\(directory.upperBound))")
            }
        }
    }

    /// The most a compression scheme can expand its input (so a header cannot make
    /// Reelpack allocate gigabytes for a few stored bytes); nil when unbounded
    /// in practice (zstd, LZMA).
    static func maxExpansion(_ compression: String) -> UInt64? {
        switch compression {
        case "packbits": 128          // 2 bytes give at most 128
        case "deflate", "deflate-legacy": 1100   // Deflate's limit is about 1032:1
        case "lzw": 3000              // 12-bit codes of strings up to 4096 bytes
        default: nil
        }
    }

    /// Refuses, with a message saying why, every flavour outside 8…16-bit
    /// unsigned grey, grey + alpha, RGB and RGBA.
    static func checkSupported(_ info: TIFFInfo, file: LibTIFFFile) throws(FormatError) {
        func refuse(_ why: String) -> FormatError { FormatError(.unsupported, file: file.name, why) }
        switch info.photometric {
        case "minisblack", "rgb": break
        case "miniswhite" where info.bitsPerSample == 1, "minisblack" where info.bitsPerSample == 1:
            throw refuse("bilevel (1-bit) TIFFs are not supported")
        case "palette": throw refuse("palette (indexed colour) TIFFs are not supported; convert to RGB first")
        case "ycbcr": throw refuse("YCbCr TIFFs (usually JPEG-compressed) are not supported; convert to RGB first")
        case "separated": throw refuse("CMYK (separated) TIFFs are not supported; convert to RGB first")
        case "absent": throw FormatError(.malformed, file: file.name, "the TIFF has no PhotometricInterpretation tag")
        default: throw refuse("\(info.photometric) TIFFs are not supported (only grey and RGB)")
        }
        if info.compression.hasPrefix("jpeg") || info.compression == "ojpeg" {
            throw refuse("JPEG-compressed TIFFs are lossy and not supported")
        }
        if info.bitsPerSample == 1 { throw refuse("bilevel (1-bit) TIFFs are not supported") }
        guard info.sampleFormat == "uint" else {
            throw refuse("\(info.sampleFormat) samples are not supported (only unsigned integers)")
        }
        guard (2...16).contains(info.bitsPerSample) else {
            throw refuse("\(info.bitsPerSample)-bit samples are not supported (up to 16)")
        }
        switch (info.photometric, info.samplesPerPixel) {
        case ("minisblack", 1), ("minisblack", 2), ("rgb", 3), ("rgb", 4): break
        default:
            throw refuse("\(info.samplesPerPixel) samples per pixel with \(info.photometric) is not supported "
                         + "(grey 1-2, RGB 3-4)")
        }
        if info.tiled {
            let tw = info.tileWidth ?? 0, th = info.tileHeight ?? 0
            guard tw > 0, th > 0, tw <= PixelBuffer.maxDimension, th <= PixelBuffer.maxDimension,
                  file.tileBytes > 0, file.tileBytes <= maxChunkBytes else {
                throw FormatError(.limitExceeded, file: file.name, "tile size \(tw)×\(th) is out of range")
            }
        }
    }

    private static func decodeFirstChunk(_ file: LibTIFFFile, info: TIFFInfo) throws(FormatError) {
        let bytes = info.tiled ? file.tileBytes : file.stripBytes(rows: info.rowsPerStrip ?? info.height)
        guard bytes > 0, bytes <= maxChunkBytes else {
            throw FormatError(.limitExceeded, file: file.name, "a strip or tile of \(bytes) bytes is out of range")
        }
        // libtiff stops decoding once the requested bytes are out: the first whole
        // rows of about 64 KiB tell (the predictor works on whole rows).
        let rowBytes = max(1, info.tiled ? file.tileRowBytes : file.scanlineBytes)
        let probe = min(bytes, max(1, (1 << 16) / rowBytes) * rowBytes)
        var buffer = [UInt8](repeating: 0, count: probe)
        try file.readChunk(0, tiled: info.tiled, into: &buffer, expected: probe)
    }

    private static func readStrips(_ file: LibTIFFFile, info: TIFFInfo, into samples: inout [UInt16]) throws(FormatError) {
        let width = info.width, height = info.height, spp = info.samplesPerPixel
        let planar = info.planarConfiguration == "planar"
        let rowsPerStrip = info.rowsPerStrip ?? height
        let rowBytes = file.scanlineBytes
        let perPixel = planar ? 1 : spp
        guard rowBytes > 0, rowBytes >= (width * perPixel * info.bitsPerSample + 7) / 8 else {
            throw file.error(.malformed, "bad scanline size \(rowBytes)")
        }
        let fullStrip = file.stripBytes(rows: rowsPerStrip)
        guard fullStrip > 0, fullStrip <= maxChunkBytes else {
            throw FormatError(.limitExceeded, file: file.name, "strip of \(fullStrip) bytes is out of range")
        }
        var buffer = [UInt8](repeating: 0, count: fullStrip)
        var row = [UInt16](repeating: 0, count: width * perPixel)
        let planeSize = width * height
        for plane in 0..<(planar ? spp : 1) {
            for y0 in stride(from: 0, to: height, by: rowsPerStrip) {
                let rows = min(rowsPerStrip, height - y0)
                let index = file.strip(row: y0, plane: plane)
                let expected = file.stripBytes(rows: rows)
                // The rows unpacked below must lie in what was decoded (release builds
                // do not check array bounds in this module).
                guard expected >= rows * rowBytes, expected <= buffer.count else {
                    throw file.error(.malformed, "strip \(index) has \(expected) bytes for \(rows) rows of \(rowBytes)")
                }
                try file.readChunk(index, tiled: false, into: &buffer, expected: expected)
                for r in 0..<rows {
                    SampleUnpacking.unpack(buffer, from: r * rowBytes, bits: info.bitsPerSample, into: &row, count: row.count)
                    let base = (y0 + r) * width
                    if planar {
                        let start = plane * planeSize + base
                        for x in 0..<width { samples[start + x] = row[x] }
                    } else {
                        for c in 0..<spp {
                            let start = c * planeSize + base
                            for x in 0..<width { samples[start + x] = row[x * spp + c] }
                        }
                    }
                }
            }
        }
    }

    private static func readTiles(_ file: LibTIFFFile, info: TIFFInfo, into samples: inout [UInt16]) throws(FormatError) {
        let width = info.width, height = info.height, spp = info.samplesPerPixel
        let planar = info.planarConfiguration == "planar"
        let tw = info.tileWidth ?? 1, th = info.tileHeight ?? 1
        let perPixel = planar ? 1 : spp
        let rowBytes = file.tileRowBytes
        let tileBytes = file.tileBytes
        guard rowBytes >= (tw * perPixel * info.bitsPerSample + 7) / 8, tileBytes >= rowBytes * th else {
            throw file.error(.malformed, "bad tile row size \(rowBytes)")
        }
        var buffer = [UInt8](repeating: 0, count: tileBytes)
        var row = [UInt16](repeating: 0, count: tw * perPixel)
        let planeSize = width * height
        for plane in 0..<(planar ? spp : 1) {
            for y0 in stride(from: 0, to: height, by: th) {
                for x0 in stride(from: 0, to: width, by: tw) {
                    let index = file.tile(x: x0, y: y0, plane: plane)
                    try file.readChunk(index, tiled: true, into: &buffer, expected: tileBytes)
                    let rows = min(th, height - y0), cols = min(tw, width - x0)
                    for r in 0..<rows {
                        SampleUnpacking.unpack(buffer, from: r * rowBytes, bits: info.bitsPerSample,
                                               into: &row, count: cols * perPixel)
                        let base = (y0 + r) * width + x0
                        if planar {
                            let start = plane * planeSize + base
                            for x in 0..<cols { samples[start + x] = row[x] }
                        } else {
                            for c in 0..<spp {
                                let start = c * planeSize + base
                                for x in 0..<cols { samples[start + x] = row[x * spp + c] }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Sample codes from decoded TIFF rows: 8-bit bytes, 16-bit host-order words
/// (libtiff has already swapped them), or any other depth packed MSB first.
enum SampleUnpacking {
    /// Unpacks `count` samples of `bits` bits starting at byte `offset` of `bytes`.
    /// The caller guarantees the row holds them (checked against libtiff's row size).
    static func unpack(_ bytes: [UInt8], from offset: Int, bits: Int, into out: inout [UInt16], count: Int) {
        switch bits {
        case 8:
            for i in 0..<count { out[i] = UInt16(bytes[offset + i]) }
        case 16:
            for i in 0..<count {
                let a = UInt16(bytes[offset + 2 * i]), b = UInt16(bytes[offset + 2 * i + 1])
                #if _endian(little)
                out[i] = a | b << 8
                #else
                out[i] = a << 8 | b
                #endif
            }
        default:
            var bitPosition = offset * 8
            let mask = UInt32((1 << bits) - 1)
            for i in 0..<count {
                // Up to 16 bits starting anywhere in a byte span at most 3 bytes.
                let byte = bitPosition >> 3, skip = bitPosition & 7
                var window = UInt32(bytes[byte]) << 16
                if skip + bits > 8 { window |= UInt32(bytes[byte + 1]) << 8 }
                if skip + bits > 16 { window |= UInt32(bytes[byte + 2]) }
                out[i] = UInt16((window >> UInt32(24 - skip - bits)) & mask)
                bitPosition += bits
            }
        }
    }
}

/// Readable names for TIFF codes.
enum Names {
    static func compression(_ code: UInt16) -> String {
        switch code {
        case 1: "none"
        case 2: "ccittrle"
        case 3: "ccittfax3"
        case 4: "ccittfax4"
        case 5: "lzw"
        case 6: "ojpeg"
        case 7: "jpeg"
        case 8: "deflate"
        case 32946: "deflate-legacy"
        case 32773: "packbits"
        case 34925: "lzma"
        case 50000: "zstd"
        case 50001: "webp"
        case 34887: "lerc"
        case 34712, 33003, 33005: "jpeg2000"
        default: "code \(code)"
        }
    }

    static func photometric(_ code: UInt16) -> String {
        switch code {
        case 0: "miniswhite"
        case 1: "minisblack"
        case 2: "rgb"
        case 3: "palette"
        case 4: "mask"
        case 5: "separated"
        case 6: "ycbcr"
        case 8: "cielab"
        case 9: "icclab"
        case 10: "itulab"
        case 32844: "logl"
        case 32845: "logluv"
        default: "code \(code)"
        }
    }

    static func sampleFormat(_ code: UInt16) -> String {
        switch code {
        case 1: "uint"
        case 2: "int"
        case 3: "float"
        case 4: "void"
        case 5: "complexint"
        case 6: "complexfloat"
        default: "code \(code)"
        }
    }

    static func predictor(_ code: UInt16) -> String {
        switch code {
        case 1: "none"
        case 2: "horizontal"
        case 3: "floatingpoint"
        default: "code \(code)"
        }
    }
}
