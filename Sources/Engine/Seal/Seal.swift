import Foundation
import ImageCore

/// The JSON document inside every output file (DESIGN.md §7): what was done, what was
/// measured on the bytes written, and what `restore` needs to rebuild the source.
/// A frame is self-describing without the catalog.
public struct Seal: Sendable, Codable, Equatable {
    /// The seal's own format version; bumped when a field changes meaning. Version 2
    /// stores the rebuild record compressed (`rebuildRecordEncoding`); version 1 seals
    /// (plain base64 record) are still read.
    public static let currentFormatVersion = 2

    /// Version of this document's layout.
    public var sealVersion: Int
    /// `"reelpack"` and its version.
    public var tool: String
    public var toolVersion: String
    /// When the file was written (ISO 8601, UTC).
    public var timestamp: String

    /// Profile name and the floors applied (after overrides).
    public var profile: String
    public var floors: QualityFloor

    /// Codec (`j2k`, `htj2k`, `jxl`, `tiff`), its library and version.
    public var codec: String
    public var library: String
    /// `"lossless"` or `"lossy"`; the quality parameter kept (nil when lossless).
    public var mode: String
    public var parameter: Double?
    /// True when the profile was lossy but no lossy setting met the floors.
    public var fellBackToLossless: Bool
    /// Why the search stopped.
    public var searchStopReason: String?
    /// Every search iteration.
    public var searchTrace: [SearchIteration]

    /// Metrics measured on the decoded bytes that were written.
    public var achieved: QualityMeasurement

    /// Source file name, format, size and SHA-256 of its bytes.
    public var sourceName: String
    public var sourceFormat: String
    public var sourceBytes: Int
    public var sourceSHA256: String
    /// Source geometry as read (what `restore` gives back).
    public var width: Int
    public var height: Int
    public var channels: Int
    public var bitDepth: Int
    /// True when a monochrome source (R = G = B) was stored as one channel; restore
    /// copies it back into `channels` channels.
    public var monochromeStored: Bool
    /// SHA-256 of the decoded samples as restored (`Digest.sha256(samples:)`), after a
    /// monochrome plane is copied back to `channels` channels.
    public var decodedSHA256: String
    /// The source's rebuild record (`SourceFrame.rebuildRecord`) in base64, encoded as
    /// `rebuildRecordEncoding` says: with the decoded samples it rebuilds the source
    /// file, byte for byte when `rebuildIsExact` and the profile is lossless.
    public var rebuildRecord: String
    /// `"zlib"`: the record was compressed (one RFC 1950 stream) before base64, as
    /// version 2 seals store it (a DPX header's 3.3 kB of record take about 0.6 kB);
    /// nil: plain base64 (version 1).
    public var rebuildRecordEncoding: String?
    public var rebuildIsExact: Bool
    /// The source's header metadata.
    public var metadata: FrameMetadata

    /// Analysis features of the source.
    public var features: FrameFeatures
    /// Decoded / source grain sigma (1 = grain kept); nil when the source has no grain.
    public var grainRetention: Double?

    /// The seal as compact, key-sorted UTF-8 JSON (what goes into the file).
    /// - Throws: `EncodingError` for non-finite numbers.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Reads a seal from the JSON found in an output file.
    /// - Throws: `DecodingError` when the document is not a Reelpack seal.
    public static func decode(_ data: Data) throws -> Seal {
        try JSONDecoder().decode(Seal.self, from: data)
    }

    /// The rebuild record's bytes; nil when the field is not base64, its encoding is
    /// unknown, or its zlib stream is damaged.
    public var rebuildRecordData: Data? {
        guard let stored = Data(base64Encoded: rebuildRecord) else { return nil }
        switch rebuildRecordEncoding {
        case nil: return stored
        case Self.zlibEncoding: return Zlib.decompress(stored)
        default: return nil
        }
    }

    /// How version 2 seals encode the rebuild record before base64.
    public static let zlibEncoding = "zlib"

    /// `record` as this version's seals store it: the `rebuildRecord` field and its
    /// `rebuildRecordEncoding`.
    public static func packRebuildRecord(_ record: Data) -> (field: String, encoding: String?) {
        (Zlib.compress(record).base64EncodedString(), zlibEncoding)
    }
}
