import Foundation
import Formats
import ImageCore
import Metrics

/// A source read and analysed (stage 1 of `FramePipeline`).
struct LoadedFrame: Sendable {
    /// The source file's size in bytes. The bytes themselves are not kept past
    /// loading (the lossless rebuild check compares against `sha256`), so they cost
    /// no memory while the frame is encoded.
    var sourceBytes: Int
    var frame: SourceFrame
    var sha256: String
    var analysis: FrameAnalyzer.Result
    /// The source's grain band, for a lossy profile (nil for lossless): the analysis
    /// takes its grain estimate from the same scan, so the grain is scanned once a frame,
    /// and the encode stage measures each candidate's grain retention against it.
    var grain: GrainReference?

    /// What the catalog records of the source.
    var sourceInfo: FrameSourceInfo {
        let px = frame.pixels
        return FrameSourceInfo(sourceBytes: sourceBytes, sourceSHA256: sha256, format: frame.format.rawValue,
                               width: px.width, height: px.height, channels: px.channels, bitDepth: px.bitDepth,
                               metadata: frame.metadata)
    }
}

/// Stage 1, load: reads a source frame and analyses it. Blocking.
struct FrameLoader: Sendable {
    var services: EngineServices
    /// True for a lossy profile: the source's grain band is kept (`LoadedFrame.grain`).
    var keepsGrain = false
    /// `CompressionSettings.storeMonochromeAsOneChannel`: a black-and-white frame
    /// scanned as RGB keeps the band of its first plane only (what is encoded).
    var monochromeAsOnePlane = true
    /// The cores the grain scan may use (`CoreShare`).
    var cores: CoreShare

    /// Reads and analyses the source.
    func load(_ item: WorkItem) throws -> LoadedFrame {
        let data = try bytes(of: item)
        let frame = try services.read(data, item.source.path)
        let pixels = frame.pixels
        var grain = keepsGrain ? GrainReference(source: pixels, threads: cores.threads) : nil
        let analysis = FrameAnalyzer.analyze(pixels, grain: grain?.estimate)
        if grain != nil, Monochrome.storesOnePlane(allowed: monochromeAsOnePlane, channels: pixels.channels, features: analysis.features) {
            grain = GrainReference(source: try Monochrome.firstPlane(pixels), threads: cores.threads)
        }
        return LoadedFrame(sourceBytes: data.count, frame: frame, sha256: Digest.sha256(data),
                           analysis: analysis, grain: grain)
    }

    /// Reads and analyses a source without keeping it (a kept frame whose look a
    /// resumed run needs, to tell whether a cut lies before the frame after it).
    func analyse(_ item: WorkItem) throws -> FrameAnalyzer.Result {
        FrameAnalyzer.analyze(try services.read(try bytes(of: item), item.source.path).pixels)
    }

    /// The source file's bytes (mapped when the file system allows).
    private func bytes(of item: WorkItem) throws -> Data {
        do {
            return try Data(contentsOf: item.source, options: .mappedIfSafe)
        } catch {
            throw EngineError(.io, file: item.source.path, "cannot read: \(error.localizedDescription)", cause: error)
        }
    }
}
