import Codecs
import Formats
import Foundation
import ImageCore
import Metrics

/// `verify`: checks an output folder (DESIGN.md §5) in three layers: fixity of every
/// file in `frames/` against `manifest-sha256.txt`; each output decoded with its codec,
/// its samples' SHA-256 against the seal's (decoder drift, bit rot); and, given the
/// sources, each source's SHA-256 against the seal's and the decoded frame re-measured
/// against it and held to the seal's floors.
public struct Verifier: Sendable {
    /// The output folder.
    public var folder: OutputFolder
    /// Where the sources are (a folder searched by each seal's `sourceName`, or one file), if given.
    public var sources: URL?
    /// Codecs, formats and metrics used.
    public var services: EngineServices
    /// Library threads in all: `jobs` outputs are checked at once, each decode and
    /// measurement with `threads / jobs` of them.
    public var threads: Int
    /// Outputs checked at once. Each holds its file, its decoded frame and, with
    /// sources, the source's samples.
    public var jobs: Int
    /// `"reelpack <version>"`, the agent of the recorded event.
    public var agent: String

    /// A verifier of `output`.
    public init(output: URL, sources: URL? = nil, services: EngineServices = .standard,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                jobs: Int = ProcessInfo.processInfo.activeProcessorCount, toolVersion: String) {
        self.folder = OutputFolder(url: output)
        self.sources = sources
        self.services = services
        self.threads = max(1, threads)
        self.jobs = max(1, jobs)
        self.agent = "reelpack \(toolVersion)"
    }

    /// One output's verdict.
    public struct FrameResult: Sendable, Codable, Equatable {
        /// Path relative to OUT (`frames/<name>`).
        public var output: String
        /// The seal's source name, when the seal was read.
        public var source: String?
        /// `"ok"`, `"failed"`, or `"not checked"` (a check could not run; see `notRun`).
        public var status: CheckStatus
        /// Why it failed, one line each (empty when ok).
        public var problems: [String]
        /// Measured against the source (only with sources).
        public var ssim: Double?
        /// Lowest 64×64-tile SSIM (only with sources).
        public var tileFloor: Double?
        /// Nil when identical (or not measured).
        public var psnr: Double?
        /// True when the decoded samples equal the source's (nil when not measured).
        public var identical: Bool?
        /// Grain retention (worst tile), re-measured against the source (nil without
        /// `--source`, for identical samples, or when the source has no measurable grain).
        public var grainRetention: Double? = nil
        /// CAMBI banding of the decoded bytes and its rise over the source's (with `--source`).
        public var banding: Double? = nil
        public var bandingRise: Double? = nil
        /// SSIMULACRA 2, re-measured when the seal's floors hold one.
        public var ssimulacra2: Double? = nil
        /// The source file's size, from the seal (nil when the seal was not read).
        public var sourceBytes: Int? = nil
        /// The output file's size on disk (nil when it could not be read).
        public var outputBytes: Int? = nil
        /// Encodes the search made, from the seal's trace (nil when the seal was not read).
        public var iterations: Int? = nil
        /// Checks that could not run (the machine's resources, a library that could
        /// not start): the frame is neither passed nor failed.
        public var notRun: [String] = []

        /// True when any check failed.
        public var failed: Bool { status != .ok }

        private enum CodingKeys: String, CodingKey {
            case output, source, status, problems, ssim, tileFloor, psnr, identical, sourceBytes, outputBytes, iterations
            case grainRetention, banding, bandingRise, ssimulacra2, notRun
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(output, forKey: .output)
            try c.encode(source, forKey: .source)
            try c.encode(status, forKey: .status)
            try c.encode(problems, forKey: .problems)
            try c.encode(sourceBytes, forKey: .sourceBytes)
            try c.encode(outputBytes, forKey: .outputBytes)
            try c.encode(iterations, forKey: .iterations)
            if !notRun.isEmpty { try c.encode(notRun, forKey: .notRun) }
            if identical != nil {
                try c.encode(ssim, forKey: .ssim)
                try c.encode(tileFloor, forKey: .tileFloor)
                try c.encode(psnr, forKey: .psnr)
                try c.encode(identical, forKey: .identical)
                try c.encodeIfPresent(grainRetention, forKey: .grainRetention)
                try c.encodeIfPresent(banding, forKey: .banding)
                try c.encodeIfPresent(bandingRise, forKey: .bandingRise)
                try c.encodeIfPresent(ssimulacra2, forKey: .ssimulacra2)
            }
        }
    }

    /// Totals.
    public struct Summary: Sendable, Codable, Equatable {
        /// Outputs checked (files in the manifest or in `frames/`).
        public var frameCount: Int
        /// Outputs that failed any check.
        public var failed: Int
        /// In the manifest, not on disk.
        public var missing: [String]
        /// On disk, not in the manifest.
        public var extra: [String]
        /// Manifest lines that could not be read, or a missing manifest.
        public var manifestProblems: [String]
        /// Outputs measured against their source.
        public var measured: Int
        /// Source bytes of the outputs whose seal was read, as their seals record them.
        public var sourceBytes: Int = 0
        /// Bytes on disk of the same outputs.
        public var outputBytes: Int = 0
        /// `sourceBytes / outputBytes`; 0 when nothing was read.
        public var ratio: Double = 0
        /// The archive against its own run and sources (`ArchiveAudit`): frames lost,
        /// held twice, or not completed; source frames with no output. Any fails verify.
        public var archiveProblems: [String] = []
        /// What could not be checked (a missing catalog); these do not fail verify.
        public var warnings: [String] = []
    }

