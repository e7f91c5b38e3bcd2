import Foundation

/// `merge`: folds the catalogs of a run's static shards (OUT/shards/*.sqlite) into
/// OUT's catalog and writes the manifest, summary and report, so the folder is the
/// same self-contained archive a whole run leaves (DESIGN.md §6, §8). Nothing is
/// written unless every frame of the listing is done by exactly one shard of one
/// cut (same N, same listing, same profile, floors and codec) and its output hashes
/// to what that shard recorded; otherwise the report says which frames are missing,
/// which shard should have done them and the command that redoes them.
public struct ShardMerge: Sendable {
    /// The output folder the shards wrote into.
    public var output: URL
    public var services: EngineServices
    /// `"reelpack <version>"` is the agent of the merged catalog's events.
    public var toolVersion: String
    /// Outputs hashed at once.
    public var jobs: Int
    /// How many of the worst frames the report shows with previews.
    public var worstCount: Int

    public init(output: URL, services: EngineServices = .standard, toolVersion: String,
                jobs: Int = ProcessInfo.processInfo.activeProcessorCount, worstCount: Int = 4) {
        self.output = output
        self.services = services
        self.toolVersion = toolVersion
        self.jobs = max(1, jobs)
        self.worstCount = worstCount
    }

    /// One shard catalog found.
    public struct ShardState: Sendable, Codable, Equatable {
        /// The catalog's file name under OUT/shards.
        public var catalog: String
        /// `K/N` (nil when the catalog does not say).
        public var shard: String?
        /// False when the shard left no catalog (it never ran here).
        public var ran: Bool
        /// Frames of its block, and of them recorded done (with an intact output) and failed.
        public var frames: Int
        public var done: Int
        public var failed: Int
    }

    /// A frame of the listing no shard completed.
    public struct MissingFrame: Sendable, Codable, Equatable {
        /// The source file's name.
        public var name: String
        /// The shard whose block holds it, `K/N`.
        public var shard: String
        /// Why: the shard never ran, the frame failed (its error), was not reached, or its output is gone or changed.
        public var reason: String
    }

    /// A frame recorded by more than one shard (blocks of different cuts overlap).
    public struct Overlap: Sendable, Codable, Equatable {
        public var name: String
        /// The catalogs that record it.
        public var catalogs: [String]
    }

    /// What `merge` found and did.
    public struct Report: Sendable, Codable {
        public var shards: [ShardState]
        /// Shards that do not belong together (counts, listings, settings), unreadable catalogs.
        public var problems: [String]
        public var missing: [MissingFrame]
        public var overlapping: [Overlap]
        /// The commands that redo the missing frames, one per shard.
        public var rerun: [String]
        /// The merged run's totals, when it was merged.
        public var summary: RunSummary?
        /// Notes on the report files (frames left out of the previews).
        public var notes: [String]
        /// True when OUT's catalog, manifest, summary and report were written.
        public var merged: Bool { summary != nil }
    }

    /// A shard catalog as read for the checks.
    private struct Opened {
        /// Failed frames' errors, by name (read only when the shard has failures).
        func errors() throws -> [String: String] {
            guard frames.values.contains(where: { $0.status == "failed" }) else { return [:] }
            var out: [String: String] = [:]
            for report in try catalog.frameReports() where report.status == .failed {
                out[URL(fileURLWithPath: report.source).lastPathComponent] = report.error
            }
            return out
        }
        var name: String
        var catalog: Catalog
        var info: Catalog.ShardInfo
        var settings: String
        var decoded: CompressionSettings
        var frames: [String: Catalog.RecordedFrame]
        var seconds: Double
    }

