import Foundation

/// The JP2 file format (ISO/IEC 15444-1 Annex I) and its HTJ2K sibling JPH
/// (ISO/IEC 15444-15 Annex D): the boxes around a JPEG 2000 codestream, with
/// Reelpack's seal in a `uuid` box.
///
/// A file written by `wrap` holds, in order: the signature box, `ftyp`, the
/// `jp2h` header superbox (`ihdr`, `colr`, and `cdef` when there is an alpha
/// channel), the seal's `uuid` box when there is a seal, and `jp2c` with the
/// codestream. Any JP2 reader skips the `uuid` box, so the file opens everywhere.
public enum JP2File {
    /// The file's brand, which is also its extension.
    public enum Brand: String, Sendable, Codable, CaseIterable {
        /// JPEG 2000 Part 1, `.jp2`.
        case jp2
        /// High-throughput JPEG 2000 (Part 15), `.jph`.
        case jph

        /// The `ftyp` brand and compatibility entry (`jp2 ` / `jph `).
        public var boxType: BoxType {
            switch self {
            case .jp2: "jp2 "
            case .jph: "jph "
            }
        }

        /// The codec that writes this brand (named in errors).
        public var codec: CodecID {
            switch self {
            case .jp2: .j2k
            case .jph: .htj2k
            }
        }
    }

    /// The UUID of the `uuid` box that carries Reelpack's seal:
    /// `b8bf2816-eb5e-4566-b609-87e6a446013b`. The box payload is these 16 bytes
    /// followed by the seal's UTF-8 JSON. Fixed for all time: readers find seals by it.
    public static let sealUUID: [UInt8] = [
        0xB8, 0xBF, 0x28, 0x16, 0xEB, 0x5E, 0x45, 0x66,
        0xB6, 0x09, 0x87, 0xE6, 0xA4, 0x46, 0x01, 0x3B,
    ]

    /// The payload of the JPEG 2000 signature box `jP  `.
    static let signature: [UInt8] = [0x0D, 0x0A, 0x87, 0x0A]

    /// Enumerated colour spaces of the `colr` box.
    static let sRGB: UInt32 = 16, greyscale: UInt32 = 17

    // MARK: Writing

