import Foundation

/// What a scan of source paths found: the frames to work on, in order, grouped into
/// image sequences, with everything a user should know about them (missing frames,
/// frames of another size, files that were skipped) said in `warnings` and kept in
/// structured fields. Nothing found is dropped without a word.
public struct SequenceScan: Sendable, Codable, Equatable {
    /// Every image file found, in working order: each sequence's frames by frame
    /// number (sequences sorted by folder, prefix, extension, padding), then `singles`.
    public var frames: [ScannedFrame]
    /// Numbered files grouped by folder, prefix, extension and padding
    /// (`reel_0086400.dpx` … is prefix `reel_`, extension `dpx`, padding 7).
    public var sequences: [ImageSequence]
    /// Image files that are not frames of a sequence (no frame number in the name).
    public var singles: [ScannedFrame]
    /// Entries skipped: hidden files, files that are not DPX or TIFF, subfolders.
    public var ignored: [IgnoredFile]
    /// Human sentences about gaps, mixed geometry, unreadable headers, several
    /// sequences, skipped files. Empty for one clean, complete sequence.
    public var warnings: [String]

    /// Number of skipped entries.
    public var ignoredCount: Int { ignored.count }
    /// True when some sequence misses frames.
    public var hasGaps: Bool { sequences.contains { !$0.missingFrames.isEmpty } }
    /// True when some sequence holds frames of different geometry.
    public var hasMixedGeometry: Bool { sequences.contains { $0.hasMixedGeometry } }

    public init(frames: [ScannedFrame], sequences: [ImageSequence], singles: [ScannedFrame],
                ignored: [IgnoredFile], warnings: [String]) {
        self.frames = frames; self.sequences = sequences; self.singles = singles
        self.ignored = ignored; self.warnings = warnings
    }
}

/// One image file found by a scan.
public struct ScannedFrame: Sendable, Codable, Equatable {
    /// The file.
    public var url: URL
    /// File name without its extension (`reel_0086400`): the name outputs are made from.
    public var stem: String
    /// The number at the end of the stem, when there is one.
    public var frameNumber: Int?
    /// Format by the file's extension.
    public var format: ImageFormat
    /// Geometry from the header, nil when it could not be read (see `geometryProblem`).
    public var geometry: FrameGeometry?
    /// Why `geometry` is nil.
    public var geometryProblem: String?

    /// The file's name.
    public var name: String { url.lastPathComponent }

    public init(url: URL, stem: String, frameNumber: Int?, format: ImageFormat,
                geometry: FrameGeometry? = nil, geometryProblem: String? = nil) {
        self.url = url; self.stem = stem; self.frameNumber = frameNumber; self.format = format
        self.geometry = geometry; self.geometryProblem = geometryProblem
    }
}

/// Width, height, bit depth and channel count as a header declares them.
public struct FrameGeometry: Sendable, Codable, Hashable, CustomStringConvertible {
    /// Pixels per line and lines.
    public var width: Int
    public var height: Int
    /// Bits per sample (a 10- or 12-bit frame in a 16-bit TIFF reports its true depth
    /// when the file records it).
    public var bitDepth: Int
    /// Samples per pixel.
    public var channels: Int

    public init(width: Int, height: Int, bitDepth: Int, channels: Int) {
        self.width = width; self.height = height; self.bitDepth = bitDepth; self.channels = channels
    }

    /// `2048×1080, 3 channels, 10-bit`.
    public var description: String {
        "\(width)×\(height), \(channels) channel\(channels == 1 ? "" : "s"), \(bitDepth)-bit"
    }
}

/// Numbered files of one folder sharing a prefix, an extension and a padding.
public struct ImageSequence: Sendable, Codable, Equatable {
    /// The folder holding the frames.
    public var directory: URL
    /// Name before the frame number (`reel_`), possibly empty.
    public var prefix: String
    /// Extension as written (`dpx`).
    public var fileExtension: String
    /// Digits of a zero-padded frame number (7 for `reel_0086400.dpx`); 0 when numbers
    /// are not padded (`shot_9.dpx`, `shot_10.dpx`).
    public var padding: Int
    /// The frames, by frame number.
    public var frames: [ScannedFrame]
    /// First and last frame numbers.
    public var firstFrame: Int
    public var lastFrame: Int
    /// Ranges of frame numbers missing between `firstFrame` and `lastFrame`.
    public var missingFrames: [ClosedRange<Int>]
    /// Distinct geometries, most frames first (one entry for a uniform sequence;
    /// frames whose header could not be read are not counted).
    public var geometries: [GeometryCount]

    /// printf-style pattern of the names: `reel_%07d.dpx`, or `shot_%d.dpx` unpadded.
    public var pattern: String {
        "\(prefix)%\(padding > 0 ? "0\(padding)" : "")d.\(fileExtension)"
    }
    /// Number of frames missing between the first and the last.
    public var missingCount: Int { missingFrames.reduce(0) { $0 + $1.count } }
    /// True when frames differ in width, height, bit depth or channels.
    public var hasMixedGeometry: Bool { geometries.count > 1 }

    public init(directory: URL, prefix: String, fileExtension: String, padding: Int, frames: [ScannedFrame],
                firstFrame: Int, lastFrame: Int, missingFrames: [ClosedRange<Int>], geometries: [GeometryCount]) {
        self.directory = directory; self.prefix = prefix; self.fileExtension = fileExtension
        self.padding = padding; self.frames = frames; self.firstFrame = firstFrame; self.lastFrame = lastFrame
        self.missingFrames = missingFrames; self.geometries = geometries
    }
}

/// How many frames of a sequence share one geometry.
public struct GeometryCount: Sendable, Codable, Equatable {
    public var geometry: FrameGeometry
    /// Number of frames with this geometry.
    public var frameCount: Int
    /// Frame numbers with this geometry, ascending.
    public var frameNumbers: [Int]

    public init(geometry: FrameGeometry, frameCount: Int, frameNumbers: [Int]) {
        self.geometry = geometry; self.frameCount = frameCount; self.frameNumbers = frameNumbers
    }
}

/// An entry a scan skipped, and why.
public struct IgnoredFile: Sendable, Codable, Equatable {
    public enum Reason: String, Sendable, Codable, Equatable {
        /// Name starts with a dot (including `._` resource forks).
        case hidden
        /// Not a `.dpx`, `.tif` or `.tiff` file.
        case notAnImage
        /// A folder inside a scanned folder (scans do not descend).
        case folder
        /// A FIFO, device or socket named like a frame: reading it could block forever.
        case notARegularFile
    }

    public var url: URL
    public var reason: Reason

    public init(url: URL, reason: Reason) { self.url = url; self.reason = reason }
}
