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
    /// The static shard this process does (`--shard K/N`, DESIGN.md §8), nil for the
    /// whole reel. A shard does its block of the listing only, records it in its own
    /// catalog (`shardCatalogURL`) and leaves OUT's catalog, manifest and summary to
    /// `merge` (`ShardMerge`).
    public var shard: Shard?

    /// A run of `sources` into `output`.
    public init(sources: [URL], output: URL, settings: CompressionSettings, services: EngineServices = .standard,
                toolVersion: String, shard: Shard? = nil,
                makeWorkSource: @escaping @Sendable ([WorkItem]) -> any WorkSource = { LocalWorkSource(items: $0) }) {
        self.sources = sources
        self.output = output
        self.settings = settings
        self.services = services
        self.toolVersion = toolVersion
        self.shard = shard
        self.makeWorkSource = makeWorkSource
    }

    /// Every frame's report (in sequence order) and the totals.
    public struct Result: Sendable, Codable {
        public var frames: [FrameReport]
        public var summary: RunSummary
        /// What the source scan found worth telling: gaps in a sequence, mixed frame
        /// sizes, unreadable headers, skipped files (DPX/TIFF sequences, see `SequenceScanner`).
        public var warnings: [String]
        /// The block a shard did (nil for a whole run).
        public var block: Shard.Block?

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

    /// Runs every frame (a shard: every frame of its block).
    /// - Parameters:
    ///   - block: for a shard, called once its block is known, before any frame runs.
    ///   - progress: called after each frame (from any thread).
    /// - Throws: `EngineError.usage` for an OUT inside SRC, an OUT holding another run
    ///   without `resume`, or no frames; `CatalogError` when the catalog cannot be written.
    ///   A frame's failure is not thrown: it is in its report.
    public func run(block: (@Sendable (Shard.Block) -> Void)? = nil,
                    progress: (@Sendable (Progress) -> Void)? = nil) async throws -> Result {
        let clock = Date()
        // Sources first: a missing source is reported as missing, not as a folder OUT
        // would lie in.
        let listing = try SourceListing.listing(sources)
        try SourceListing.checkOutput(output, outsideOf: sources)
        let locks = try lockOutput()
        defer { for lock in locks.reversed() { lock.release() } }
        let catalog = try Catalog(url: shardCatalogURL ?? catalogURL)
        let runID = try beginRun(in: catalog)
        let shardBlock = try recordShard(of: listing.items, in: catalog)
        if let shardBlock { block?(shardBlock) }
        let items = shardBlock.map { Array(listing.items[$0.positions]) } ?? listing.items
        let (kept, todo) = try partition(items, catalog: catalog)

        let tracker = ProgressTracker(total: items.count, kept: Array(kept.values), start: clock, callback: progress)
        try await process(todo, of: listing.items, kept: kept, catalog: catalog, runID: runID, tracker: tracker)

        var all = kept
        for (index, report) in await tracker.reports { all[index] = report }
        let reports = items.map { all[$0.index] ?? FrameReport(source: $0.source.path, status: .failed) }
        let summary = RunSummary(reports: reports, seconds: Date().timeIntervalSince(clock))
        let result = Result(frames: reports, summary: summary, warnings: listing.warnings, block: shardBlock)
        do {
            if shard == nil {
                try writeManifest(catalog: catalog)
                try AtomicFile.write(try result.summaryJSON(), to: summaryURL)
            }
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
        let what = error as? EngineError ?? EngineError(.io, "\(error)", cause: error)
        var reason = what.reason
        if missed.isEmpty {
            reason += "; all \(reports.count) frames were processed and recorded, but the run was not closed: `compress --resume` closes it"
        } else {
            let shown = missed.prefix(10).joined(separator: ", ") + (missed.count > 10 ? " and \(missed.count - 10) more" : "")
            reason += "; \(missed.count) of \(reports.count) frames were not processed or not recorded (\(shown)): `compress --resume` redoes them"
        }
        return EngineError(what.kind, file: what.file, reason, cause: error)
    }

    /// Checks OUT may take this run (empty, or ours and resumed), creates OUT/frames
    /// and removes temporary files an interrupted run left there.
    func prepareOutput() throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: shardsFolder.path), !fm.fileExists(atPath: catalogURL.path) {
            throw EngineError(.usage, file: output.path, "holds the shards of a run (shards/): run the missing ones with --shard K/N and `reelpack merge` it, or choose another folder")
        }
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
            throw EngineError(.io, file: framesFolder.path, "cannot create: \(error.localizedDescription)", cause: error)
        }
        AtomicFile.removeLeftovers(in: framesFolder)
    }

    /// Records the run's start; a resumed run must make the files the interrupted one
    /// was making.
    private func beginRun(in catalog: Catalog) throws -> Int64 {
        if settings.resume, let json = try catalog.latestRunSettings(),
           let earlier = try? JSONDecoder().decode(CompressionSettings.self, from: Data(json.utf8)),
           !earlier.sameOutputs(as: settings) {
            throw EngineError(.usage, file: output.path,
                              "was compressed with \(earlier.outputDescription); --resume continues a run with the same profile, floors and codec (asked: \(settings.outputDescription)), or choose another folder")
        }
        let settingsJSON = String(decoding: try JSONEncoder().encode(settings), as: UTF8.self)
        return try catalog.beginRun(settings: settingsJSON, note: settings.note, toolVersion: toolVersion)
    }

    /// The frames an earlier run completed whose output is intact and whose source is
    /// unchanged (kept, by item index), and the frames to do.
    private func partition(_ items: [WorkItem], catalog: Catalog) throws -> (kept: [Int: FrameReport], todo: [WorkItem]) {
        var kept: [Int: FrameReport] = [:]
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
                kept[item.index] = report
            } else {
                todo.append(item)
            }
        }
        return (kept, todo)
    }

    /// Runs `todo` through the frame pipeline (`FrameBatch`), at most `settings.jobs`
    /// frames at once.
    private func process(_ todo: [WorkItem], of items: [WorkItem], kept: [Int: FrameReport], catalog: Catalog, runID: Int64,
                         tracker: ProgressTracker) async throws {
        let recorder = CatalogRecorder(catalog: catalog, runID: runID, agent: "reelpack \(toolVersion)")
        let batch = FrameBatch(settings: settings, services: services, framesFolder: framesFolder, toolVersion: toolVersion,
                               recorder: recorder, jobs: settings.jobs)
        // Frames kept from the interrupted run tell the frames redone after them where
        // to start (their kept setting; their slopes were not kept). The kept frame
        // just before a redone one is analysed again when that frame is, so the cut
        // between them, if any, is seen as in an uninterrupted run.
        var keptBefore: [Int: WorkItem] = [:]
        for item in todo where item.index > 0 && kept[item.index - 1] != nil {
            keptBefore[item.index] = items[item.index - 1]
        }
        try await batch.run(makeWorkSource(todo), expected: todo.count, kept: kept, keptNeighbours: keptBefore) { item, report in
            await tracker.add(report, index: item.index)
        }
    }

    /// Writes OUT's `manifest-sha256.txt` from its catalog.
    private func writeManifest(catalog: Catalog) throws {
        try Self.writeManifest(of: catalog, to: manifestURL)
    }

    /// `manifest-sha256.txt`: every output `catalog` records done, BagIt style, written
    /// atomically to `url`. Also used by whatever folds a run's records into OUT's catalog.
    public static func writeManifest(of catalog: Catalog, to url: URL) throws {
        let lines = try catalog.completedFrames().values
            .compactMap { f -> String? in
                guard let out = f.report.output, let sha = f.report.outputSHA256 else { return nil }
                return "\(sha)  \(OutputFolder.Manifest.escape(out))"
            }
            .sorted { $0.dropFirst(66) < $1.dropFirst(66) }
        try AtomicFile.write(Data((lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")).utf8), to: url)
    }
}
