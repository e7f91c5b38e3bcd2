import Foundation

/// One box of the ISO base-media / JPEG 2000 family of file formats (JP2, JPH, and
/// the JPEG XL container): a 4-byte big-endian length, a 4-character type, an
/// optional 64-bit `largesize` when the length is 1, then the payload. A length of 0
/// means "to the end of the file" and is only valid for the last box.
///
/// Reading is strict: every length is checked against the bytes that are there
/// before anything is sliced, so truncated or garbage input throws
/// `CodecError(.malformedData, …)` and never traps.
public struct ISOBox: Sendable, Equatable {
    /// The box type (four characters such as `jp2c`).
    public var type: BoxType
    /// The box contents after the header (its own copy, indexed from 0).
    public var payload: Data
    /// Where the box (header included) started in the data it was read from, in
    /// bytes; 0 for a box made in memory.
    public var offset: Int
    /// The header length it was read with: 8, or 16 with a `largesize`.
    public var headerLength: Int

    /// A box made in memory.
    public init(type: BoxType, payload: Data) {
        self.init(type: type, payload: payload, offset: 0,
                  headerLength: payload.count + 8 > Int(UInt32.max) ? 16 : 8)
    }

    private init(type: BoxType, payload: Data, offset: Int, headerLength: Int) {
        self.type = type
        // Rebased to index 0 so callers can index the payload from 0.
        self.payload = payload.startIndex == 0 ? payload : Data(payload)
        self.offset = offset
        self.headerLength = headerLength
    }

    /// Largest payload a box may declare when read (4 GiB): more than any frame
    /// needs, and a bound that keeps a corrupt `largesize` from being trusted.
    public static let maxPayloadLength = 1 << 32

    // MARK: Reading

    /// Reads every box in `data`, one after the other, to its end.
    /// - Parameter codec: The codec named in errors.
    /// - Throws: `CodecError(.malformedData)` when a header is cut short, a length is
    ///   smaller than its header or runs past the end, or a box type is not four
    ///   printable characters.
    public static func readAll(_ data: Data, codec: CodecID) throws -> [ISOBox] {
        var boxes: [ISOBox] = []
        var position = 0
        while position < data.count {
            let box = try read(data, at: position, codec: codec)
            boxes.append(box)
            position = box.offset + box.headerLength + box.payload.count
        }
        return boxes
    }

    /// Reads the one box that starts `position` bytes into `data`.
    /// - Throws: `CodecError(.malformedData)` as `readAll` does.
    public static func read(_ data: Data, at position: Int, codec: CodecID) throws -> ISOBox {
        let available = data.count - position
        guard position >= 0, available >= 8 else {
            throw malformed(codec, "box header at byte \(position) is cut short (\(max(available, 0)) of 8 bytes)")
        }
        let base = data.startIndex + position
        let length32 = readUInt32(data, base)
        let typeValue = readUInt32(data, base + 4)
        guard let type = BoxType(rawValue: typeValue) else {
            throw malformed(codec, "bytes at \(position) are not a box type (0x\(String(typeValue, radix: 16)))")
        }
        var headerLength = 8
        let totalLength: Int
        switch length32 {
        case 0:
            totalLength = available
        case 1:
            guard available >= 16 else {
                throw malformed(codec, "'\(type)' box at byte \(position): 64-bit length is cut short")
            }
            let large = readUInt64(data, base + 8)
            headerLength = 16
            guard large >= 16, large - 16 <= UInt64(maxPayloadLength) else {
                throw malformed(codec, "'\(type)' box at byte \(position) declares an impossible length \(large)")
            }
            totalLength = Int(large)
        default:
            guard length32 >= 8 else {
                throw malformed(codec, "'\(type)' box at byte \(position) declares length \(length32), shorter than its header")
            }
            totalLength = Int(length32)
        }
        guard totalLength <= available else {
            throw malformed(codec, "'\(type)' box at byte \(position) declares \(totalLength) bytes but only \(available) remain (truncated file?)")
        }
        let payloadStart = base + headerLength
        return ISOBox(type: type, payload: Data(data[payloadStart ..< base + totalLength]),
                      offset: position, headerLength: headerLength)
    }

    /// The boxes inside this one, for superboxes such as `jp2h`.
    /// - Throws: `CodecError(.malformedData)` as `readAll` does.
    public func children(codec: CodecID) throws -> [ISOBox] {
        try ISOBox.readAll(payload, codec: codec)
    }