    /// The whole verdict.
    public struct Report: Sendable, Codable, Equatable {
        /// One result per output, by path.
        public var frames: [FrameResult]
        /// Totals.
        public var summary: Summary
        /// True when nothing failed.
        public var passed: Bool { summary.failed == 0 && summary.manifestProblems.isEmpty && summary.archiveProblems.isEmpty }
    }

    /// Checks every output, `jobs` at a time. Frame problems go into the report, never thrown.
    /// - Parameter progress: called after each output with (done, total), one call at a time.
    /// - Throws: `EngineError.usage` when OUT has no `frames/` folder.
    public func run(progress: ((Int, Int) -> Void)? = nil) throws -> Report {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.framesFolder.path, isDirectory: &isDir), isDir.boolValue else {
            throw EngineError(.usage, file: folder.url.path, "is not a Reelpack output folder (no frames/)")
        }
        var manifestProblems: [String] = []
        var manifest = OutputFolder.Manifest(digests: [:], problems: [])
        if FileManager.default.fileExists(atPath: folder.manifestURL.path) {
            manifest = try folder.readManifest()
            manifestProblems = manifest.problems
        } else {
            manifestProblems.append("manifest-sha256.txt is missing")
        }
        let onDisk = folder.frameFiles()
        let onDiskSet = Set(onDisk)
        let missing = manifest.digests.keys.filter { !onDiskSet.contains($0) }.sorted()
        let extra = onDisk.filter { manifest.digests[$0] == nil }
        let sourceIndex = sources.map(SourceListing.filesByName) ?? [:]
        let audit = ArchiveAudit.expected(folder)

