import Engine
import Foundation
import Formats
import ImageCore

/// The output folders under review and their frames, read from their catalogs.
///
/// Everything the server serves is reached through this list: a request names a frame
/// by its index here and an output by its index in `outputs`, never by a path, so only
/// files the catalogs record (inside their output folder) and their sources are read.
public final class ReviewLibrary: Sendable {
    /// One output folder (one profile) under review.
    public struct Output: Sendable {
        /// The folder's name, as shown (its last path component).
        public var name: String
        /// The folder.
        public var url: URL
        /// The profile of its latest run ("C0", "C1", …; "unknown" without one).
        public var profile: String
        /// Its catalog.
        public var catalog: Catalog
        /// Its frames by source name: what the catalog records of each.
        public var reports: [String: FrameReport]
    }

    /// A frame of the reel, with what every output folder recorded of it.
    public struct Frame: Sendable {
        /// Index in `frames` (the id requests use).
        public var id: Int
        /// The source's file name.
        public var name: String
        /// Sequence number, when the name carries one.
        public var sequenceNumber: Int?
        /// Where the source was read at compression (from a catalog), nil when unknown.
        public var recordedSourcePath: String?
        /// The analysis features recorded (from the first catalog that has them).
        public var features: FrameFeatures?
        /// The source's header metadata, as recorded (chooses the display transform).
        public var metadata: FrameMetadata?
        /// The source's geometry, as recorded (0 when not).
        public var width: Int
        public var height: Int
    }

    /// The output folders, in the order given.
    public let outputs: [Output]
    /// Every frame named by any catalog, in reel order.
    public let frames: [Frame]
    /// Sources by file name, from `--source` (empty without it).
    let sourceIndex: [String: URL]
    /// Overrides the transform chosen from each frame's metadata.
    public let displayOverride: DisplayTransform.Kind?

    /// Opens the catalog of every folder in `outputs`.
    /// - Parameters:
    ///   - source: the source folder (or file); without it, sources are read where the
    ///     catalogs recorded them.
    ///   - display: a display transform for every frame instead of each frame's own.
    /// - Throws: `ReviewError.usage` when a folder holds no catalog or two folders share
    ///   a name; `CatalogError` when a catalog cannot be read.
    public init(outputs urls: [URL], source: URL? = nil, display: DisplayTransform.Kind? = nil) throws {
        var outputs: [Output] = []
        var byName: [String: Frame] = [:]
        for url in urls {
            let folder = OutputFolder(url: url)
            guard FileManager.default.fileExists(atPath: folder.catalogURL.path) else {
                throw ReviewError(.usage, url.path, "no \(Catalog.fileName) here: not a reelpack output folder")
            }
            let name = url.standardizedFileURL.lastPathComponent
            guard !outputs.contains(where: { $0.name == name }) else {
                throw ReviewError(.usage, url.path, "two output folders are named \(name): give folders of distinct names")
            }
            let catalog = try Catalog(url: folder.catalogURL)
            let profile = try catalog.runHistory().latestSettings?.profile.rawValue ?? "unknown"
            var reports: [String: FrameReport] = [:]
            for report in try catalog.frameReports() { reports[report.name] = report }
            for f in try catalog.reviewFrames() where byName[f.name] == nil || byName[f.name]?.features == nil {
                byName[f.name] = Frame(id: 0, name: f.name, sequenceNumber: f.sequenceNumber,
                                       recordedSourcePath: byName[f.name]?.recordedSourcePath ?? f.sourcePath,
                                       features: f.features, metadata: f.metadata, width: f.width ?? 0, height: f.height ?? 0)
            }
            outputs.append(Output(name: name, url: url, profile: profile, catalog: catalog, reports: reports))
        }
        var frames = byName.values.sorted {
            ($0.sequenceNumber ?? Int.max, $0.name) < ($1.sequenceNumber ?? Int.max, $1.name)
        }
        for i in frames.indices { frames[i].id = i }
        self.outputs = outputs
        self.frames = frames
        sourceIndex = source.map(SourceListing.filesByName) ?? [:]
        displayOverride = display
    }