    /// Wraps a codestream in a JP2 (or JPH) file.
    ///
    /// - Parameters:
    ///   - codestream: A JPEG 2000 codestream (starting FF4F FF51) whose SIZ matches
    ///     the geometry given.
    ///   - width, height: Image size in pixels.
    ///   - channels: 1 (greyscale), 2 (greyscale + opacity), 3 (sRGB-declared RGB) or
    ///     4 (RGB + opacity).
    ///   - bitDepth: Bits per sample, 1…16, unsigned.
    ///   - brand: `.jp2` or `.jph`.
    ///   - seal: The seal's UTF-8 JSON, stored in a `uuid` box; nil for none.
    /// - Returns: The file's bytes.
    /// - Throws: `CodecError(.unsupportedInput)` for a geometry outside the above;
    ///   `CodecError(.malformedData)` when the codestream is not one or its SIZ
    ///   disagrees with the geometry given.
    public static func wrap(codestream: Data, width: Int, height: Int, channels: Int, bitDepth: Int,
                            brand: Brand, seal: Data?) throws -> Data {
        let codec = brand.codec
        func unsupported(_ detail: String) -> CodecError {
            CodecError(.unsupportedInput, codec: codec, operation: "wrap", detail: detail)
        }
        guard (1...4).contains(channels) else { throw unsupported("\(channels) channels (1 to 4 are written)") }
        guard (1...16).contains(bitDepth) else { throw unsupported("bit depth \(bitDepth) (1 to 16 are written)") }
        guard width > 0, height > 0, width <= Int(UInt32.max), height <= Int(UInt32.max) else {
            throw unsupported("image size \(width)×\(height)")
        }
        let siz = try CodestreamSIZ.read(codestream, codec: codec)
        guard siz.width == width, siz.height == height, siz.components.count == channels,
              siz.components.allSatisfy({ $0.bitDepth == bitDepth && !$0.signed })
        else {
            throw CodecError(.malformedData, codec: codec, operation: "wrap", detail:
                "the codestream is \(siz.width)×\(siz.height), \(siz.components.count) components of "
                + "\(siz.components.map(\.bitDepth)) bits; expected \(width)×\(height), \(channels) × \(bitDepth)-bit unsigned")
        }

        var out = Data()
        out.reserveCapacity(codestream.count + (seal?.count ?? 0) + 128)
        out.append(ISOBox.serialize(type: "jP  ", payload: Data(signature)))

        var ftyp = Data()
        ISOBox.appendUInt32(&ftyp, brand.boxType.rawValue)   // BR
        ISOBox.appendUInt32(&ftyp, 0)                        // MinV
        ISOBox.appendUInt32(&ftyp, brand.boxType.rawValue)   // CL: compatible with its own brand
        out.append(ISOBox.serialize(type: "ftyp", payload: ftyp))

        var ihdr = Data()
        ISOBox.appendUInt32(&ihdr, UInt32(height))
        ISOBox.appendUInt32(&ihdr, UInt32(width))
        ISOBox.appendUInt16(&ihdr, UInt16(channels))
        ihdr.append(UInt8(bitDepth - 1))   // BPC: unsigned, depth − 1
        ihdr.append(7)                     // C: JPEG 2000 compression
        ihdr.append(0)                     // UnkC: colour space is known
        ihdr.append(0)                     // IPR: no intellectual property box
        var colr = Data([1, 0, 0])         // METH enumerated, PREC, APPROX
        ISOBox.appendUInt32(&colr, channels >= 3 ? sRGB : greyscale)
        var header = [ISOBox(type: "ihdr", payload: ihdr), ISOBox(type: "colr", payload: colr)]
        if channels == 2 || channels == 4 {
            // Every channel described: colour channels associated with colours
            // 1…n, the last one opacity of the whole image.
            var cdef = Data()
            ISOBox.appendUInt16(&cdef, UInt16(channels))
            for c in 0..<channels {
                let isAlpha = c == channels - 1
                ISOBox.appendUInt16(&cdef, UInt16(c))                  // Cn
                ISOBox.appendUInt16(&cdef, isAlpha ? 1 : 0)            // Typ: 1 opacity, 0 colour
                ISOBox.appendUInt16(&cdef, isAlpha ? 0 : UInt16(c + 1)) // Asoc: 0 whole image
            }
            header.append(ISOBox(type: "cdef", payload: cdef))
        }
        out.append(ISOBox.serialize(type: "jp2h", children: header))

        if let seal {
            var payload = Data(sealUUID)
            payload.append(seal)
            out.append(ISOBox.serialize(type: "uuid", payload: payload))
        }
        out.append(ISOBox.serialize(type: "jp2c", payload: codestream))
        return out
    }

    // MARK: Reading

