import Foundation
import ImageCore

extension DPXHeader {
    /// Parses the header of a DPX file without decoding any sample: cheap, for callers
    /// that need only the dimensions, depth, layout or metadata.
    ///
    /// - Parameters:
    ///   - data: the file's bytes, or at least its headers (the first 2048 bytes, or up
    ///     to the image data offset when that is smaller).
    ///   - name: the file's name, used in errors.
    ///   - fileSize: the whole file's size when `data` holds only its beginning; the
    ///     layout is checked against it (default: `data.count`).
    /// - Throws: `FormatError` — `.malformed` (bad magic, truncated header, offsets or
    ///   sizes past the end of the file), `.unsupported` (descriptor, depth, packing,
    ///   several elements, run-length encoding), `.limitExceeded` (absurd dimensions;
    ///   checked before anything is allocated).
    public static func parse(_ data: Data, name: String? = nil, fileSize: Int? = nil) throws -> DPXHeader {
        do {
            return try parseUnnamed(data, fileSize: fileSize ?? data.count)
        } catch let error as FormatError {
            throw name.map { error.naming($0) } ?? error
        }
    }

    private static func parseUnnamed(_ data: Data, fileSize: Int) throws -> DPXHeader {
        guard data.count >= 4 else { throw FormatError(.malformed, "file is \(data.count) bytes, too short for a DPX") }
        let r = ByteReader(data)
        let byteOrder: DPXByteOrder
        switch r.u32(0, big: true) {
        case 0x5344_5058: byteOrder = .big      // "SDPX"
        case 0x5850_4453: byteOrder = .little   // "XPDS"
        default:
            throw FormatError(.malformed, "not a DPX file (magic bytes \(r.hex(0, 4)), expected SDPX or XPDS)")
        }
        r.big = byteOrder == .big
        guard data.count >= genericHeaderSize, fileSize >= genericHeaderSize else {
            throw FormatError(.malformed, "truncated DPX header: \(min(data.count, fileSize)) bytes, the generic header needs \(genericHeaderSize)")
        }
        var warnings: [String] = []

        // File information.
        var file = FileInfo(
            imageDataOffset: Int(r.u32(4)), version: r.text(8, 8) ?? "", fileSize: Int(r.u32(16)),
            dittoKey: r.optU32(20).map(Int.init), genericHeaderSize: Int(r.u32(24)),
            industryHeaderSize: Int(r.u32(28)), userDataSize: Int(r.optU32(32) ?? 0),
            userDataID: nil, fileName: r.text(36, 100), creationDate: r.text(136, 24),
            creator: r.text(160, 100), project: r.text(260, 200), copyright: r.text(460, 200),
            encryptionKey: r.optU32(660))
        if !["V1.0", "V2.0"].contains(file.version) {
            warnings.append("unknown version \"\(file.version)\" (read as V2.0)")
        }
        if file.fileSize != fileSize {
            warnings.append("header gives the file size as \(file.fileSize) bytes, the file has \(fileSize)")
        }

        // Image information.
        let elementCount = Int(r.u16(770))
        let width = Int(r.u32(772)), height = Int(r.u32(776))
        let e = 780
        let element = Element(
            dataSign: Int(r.u32(e)), referenceLowCode: r.optU32(e + 4).map(Int.init),
            referenceLowQuantity: r.optF32(e + 8), referenceHighCode: r.optU32(e + 12).map(Int.init),
            referenceHighQuantity: r.optF32(e + 16), descriptor: Int(r.u8(e + 20)),
            transfer: Int(r.u8(e + 21)), colorimetric: Int(r.u8(e + 22)), bitDepth: Int(r.u8(e + 23)),
            packing: Int(r.u16(e + 24)), encoding: Int(r.u16(e + 26)), dataOffset: Int(r.u32(e + 28)),
            endOfLinePadding: Int(r.optU32(e + 32) ?? 0), endOfImagePadding: Int(r.optU32(e + 36) ?? 0),
            description: r.text(e + 40, 32))
        let image = ImageInfo(orientation: Int(r.u16(768)), elementCount: elementCount,
                              width: width, height: height, element: element)

        // Geometry first: nothing below allocates, but the layout arithmetic must stay sane.
        guard elementCount >= 1, elementCount <= 8 else {
            throw FormatError(.malformed, "image element count \(elementCount) is out of range (1…8)")
        }
        guard elementCount == 1 else {
            throw FormatError(.unsupported, "DPX with \(elementCount) image elements is not supported (one element only)")
        }
        guard width > 0, height > 0 else {
            throw FormatError(.malformed, "image dimensions \(width)×\(height) are empty")
        }
        guard let channels = channels(forDescriptor: element.descriptor) else {
            throw FormatError(.unsupported, "DPX descriptor \(element.descriptor) is not supported (6 luma, 50 RGB, 51 RGBA)")
        }
        do {
            try PixelBufferValidation.check(width: width, height: height, channels: channels, bitDepth: max(1, min(16, element.bitDepth)))
        } catch {
            throw FormatError(.limitExceeded, "image dimensions \(width)×\(height)×\(channels) exceed the limits: \(error)")
        }
        guard [8, 10, 12, 16].contains(element.bitDepth) else {
            throw FormatError(.unsupported, "\(element.bitDepth)-bit DPX samples are not supported (8, 10, 12 or 16)")
        }
        guard element.encoding == 0 else {
            throw FormatError(.unsupported, "run-length encoded DPX (encoding \(element.encoding)) is not supported")
        }
        guard element.dataSign == 0 else {
            throw FormatError(.unsupported, "signed DPX samples are not supported")
        }
        let packing: DPXPacking
        switch element.packing {
        case 0: packing = .packed
        case 1: packing = .filledA
        case 2: packing = .filledB
        default: throw FormatError(.unsupported, "DPX packing \(element.packing) is not supported (0 packed, 1 or 2 filled)")
        }
        if [1, 2, 3, 4].contains(element.descriptor) {
            warnings.append("descriptor \(element.descriptor) (single component) read as one channel")
        }

        // Where the samples start: the element's offset, unless only the file's is sane.
        var dataOffset = element.dataOffset
        if element.dataOffset != file.imageDataOffset {
            if element.dataOffset >= genericHeaderSize, element.dataOffset < fileSize {
                warnings.append("element data offset \(element.dataOffset) differs from the file's image offset \(file.imageDataOffset); using the element's")
            } else if file.imageDataOffset >= genericHeaderSize, file.imageDataOffset < fileSize {
                warnings.append("element data offset \(element.dataOffset) is invalid; using the file's image offset \(file.imageDataOffset)")
                dataOffset = file.imageDataOffset
            }
        }
        guard dataOffset >= genericHeaderSize else {
            throw FormatError(.malformed, "image data offset \(dataOffset) lies inside the \(genericHeaderSize)-byte header")
        }
        guard dataOffset < fileSize else {
            throw FormatError(.malformed, "image data offset \(dataOffset) is past the end of the \(fileSize)-byte file")
        }

        // Rows: aligned to 32-bit words as the standard says; back to back (as
        // OpenImageIO writes 8-, 16- and filled 12-bit rows) when the file's size
        // rules out the aligned form.
        var eol = element.endOfLinePadding
        let rowGuess = DPXLayout.alignedRowBytes(samples: width * channels, bitDepth: element.bitDepth, packing: packing) ?? 0
        if eol >= 1 << 20 || eol > max(rowGuess, DPXWriter.largestRowPadding) {
            warnings.append("end-of-line padding \(eol) bytes is absurd; ignored")
            eol = 0
        }
        var layout = try DPXLayout(width: width, height: height, channels: channels, bitDepth: element.bitDepth,
                                   packing: packing, byteOrder: byteOrder, dataOffset: dataOffset,
                                   endOfLinePadding: eol)
        let available = fileSize - dataOffset
        // Scanity and Lasergraphics scanners run 10-bit luma (and RGBA) samples across
        // row ends. Their name in the header says so; a file whose rows cannot be
        // word-aligned in the bytes present but whose samples fit run together says so too.
        let canSpanRows = element.bitDepth == 10 && packing != .packed && eol == 0 && channels != 3
        if canSpanRows {
            let spanning = try DPXLayout.spanningRows(width: width, height: height, channels: channels, packing: packing,
                                                      byteOrder: byteOrder, dataOffset: dataOffset)
            if spanning.dataBytes <= available {
                if Self.writesSamplesAcrossRows(r) {
                    layout = spanning
                } else if layout.dataBytes > available {
                    warnings.append("rows are not word-aligned: samples read three to a word across row ends, as Scanity and Lasergraphics scanners write them")
                    layout = spanning
                }
            }
        }
        if layout.dataBytes > available {
            if let unaligned = DPXLayout.unalignedRowBytes(samples: width * channels, bitDepth: element.bitDepth, packing: packing),
               unaligned != layout.rowBytes, (unaligned + eol) * height <= available {
                layout.rowBytes = unaligned
                layout.rowStride = unaligned + eol
            } else if eol > 0, layout.rowBytes * height <= available {
                warnings.append("end-of-line padding \(eol) does not fit in the file; ignored")
                layout.rowStride = layout.rowBytes
            } else {
                throw FormatError(.malformed, "truncated image data: \(layout.dataBytes) bytes needed at offset \(dataOffset), \(available) present")
            }
        }

        // Sections between the generic header and the image data.
        var orientation: OrientationInfo?
        if dataOffset >= 1664, data.count >= 1664 {
            orientation = OrientationInfo(
                xOffset: r.optU32(1408).map(Int.init), yOffset: r.optU32(1412).map(Int.init),
                xCenter: r.optF32(1416), yCenter: r.optF32(1420),
                xOriginalSize: r.optU32(1424).map(Int.init), yOriginalSize: r.optU32(1428).map(Int.init),
                sourceFileName: r.text(1432, 100), sourceDate: r.text(1532, 24),
                inputDevice: r.text(1556, 32), inputDeviceSerial: r.text(1588, 32),
                border: (0..<4).map { r.optU16(1620 + 2 * $0).map(Int.init) },
                pixelAspect: (0..<2).map { r.optU32(1628 + 4 * $0).map(Int.init) })
        }
        var film: FilmInfo?
        var television: TelevisionInfo?
        if file.industryHeaderSize > 0, dataOffset >= fullHeaderSize, data.count >= fullHeaderSize {
            film = FilmInfo(
                manufacturerID: r.text(1664, 2), filmType: r.text(1666, 2), perfsOffset: r.text(1668, 2),
                prefix: r.text(1670, 6), count: r.text(1676, 4), format: r.text(1680, 32),
                framePosition: r.optU32(1712).map(Int.init), sequenceLength: r.optU32(1716).map(Int.init),
                heldCount: r.optU32(1720).map(Int.init), frameRate: r.optF32(1724), shutterAngle: r.optF32(1728),
                frameID: r.text(1732, 32), slate: r.text(1764, 100))
            television = TelevisionInfo(
                timecode: r.optU32(1920).flatMap(Self.timecode), userBits: r.optU32(1924),
                interlace: r.optU8(1928).map(Int.init), fieldNumber: r.optU8(1929).map(Int.init),
                videoSignal: r.optU8(1930).map(Int.init), horizontalSampleRate: r.optF32(1932),
                verticalSampleRate: r.optF32(1936), frameRate: r.optF32(1940), timeOffset: r.optF32(1944),
                gamma: r.optF32(1948), blackLevel: r.optF32(1952), blackGain: r.optF32(1956),
                breakpoint: r.optF32(1960), whiteLevel: r.optF32(1964), integrationTimes: r.optF32(1968))
        } else if file.industryHeaderSize > 0 {
            warnings.append("industry header (\(file.industryHeaderSize) bytes) overlaps the image data; ignored")
        }
        if file.userDataSize > 0 {
            if fullHeaderSize + file.userDataSize > dataOffset {
                warnings.append("user data size \(file.userDataSize) overlaps the image data at \(dataOffset)")
            } else if data.count >= fullHeaderSize + 32 {
                file.userDataID = r.text(fullHeaderSize, 32)
            }
        }
        return DPXHeader(byteOrder: byteOrder, file: file, image: image, orientation: orientation,
                         film: film, television: television, layout: layout, warnings: warnings)
    }

