import Formats
import Foundation
import ImageCore

/// `restore`: rebuilds every frame of an output folder (DESIGN.md §5). A lossless output
/// with an exact rebuild record comes back as the original file byte for byte (its
/// SHA-256 checked against the seal's `sourceSHA256` before the file is given its
/// name); a lossy one as a file of the source's format with the source's header fields
/// and the decoded samples, or as a 16-bit TIFF. Every restored file is read back and
/// its samples checked against the seal's `decodedSHA256`.
public struct Restorer: Sendable {
    /// The file format restored to.
    public enum Format: String, Sendable, Codable, CaseIterable {
        case dpx, tiff
    }

    /// The output folder read.
    public var folder: OutputFolder
    /// Where restored files go.
    public var destination: URL
    /// The format to restore to; nil = each source's own format.
    public var format: Format?
    /// Replace files already in `destination`.
    public var overwrite: Bool
    /// Restore frames that fail fixity against the manifest too, saying so (without it
    /// they are refused: `restore` writes nothing `verify` would reject).
    public var force: Bool = false
    /// Codecs and formats used.
    public var services: EngineServices
    /// Library threads in all: `jobs` frames are restored at once, each decode with
    /// `threads / jobs` of them.
    public var threads: Int
    /// Frames restored at once. Each holds its output file, its decoded frame and the
    /// file being written.
    public var jobs: Int
    /// `"reelpack <version>"`, the agent of the recorded event.
    public var agent: String

    /// A restore of `output` into `destination`.
    public init(output: URL, destination: URL, format: Format? = nil, overwrite: Bool = false, force: Bool = false,
                services: EngineServices = .standard, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                jobs: Int = ProcessInfo.processInfo.activeProcessorCount, toolVersion: String) {
        self.folder = OutputFolder(url: output)
        self.destination = destination
        self.format = format
        self.overwrite = overwrite
        self.force = force
        self.services = services
        self.threads = max(1, threads)
        self.jobs = max(1, jobs)
        self.agent = "reelpack \(toolVersion)"
    }

    /// One frame's outcome.
    public struct FrameResult: Sendable, Codable, Equatable {
        /// The output read (relative to OUT).
        public var output: String
        /// The file written (full path), nil when it failed.
        public var restored: String?
        /// `"ok"` or `"failed"`.
        public var status: CheckStatus
        /// `"dpx"` or `"tiff"`.
        public var format: String?
        /// True when the restored file's SHA-256 equals the source's (checked).
        public var byteExact: Bool
        /// What the restore is, or why it failed.
        public var note: String
        /// SHA-256 of the restored file.
        public var sha256: String?
        /// The seal's source name, when the seal was read.
        public var source: String? = nil
        /// What was wrong and restored anyway (`force`): a fixity failure.
        public var warning: String? = nil
    }

    /// Every frame's outcome.
    public struct Report: Sendable, Codable, Equatable {
        /// One result per file in `frames/`, by name.
        public var frames: [FrameResult]
        /// Problems of the archive as a whole: a missing manifest, frames listed but
        /// absent, frames of the run with no output. Any makes the restore incomplete.
        public var problems: [String] = []
        /// Frames restored.
        public var restored: Int { frames.filter { $0.status == .ok }.count }
        /// Frames that failed (no file written for them).
        public var failed: Int { frames.filter { $0.status != .ok }.count }
        /// Frames restored byte for byte (SHA-256 checked).
        public var byteExact: Int { frames.filter(\.byteExact).count }
        /// True when every frame of the archive was restored.
        public var complete: Bool { failed == 0 && problems.isEmpty }