    /// Reads a JP2 or JPH file, or a bare codestream.
    ///
    /// - Parameters:
    ///   - data: The file's bytes.
    ///   - codec: The codec named in errors (`.htj2k` for `.jph` callers).
    /// - Returns: The codestream, the seal (nil when the file has none, and always
    ///   for a bare codestream), and the header.
    /// - Throws: `CodecError(.malformedData)` when the data is neither a JP2/JPH file
    ///   nor a codestream, a box is cut short or missing, or the header disagrees
    ///   with the codestream; `CodecError(.unsupportedInput)` for a JPEG 2000 family
    ///   file of another brand (e.g. JPX without `jp2 ` compatibility).
    public static func parse(_ data: Data, codec: CodecID = .j2k) throws -> (codestream: Data, seal: Data?, header: JP2Header) {
        func bad(_ detail: String) -> CodecError {
            CodecError(.malformedData, codec: codec, operation: "read container", detail: detail)
        }
        if CodestreamSIZ.isCodestream(data) {
            let codestream = data.startIndex == 0 ? data : Data(data)
            let siz = try CodestreamSIZ.read(codestream, codec: codec)
            return (codestream, nil, header(from: siz, brand: nil))
        }
        guard data.count >= 12,
              data.prefix(12).elementsEqual([0, 0, 0, 12, 0x6A, 0x50, 0x20, 0x20] + signature)
        else {
            throw bad("not a JPEG 2000 file: neither the JP2 signature box nor a codestream (FF4F FF51) at the start")
        }
        let boxes = try ISOBox.readAll(data, codec: codec)
        guard boxes.count >= 2, boxes[1].type == "ftyp", boxes[1].payload.count >= 8,
              (boxes[1].payload.count - 8) % 4 == 0
        else {
            throw bad("the file type box (ftyp) is missing or malformed after the signature")
        }
        let ftyp = boxes[1].payload
        let mainBrand = ISOBox.readUInt32(ftyp, 0)
        let compatible = stride(from: 8, to: ftyp.count, by: 4).map { ISOBox.readUInt32(ftyp, $0) }
        let brand: Brand
        if mainBrand == Brand.jph.boxType.rawValue || compatible.contains(Brand.jph.boxType.rawValue) {
            brand = .jph
        } else if mainBrand == Brand.jp2.boxType.rawValue || compatible.contains(Brand.jp2.boxType.rawValue) {
            brand = .jp2
        } else {
            throw CodecError(.unsupportedInput, codec: codec, operation: "read container", detail:
                "file brand '\(BoxType(rawValue: mainBrand)?.description ?? "?")' is neither JP2 nor JPH compatible")
        }

        guard let jp2h = boxes.first(where: { $0.type == "jp2h" }) else { throw bad("the JP2 header box (jp2h) is missing") }
        guard let jp2c = boxes.first(where: { $0.type == "jp2c" }) else { throw bad("the codestream box (jp2c) is missing") }
        guard jp2h.offset < jp2c.offset else { throw bad("the JP2 header box comes after the codestream") }
        let headerBoxes = try jp2h.children(codec: codec)
        guard let ihdr = headerBoxes.first, ihdr.type == "ihdr", ihdr.payload.count == 14 else {
            throw bad("the image header box (ihdr) is missing, misplaced or not 14 bytes")
        }
        let p = ihdr.payload
        let height = Int(ISOBox.readUInt32(p, 0)), width = Int(ISOBox.readUInt32(p, 4))
        let channels = Int(ISOBox.readUInt16(p, 8))
        let bpc = p[10]
        guard p[11] == 7 else { throw bad("ihdr compression type is \(p[11]), not 7 (JPEG 2000)") }

        let siz = try CodestreamSIZ.read(jp2c.payload, codec: codec)
        guard siz.width == width, siz.height == height, siz.components.count == channels else {
            throw bad("ihdr says \(width)×\(height) with \(channels) components, the codestream "
                + "\(siz.width)×\(siz.height) with \(siz.components.count)")
        }
        if bpc != 0xFF {
            let declared = Int(bpc & 0x7F) + 1
            guard siz.components.allSatisfy({ $0.bitDepth == declared && $0.signed == (bpc & 0x80 != 0) }) else {
                throw bad("ihdr declares \(declared)-bit components, the codestream \(siz.components.map(\.bitDepth))")
            }
        }

        var result = header(from: siz, brand: brand)
        if let colr = headerBoxes.first(where: { $0.type == "colr" }), colr.payload.count >= 7, colr.payload[0] == 1 {
            result.enumeratedColourSpace = Int(ISOBox.readUInt32(colr.payload, 3))
        }
        if let cdef = headerBoxes.first(where: { $0.type == "cdef" }), cdef.payload.count >= 2 {
            let n = Int(ISOBox.readUInt16(cdef.payload, 0))
            guard cdef.payload.count == 2 + 6 * n else { throw bad("the channel definition box (cdef) has the wrong length") }
            for i in 0..<n where ISOBox.readUInt16(cdef.payload, 2 + 6 * i + 2) == 1 {
                result.opacityChannel = Int(ISOBox.readUInt16(cdef.payload, 2 + 6 * i))
            }
        }

        var seal: Data?
        for box in boxes where box.type == "uuid" && box.payload.count >= 16 {
            if box.payload.prefix(16).elementsEqual(sealUUID) {
                seal = Data(box.payload.dropFirst(16))
                break
            }
        }
        return (jp2c.payload, seal, result)
    }

    private static func header(from siz: CodestreamSIZ, brand: Brand?) -> JP2Header {
        JP2Header(brand: brand, width: siz.width, height: siz.height, channels: siz.components.count,
                  bitDepth: siz.components.map(\.bitDepth).max() ?? 0,
                  isSigned: siz.components.contains { $0.signed },
                  subsampling: siz.components.map { JP2Header.Subsampling(dx: $0.dx, dy: $0.dy) })
    }
}
