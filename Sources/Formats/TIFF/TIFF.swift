import Foundation
import ImageCore

/// TIFF files through libtiff: reading what other tools write, writing what they read.
///
/// Frames deeper than 8 bits and shallower than 16 are written as 16-bit samples
/// scaled by bit replication (10-bit: `v << 6 | v >> 4`), with the true depth recorded
/// in the private `ReelpackFrame` tag so that reading them back returns the exact
/// original codes (`>> 6`).
public enum TIFF {
    /// Private tag (UNDEFINED bytes, UTF-8 JSON) carrying the true bit depth and
    /// any source record a conversion keeps (e.g. a DPX header), see `TIFFFrameRecord`.
    public static let frameRecordTag: UInt32 = 65420
    /// Private tag (UNDEFINED bytes, UTF-8 JSON) carrying a Reelpack seal.
    public static let sealTag: UInt32 = 65421

    /// The libtiff in use, e.g. `"libtiff 4.5.0"`.
    public static var libraryVersion: String { libTIFFVersion }

    /// Reads the first image of a TIFF from memory: 2…16-bit unsigned grey, grey +
    /// alpha, RGB or RGBA, strips or tiles, chunky or planar, either byte order,
    /// any compression libtiff decodes losslessly. Samples come back at the true
    /// depth when the file records one. `name` is used in errors.
    /// - Throws: `FormatError`: `.malformed` for damaged or truncated files,
    ///   `.unsupported` for valid flavours outside the above (float, palette, CMYK,
    ///   YCbCr/JPEG, bilevel…), `.limitExceeded` for dimensions past `PixelBuffer`'s limits.
    public static func read(_ data: Data, name: String? = nil) throws(FormatError) -> TIFFImage {
        let file = try LibTIFFFile(reading: data, name: name)
        return try TIFFReader.read(file, data: data)
    }

    /// Reads the header fields of the first image (what `reelpack probe` shows),
    /// without decoding samples.
    /// - Throws: `FormatError` when the file is not a readable TIFF.
    public static func info(_ data: Data, name: String? = nil) throws(FormatError) -> TIFFInfo {
        let file = try LibTIFFFile(readingHeader: data, name: name)
        return try TIFFReader.info(file, data: data)
    }

    /// Writes `pixels` as a TIFF in memory: chunky, unsigned, 8-bit samples for
    /// frames of up to 8 bits and 16-bit samples otherwise (9…15-bit codes scaled
    /// by bit replication, true depth in the `ReelpackFrame` tag); minisblack for
    /// 1-2 channels, RGB for 3-4, the second or fourth being unassociated alpha.
    /// - Throws: `FormatError` when a sample exceeds the declared depth or libtiff fails.
    public static func write(_ pixels: PixelBuffer, metadata: FrameMetadata = FrameMetadata(),
                             options: TIFFWriteOptions = TIFFWriteOptions()) throws(FormatError) -> Data {
        try TIFFWriter.write(pixels, metadata: metadata, options: options)
    }

    /// The same TIFF with its seal tag set to `seal` (removed when `seal` is empty),
    /// without touching the image data: libtiff rewrites the first directory at the
    /// end of the file (the old directory's few hundred bytes stay behind, unreferenced).
    /// - Throws: `FormatError` when `data` is not a readable TIFF.
    public static func replacingSeal(in data: Data, with seal: Data, name: String? = nil) throws(FormatError) -> Data {
        let file = try LibTIFFFile(updating: data, name: name)
        if seal.isEmpty {
            file.unset(sealTag)
        } else {
            try file.set(sealTag, bytes: seal)
        }
        try file.rewriteDirectory()
        return try file.finish(writeDirectory: false)
    }
}

/// What a TIFF's header says (first image).
public struct TIFFInfo: Sendable, Codable, Equatable {
    /// Image width in pixels.
    public var width: Int
    /// Image height in pixels.
    public var height: Int
    /// Samples per pixel (colour and extra samples such as alpha).
    public var samplesPerPixel: Int
    /// Bits per sample as stored (a 10-bit frame written by Reelpack stores 16;
    /// see `recordedBitDepth`).
    public var bitsPerSample: Int
    /// Sample format as stored: "uint", "int", "float", "void", "complexint", "complexfloat".
    public var sampleFormat: String
    /// Compression name ("none", "lzw", "deflate" (Adobe, code 8), "deflate-legacy"
    /// (code 32946), "packbits", "zstd", "jpeg", …; "code N" for unknown ones).
    public var compression: String
    /// Photometric interpretation ("minisblack", "rgb", …).
    public var photometric: String
    /// "chunky" (contig) or "planar" (separate).
    public var planarConfiguration: String
    /// True for a tiled layout, false for strips.
    public var tiled: Bool
    /// Tile width in pixels (tiled files only).
    public var tileWidth: Int?
    /// Tile height in pixels (tiled files only).
    public var tileHeight: Int?
    /// Rows per strip, at most the image height (striped files only).
    public var rowsPerStrip: Int?
    /// "little" (II) or "big" (MM).
    public var byteOrder: String
    /// libtiff's names of the tags in the first directory, in file order
    /// ("ImageWidth", …, "ReelpackFrame", "ReelpackSeal"; "Tag N" for unknown ones).
    public var tags: [String]
    /// Number of images (directories) in the file.
    public var imageCount: Int
    /// True depth from the `ReelpackFrame` tag, when the file carries one.
    public var recordedBitDepth: Int?
    /// Predictor: "none", "horizontal", "floatingpoint".
    public var predictor: String
    /// True for BigTIFF (64-bit offsets).
    public var bigTIFF: Bool