        var results: [FrameResult] = missing.map {
            FrameResult(output: $0, source: nil, status: .failed, problems: ["missing: listed in the manifest but not on disk"])
        }
        var perJob = self
        perJob.threads = ParallelWork.threadsPerJob(threads, jobs: jobs, items: onDisk.count)
        let worker = perJob
        let digests = manifest.digests
        let expected = audit.expected
        results += ParallelWork.map(onDisk, jobs: jobs, progress: progress) { path in
            var result = worker.check(path, expected: digests[path], sourceIndex: sourceIndex, run: expected)
            result.status = !result.problems.isEmpty ? .failed : result.notRun.isEmpty ? .ok : .notChecked
            return result
        }
        results.sort { $0.output < $1.output }
        var summary = Summary(frameCount: results.count, failed: results.filter(\.failed).count, missing: missing,
                              extra: extra, manifestProblems: manifestProblems,
                              measured: results.filter { $0.identical != nil }.count)
        for r in results {
            guard let sourceBytes = r.sourceBytes, let outputBytes = r.outputBytes,
                  ArchiveAudit.plausible(sourceBytes), ArchiveAudit.plausible(outputBytes) else { continue }
            summary.sourceBytes += sourceBytes
            summary.outputBytes += outputBytes
        }
        var sealNames: [String: [String]] = [:]
        for r in results { if let name = r.source { sealNames[name, default: []].append(r.output) } }
        summary.warnings = audit.warnings
        summary.archiveProblems = audit.problems
            + ArchiveAudit.folderProblems(sealNames: sealNames, expected: audit.expected, sources: sources)
        summary.ratio = summary.outputBytes > 0 ? Double(summary.sourceBytes) / Double(summary.outputBytes) : 0
        let report = Report(frames: results, summary: summary)
        let detail = "verify: \(summary.frameCount) outputs, \(summary.failed) failed"
            + (missing.isEmpty ? "" : ", missing \(missing.joined(separator: ", "))")
            + (extra.isEmpty ? "" : ", extra \(extra.joined(separator: ", "))")
            + (manifestProblems.isEmpty ? "" : ", manifest: \(manifestProblems.joined(separator: "; "))")
            + (summary.archiveProblems.isEmpty ? "" : ", archive: \(summary.archiveProblems.joined(separator: "; "))")
            + (sources == nil ? "" : ", \(summary.measured) measured against their sources")
        // A check that did not run is not a fixity failure: such a run is recorded as incomplete.
        let notChecked = results.filter { $0.status == .notChecked }.count
        // (The archive's own checks read every seal: with some unread they are incomplete too.)
        let failedChecks = summary.failed - notChecked > 0 || !manifestProblems.isEmpty
            || (notChecked == 0 && !summary.archiveProblems.isEmpty)
        let outcome = report.passed ? "success" : failedChecks ? "failure" : "incomplete"
        folder.recordEvent(type: "fixity check", agent: agent, outcome: outcome,
                           detail: detail + (notChecked == 0 ? "" : ", \(notChecked) not checked (a check could not run)"))
        return report
    }

    /// Every check of one output on disk; its problems (the caller sets the status).
    private func check(_ path: String, expected: String?, sourceIndex: [String: URL], run: ArchiveAudit.Expected?) -> FrameResult {
        var r = FrameResult(output: path, source: nil, status: .ok, problems: [])
        let url = folder.url.appendingPathComponent(path)
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            r.problems.append("cannot read: \(error.localizedDescription)")
            return r
        }
        // 1. Fixity.
        if let expected {
            let actual = Digest.sha256(data)
            if actual != expected {
                r.problems.append("fixity: SHA-256 \(actual) differs from the manifest's \(expected)")
            }
        } else {
            r.problems.append("extra: on disk but not in the manifest")
        }
        // 2. Decode and compare the samples with the seal.
        let decoded: OutputFolder.DecodedOutput
        do {
            decoded = try OutputFolder.decode(data, name: path, services: services, threads: threads)
        } catch {
            if Self.checkCouldNotRun(error) {
                r.notRun.append("decode: \(error)")
            } else {
                r.problems.append("decode: \(error)")
            }
            return r
        }
        let seal = decoded.seal
        r.source = seal.sourceName
        r.sourceBytes = seal.sourceBytes
        r.outputBytes = data.count
        r.iterations = seal.searchTrace.count
        let p = decoded.restored
        r.problems += ArchiveAudit.check(output: path, decoded: decoded, expected: run, services: services)
        if p.width != seal.width || p.height != seal.height || p.channels != seal.channels || p.bitDepth != seal.bitDepth {
            r.problems.append("decoded: \(p.width)×\(p.height)×\(p.channels) at \(p.bitDepth) bits, the seal says \(seal.width)×\(seal.height)×\(seal.channels) at \(seal.bitDepth) bits")
        }
        let sampleDigest = Digest.sha256(samples: p)
        if sampleDigest != seal.decodedSHA256 {
            r.problems.append("decoded samples: SHA-256 \(sampleDigest) differs from the seal's \(seal.decodedSHA256)")
        }
        // 3. Against the source.
        guard sources != nil else { return r }
        guard let sourceURL = sourceIndex[seal.sourceName] else {
            r.problems.append("source: \(seal.sourceName) not found")
            return r
        }
        do {
            let sourceData = try Data(contentsOf: sourceURL, options: .mappedIfSafe)
            let sourceDigest = Digest.sha256(sourceData)
            if sourceDigest != seal.sourceSHA256 {
                r.problems.append("source: \(sourceURL.lastPathComponent) SHA-256 \(sourceDigest) differs from the seal's \(seal.sourceSHA256)")
            }
            let source = try services.read(sourceData, sourceURL.path).pixels
            guard source.width == p.width, source.height == p.height, source.channels == p.channels else {
                r.problems.append("source: \(source.width)×\(source.height)×\(source.channels) does not match the output's \(p.width)×\(p.height)×\(p.channels)")
                return r
            }
            var m = source == p ? QualityMeasurement.identical(channels: p.channels) : try services.measure(source, p, threads)
            r.ssim = m.ssim
            r.tileFloor = m.tileFloor
            r.psnr = m.identical ? nil : m.psnr
            r.identical = m.identical
            var floor = seal.floors
            if seal.mode == "lossless" { floor.requiresIdentical = true }
            // Grain retention is re-measured from the source's own grain, as at
            // compression, whether or not it is a floor.
            if !m.identical {
                m.setGrain(try GrainReference(source: source, threads: threads).retention(decoded: p, threads: threads))
                r.grainRetention = m.grainRetention
                m.bandingSource = CAMBI.measure(source, threads: threads).score
                m.banding = CAMBI.measure(p, threads: threads).score
                r.banding = m.banding
                r.bandingRise = m.bandingRise
                if floor.ssimulacra2 != nil {
                    let transform = DisplayTransform.forFrame(metadata: seal.metadata)
                    m.ssimulacra2 = try SSIMULACRA2.score(reference: source, test: p, transform: transform, threads: threads)
                    r.ssimulacra2 = m.ssimulacra2
                }
            }
            for failure in floor.failures(m) { r.problems.append("floor: \(failure)") }
        } catch {
            r.problems.append("source: \(error)")
        }
        return r
    }

    /// True when `error` says a check could not run (memory, file handles, a codec
    /// library or its threads that would not start), not that the file is bad.
    static func checkCouldNotRun(_ error: any Error) -> Bool {
        if let codec = error as? CodecError {
            return codec.kind == .libraryFailure
                && (codec.operation == "threads" || codec.detail.contains("Create failed") || codec.detail.contains("thread runner"))
        }
        let ns = error as NSError
        let posix = (ns.userInfo[NSUnderlyingErrorKey] as? NSError).flatMap { $0.domain == NSPOSIXErrorDomain ? $0.code : nil }
            ?? (ns.domain == NSPOSIXErrorDomain ? ns.code : nil)
        return posix.map { [ENOMEM, EMFILE, ENFILE, EAGAIN].contains(Int32($0)) } ?? false
    }
}
