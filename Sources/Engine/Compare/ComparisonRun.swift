import Codecs
import Dispatch
import Foundation
import Formats
import ImageCore

/// What `compare` is asked to do.
public struct ComparisonSettings: Sendable {
    /// The profile Reelpack compresses at, and whose floors every method is judged by.
    public var profile: Profile
    public var floor: QualityFloor
    /// The fixed methods to set against Reelpack.
    public var methods: [MethodID]
    /// Codec of the compress run (when `compare` runs it).
    public var codec: CodecChoice
    /// Frames worked on at once.
    public var jobs: Int
    /// Frames in the feature Table 3 extrapolates to.
    public var featureFrames: Int
    /// The equal-size match: within this share of Reelpack's bytes (0.01 = 1 %).
    public var sizeTolerance: Double

    public init(profile: Profile, floor: QualityFloor? = nil, methods: [MethodID] = MethodID.allCases,
                codec: CodecChoice = .auto, jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                featureFrames: Int = 150_000, sizeTolerance: Double = 0.01) {
        self.profile = profile
        self.floor = floor ?? profile.floor
        self.methods = methods
        self.codec = codec
        self.jobs = max(1, jobs)
        self.featureFrames = max(1, featureFrames)
        self.sizeTolerance = sizeTolerance
    }
}

/// A 1:1 crop of a method's worst frame at equal size, beside the source and Reelpack's.
public struct WorstCrop: Sendable {
    public var method: String
    public var frame: String
    public var ssim: Double
    public var reelpackSSIM: Double
    /// The crop's place in the frame, in pixels.
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    /// PNG bytes (8-bit previews, code values mapped linearly).
    public var source: [UInt8]
    public var reelpack: [UInt8]
    public var decoded: [UInt8]
}

/// `reelpack compare`: Reelpack's compress against fixed methods at equal size and at
/// their safe settings, every decoded frame measured with `CompareMeasurement`.
public struct ComparisonRun: Sendable {
    public var sources: [URL]
    /// The comparison's folder (compare.json, compare.csv, compare.html; and
    /// `reelpack/`, the compress run's output, when no `archive` is given).
    public var output: URL
    /// An existing Reelpack output folder of these sources; nil runs compress.
    public var archive: URL?
    public var settings: ComparisonSettings
    public var services: EngineServices
    public var tools: CompareTools
    public var toolVersion: String

    public init(sources: [URL], output: URL, archive: URL? = nil, settings: ComparisonSettings,
                services: EngineServices = .standard, tools: CompareTools = .locate(), toolVersion: String) {
        self.sources = sources
        self.output = output
        self.archive = archive
        self.settings = settings
        self.services = services
        self.tools = tools
        self.toolVersion = toolVersion
    }

    /// The report and the worst-frame crops for the page.
    public struct Result: Sendable {
        public var report: CompareReport
        public var crops: [WorstCrop]
    }

    /// Where the compress run goes when `archive` is nil.
    public var archiveFolder: URL { archive ?? output.appendingPathComponent("reelpack") }

    /// Runs the comparison (and the compress run first, without `archive`).
    /// - Parameter progress: one line per step, from any thread.
    /// - Throws: `EngineError.usage` for bad sources or folders, or an archive that does
    ///   not hold these sources; errors of the compress run. A fixed method's failure is
    ///   not thrown: it is in the report.
    public func run(progress: (@Sendable (String) -> Void)? = nil) async throws -> Result {
        let clock = Date()
        let listing = try SourceListing.listing(sources)
        try SourceListing.checkOutput(output, outsideOf: sources)
        var compressSeconds: Double?
        if archive == nil, FileManager.default.fileExists(atPath: archiveFolder.appendingPathComponent(ReportFiles.summary).path) {
            throw EngineError(.usage, file: output.path,
                              "already holds a compress run: pass --archive \(archiveFolder.path) to compare it again, or choose another folder")
        }
        if archive == nil {
            progress?("compress: profile \(settings.profile.rawValue) into \(archiveFolder.path)")
            let started = Date()
            let run = CompressionRun(sources: sources, output: archiveFolder,
                                     settings: CompressionSettings(profile: settings.profile, floor: settings.floor,
                                                                   codec: settings.codec, jobs: settings.jobs),
                                     services: services, toolVersion: toolVersion)
            _ = try await run.run()
            compressSeconds = Date().timeIntervalSince(started)
        }
        let work = Work(run: self, items: listing.items, compressSeconds: compressSeconds, clock: clock, progress: progress)
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Swift.Result { try work.compare() })
            }
        }
    }
}

