import Formats
import Foundation
import ImageCore

/// The checks that hold an archive to its own run (DESIGN.md §5): a manifest updated
/// to match a swapped, deleted or foreign frame must not make `verify` pass. Each
/// output's seal is checked against its file name, its rebuild record (rebuilt in
/// memory), and the run's floors; the whole folder against the catalog's frame list
/// and, with sources, against every source frame.
enum ArchiveAudit {
    /// What the catalog says the archive should hold; nil when there is no catalog.
    struct Expected: Sendable {
        /// The floors of the run that made the archive (nil when the settings cannot be read).
        var floors: QualityFloor?
        /// Frames recorded, by source name.
        var frames: [String: Catalog.RecordedFrame]
        /// True when the latest run recorded its end.
        var finished: Bool
    }

    /// Reads what the catalog says, or a problem: a missing catalog is a warning (what
    /// can be checked without it is), an unreadable one a failure.
    static func expected(_ folder: OutputFolder) -> (expected: Expected?, warnings: [String], problems: [String]) {
        guard FileManager.default.fileExists(atPath: folder.catalogURL.path) else {
            return (nil, ["\(Catalog.fileName) is missing: the run's settings, frame list and source hashes were not checked"], [])
        }
        do {
            let catalog = try Catalog(url: folder.catalogURL)
            let runs = try catalog.recordedRuns()
            let frames = try catalog.recordedFrames()
            guard let latest = runs.last else { return (nil, [], ["\(Catalog.fileName) holds no run"]) }
            var problems: [String] = []
            if latest.settings == nil { problems.append("\(Catalog.fileName): the run's settings cannot be read") }
            return (Expected(floors: latest.settings?.floor, frames: frames, finished: latest.finished), [], problems)
        } catch {
            return (nil, [], ["\(error)"])
        }
    }

    /// Largest size a seal may state for its source (the catalog's limit).
    static func plausible(_ bytes: Int) -> Bool { bytes >= 0 && bytes <= Catalog.largestPlausibleFileBytes }

    /// Problems of one decoded output: its seal against its file name, its sizes, its
    /// rebuild record, the run's floors and the catalog's record of the frame.
    static func check(output path: String, decoded: OutputFolder.DecodedOutput, expected: Expected?,
                      services: EngineServices) -> [String] {
        let seal = decoded.seal
        var problems: [String] = []
        let fileStem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let sourceStem = (seal.sourceName as NSString).deletingPathExtension
        if fileStem != sourceStem || seal.sourceName.contains("/") {
            problems.append("seal: the source name \(seal.sourceName) does not match the file name (a frame copied over another's?)")
        }
        if !plausible(seal.sourceBytes) {
            problems.append("seal: sourceBytes \(seal.sourceBytes) is not a plausible file size")
        }
        problems += rebuildProblems(decoded, services: services)
        if let expected {
            if let floors = expected.floors, seal.floors != floors {
                problems.append("floors: the seal's \(describe(seal.floors)) are not the run's \(describe(floors)) (a frame from another run?)")
            }
            if let recorded = expected.frames[seal.sourceName] {
                if let sha = recorded.sourceSHA256, sha != seal.sourceSHA256 {
                    problems.append("catalog: source SHA-256 \(sha) recorded for \(seal.sourceName), the seal says \(seal.sourceSHA256)")
                }
                if let output = recorded.output, output != path {
                    problems.append("catalog: \(seal.sourceName) was written to \(output), not \(path)")
                }
            } else {
                problems.append("catalog: \(seal.sourceName) is not a frame of this run")
            }
        }
        return problems
    }

    /// Rebuilds the source file in memory from the decoded samples and the seal's record:
    /// a lossless, exactly rebuildable frame must hash to the seal's source SHA-256; any
    /// other must rebuild at all (what `restore` to the source's format needs).
    static func rebuildProblems(_ decoded: OutputFolder.DecodedOutput, services: EngineServices) -> [String] {
        let seal = decoded.seal
        guard let record = seal.rebuildRecordData else {
            return ["rebuild record: cannot be read (\(seal.rebuildRecordEncoding.map { "encoding \($0)" } ?? "plain base64"))"]
        }
        do {
            let bytes = try services.rebuild(decoded.restored, record)
            if seal.mode == "lossless", seal.rebuildIsExact {
                let digest = Digest.sha256(bytes)
                if digest != seal.sourceSHA256 {
                    return ["rebuild record: the rebuilt source's SHA-256 \(digest) differs from the seal's \(seal.sourceSHA256)"]
                }
            }
            return []
        } catch {
            return ["rebuild record: \(error)"]
        }
    }

    /// Problems of the folder as a whole: frames the catalog records as done that no
    /// output holds, source names held twice, an unfinished run, and (with sources)
    /// source frames not held exactly once.
    static func folderProblems(sealNames: [String: [String]], expected: Expected?, sources: URL?) -> [String] {
        var problems: [String] = []
        for (name, outputs) in sealNames.sorted(by: { $0.key < $1.key }) where outputs.count > 1 {
            problems.append("\(name) is held by \(outputs.count) outputs: \(outputs.sorted().joined(separator: ", "))")
        }
        if let expected {
            let lost = expected.frames.values.filter { $0.status == "done" && sealNames[$0.name] == nil }.map(\.name).sorted()
            if !lost.isEmpty {
                problems.append("catalog: \(lost.count) frame(s) recorded as done have no output: \(list(lost))")
            }
            let notDone = expected.frames.values.filter { $0.status != "done" }.map(\.name).sorted()
            if !notDone.isEmpty {
                problems.append("catalog: \(notDone.count) frame(s) of the run were not completed: \(list(notDone))")
            }
            if !expected.finished { problems.append("catalog: the latest run did not finish") }
        }
        if let sources {
            let names = sourceFrameNames(sources)
            let absent = names.filter { sealNames[$0] == nil }.sorted()
            if !absent.isEmpty {
                problems.append("source: \(absent.count) source frame(s) have no output: \(list(absent))")
            }
        }
        return problems
    }

    /// The frame file names under `url` (a file, or a folder's DPX and TIFF files as
    /// `compress` lists them).
    static func sourceFrameNames(_ url: URL) -> [String] {
        guard let scan = try? SequenceScanner(readsGeometry: false).scan([url]) else { return [] }
        return scan.frames.map(\.name)
    }

    static func list(_ names: [String], limit: Int = 8) -> String {
        names.count > limit ? names.prefix(limit).joined(separator: ", ") + " and \(names.count - limit) more" : names.joined(separator: ", ")
    }

    static func describe(_ f: QualityFloor) -> String {
        if f.requiresIdentical { return "floors (identical)" }
        var parts: [String] = []
        if let v = f.ssim { parts.append("SSIM \(v)") }
        if let v = f.psnr { parts.append("PSNR \(v)") }
        if let v = f.tileSSIM { parts.append("tile SSIM \(v)") }
        if let v = f.grainRetention { parts.append("grain \(v)") }
        return "floors (\(parts.joined(separator: ", ")))"
    }
}
