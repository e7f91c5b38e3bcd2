import Foundation

/// The header of a DPX file (SMPTE 268M, versions 1.0 and 2.0), parsed into typed
/// fields, plus the pixel layout Reelpack resolved from it and any warnings about
/// fields that contradict the file.
///
/// Fields a writer left undefined (all bits set, NaN, empty text) are `nil`. Sections a
/// file does not carry (an industry header of size 0, or one that the image data
/// overlaps, as ffmpeg writes) are `nil` too.
public struct DPXHeader: Sendable, Equatable {
    /// Byte order of every multi-byte field and of the image data words.
    public var byteOrder: DPXByteOrder
    public var file: FileInfo
    public var image: ImageInfo
    /// Orientation (source) header, when present before the image data.
    public var orientation: OrientationInfo?
    /// Motion-picture film industry header, when present.
    public var film: FilmInfo?
    /// Television industry header, when present.
    public var television: TelevisionInfo?
    /// How the samples are stored, as resolved from the header and the file's size.
    public var layout: DPXLayout
    /// Contradictions found between the header and the file, in readable sentences.
    public var warnings: [String]

    /// File information header (bytes 0–767).
    public struct FileInfo: Sendable, Equatable {
        /// Offset of the image data from the start of the file, in bytes, as stored.
        public var imageDataOffset: Int
        /// Version string as stored ("V1.0", "V2.0").
        public var version: String
        /// Total file size in bytes as the header claims (may be wrong, see warnings).
        public var fileSize: Int
        /// Ditto key (0 = same as previous frame, 1 = new).
        public var dittoKey: Int?
        public var genericHeaderSize: Int
        public var industryHeaderSize: Int
        /// Size of the user-defined data section in bytes (0 when absent).
        public var userDataSize: Int
        /// The user data's identifier (first 32 bytes of the section), when present.
        public var userDataID: String?
        public var fileName: String?
        /// Creation date as stored (`YYYY:MM:DD:HH:MM:SSLTZ`).
        public var creationDate: String?
        public var creator: String?
        public var project: String?
        public var copyright: String?
        /// Encryption key; `nil` when unencrypted (all bits set).
        public var encryptionKey: UInt32?
    }

    /// Image information header (bytes 768–1407).
    public struct ImageInfo: Sendable, Equatable {
        /// Orientation code (0 = left to right, top to bottom).
        public var orientation: Int
        public var elementCount: Int
        public var width: Int
        public var height: Int
        /// The first (and only supported) image element.
        public var element: Element
    }

    /// One image element descriptor (72 bytes).
    public struct Element: Sendable, Equatable {
        /// 0 unsigned, 1 signed.
        public var dataSign: Int
        public var referenceLowCode: Int?
        public var referenceLowQuantity: Float?
        public var referenceHighCode: Int?
        public var referenceHighQuantity: Float?
        /// Descriptor code (6 luma, 50 RGB, 51 RGBA, …).
        public var descriptor: Int
        /// Transfer characteristic code.
        public var transfer: Int
        /// Colorimetric specification code.
        public var colorimetric: Int
        /// Bits per sample as stored.
        public var bitDepth: Int
        /// Packing code: 0 packed, 1 filled method A, 2 filled method B.
        public var packing: Int
        /// Encoding: 0 none, 1 run-length.
        public var encoding: Int
        /// Offset to this element's data, as stored.
        public var dataOffset: Int
        /// End-of-line padding in bytes (0 when undefined).
        public var endOfLinePadding: Int
        /// End-of-image padding in bytes (0 when undefined).
        public var endOfImagePadding: Int
        public var description: String?
    }

    /// Orientation header (bytes 1408–1663).
    public struct OrientationInfo: Sendable, Equatable {
        public var xOffset: Int?
        public var yOffset: Int?
        public var xCenter: Float?
        public var yCenter: Float?
        public var xOriginalSize: Int?
        public var yOriginalSize: Int?
        public var sourceFileName: String?
        public var sourceDate: String?
        public var inputDevice: String?
        public var inputDeviceSerial: String?
        /// Border validity: left, right, top, bottom.
        public var border: [Int?]
        /// Pixel aspect ratio as horizontal : vertical.
        public var pixelAspect: [Int?]
    }