    /// Header fields as given.
    public init(width: Int, height: Int, samplesPerPixel: Int, bitsPerSample: Int, sampleFormat: String,
                compression: String, photometric: String, planarConfiguration: String, tiled: Bool,
                tileWidth: Int?, tileHeight: Int?, rowsPerStrip: Int?, byteOrder: String, tags: [String],
                imageCount: Int, recordedBitDepth: Int?, predictor: String = "none", bigTIFF: Bool = false) {
        self.width = width; self.height = height; self.samplesPerPixel = samplesPerPixel
        self.bitsPerSample = bitsPerSample; self.sampleFormat = sampleFormat; self.compression = compression
        self.photometric = photometric; self.planarConfiguration = planarConfiguration; self.tiled = tiled
        self.tileWidth = tileWidth; self.tileHeight = tileHeight; self.rowsPerStrip = rowsPerStrip
        self.byteOrder = byteOrder; self.tags = tags; self.imageCount = imageCount
        self.recordedBitDepth = recordedBitDepth; self.predictor = predictor; self.bigTIFF = bigTIFF
    }
}

/// A TIFF read into memory.
public struct TIFFImage: Sendable {
    /// Samples at the true bit depth (scaled back when the file records one).
    public var pixels: PixelBuffer
    /// Common metadata (creator, date, description, …).
    public var metadata: FrameMetadata
    /// The header fields.
    public var info: TIFFInfo
    /// Contents of the `ReelpackFrame` tag, when present.
    public var frameRecord: TIFFFrameRecord?
    /// Contents of the seal tag, when present.
    public var seal: Data?

    /// An image from its parts.
    public init(pixels: PixelBuffer, metadata: FrameMetadata, info: TIFFInfo,
                frameRecord: TIFFFrameRecord?, seal: Data?) {
        self.pixels = pixels; self.metadata = metadata; self.info = info
        self.frameRecord = frameRecord; self.seal = seal
    }
}

/// What Reelpack keeps in its private TIFF tag: the true depth and whatever a
/// conversion needs to rebuild the source (for DPX: its header and trailing bytes).
public struct TIFFFrameRecord: Sendable, Codable, Equatable {
    /// Bits per sample of the frame before scaling to 16 bits.
    public var bitDepth: Int
    /// Source format the frame came from ("dpx"), when converted.
    public var sourceFormat: String?
    /// Opaque record of the source (JSON of the source format's own choosing).
    public var source: Data?

    /// A record of `bitDepth`, with the source's format and record when converted.
    public init(bitDepth: Int, sourceFormat: String? = nil, source: Data? = nil) {
        self.bitDepth = bitDepth; self.sourceFormat = sourceFormat; self.source = source
    }
}

/// How to write a TIFF.
public struct TIFFWriteOptions: Sendable {
    /// Compression schemes Reelpack writes (all lossless); the raw value is `TIFFInfo.compression`'s name.
    public enum Compression: String, Sendable, Codable, CaseIterable { case none, deflate, lzw, zstd, packbits }
    /// Compression of the strips.
    public var compression: Compression
    /// Horizontal differencing predictor (with deflate/lzw/zstd).
    public var predictor: Bool
    /// Deflate (1…12) or zstd (1…22) level, nil for libtiff's default (Deflate 6, zstd 9).
    public var level: Int?
    /// Source record to store in the `ReelpackFrame` tag (its `bitDepth` is set to
    /// the frame's); without one, the tag is written only when samples are scaled.
    public var frameRecord: TIFFFrameRecord?
    /// Seal JSON to store in the seal tag.
    public var seal: Data?

    /// Options; the defaults write an uncompressed TIFF without predictor.
    public init(compression: Compression = .none, predictor: Bool = false, level: Int? = nil,
                frameRecord: TIFFFrameRecord? = nil, seal: Data? = nil) {
        self.compression = compression; self.predictor = predictor; self.level = level
        self.frameRecord = frameRecord; self.seal = seal
    }
}