    // MARK: Writing

    /// The box as bytes: header (8 bytes, or 16 with a 64-bit length when the box
    /// exceeds 4 GiB − 1) then payload.
    public func serialized() -> Data {
        ISOBox.serialize(type: type, payload: payload)
    }

    /// Writes a box of `type` around `payload`.
    public static func serialize(type: BoxType, payload: Data) -> Data {
        var out = Data()
        let total = payload.count + 8
        if total > Int(UInt32.max) {
            out.reserveCapacity(payload.count + 16)
            appendUInt32(&out, 1)
            appendUInt32(&out, type.rawValue)
            appendUInt64(&out, UInt64(payload.count + 16))
        } else {
            out.reserveCapacity(total)
            appendUInt32(&out, UInt32(total))
            appendUInt32(&out, type.rawValue)
        }
        out.append(payload)
        return out
    }

    /// Writes a superbox of `type` around already serialized child boxes.
    public static func serialize(type: BoxType, children: [ISOBox]) -> Data {
        var payload = Data()
        for child in children { payload.append(child.serialized()) }
        return serialize(type: type, payload: payload)
    }

    // MARK: Big-endian helpers (shared by the container files)

    /// Appends `value` as 4 big-endian bytes.
    public static func appendUInt32(_ data: inout Data, _ value: UInt32) {
        data.append(contentsOf: [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)])
    }

    /// Appends `value` as 2 big-endian bytes.
    public static func appendUInt16(_ data: inout Data, _ value: UInt16) {
        data.append(contentsOf: [UInt8(value >> 8), UInt8(value & 0xFF)])
    }

    /// Appends `value` as 8 big-endian bytes.
    public static func appendUInt64(_ data: inout Data, _ value: UInt64) {
        appendUInt32(&data, UInt32(value >> 32))
        appendUInt32(&data, UInt32(value & 0xFFFF_FFFF))
    }

    /// The big-endian `UInt32` at absolute index `i` of `data`; the caller has
    /// checked that 4 bytes are there.
    static func readUInt32(_ data: Data, _ i: Data.Index) -> UInt32 {
        UInt32(data[i]) << 24 | UInt32(data[i + 1]) << 16 | UInt32(data[i + 2]) << 8 | UInt32(data[i + 3])
    }

    /// The big-endian `UInt16` at absolute index `i` of `data` (2 bytes checked by the caller).
    static func readUInt16(_ data: Data, _ i: Data.Index) -> UInt16 {
        UInt16(data[i]) << 8 | UInt16(data[i + 1])
    }

    /// The big-endian `UInt64` at absolute index `i` of `data` (8 bytes checked by the caller).
    static func readUInt64(_ data: Data, _ i: Data.Index) -> UInt64 {
        UInt64(readUInt32(data, i)) << 32 | UInt64(readUInt32(data, i + 4))
    }

    static func malformed(_ codec: CodecID, _ detail: String) -> CodecError {
        CodecError(.malformedData, codec: codec, operation: "read container", detail: detail)
    }
}

/// A box type: four characters stored as a big-endian `UInt32` (`jp2c`, `jP  `).
public struct BoxType: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The four bytes, first character in the high byte.
    public let rawValue: UInt32

    /// A type from its 32-bit value; nil unless all four bytes are printable ASCII
    /// (0x20…0x7E), which every registered box type is.
    public init?(rawValue: UInt32) {
        for shift in [24, 16, 8, 0] {
            let byte = rawValue >> UInt32(shift) & 0xFF
            guard (0x20...0x7E).contains(byte) else { return nil }
        }
        self.rawValue = rawValue
    }

    /// A type from four printable ASCII characters; nil otherwise.
    public init?(code string: String) {
        let bytes = Array(string.utf8)
        guard bytes.count == 4 else { return nil }
        self.init(rawValue: bytes.reduce(0) { $0 << 8 | UInt32($1) })
    }

    /// A type written in code, e.g. `"jp2c"`. The literal must be four printable
    /// ASCII characters (a programming error otherwise, never input data).
    public init(stringLiteral value: String) {
        guard let type = BoxType(code: value) else { preconditionFailure("box type literal '\(value)' is not 4 ASCII characters") }
        self = type
    }

    /// The four characters.
    public var description: String {
        String(decoding: [24, 16, 8, 0].map { UInt8(rawValue >> UInt32($0) & 0xFF) }, as: UTF8.self)
    }
}