    /// True when the header names a writer known to run 10-bit samples across row ends:
    /// creator "Lasergraphics Inc." or input device "Scanity" (RAWcooked treats the same
    /// names so).
    static func writesSamplesAcrossRows(_ r: ByteReader) -> Bool {
        (r.text(160, 100) ?? "").hasPrefix("Lasergraphics Inc.") || (r.text(1556, 32) ?? "").hasPrefix("Scanity")
    }

    /// `HH:MM:SS:FF` from a BCD timecode word, or nil when a digit is not decimal.
    static func timecode(_ word: UInt32) -> String? {
        var digits: [UInt32] = []
        for shift in stride(from: 28, through: 0, by: -4) {
            let d = (word >> UInt32(shift)) & 0xF
            guard d <= 9 else { return nil }
            digits.append(d)
        }
        return stride(from: 0, to: 8, by: 2).map { "\(digits[$0])\(digits[$0 + 1])" }.joined(separator: ":")
    }
}

/// `PixelBuffer.validate` with a plain error, so header parsing can rethrow as a `FormatError`.
enum PixelBufferValidation {
    static func check(width: Int, height: Int, channels: Int, bitDepth: Int) throws {
        try PixelBuffer.validate(width: width, height: height, channels: channels, bitDepth: bitDepth)
    }
}

