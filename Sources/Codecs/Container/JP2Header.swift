import Foundation

/// What a JP2/JPH file (or a bare JPEG 2000 codestream) says about its image,
/// read by `JP2File.parse` from the `ihdr`, `colr` and `cdef` boxes and checked
/// against the codestream's SIZ marker.
public struct JP2Header: Sendable, Equatable {
    /// The file's brand; nil for a bare codestream.
    public var brand: JP2File.Brand?
    /// Image width in pixels (SIZ: Xsiz − XOsiz).
    public var width: Int
    /// Image height in pixels (SIZ: Ysiz − YOsiz).
    public var height: Int
    /// Number of components.
    public var channels: Int
    /// Bits per sample (1…38 in the standard; Reelpack writes 1…16). When the
    /// components differ, the largest.
    public var bitDepth: Int
    /// True when the samples are signed (Reelpack writes unsigned samples only).
    public var isSigned: Bool
    /// The `colr` box's enumerated colour space (16 sRGB, 17 greyscale, 18 sYCC),
    /// when it has one.
    public var enumeratedColourSpace: Int?
    /// The component the `cdef` box declares as opacity, if any.
    public var opacityChannel: Int?
    /// Per component, its horizontal and vertical subsampling (SIZ XRsiz, YRsiz);
    /// all 1 in what Reelpack writes.
    public var subsampling: [Subsampling]

    /// A component's sampling distance on the reference grid (1, 1 = full resolution).
    public struct Subsampling: Sendable, Hashable {
        /// Horizontal and vertical sampling distance (SIZ XRsiz, YRsiz).
        public var dx: Int, dy: Int
        /// A component sampled every `dx` columns and `dy` rows.
        public init(dx: Int, dy: Int) { self.dx = dx; self.dy = dy }
    }

    /// A header with every field given.
    public init(brand: JP2File.Brand?, width: Int, height: Int, channels: Int, bitDepth: Int,
                isSigned: Bool = false, enumeratedColourSpace: Int? = nil, opacityChannel: Int? = nil,
                subsampling: [Subsampling] = []) {
        self.brand = brand
        self.width = width
        self.height = height
        self.channels = channels
        self.bitDepth = bitDepth
        self.isSigned = isSigned
        self.enumeratedColourSpace = enumeratedColourSpace
        self.opacityChannel = opacityChannel
        self.subsampling = subsampling
    }
}

/// The SIZ marker segment at the start of a JPEG 2000 codestream (SOC, then SIZ).
struct CodestreamSIZ {
    var width: Int
    var height: Int
    /// Per component: bit depth (1…38), signedness, subsampling.
    var components: [(bitDepth: Int, signed: Bool, dx: Int, dy: Int)]
    /// Rsiz capabilities; bit 14 (0x4000) marks an HTJ2K (Part 15) codestream.
    var capabilities: UInt16

    /// True when `data` starts with SOC (FF4F) then SIZ (FF51).
    static func isCodestream(_ data: Data) -> Bool {
        data.count >= 4 && data.prefix(4).elementsEqual([0xFF, 0x4F, 0xFF, 0x51])
    }

    /// Reads SIZ from the start of a codestream.
    /// - Throws: `CodecError(.malformedData)` when the markers are missing, the
    ///   segment is cut short or its values are impossible.
    static func read(_ data: Data, codec: CodecID) throws -> CodestreamSIZ {
        func bad(_ detail: String) -> CodecError {
            CodecError(.malformedData, codec: codec, operation: "read codestream header", detail: detail)
        }
        guard isCodestream(data) else { throw bad("the codestream does not start with SOC and SIZ markers (FF4F FF51)") }
        guard data.count >= 42 else { throw bad("the SIZ marker segment is cut short (\(data.count) bytes)") }
        let s = data.startIndex
        let lsiz = Int(ISOBox.readUInt16(data, s + 4))
        let rsiz = ISOBox.readUInt16(data, s + 6)
        let xsiz = Int(ISOBox.readUInt32(data, s + 8)), ysiz = Int(ISOBox.readUInt32(data, s + 12))
        let xo = Int(ISOBox.readUInt32(data, s + 16)), yo = Int(ISOBox.readUInt32(data, s + 20))
        let csiz = Int(ISOBox.readUInt16(data, s + 40))
        guard (1...16384).contains(csiz) else { throw bad("SIZ declares \(csiz) components") }
        guard lsiz == 38 + 3 * csiz else { throw bad("SIZ length \(lsiz) does not match its \(csiz) components") }
        guard data.count >= 4 + lsiz else { throw bad("the SIZ marker segment is cut short") }
        guard xsiz > xo, ysiz > yo else { throw bad("SIZ declares an empty image (\(xsiz)×\(ysiz), origin \(xo),\(yo))") }
        var components: [(bitDepth: Int, signed: Bool, dx: Int, dy: Int)] = []
        for c in 0..<csiz {
            let at = s + 42 + 3 * c
            let ssiz = data[at]
            let depth = Int(ssiz & 0x7F) + 1
            let dx = Int(data[at + 1]), dy = Int(data[at + 2])
            guard depth <= 38, dx > 0, dy > 0 else { throw bad("SIZ component \(c) is invalid (Ssiz \(ssiz), XRsiz \(dx), YRsiz \(dy))") }
            components.append((depth, ssiz & 0x80 != 0, dx, dy))
        }
        return CodestreamSIZ(width: xsiz - xo, height: ysiz - yo, components: components, capabilities: rsiz)
    }
}