        private enum CodingKeys: String, CodingKey { case frames, restored, failed, byteExact, problems }
        /// A report of `frames`.
        public init(frames: [FrameResult]) { self.frames = frames }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            frames = try c.decode([FrameResult].self, forKey: .frames)
            problems = try c.decodeIfPresent([String].self, forKey: .problems) ?? []
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(frames, forKey: .frames)
            try c.encode(restored, forKey: .restored)
            try c.encode(failed, forKey: .failed)
            try c.encode(byteExact, forKey: .byteExact)
            try c.encode(problems, forKey: .problems)
        }
    }

    /// Restores every output in `frames/`, `jobs` at a time.
    /// - Throws: `EngineError.usage` when OUT has no `frames/`, when `destination` is
    ///   `OUT/frames`, or when it cannot be created. Frame failures are in the report.
    public func run(progress: ((Int, Int) -> Void)? = nil) throws -> Report {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: folder.framesFolder.path, isDirectory: &isDir), isDir.boolValue else {
            throw EngineError(.usage, file: folder.url.path, "is not a Reelpack output folder (no frames/)")
        }
        let dest = destination.standardizedFileURL.resolvingSymlinksInPath()
        if dest.path == folder.framesFolder.standardizedFileURL.resolvingSymlinksInPath().path {
            throw EngineError(.usage, file: destination.path, "is the output's frames/ folder: restore somewhere else")
        }
        do {
            try fm.createDirectory(at: destination, withIntermediateDirectories: true)
        } catch {
            throw EngineError(.usage, file: destination.path, "cannot create: \(error.localizedDescription)", cause: error)
        }
        Self.removeStaleTemporaries(in: destination)
        let files = folder.frameFiles()
        // The manifest says what the archive holds and what each file's bytes are.
        var problems: [String] = []
        var digests: [String: String]?
        if FileManager.default.fileExists(atPath: folder.manifestURL.path) {
            let manifest = try folder.readManifest()
            digests = manifest.digests
            problems += manifest.problems
            let onDisk = Set(files)
            for path in manifest.digests.keys.sorted() where !onDisk.contains(path) {
                problems.append("\(path): listed in the manifest but not on disk")
            }
        } else {
            problems.append("manifest-sha256.txt is missing: the run did not finish, or the manifest was lost; no frame's fixity can be checked")
        }
        var perJob = self
        perJob.threads = ParallelWork.threadsPerJob(threads, jobs: jobs, items: files.count)
        let worker = perJob
        let expected = digests
        var report = Report(frames: ParallelWork.map(files, jobs: jobs, progress: progress) { path in
            worker.restore(path, fixity: expected.map { Self.fixity(path, expected: $0[path], in: worker.folder) } ?? nil)
        })
        var sealNames: [String: [String]] = [:]
        for r in report.frames { if let name = r.source { sealNames[name, default: []].append(r.output) } }
        let audit = ArchiveAudit.expected(folder)
        problems += audit.problems + ArchiveAudit.folderProblems(sealNames: sealNames, expected: audit.expected, sources: nil)
        report.problems = problems
        folder.recordEvent(type: "restore", agent: agent, outcome: report.complete ? "success" : "failure",
                           detail: "restore to \(destination.path): \(report.restored) restored (\(report.byteExact) byte for byte), \(report.failed) failed"
                            + (problems.isEmpty ? "" : "; \(problems.joined(separator: "; "))"))
        return report
    }

    /// Why the file at `path` fails fixity against the manifest's digest, or nil when it passes.
    static func fixity(_ path: String, expected: String?, in folder: OutputFolder) -> String? {
        guard let expected else { return "not in the manifest" }
        guard let actual = try? Digest.sha256(contentsOf: folder.url.appendingPathComponent(path)) else {
            return "cannot be read"
        }
        return actual == expected ? nil : "fixity: SHA-256 \(actual) differs from the manifest's \(expected)"
    }

    /// Prefix of the temporary files a restore writes before naming them.
    static let temporaryPrefix = ".reelpack-restore-"

    /// Removes temporaries a killed restore left in `folder`: those of processes no
    /// longer running (names carry the writer's process id).
    static func removeStaleTemporaries(in folder: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names where name.hasPrefix(temporaryPrefix) {
            let pid = name.dropFirst(temporaryPrefix.count).split(separator: "-").first.flatMap { Int32($0) }
            if let pid, pid == getpid() || kill(pid, 0) == 0 || errno == EPERM { continue }
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    private func restore(_ path: String, fixity: String?) -> FrameResult {
        var r = FrameResult(output: path, restored: nil, status: .failed, format: nil, byteExact: false, note: "")
        let tmp = destination.appendingPathComponent("\(Self.temporaryPrefix)\(getpid())-\(UInt32.random(in: 0 ... .max))")
        do {
            if let fixity {
                guard force else {
                    throw EngineError(.verificationFailed, file: path, "\(fixity): not restored (verify would reject it; --force restores it anyway)")
                }
                r.warning = "\(fixity): restored anyway (--force)"
            }
            let data = try Data(contentsOf: folder.url.appendingPathComponent(path), options: .mappedIfSafe)
            let decoded = try OutputFolder.decode(data, name: path, services: services, threads: threads)
            let seal = decoded.seal
            r.source = seal.sourceName
            let pixels = decoded.restored
            guard Digest.sha256(samples: pixels) == seal.decodedSHA256 else {
                throw EngineError(.verificationFailed, file: path, "decoded samples do not match the seal (damaged output?)")
            }
            let sourceFormat = Format(rawValue: seal.sourceFormat)
            let target = format ?? sourceFormat ?? .dpx
            r.format = target.rawValue
            let lossless = seal.mode == "lossless"
            let bytes: Data
            if target == sourceFormat {
                guard let record = seal.rebuildRecordData else {
                    throw EngineError(.verificationFailed, file: path, "the seal's rebuild record cannot be read (\(seal.rebuildRecordEncoding.map { "encoding \($0)" } ?? "plain base64"), seal version \(seal.sealVersion))")
                }
                bytes = try services.rebuild(pixels, record)
                let digest = Digest.sha256(bytes)
                if lossless && seal.rebuildIsExact {
                    guard digest == seal.sourceSHA256 else {
                        throw EngineError(.verificationFailed, file: path,
                                          "rebuilt file SHA-256 \(digest) differs from the source's \(seal.sourceSHA256)")
                    }
                    r.byteExact = true
                    r.note = "lossless, byte for byte (SHA-256 equals the source's)"
                } else if lossless {
                    r.note = "lossless: same samples and metadata; the \(target.rawValue.uppercased()) file is rewritten, so its bytes differ from the source's"
                } else {
                    r.note = "lossy: the source's header with the decoded samples; the SHA-256 differs from the source's by nature"
                }
            } else if target == .tiff {
                bytes = try TIFF.write(pixels, metadata: seal.metadata,
                                       options: TIFFWriteOptions(compression: .deflate, predictor: true))
                r.note = "\(lossless ? "lossless" : "lossy") as a 16-bit TIFF (true depth \(pixels.bitDepth) bits recorded)"
            } else {
                bytes = try DPXWriter.write(pixels, metadata: seal.metadata)
                r.note = "\(lossless ? "lossless" : "lossy") as a new DPX with the source's metadata"
            }
            // Read back what is about to be named: it must hold the decoded samples.
            let back = try services.read(bytes, path).pixels
            guard Digest.sha256(samples: back) == seal.decodedSHA256 else {
                throw EngineError(.verificationFailed, file: path, "the restored file does not read back to the decoded samples")
            }
            let stem = (seal.sourceName as NSString).deletingPathExtension
            let name = target == sourceFormat ? seal.sourceName : "\(stem).\(target == .tiff ? "tif" : "dpx")"
            guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                throw EngineError(.verificationFailed, file: path, "the seal's source name \"\(seal.sourceName)\" is not a file name")
            }
            let final = destination.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: final.path), !overwrite {
                throw EngineError(.usage, file: final.path, "already exists (pass --overwrite to replace it)")
            }
            do {
                try bytes.write(to: tmp)
            } catch {
                throw EngineError(.io, file: final.path, "cannot write: \(Self.reason(error))")
            }
            try Self.moveIntoPlace(tmp, final, overwrite: overwrite)
            r.restored = final.path
            r.sha256 = Digest.sha256(bytes)
            r.status = .ok
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            r.byteExact = false
            r.note = "\(error)"
        }
        return r
    }

    /// The POSIX reason behind a Foundation write error ("No space left on device"),
    /// not the NSError's domain and code.
    static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        // Foundation reports some failures with no POSIX error beneath ("The operation
        // could not be completed. There isn't enough space."): say them as the system does.
        if ns.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileWriteOutOfSpace: return String(cString: strerror(ENOSPC))
            case .fileWriteVolumeReadOnly: return String(cString: strerror(EROFS))
            case .fileWriteNoPermission, .fileReadNoPermission: return String(cString: strerror(EACCES))
            case .fileNoSuchFile, .fileReadNoSuchFile: return String(cString: strerror(ENOENT))
            default: break
            }
        }
        return ns.localizedDescription
    }

    /// Gives `tmp` the name `final`. Without `overwrite` a file that appeared under that
    /// name meanwhile (another frame restored at the same time to the same name) is never
    /// replaced: a hard link fails when the name exists, in one step.
    private static func moveIntoPlace(_ tmp: URL, _ final: URL, overwrite: Bool) throws {
        if !overwrite {
            if link(tmp.path, final.path) == 0 {
                unlink(tmp.path)
                return
            }
            if errno == EEXIST {
                throw EngineError(.usage, file: final.path, "already exists (pass --overwrite to replace it)")
            }
            // A file system without hard links: the check made before writing stands.
        }
        guard rename(tmp.path, final.path) == 0 else {
            throw EngineError(.io, file: final.path, "cannot rename the temporary file into place: \(String(cString: strerror(errno)))")
        }
    }
}
