import Foundation

/// The JPEG XL file format (ISO/IEC 18181-2): a sequence of ISO BMFF style boxes
/// around the codestream, here with Reelpack's seal in a box of its own.
///
/// Written layout: `JXL ` signature box, `ftyp` (brand `jxl `, minor version 0,
/// compatible `jxl `), `jxlc` holding the whole codestream, then, when there is a
/// seal, a `uuid` box whose 16-byte user type is `sealUUID` followed by the seal's
/// UTF-8 JSON. ISO/IEC 18181-2 lets files carry boxes a decoder does not know and
/// requires decoders to skip them; libjxl, `djxl` and imagecodecs do.
public enum JXLContainer {
    /// The 12-byte signature box every container starts with.
    public static let signature: [UInt8] = [0, 0, 0, 0x0C, 0x4A, 0x58, 0x4C, 0x20, 0x0D, 0x0A, 0x87, 0x0A]
    /// The first two bytes of a bare codestream.
    public static let codestreamMarker: [UInt8] = [0xFF, 0x0A]
    /// The user type of the `uuid` box that holds Reelpack's seal: the same UUID
    /// as in JP2 and JPH files (`JP2File.sealUUID`), so one reader finds every seal.
    public static var sealUUID: [UInt8] { JP2File.sealUUID }
    /// The payload of the `ftyp` box: brand `jxl `, minor version 0, compatible `jxl `.
    static let fileType = Data("jxl ".utf8) + Data([0, 0, 0, 0]) + Data("jxl ".utf8)

    /// What a JPEG XL file holds: its codestream and Reelpack's seal, if present.
    public struct Contents: Sendable, Equatable {
        /// The bare codestream (starting FF 0A).
        public var codestream: Data
        /// The seal's bytes (UTF-8 JSON) when the file carries one.
        public var seal: Data?
        /// The codestream's conformance level from a `jxll` box (10 for frames that
        /// need more than level 5, such as 16-bit lossless); nil means level 5.
        public var level: UInt8?
    }

    /// Wraps a codestream and an optional seal into a container. `payload` is a bare
    /// codestream or a container made by libjxl (which it writes when the frame
    /// needs a `jxll` level box); its level box is kept, any seal in it replaced.
    /// - Throws: `CodecError.malformedData` when `payload` is neither.
    public static func wrap(payload: Data, seal: Data?) throws(CodecError) -> Data {
        let contents: Contents
        do {
            contents = try read(payload)
        } catch {
            throw CodecError(.malformedData, codec: .jxl, operation: "wrap",
                             detail: "the payload is not a JPEG XL codestream: \(error.detail)")
        }
        var out = Data(signature)
        out.append(ISOBox.serialize(type: "ftyp", payload: fileType))
        if let level = contents.level {
            out.append(ISOBox.serialize(type: "jxll", payload: Data([level])))
        }
        out.append(ISOBox.serialize(type: "jxlc", payload: contents.codestream))
        if let seal {
            out.append(ISOBox.serialize(type: "uuid", payload: Data(sealUUID) + seal))
        }
        return out
    }

    /// Splits `data` into codestream and seal. A bare codestream is returned as is;
    /// a container's codestream is its `jxlc` box or its `jxlp` parts in order.
    /// - Throws: `CodecError.malformedData` for data that is neither, or a container
    ///   whose boxes overrun the data, lack a codestream or mix `jxlc` and `jxlp`.
    public static func read(_ data: Data) throws(CodecError) -> Contents {
        if data.starts(with: codestreamMarker) { return Contents(codestream: data, seal: nil, level: nil) }
        guard data.starts(with: signature) else {
            throw malformed("neither a JPEG XL codestream (FF 0A) nor a JPEG XL container (signature box)")
        }
        let boxes: [ISOBox]
        do {
            boxes = try ISOBox.readAll(data, codec: .jxl)
        } catch let error as CodecError {
            throw malformed("container: \(error.detail)")
        } catch {
            throw malformed("container: \(error)")
        }
        var codestream: Data?
        var parts = Data()
        var partCount = 0
        var sawLastPart = false
        var seal: Data?
        var level: UInt8?
        for box in boxes {
            switch box.type {
            case "jxlc":
                guard codestream == nil, partCount == 0 else { throw malformed("more than one codestream box") }
                codestream = box.payload
            case "jxlp":
                guard codestream == nil, !sawLastPart else { throw malformed("jxlp box after the codestream ended") }
                guard box.payload.count >= 4 else { throw malformed("jxlp box shorter than its 4-byte index") }
                let b = [UInt8](box.payload.prefix(4))
                let index = (UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3]))
                guard index & 0x7FFF_FFFF == UInt32(partCount) else {
                    throw malformed("jxlp box \(partCount) carries index \(index & 0x7FFF_FFFF)")
                }
                sawLastPart = index & 0x8000_0000 != 0
                partCount += 1
                parts.append(box.payload.dropFirst(4))
            case "jxll":
                guard box.payload.count == 1 else { throw malformed("jxll box of \(box.payload.count) bytes (1 expected)") }
                level = box.payload.first
            case "uuid":
                if box.payload.count >= 16, box.payload.prefix(16).elementsEqual(sealUUID) {
                    seal = Data(box.payload.dropFirst(16))
                }
            default:
                continue
            }
        }
        if let codestream { return Contents(codestream: codestream, seal: seal, level: level) }
        guard partCount > 0 else { throw malformed("the container holds no codestream (no jxlc or jxlp box)") }
        return Contents(codestream: parts, seal: seal, level: level)
    }

    private static func malformed(_ detail: String) -> CodecError {
        CodecError(.malformedData, codec: .jxl, operation: "decode", detail: detail)
    }
}
