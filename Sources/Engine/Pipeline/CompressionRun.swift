import Codecs
import Dispatch
import Foundation
import Formats
import ImageCore

/// A compression run: SRC frames → OUT (DESIGN.md §1, §6). Frames run in parallel,
/// at most `settings.jobs` at once, their blocking codec work on a dedicated queue so
/// the cooperative pool is never starved. A failed frame is recorded and the run goes
/// on. At the end OUT holds `frames/`, `reelpack.sqlite`, `manifest-sha256.txt` and
/// `summary.json`.
public struct CompressionRun: Sendable {
    public var sources: [URL]
    public var output: URL
    public var settings: CompressionSettings
    public var services: EngineServices
    /// Written into seals and the catalog.
    public var toolVersion: String
    /// Makes the source of work from the frames this run has to do (the listing less the
    /// frames a resumed run keeps), in sequence order. The default hands them out in
    /// order from memory (`LocalWorkSource`); a shared queue (DESIGN.md §8) plugs in here.
    public var makeWorkSource: @Sendable ([WorkItem]) -> any WorkSource

    /// A run of `sources` into `output`.
    public init(sources: [URL], output: URL, settings: CompressionSettings, services: EngineServices = .standard,
                toolVersion: String,
                makeWorkSource: @escaping @Sendable ([WorkItem]) -> any WorkSource = { LocalWorkSource(items: $0) }) {
        self.sources = sources
        self.output = output
        self.settings = settings
        self.services = services
        self.toolVersion = toolVersion
        self.makeWorkSource = makeWorkSource
    }

    /// Every frame's report (in sequence order) and the totals.
    public struct Result: Sendable, Codable {
        public var frames: [FrameReport]
        public var summary: RunSummary
        /// What the source scan found worth telling: gaps in a sequence, mixed frame
        /// sizes, unreadable headers, skipped files (DPX/TIFF sequences, see `SequenceScanner`).
        public var warnings: [String]

        /// The result as `summary.json` holds it (and `compress --json` prints it):
        /// pretty, key-sorted JSON.
        public func summaryJSON() throws -> Data {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return try encoder.encode(self)
        }
        /// True when every frame is done (or kept) within its floors.
        public var succeeded: Bool { summary.failed == 0 }
    }

    /// Where a run stands, for a progress display.
    public struct Progress: Sendable {
        public var total: Int
        public var done: Int
        public var failed: Int
        public var kept: Int
        public var elapsed: Double
        public var sourceBytes: Int
        public var outputBytes: Int
        public var ssimSum: Double
        public var ssimCount: Int
        /// The frame that just finished.
        public var last: FrameReport?
        /// Frames finished per second in this run (kept frames excluded).
        public var framesPerSecond: Double { elapsed > 0 ? Double(done + failed) / elapsed : 0 }
        /// Estimated seconds left.
        public var eta: Double? {
            let left = total - done - failed - kept
            return framesPerSecond > 0 ? Double(left) / framesPerSecond : nil
        }
        public var ratio: Double { outputBytes > 0 ? Double(sourceBytes) / Double(outputBytes) : 0 }
        public var meanSSIM: Double? { ssimCount > 0 ? ssimSum / Double(ssimCount) : nil }
    }

    /// The catalog, manifest and summary files in OUT.
    public var catalogURL: URL { output.appendingPathComponent(Catalog.fileName) }
    public var manifestURL: URL { output.appendingPathComponent("manifest-sha256.txt") }
    public var summaryURL: URL { output.appendingPathComponent("summary.json") }
    public var framesFolder: URL { output.appendingPathComponent("frames") }