/// Reads header fields at fixed offsets; every read is bounds-checked (out of range reads as undefined).
final class ByteReader {
    let bytes: [UInt8]
    var big = true

    init(_ data: Data) { bytes = [UInt8](data.prefix(DPXHeader.fullHeaderSize + 32)) }

    func u8(_ o: Int) -> UInt8 { o < bytes.count ? bytes[o] : 0xFF }
    func u16(_ o: Int) -> UInt16 {
        guard o + 2 <= bytes.count else { return 0xFFFF }
        return big ? UInt16(bytes[o]) << 8 | UInt16(bytes[o + 1]) : UInt16(bytes[o + 1]) << 8 | UInt16(bytes[o])
    }
    func u32(_ o: Int, big explicit: Bool? = nil) -> UInt32 {
        guard o + 4 <= bytes.count else { return 0xFFFF_FFFF }
        let b = (0..<4).map { UInt32(bytes[o + $0]) }
        return explicit ?? big ? b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] : b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0]
    }
    func optU8(_ o: Int) -> UInt8? { let v = u8(o); return v == 0xFF ? nil : v }
    func optU16(_ o: Int) -> UInt16? { let v = u16(o); return v == 0xFFFF ? nil : v }
    func optU32(_ o: Int) -> UInt32? { let v = u32(o); return v == 0xFFFF_FFFF ? nil : v }
    func optF32(_ o: Int) -> Float? {
        let bits = u32(o)
        guard bits != 0xFFFF_FFFF else { return nil }
        let v = Float(bitPattern: bits)
        return v.isFinite ? v : nil
    }
    /// ASCII text up to the first NUL, trimmed; nil when empty.
    func text(_ o: Int, _ n: Int) -> String? {
        guard o < bytes.count else { return nil }
        let slice = bytes[o..<min(o + n, bytes.count)]
        let end = slice.firstIndex(of: 0) ?? slice.endIndex
        let s = String(decoding: slice[slice.startIndex..<end], as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines.union(.controlCharacters))
        return s.isEmpty || s.allSatisfy({ $0 == "\u{FFFD}" }) ? nil : s
    }
    func hex(_ o: Int, _ n: Int) -> String {
        bytes[o..<min(o + n, bytes.count)].map { String(format: "%02X", $0) }.joined(separator: " ")
    }
}