    /// Motion-picture film header (bytes 1664–1919).
    public struct FilmInfo: Sendable, Equatable {
        public var manufacturerID: String?
        public var filmType: String?
        public var perfsOffset: String?
        public var prefix: String?
        public var count: String?
        public var format: String?
        public var framePosition: Int?
        public var sequenceLength: Int?
        public var heldCount: Int?
        /// Frames per second of the original.
        public var frameRate: Float?
        public var shutterAngle: Float?
        public var frameID: String?
        public var slate: String?

        /// KeyKode as a readable string (`mfg type prefix count +perfs`), when any part is set.
        public var keycode: String? {
            let parts = [manufacturerID, filmType, prefix, count].compactMap { $0 }
            guard !parts.isEmpty else { return nil }
            var text = parts.joined(separator: " ")
            if let perfsOffset { text += " +\(perfsOffset)" }
            return text
        }
    }

    /// Television header (bytes 1920–2047).
    public struct TelevisionInfo: Sendable, Equatable {
        /// SMPTE timecode `HH:MM:SS:FF`, from the BCD word.
        public var timecode: String?
        public var userBits: UInt32?
        public var interlace: Int?
        public var fieldNumber: Int?
        public var videoSignal: Int?
        public var horizontalSampleRate: Float?
        public var verticalSampleRate: Float?
        /// Temporal sampling rate (frames per second).
        public var frameRate: Float?
        public var timeOffset: Float?
        public var gamma: Float?
        public var blackLevel: Float?
        public var blackGain: Float?
        public var breakpoint: Float?
        public var whiteLevel: Float?
        public var integrationTimes: Float?
    }

    /// Size of the fixed file + image headers that every DPX carries (bytes).
    public static let genericHeaderSize = 1664
    /// Size of the generic plus industry headers (bytes).
    public static let fullHeaderSize = 2048

    /// Number of interleaved channels for a descriptor code, or nil when unsupported.
    /// Single-component descriptors (1 R, 2 G, 3 B, 4 A, 6 luma) read as one channel.
    public static func channels(forDescriptor code: Int) -> Int? {
        switch code {
        case 1, 2, 3, 4, 6: 1
        case 50: 3
        case 51: 4
        default: nil
        }
    }
}

/// Byte order of a DPX file.
public enum DPXByteOrder: String, Sendable, Codable, Equatable {
    /// "SDPX" magic; the usual order.
    case big
    /// "XPDS" magic.
    case little
}

/// How samples are stored in 32-bit words.
public enum DPXPacking: String, Sendable, Codable, Equatable, CaseIterable {
    /// Samples back to back across word boundaries, lowest bits first (packing 0).
    case packed
    /// 10-bit: three samples per word in bits 31–2; 12-bit: one per 16 bits in bits 15–4 (packing 1).
    case filledA
    /// 10-bit: three samples per word in bits 29–0; 12-bit: bits 11–0 of each 16 bits (packing 2).
    case filledB

    /// The packing code stored in the header.
    public var code: Int {
        switch self {
        case .packed: 0
        case .filledA: 1
        case .filledB: 2
        }
    }
}

/// Where and how a DPX's samples lie: everything needed to decode or encode them.
public struct DPXLayout: Sendable, Codable, Equatable {
    public var width: Int
    public var height: Int
    /// Interleaved channels per pixel (1, 3 or 4).
    public var channels: Int
    /// 8, 10, 12 or 16.
    public var bitDepth: Int
    public var packing: DPXPacking
    public var byteOrder: DPXByteOrder
    /// Offset of the first sample's word from the start of the file, in bytes.
    public var dataOffset: Int
    /// Bytes each row's samples occupy, including the partly filled last word.
    public var rowBytes: Int
    /// Bytes from the start of one row to the next (`rowBytes` plus end-of-line padding).
    public var rowStride: Int
    /// Stored only when true, so records of row-aligned files keep their bytes.
    private var spansRows: Bool?