    /// Runs every frame.
    /// - Parameter progress: called after each frame (from any thread).
    /// - Throws: `EngineError.usage` for an OUT inside SRC, an OUT holding another run
    ///   without `resume`, or no frames; `CatalogError` when the catalog cannot be written.
    ///   A frame's failure is not thrown: it is in its report.
    public func run(progress: (@Sendable (Progress) -> Void)? = nil) async throws -> Result {
        let clock = Date()
        // Sources first: a missing source is reported as missing, not as a folder OUT
        // would lie in.
        let listing = try SourceListing.listing(sources)
        try SourceListing.checkOutput(output, outsideOf: sources)
        let items = listing.items
        let fm = FileManager.default
        let lock = try OutputLock(folder: output)
        defer { lock.release() }
        if !settings.resume {
            let existing = (try? fm.contentsOfDirectory(atPath: framesFolder.path))?.filter { !$0.hasPrefix(".") } ?? []
            if fm.fileExists(atPath: catalogURL.path) || !existing.isEmpty {
                throw EngineError(.usage, file: output.path, "already holds a run: pass --resume to continue it, or choose another folder")
            }
        }
        try Self.checkOutputIsOurs(output, resume: settings.resume)
        do {
            try fm.createDirectory(at: framesFolder, withIntermediateDirectories: true)
        } catch {
            throw EngineError(.io, file: framesFolder.path, "cannot create: \(error.localizedDescription)")
        }
        AtomicFile.removeLeftovers(in: framesFolder)

        let catalog = try Catalog(url: catalogURL)
        // A resumed run must make the files the interrupted one was making.
        if settings.resume, let json = try catalog.latestRunSettings(),
           let earlier = try? JSONDecoder().decode(CompressionSettings.self, from: Data(json.utf8)),
           !earlier.sameOutputs(as: settings) {
            throw EngineError(.usage, file: output.path,
                              "was compressed with \(earlier.outputDescription); --resume continues a run with the same profile, floors and codec (asked: \(settings.outputDescription)), or choose another folder")
        }
        let settingsJSON = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        let runID = try catalog.beginRun(settings: settingsJSON, note: settings.note, toolVersion: toolVersion)
        let agent = "reelpack \(toolVersion)"

        // Frames an earlier run completed and whose output is intact are kept.
        var keptReports: [Int: FrameReport] = [:]
        var todo: [WorkItem] = []
        let completed = settings.resume ? try catalog.completedFrames() : [:]
        let recorded = settings.resume ? try catalog.recordedFrames() : [:]
        for item in items {
            if let done = completed[item.name], let output = done.report.output,
               let digest = try? Digest.sha256(contentsOf: self.output.appendingPathComponent(output)),
               digest == done.report.outputSHA256, Self.sourceUnchanged(item.source, since: recorded[item.name]) {
                var report = done.report
                report.source = item.source.path
                report.status = .kept
                keptReports[item.index] = report
            } else {
                todo.append(item)
            }
        }

        let jobs = max(1, min(settings.jobs, todo.count))
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let processor = FrameProcessor(settings: settings, services: services, framesFolder: framesFolder,
                                       threads: max(1, cores / jobs), toolVersion: toolVersion)
        let work = makeWorkSource(todo)
        let memory = ShotMemory()
        // Frames kept from the interrupted run tell the frames redone after them where
        // to start (their kept setting; their slopes were not kept). The kept frame
        // just before a redone one is analysed again when that frame is, so the cut
        // between them, if any, is seen as in an uninterrupted run.
        for (index, report) in keptReports.sorted(by: { $0.key < $1.key }) {
            if let p = report.parameter, let codec = report.codec.flatMap(CodecID.init(rawValue:)) {
                await memory.recordBoundary(.init(parameter: p), codec: codec, index: index)
            }
        }
        var keptBefore: [Int: WorkItem] = [:]
        for item in todo where item.index > 0 && keptReports[item.index - 1] != nil {
            keptBefore[item.index] = items[item.index - 1]
        }
        let keptNeighbours = keptBefore
        let tracker = ProgressTracker(total: items.count, kept: Array(keptReports.values), start: clock, callback: progress)
        let queue = DispatchQueue(label: "reelpack.frames", qos: .userInitiated, attributes: .concurrent)
        let choice = settings.codec

        // The first frame runs alone, so the frames after it start warm (with several
        // jobs the next frames would otherwise all start before any frame is done).
        if jobs > 1, let item = try await work.next() {
            let report = await Self.processOne(item, processor: processor, memory: memory, catalog: catalog,
                                               runID: runID, agent: agent, choice: choice, queue: queue,
                                               keptNeighbour: keptNeighbours[item.index])
            if report.status == .failed {
                try await work.fail(item, report: report)
            } else {
                try await work.complete(item, report: report)
            }
            await tracker.add(report, index: item.index)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<jobs {
                group.addTask {
                    while let item = try await work.next() {
                        let report = await Self.processOne(item, processor: processor, memory: memory, catalog: catalog,
                                                           runID: runID, agent: agent, choice: choice, queue: queue,
                                                           keptNeighbour: keptNeighbours[item.index])
                        if report.status == .failed {
                            try await work.fail(item, report: report)
                        } else {
                            try await work.complete(item, report: report)
                        }
                        await tracker.add(report, index: item.index)
                    }
                }
            }
            try await group.waitForAll()
        }

        var all = keptReports
        for (index, report) in await tracker.reports { all[index] = report }
        let reports = items.map { all[$0.index] ?? FrameReport(source: $0.source.path, status: .failed) }
        let summary = RunSummary(reports: reports, seconds: Date().timeIntervalSince(clock))
        let result = Result(frames: reports, summary: summary, warnings: listing.warnings)

        do {
            try writeManifest(catalog: catalog)
            try AtomicFile.write(try result.summaryJSON(), to: summaryURL)
            try catalog.endRun(runID, summary: String(decoding: try JSONEncoder().encode(summary), as: UTF8.self))
        } catch {
            throw Self.unfinished(error, reports: reports)
        }
        return result
    }