    /// Checks the shards and, when they cover the reel exactly once, merges them.
    /// - Throws: `EngineError.usage` when OUT holds no shard catalogs or is being
    ///   written; `CatalogError` or `EngineError.io` when OUT's files cannot be written.
    ///   Missing or overlapping frames and mismatched shards are in the report, not thrown.
    public func run() throws -> Report {
        let shardsFolder = output.appendingPathComponent(CompressionRun.shardsFolderName)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: shardsFolder.path)) ?? [])
            .filter { $0.hasPrefix("shard-") && $0.hasSuffix(".sqlite") }.sorted()
        guard !names.isEmpty else {
            throw EngineError(.usage, file: output.path, "holds no shard catalogs (shards/shard-K-of-N.sqlite): run `reelpack compress ... --shard K/N` into it first")
        }
        // Alone in OUT: no shard is writing, and temporary files are leftovers.
        let lock = try OutputLock(folder: output, fileName: OutputLock.fileName, holder: "a reelpack run or shard")
        defer { lock.release() }
        AtomicFile.removeLeftovers(in: output.appendingPathComponent("frames"))

        var problems: [String] = []
        var opened: [Opened] = []
        for name in names {
            do {
                let catalog = try Catalog(url: shardsFolder.appendingPathComponent(name))
                guard let info = try catalog.shardInfo() else {
                    problems.append("shards/\(name) is not a shard's catalog (it records no shard)")
                    continue
                }
                guard info.shard.catalogName == name else {
                    problems.append("shards/\(name) records shard \(info.shard) (a renamed catalog?)")
                    continue
                }
                guard let settings = try catalog.latestRunSettings(),
                      let decoded = try? JSONDecoder().decode(CompressionSettings.self, from: Data(settings.utf8)) else {
                    problems.append("shards/\(name): the run's settings cannot be read")
                    continue
                }
                opened.append(Opened(name: name, catalog: catalog, info: info, settings: settings, decoded: decoded,
                                     frames: try catalog.recordedFrames(), seconds: try catalog.runHistory().seconds))
            } catch {
                problems.append("shards/\(name): \(error)")
            }
        }
        problems += Self.mismatches(opened)

        // Every frame recorded by one shard only.
        var holders: [String: [String]] = [:]
        for shard in opened { for name in shard.frames.keys { holders[name, default: []].append(shard.name) } }
        let overlapping = holders.filter { $0.value.count > 1 }
            .map { Overlap(name: $0.key, catalogs: $0.value.sorted()) }.sorted { $0.name < $1.name }

        // Every frame of the listing done, its output intact.
        var missing: [MissingFrame] = []
        var states: [ShardState] = []
        var rerun: [String] = []
        if let reference = opened.first, problems.isEmpty {
            let listing = try reference.catalog.shardListing()
            let count = reference.info.shard.count
            let byShard = Dictionary(uniqueKeysWithValues: opened.map { ($0.info.shard.index, $0) })
            let intact = outputsIntact(opened)
            for k in 1...count {
                let shard = try Shard(index: k, count: count)
                let block = shard.block(of: listing.count)
                var state = ShardState(catalog: shard.catalogName, shard: shard.description, ran: byShard[k] != nil,
                                       frames: block.count, done: 0, failed: 0)
                let before = missing.count
                let errors = try byShard[k]?.errors() ?? [:]
                for position in block {
                    let name = listing[position].name
                    guard let catalog = byShard[k] else {
                        missing.append(MissingFrame(name: name, shard: shard.description, reason: "shard \(shard) never ran here (no shards/\(shard.catalogName))"))
                        continue
                    }
                    guard let recorded = catalog.frames[name] else {
                        missing.append(MissingFrame(name: name, shard: shard.description, reason: "not reached (the shard was interrupted)"))
                        continue
                    }
                    switch recorded.status {
                    case "done":
                        if let problem = intact[name] ?? nil {
                            missing.append(MissingFrame(name: name, shard: shard.description, reason: problem))
                        } else {
                            state.done += 1
                        }
                    case "failed":
                        state.failed += 1
                        let error = errors[name]
                        missing.append(MissingFrame(name: name, shard: shard.description, reason: "failed: \(error ?? "no error recorded")"))
                    default:
                        missing.append(MissingFrame(name: name, shard: shard.description, reason: "not completed (the shard was interrupted)"))
                    }
                }
                states.append(state)
                if missing.count > before {
                    rerun.append(Self.rerunCommand(shard, sources: reference.info.sources, output: output, settings: reference.decoded))
                }
            }
        } else {
            states = opened.map { ShardState(catalog: $0.name, shard: $0.info.shard.description, ran: true, frames: $0.info.shard.block(of: $0.info.frameCount).count,
                                             done: $0.frames.values.filter { $0.status == "done" }.count,
                                             failed: $0.frames.values.filter { $0.status == "failed" }.count) }
        }
        var report = Report(shards: states, problems: problems, missing: missing, overlapping: overlapping, rerun: rerun,
                            summary: nil, notes: [])
        guard problems.isEmpty, missing.isEmpty, overlapping.isEmpty, let reference = opened.first else { return report }
        (report.summary, report.notes) = try CompressionRun.writeFolder(output, worstCount: worstCount, services: services) { catalog in
            try fold(opened, settings: reference.settings, into: catalog)
        }
        return report
    }

    /// Shards that were not cut from one reel the same way: several counts, listings
    /// or output settings. One problem each, naming the catalogs.
    private static func mismatches(_ opened: [Opened]) -> [String] {
        var problems: [String] = []
        func groups<Key: Hashable>(_ key: (Opened) -> Key) -> [Key: [String]] {
            Dictionary(grouping: opened, by: key).mapValues { $0.map(\.name).sorted() }
        }
        let counts = groups { $0.info.shard.count }
        if counts.count > 1 {
            let listed = counts.sorted { $0.key < $1.key }.map { "N = \($0.key): \($0.value.joined(separator: ", "))" }
            problems.append("the shards were cut in different numbers (\(listed.joined(separator: "; "))): their blocks overlap and leave gaps; keep one cut (remove the other catalogs under shards/ and their frames) and run its missing shards")
        }
        let listings = groups { $0.info.listingSHA256 }
        if listings.count > 1 {
            let listed = listings.values.sorted { $0[0] < $1[0] }.map { $0.joined(separator: ", ") }
            problems.append("the shards listed different frames (\(listed.joined(separator: " | "))): every shard must be given the same sources")
        }
        if let first = opened.first {
            let other = opened.filter { !$0.decoded.sameOutputs(as: first.decoded) }
            for shard in other {
                problems.append("shards/\(shard.name) was compressed with \(shard.decoded.outputDescription), shards/\(first.name) with \(first.decoded.outputDescription): every shard must use the same profile, floors and codec")
            }
        }
        return problems
    }

    /// For every frame recorded done: nil when its output exists and hashes to the
    /// SHA-256 its shard recorded, else what is wrong (then `--resume` redoes it).
    private func outputsIntact(_ opened: [Opened]) -> [String: String?] {
        let done = opened.flatMap { $0.frames.values.filter { $0.status == "done" } }
        let output = self.output
        let verdicts = ParallelWork.map(done, jobs: jobs) { frame -> String? in
            guard let path = frame.output, let expected = frame.outputSHA256 else { return "recorded done without an output" }
            let url = output.appendingPathComponent(path)
            guard FileManager.default.fileExists(atPath: url.path) else { return "its output \(path) is missing" }
            guard let actual = try? Digest.sha256(contentsOf: url) else { return "its output \(path) cannot be read" }
            return actual == expected ? nil : "its output \(path) has SHA-256 \(actual), not the \(expected) its shard recorded"
        }
        // (A frame done by two shards is an overlap, reported apart: either verdict serves.)
        return Dictionary(zip(done.map(\.name), verdicts), uniquingKeysWith: { first, _ in first })
    }

    /// Fills OUT's new catalog (`CompressionRun.writeFolder`): one run with the shards'
    /// settings, every shard's frames as their shards recorded them (sources, features,
    /// search traces, results, events), a `merge` event, and its end.
    private func fold(_ opened: [Opened], settings: String, into catalog: Catalog) throws -> RunSummary {
        let agent = "reelpack \(toolVersion)"
        let shardList = opened.map { $0.info.shard.description }.joined(separator: ", ")
        let runID = try catalog.beginRun(settings: settings, note: "merged from \(opened.count) shards (\(shardList))",
                                         toolVersion: toolVersion)
        var events: [Catalog.Event] = []
        for shard in opened {
            try catalog.record(contentsOf: try shard.catalog.completedFrameRecords(), runID: runID, agent: agent)
            events += try shard.catalog.events()
        }
        // The shards' own events (when each frame was compressed and checked), not
        // the ones recording made now.
        try catalog.replaceEvents(ofRun: runID, with: events)
        let reports = try catalog.frameReports()
        let summary = RunSummary(reports: reports, seconds: opened.map(\.seconds).max() ?? 0)
        try catalog.recordEvent(type: "merge", agent: agent, outcome: "success",
                                detail: "\(reports.count) frames from \(opened.count) shards (\(shardList)), each output's SHA-256 checked against its shard's record")
        try catalog.endRun(runID, summary: String(decoding: try JSONEncoder().encode(summary), as: UTF8.self))
        return summary
    }

    /// `reelpack compress SRC... -o OUT --profile … --shard K/N --resume`, with paths
    /// quoted for a POSIX shell where they need it.
    static func rerunCommand(_ shard: Shard, sources: [String], output: URL, settings: CompressionSettings) -> String {
        func quoted(_ s: String) -> String {
            s.allSatisfy { $0.isLetter || $0.isNumber || "/._-+:=@%,".contains($0) } ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }
        return (["reelpack compress"] + sources.map(quoted) + ["-o", quoted(output.path), settings.outputDescription,
                                                              "--shard", shard.description, "--resume"]).joined(separator: " ")
    }
}