    /// True when 10-bit filled samples run three to a word straight across row ends
    /// (a row does not start a new word), as Scanity and Lasergraphics scanners write
    /// luma and RGBA: the image data is then `ceil(width·height·channels / 3)` words, and
    /// `rowBytes`/`rowStride` only describe the row-aligned form.
    public var samplesSpanRows: Bool {
        get { spansRows ?? false }
        set { spansRows = newValue ? true : nil }
    }

    /// Bytes of the whole image data (rows and their padding).
    public var dataBytes: Int {
        samplesSpanRows ? Self.spanningBytes(samples: width * height * channels) : rowStride * height
    }
    /// Samples per row.
    public var samplesPerRow: Int { width * channels }

    /// Bytes of `samples` 10-bit samples packed three to a word with no row alignment.
    static func spanningBytes(samples n: Int) -> Int { (n + 2) / 3 * 4 }

    /// The same image data seen as rows the sample kernels walk: a layout whose
    /// samples span rows is one row of `width·height` pixels (the planes are the same
    /// memory either way, as planes are row-major).
    var kernelView: DPXLayout {
        guard samplesSpanRows else { return self }
        var flat = self
        flat.spansRows = nil
        flat.width = width * height
        flat.height = 1
        flat.rowBytes = dataBytes
        flat.rowStride = dataBytes
        return flat
    }

    /// A layout with rows aligned to 32-bit words (`alignRows`), or, for samples that
    /// do not share words (8- and 16-bit, 12-bit filled), rows back to back as
    /// OpenImageIO and ffmpeg write them (`alignRows: false`; 10-bit and packed 12-bit
    /// rows are always word-aligned).
    /// - Throws: `FormatError(.unsupported)` for a depth/packing pair DPX does not define.
    public init(width: Int, height: Int, channels: Int, bitDepth: Int, packing: DPXPacking,
                byteOrder: DPXByteOrder, dataOffset: Int, endOfLinePadding: Int = 0, alignRows: Bool = true) throws {
        self.width = width; self.height = height; self.channels = channels
        self.bitDepth = bitDepth; self.packing = packing; self.byteOrder = byteOrder
        self.dataOffset = dataOffset
        guard var bytes = Self.alignedRowBytes(samples: width * channels, bitDepth: bitDepth, packing: packing) else {
            throw FormatError(.unsupported, "\(bitDepth)-bit DPX samples are not supported (8, 10, 12 or 16)")
        }
        if !alignRows, let unaligned = Self.unalignedRowBytes(samples: width * channels, bitDepth: bitDepth, packing: packing) {
            bytes = unaligned
        }
        rowBytes = bytes
        rowStride = bytes + endOfLinePadding
    }

    /// The layout of 10-bit filled samples that run across row ends (`samplesSpanRows`).
    /// - Throws: `FormatError(.unsupported)` for another depth or packing.
    public static func spanningRows(width: Int, height: Int, channels: Int, packing: DPXPacking,
                                    byteOrder: DPXByteOrder, dataOffset: Int) throws -> DPXLayout {
        guard packing != .packed else {
            throw FormatError(.unsupported, "only filled 10-bit DPX samples run across rows")
        }
        var layout = try DPXLayout(width: width, height: height, channels: channels, bitDepth: 10, packing: packing,
                                   byteOrder: byteOrder, dataOffset: dataOffset)
        layout.samplesSpanRows = true
        return layout
    }

    /// Bytes a row of `samples` takes when padded to a 32-bit word, or nil for an unsupported depth.
    static func alignedRowBytes(samples n: Int, bitDepth: Int, packing: DPXPacking) -> Int? {
        switch (bitDepth, packing) {
        case (8, _): return (n + 3) / 4 * 4
        case (16, _): return (n * 2 + 3) / 4 * 4
        case (10, .packed), (12, .packed): return (n * bitDepth + 31) / 32 * 4
        case (10, _): return (n + 2) / 3 * 4
        case (12, _): return (n + 1) / 2 * 4
        default: return nil
        }
    }

    /// Bytes a row takes with no padding to a word (some writers store 8-, 12- and 16-bit rows so).
    static func unalignedRowBytes(samples n: Int, bitDepth: Int, packing: DPXPacking) -> Int? {
        switch (bitDepth, packing) {
        case (8, _): return n
        case (16, _), (12, .filledA), (12, .filledB): return n * 2
        default: return nil
        }
    }
}