    /// The frame of id `id`.
    /// - Throws: `ReviewError.notFound` for an id not in the list.
    public func frame(_ id: Int) throws -> Frame {
        guard frames.indices.contains(id) else { throw ReviewError(.notFound, "frame \(id)", "no such frame") }
        return frames[id]
    }

    /// The output folder of index `index`.
    /// - Throws: `ReviewError.notFound` for an index not in the list.
    public func output(_ index: Int) throws -> Output {
        guard outputs.indices.contains(index) else { throw ReviewError(.notFound, "output \(index)", "no such output folder") }
        return outputs[index]
    }

    // MARK: Files

    /// The source file of `frame`: by name in `--source`, else where the catalog recorded it.
    /// - Throws: `ReviewError.missing` when neither has it.
    func sourceURL(of frame: Frame) throws -> URL {
        if let url = sourceIndex[frame.name] { return url }
        if sourceIndex.isEmpty, let path = frame.recordedSourcePath, FileManager.default.fileExists(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        throw ReviewError(.missing, frame.name, sourceIndex.isEmpty
                          ? "the source is not where compress read it (give --source)"
                          : "not found under --source")
    }

    /// The output file of `frame` in output folder `index`, checked to lie inside that folder.
    /// - Throws: `ReviewError.missing` when the catalog records no output for the frame
    ///   or its path leaves the folder.
    func outputURL(of frame: Frame, output index: Int) throws -> URL {
        let output = try output(index)
        guard let report = output.reports[frame.name], report.status != .failed, let relative = report.output else {
            throw ReviewError(.missing, "\(output.name)/\(frame.name)", "no output recorded for this frame")
        }
        let folder = output.url.standardizedFileURL
        let url = folder.appendingPathComponent(relative).standardizedFileURL
        guard url.path.hasPrefix(folder.path + "/") else {
            throw ReviewError(.missing, "\(output.name)/\(frame.name)", "the catalog's output path leaves the folder")
        }
        return url
    }

    /// Decodes the source of `frame`.
    func decodeSource(_ frame: Frame, services: EngineServices = .standard) throws -> DecodedFrame {
        let url = try sourceURL(of: frame)
        do {
            let source = try services.read(try Data(contentsOf: url, options: .mappedIfSafe), url.path)
            return DecodedFrame(pixels: source.pixels, metadata: source.metadata)
        } catch {
            throw ReviewError(.damaged, url.lastPathComponent, "\(error)")
        }
    }

    /// Decodes the output of `frame` in output folder `index` (samples as restored).
    func decodeOutput(_ frame: Frame, output index: Int, services: EngineServices = .standard,
                      threads: Int = 1) throws -> DecodedFrame {
        let url = try outputURL(of: frame, output: index)
        do {
            let decoded = try OutputFolder.decode(try Data(contentsOf: url, options: .mappedIfSafe), name: url.path,
                                                  services: services, threads: threads)
            return DecodedFrame(pixels: decoded.restored, metadata: decoded.seal.metadata)
        } catch {
            throw ReviewError(.damaged, url.lastPathComponent, "\(error)")
        }
    }

    /// The display transform of a frame with `metadata`.
    public func transform(metadata: FrameMetadata?) -> DisplayTransform {
        DisplayTransform.forFrame(metadata: metadata, override: displayOverride)
    }
}

/// A decoded frame and the metadata its display transform is chosen from.
public struct DecodedFrame: Sendable {
    public var pixels: PixelBuffer
    public var metadata: FrameMetadata?
}

/// `review --display`: how frames are shown, by name.
public enum DisplayChoice: String, Sendable, CaseIterable {
    /// Each frame's own transform, from its metadata (Cineon log for log scans).
    case auto
    case cineonLog = "cineon-log"
    case rec709

    /// The transform every frame gets instead of its own; nil for `auto`.
    public var override: DisplayTransform.Kind? {
        switch self {
        case .auto: nil
        case .cineonLog: .cineonLog
        case .rec709: .rec709
        }
    }
}