    /// The run's end (manifest, summary, catalog) could not be written, for example on
    /// a full disk: the error, and which frames were not processed or not recorded,
    /// so the user knows what `--resume` will redo.
    static func unfinished(_ error: any Error, reports: [FrameReport]) -> EngineError {
        let missed = reports.filter { $0.status == .failed }.map { URL(fileURLWithPath: $0.source).lastPathComponent }
        let what = error as? EngineError ?? EngineError(.io, "\(error)")
        var reason = what.reason
        if missed.isEmpty {
            reason += "; all \(reports.count) frames were processed and recorded, but the run was not closed: `compress --resume` closes it"
        } else {
            let shown = missed.prefix(10).joined(separator: ", ") + (missed.count > 10 ? " and \(missed.count - 10) more" : "")
            reason += "; \(missed.count) of \(reports.count) frames were not processed or not recorded (\(shown)): `compress --resume` redoes them"
        }
        return EngineError(what.kind, file: what.file, reason)
    }

    /// One frame, start to end; never throws (a failure is a report).
    private static func processOne(_ item: WorkItem, processor: FrameProcessor, memory: ShotMemory, catalog: Catalog,
                                   runID: Int64, agent: String, choice: CodecChoice, queue: DispatchQueue,
                                   keptNeighbour: WorkItem? = nil) async -> FrameReport {
        var frameID: Int64?
        do {
            frameID = try catalog.registerFrame(
                .init(name: item.name, sequenceNumber: item.sequenceNumber, sourcePath: item.source.path), runID: runID)
            let loaded = try await onQueue(queue) { try processor.load(item) }
            var features = loaded.analysis.features
            if let neighbour = keptNeighbour,
               let analysis = try? await onQueue(queue, { try processor.analyse(neighbour) }) {
                _ = await memory.recordFrame(analysis, index: neighbour.index)
            }
            let change = await memory.recordFrame(loaded.analysis, index: item.index)
            features.sceneChange = change.distance
            features.isSceneCut = change.isCut
            let px = loaded.frame.pixels
            if let frameID {
                try catalog.recordSource(frameID: frameID, report: FrameSourceInfo(
                    sourceBytes: loaded.sourceBytes, sourceSHA256: loaded.sha256, format: loaded.frame.format.rawValue,
                    width: px.width, height: px.height, channels: px.channels, bitDepth: px.bitDepth,
                    metadata: loaded.frame.metadata), features: features)
            }
            let codecs: [CodecID]
            if let id = choice.codecID {
                codecs = [id]
            } else if let chosen = await memory.autoChoice(index: item.index) {
                codecs = [chosen]
            } else {
                codecs = [.htj2k, .j2k]
            }
            var warm: [CodecID: QualitySearch.WarmStart] = [:], typical: [CodecID: QualitySearch.WarmStart] = [:]
            for id in codecs {
                warm[id] = await memory.warmStart(index: item.index, codec: id)
                typical[id] = await memory.coldStart(codec: id, grainFloorFor: processor.settings.floor.grainRetention != nil ? item.index : nil)
            }
            let finalFeatures = features, warmStarts = warm, typicalStarts = typical
            let written = try await onQueue(queue) {
                try processor.encodeAndWrite(item, loaded, features: finalFeatures, codecs: codecs, warmStarts: warmStarts,
                                          coldStarts: typicalStarts)
            }
            if choice == .auto { await memory.recordAuto(written.codec, index: item.index) }
            if let p = written.warm { await memory.recordBoundary(p, codec: written.codec, index: item.index) }
            if let frameID {
                for trace in written.traces {
                    try catalog.recordIterations(frameID: frameID, runID: runID, codec: trace.codec.rawValue, trace.iterations)
                }
                try catalog.recordResult(frameID: frameID, runID: runID, written.report, agent: agent)
            }
            return written.report
        } catch {
            var report = FrameReport(source: item.source.path, status: .failed)
            let message = String(describing: error)
            report.error = message.contains(item.name) ? message : "\(item.name): \(message)"
            try? catalog.recordFailure(frameID: frameID, runID: runID, source: item.source.path,
                                       message: report.error ?? "", agent: agent)
            return report
        }
    }