/// One source frame held for the whole comparison, with Reelpack's file of it.
struct ReelFrame: Sendable {
    var name: String
    var pixels: PixelBuffer
    var sourceBytes: Int
    var analysis: SourceAnalysis
    var archiveFile: URL
    var archiveBytes: Int
}

/// The blocking part of a comparison.
private struct Work: Sendable {
    let run: ComparisonRun
    let items: [WorkItem]
    let compressSeconds: Double?
    let clock: Date
    let progress: (@Sendable (String) -> Void)?

    var settings: ComparisonSettings { run.settings }
    var codecThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount / settings.jobs) }

    func compare() throws -> ComparisonRun.Result {
        var steps: [String: Double] = [:]
        var step = Date()
        func lap(_ name: String) {
            steps[name, default: 0] += Date().timeIntervalSince(step)
            step = Date()
        }
        let frames = try loadReel()
        lap("read and analyse sources")
        guard let first = frames.first else {
            throw EngineError(.usage, file: run.archiveFolder.path, "holds none of the source frames")
        }
        var notes: [String] = []
        if frames.count < items.count {
            notes.append("\(items.count - frames.count) source frames have no file in Reelpack's output (failed or not compressed) and are left out")
        }
        progress?("reelpack: measuring its \(frames.count) files")
        let measured = ParallelWork.map(Array(frames.indices), jobs: settings.jobs) { i -> Swift.Result<(FrameQuality, Int), any Error> in
            Swift.Result { try measureArchive(frames[i]) }
        }
        var reelQualities: [FrameQuality] = []
        var sealBytes = 0
        for (i, m) in measured.enumerated() {
            switch m {
            case .success(let (q, seal)):
                reelQualities.append(q)
                sealBytes += seal
            case .failure(let error):
                throw EngineError(.verificationFailed, file: frames[i].archiveFile.path, "cannot be decoded and measured: \(error)")
            }
        }
        lap("measure Reelpack's files")
        let sourceBytes = frames.reduce(0) { $0 + $1.sourceBytes }
        let reelBytes = frames.reduce(0) { $0 + $1.archiveBytes }
        let reelpack = MethodSummary(method: "reelpack", title: "Reelpack \(settings.profile.rawValue) (per-frame search)",
                                     setting: nil, value: nil, qualities: reelQualities, bytes: reelBytes,
                                     sourceBytes: sourceBytes, floor: settings.floor)
        let reelRows = frames.indices.map { row(frames[$0], bytes: frames[$0].archiveBytes, quality: reelQualities[$0]) }
        if sealBytes > 0 {
            notes.append(String(format: "Reelpack's size includes the seals inside its files: %d bytes, %.2f %% of it; the fixed methods' files carry none", sealBytes, 100 * Double(sealBytes) / Double(max(reelBytes, 1))))
        }

        var versions: [String: String] = [:]
        var methods: [MethodResult] = []
        var skipped: [SkippedMethod] = []
        var crops: [WorstCrop] = []
        var roundTrip: MethodSummary?
        for id in settings.methods {
            let method: any FixedMethod
            do {
                method = try makeMethod(id)
            } catch {
                let note = "\(id.rawValue) skipped: \(error)"
                skipped.append(SkippedMethod(method: id, note: note))
                progress?(note)
                if id == .h265 { versions["ffmpeg"] = "not found" }
                continue
            }
            versions.merge(method.versions) { a, _ in a }
            progress?("\(id.rawValue): \(method.title)")
            let trials = MethodTrials(method: method, frames: frames, jobs: settings.jobs, floor: settings.floor)
            guard let result = trials.compare(reelpackBytes: frames.map(\.archiveBytes), tolerance: settings.sizeTolerance,
                                              progress: progress) else {
                let reason = trials.failureList.first?.message ?? "no frame could be encoded"
                skipped.append(SkippedMethod(method: id, note: "\(id.rawValue) failed on every frame: \(reason)"))
                continue
            }
            methods.append(result)
            if let crop = trials.worstCrop(result: result, reelpackDecode: { try decodeArchive(frames[$0]) },
                                           reelpackQualities: reelQualities) {
                crops.append(crop)
            }
            if let h265 = method as? H265Method {
                step = Date()
                defer { lap("colour round trip") }
                progress?("h265: the colour conversion alone (RGB → Y'CbCr 4:4:4 → RGB)")
                let rt = ParallelWork.map(Array(frames.indices), jobs: settings.jobs) { i -> FrameQuality? in
                    guard let back = try? h265.colourRoundTrip(frames[i].pixels) else { return nil }
                    return try? CompareMeasurement.measure(source: frames[i].pixels, decoded: back, sourceAnalysis: frames[i].analysis)
                }.compactMap { $0 }
                if !rt.isEmpty {
                    roundTrip = MethodSummary(method: "colour-round-trip", title: "RGB → Y'CbCr 4:4:4 → RGB (Rec. 709, full range), no codec",
                                              setting: "ffmpeg swscale", value: nil, qualities: rt, bytes: sourceBytes,
                                              sourceBytes: sourceBytes, floor: settings.floor)
                }
            }
        }
        if !settings.methods.contains(.h265) || versions["ffmpeg"] == nil, let ffmpeg = run.tools.ffmpeg,
           let h = try? H265Method(ffmpeg: ffmpeg) {
            versions.merge(h.versions) { a, _ in a }
        }
        for id in [MethodID.j2k, .htj2k, .jxl] where !settings.methods.contains(id) {
            if let m = try? CodecMethod(id, services: run.services) { versions.merge(m.versions) { a, _ in a } }
        }

        let storage = storageRows(sourceBytes: sourceBytes, frames: frames.count, reelpack: reelpack, methods: methods)
        let report = CompareReport(
            tool: "reelpack \(run.toolVersion)", profile: settings.profile.rawValue, floors: settings.floor,
            frames: frames.map(\.name), width: first.pixels.width, height: first.pixels.height,
            channels: first.pixels.channels, bitDepth: first.pixels.bitDepth, sourceBytes: sourceBytes,
            reelpack: reelpack, reelpackSealBytes: sealBytes, compressSeconds: compressSeconds, reelpackFrames: reelRows,
            methods: methods, skipped: skipped, versions: versions, colourRoundTrip: roundTrip, storage: storage,
            featureFrames: settings.featureFrames, seconds: Date().timeIntervalSince(clock), notes: notes,
            stepSeconds: steps)
        return ComparisonRun.Result(report: report, crops: crops)
    }

    func makeMethod(_ id: MethodID) throws -> any FixedMethod {
        switch id {
        case .h265:
            guard let ffmpeg = run.tools.ffmpeg else {
                throw EngineError(.unavailable, "ffmpeg was not found (install ffmpeg with libx265, or pass --ffmpeg PATH)")
            }
            return try H265Method(ffmpeg: ffmpeg, threads: settings.jobs)
        default:
            return try CodecMethod(id, services: run.services, threads: codecThreads)
        }
    }

    /// The sources that have a file in Reelpack's output, read and analysed.
    func loadReel() throws -> [ReelFrame] {
        let summaryURL = run.archiveFolder.appendingPathComponent(ReportFiles.summary)
        guard let data = try? Data(contentsOf: summaryURL) else {
            throw EngineError(.usage, file: run.archiveFolder.path, "is not a Reelpack output folder (no summary.json)")
        }
        let result: CompressionRun.Result
        do {
            result = try JSONDecoder().decode(CompressionRun.Result.self, from: data)
        } catch {
            throw EngineError(.usage, file: summaryURL.path, "cannot be read: \(error)")
        }
        var named: [String: FrameReport] = [:]
        for f in result.frames where f.status != .failed && f.output != nil {
            named[URL(fileURLWithPath: f.source).lastPathComponent] = f
        }
        let byName = named
        let wanted = items.filter { byName[$0.name] != nil }
        if wanted.isEmpty {
            throw EngineError(.usage, file: run.archiveFolder.path, "holds none of the source frames")
        }
        progress?("reading \(wanted.count) source frames")
        let loaded = ParallelWork.map(wanted, jobs: settings.jobs) { item -> Swift.Result<ReelFrame, any Error> in
            Swift.Result {
                let data = try Data(contentsOf: item.source)
                let frame = try run.services.read(data, item.name)
                let report = byName[item.name]!
                let file = run.archiveFolder.appendingPathComponent(report.output!)
                let bytes = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? report.outputBytes ?? 0
                return ReelFrame(name: item.name, pixels: frame.pixels, sourceBytes: data.count,
                                 analysis: CompareMeasurement.analyse(frame.pixels), archiveFile: file, archiveBytes: bytes)
            }
        }
        return try loaded.map { try $0.get() }
    }

    /// Reelpack's decoded file of `frame`, at the source's channel count, and its seal's size.
    func decodeArchive(_ frame: ReelFrame) throws -> (PixelBuffer, Int) {
        let data = try Data(contentsOf: frame.archiveFile)
        let id: CodecID
        switch frame.archiveFile.pathExtension.lowercased() {
        case "jp2": id = .j2k
        case "jph": id = .htj2k
        case "jxl": id = .jxl
        default: id = .tiff
        }
        let decoded = try run.services.codec(id, codecThreads).decode(data)
        var pixels = decoded.pixels
        if pixels.channels == 1, frame.pixels.channels == 3 {
            // Stored as one channel because R = G = B (`monochromeStored`).
            pixels = try PixelBuffer(width: pixels.width, height: pixels.height, channels: 3, bitDepth: pixels.bitDepth,
                                     samples: pixels.samples + pixels.samples + pixels.samples)
        }
        return (pixels, decoded.seal?.count ?? 0)
    }

    func measureArchive(_ frame: ReelFrame) throws -> (FrameQuality, Int) {
        let (pixels, seal) = try decodeArchive(frame)
        return (try CompareMeasurement.measure(source: frame.pixels, decoded: pixels, sourceAnalysis: frame.analysis), seal)
    }

    func row(_ frame: ReelFrame, bytes: Int, quality q: FrameQuality) -> FrameRow {
        FrameRow(frame: frame.name, bytes: bytes, ssim: q.ssim, tileFloor: q.tileFloor, psnr: q.psnr,
                 grainRetention: q.grainRetention, meetsFloors: settings.floor.passes(q.measurement))
    }

    func storageRows(sourceBytes: Int, frames: Int, reelpack: MethodSummary, methods: [MethodResult]) -> [StorageRow] {
        func tb(_ bytes: Int, _ n: Int) -> Double { Double(bytes) / Double(max(n, 1)) * Double(settings.featureFrames) / 1e12 }
        func make(_ label: String, _ bytes: Int, _ n: Int, _ src: Int) -> StorageRow {
            let t = tb(bytes, n)
            return StorageRow(label: label, bytes: bytes, featureTB: t, savedTB: tb(src, n) - t,
                              reduction: src > 0 ? 1 - Double(bytes) / Double(src) : 0)
        }
        var rows = [make("Source files", sourceBytes, frames, sourceBytes),
                    make(reelpack.title, reelpack.bytes, frames, sourceBytes)]
        for m in methods {
            if let s = m.safe { rows.append(make("\(m.title), safe setting (\(s.setting ?? ""))", s.bytes, s.frames, s.sourceBytes)) }
        }
        return rows
    }
}