    /// Runs blocking `body` on `queue` and resumes with its result.
    private static func onQueue<T: Sendable>(_ queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Swift.Result { try body() }) }
        }
    }

    /// `manifest-sha256.txt`: every output recorded done, BagIt style.
    private func writeManifest(catalog: Catalog) throws {
        let lines = try catalog.completedFrames().values
            .compactMap { f -> String? in
                guard let out = f.report.output, let sha = f.report.outputSHA256 else { return nil }
                return "\(sha)  \(OutputFolder.Manifest.escape(out))"
            }
            .sorted { $0.dropFirst(66) < $1.dropFirst(66) }
        try AtomicFile.write(Data((lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")).utf8), to: manifestURL)
    }
}

/// Running totals for the progress display.
actor ProgressTracker {
    private var state: CompressionRun.Progress
    private let start: Date
    private let callback: (@Sendable (CompressionRun.Progress) -> Void)?

    init(total: Int, kept: [FrameReport], start: Date, callback: (@Sendable (CompressionRun.Progress) -> Void)?) {
        state = .init(total: total, done: 0, failed: 0, kept: kept.count, elapsed: 0,
                      sourceBytes: kept.reduce(0) { $0 + ($1.sourceBytes ?? 0) },
                      outputBytes: kept.reduce(0) { $0 + ($1.outputBytes ?? 0) },
                      ssimSum: kept.reduce(0) { $0 + ($1.ssim ?? 0) }, ssimCount: kept.filter { $0.ssim != nil }.count)
        self.start = start
        self.callback = callback
    }

    /// Reports of the frames this run processed, by item index.
    private(set) var reports: [Int: FrameReport] = [:]

    func add(_ report: FrameReport, index: Int) {
        reports[index] = report
        if report.status == .failed {
            state.failed += 1
        } else {
            state.done += 1
            state.sourceBytes += report.sourceBytes ?? 0
            state.outputBytes += report.outputBytes ?? 0
            if let s = report.ssim { state.ssimSum += s; state.ssimCount += 1 }
        }
        state.elapsed = Date().timeIntervalSince(start)
        state.last = report
        callback?(state)
    }
}
