import Codecs
import Formats
import Foundation
import GRDB
import ImageCore
import Testing
import TestSupport
@testable import Engine

/// An archive's tools under hostile archives and careless use: `verify` never passes
/// what restore would lose, `restore` never writes what verify would reject, and a
/// crafted seal, record or catalog is an error, never a trap or a huge allocation.
@Suite("Hardened verify and restore")
struct ArchiveHardeningTests {
    /// Three small 12-bit frames compressed losslessly with HTJ2K into `dir/out`.
    static func archive(_ dir: TemporaryDirectory, profile: Profile = .lossless, count: Int = 3,
                        name: String = "reel") async throws -> (out: URL, src: URL) {
        let src = dir.file("src"), out = dir.file("out")
        _ = try SyntheticFrames.writeDPXSequence(.grain, count: count, to: src, name: name, width: 64, height: 48, bitDepth: 12)
        let settings = CompressionSettings(profile: profile, codec: .htj2k, jobs: 2, maxIterations: 4)
        let result = try await CompressionRun(sources: [src], output: out, settings: settings, toolVersion: "test").run()
        try #require(result.succeeded, "\(result.frames.compactMap(\.error))")
        return (out, src)
    }

    static func verify(_ out: URL, sources: URL? = nil) throws -> Verifier.Report {
        try Verifier(output: out, sources: sources, threads: 2, toolVersion: "test").run()
    }

    /// Rewrites an HTJ2K output with its seal changed by `change` (same samples).
    static func reseal(_ url: URL, _ change: (inout Seal) throws -> Void) throws {
        let codec = HTJ2KCodec()
        let frame = try codec.decode(try Data(contentsOf: url))
        var seal = try Seal.decode(try #require(frame.seal))
        try change(&seal)
        try codec.wrap(payload: try codec.encode(frame.pixels, mode: .lossless), seal: try seal.encoded()).write(to: url)
    }

    /// The manifest made to match the files in `frames/`, as a careful forger would.
    static func forgeManifest(_ out: URL) throws {
        let folder = OutputFolder(url: out)
        let lines = try folder.frameFiles().map { "\(try Digest.sha256(contentsOf: out.appendingPathComponent($0)))  \($0)" }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: folder.manifestURL)
    }

    static func outputs(_ out: URL) -> [String] { OutputFolder(url: out).frameFiles() }

    // MARK: 1-3: crashes and huge allocations

    @Test("1: a seal's sourceBytes of 2^62 is named, not an overflow trap, with and without sources")
    func hugeSourceBytesIsAProblem() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, src) = try await Self.archive(dir, count: 2)
        for output in Self.outputs(out) { try Self.reseal(out.appendingPathComponent(output)) { $0.sourceBytes = 1 << 62 } }
        try Self.forgeManifest(out)
        for sources in [nil, src] {
            let report = try Self.verify(out, sources: sources)
            #expect(!report.passed)
            #expect(report.frames.allSatisfy { $0.problems.contains { $0.contains("sourceBytes 4611686018427387904 is not a plausible") } })
            #expect(report.summary.sourceBytes == 0)
        }
    }

    /// The seal's DPX record with its layout changed by `change`.
    static func damageRecord(_ url: URL, _ change: @escaping (inout DPXLayout) -> Void) throws {
        try reseal(url) { seal in
            var record = try DPXRebuildRecord.decode(try #require(seal.rebuildRecordData))
            change(&record.layout)
            (seal.rebuildRecord, seal.rebuildRecordEncoding) = Seal.packRebuildRecord(try record.encoded())
        }
    }

    @Test("2: a rebuild record's row stride of 1e9 or 2,000,000 is refused before allocating, by restore and by verify",
          arguments: [1_000_000_000, 2_000_000])
    func hugeRowStrideIsRefused(stride: Int) async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, _) = try await Self.archive(dir, count: 1)
        let output = try #require(Self.outputs(out).first)
        try Self.damageRecord(out.appendingPathComponent(output)) { $0.rowStride = stride }
        try Self.forgeManifest(out)
        let report = try Self.verify(out)
        #expect(!report.passed)
        #expect(report.frames.first?.problems.contains { $0.contains("row stride \(stride) is impossible") } == true,
                "\(report.frames.flatMap(\.problems))")
        let restore = try Restorer(output: out, destination: dir.file("dest"), threads: 2, toolVersion: "test").run()
        #expect(restore.failed == 1)
        #expect(restore.frames.first?.note.contains("row stride \(stride) is impossible") == true, "\(restore.frames.map(\.note))")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: dir.file("dest").path)) ?? []).isEmpty)
    }

    @Test("3: a catalog with a huge outputBytes or text in a numeric column is an error naming the catalog",
          arguments: ["UPDATE results SET outputBytes = 4611686018427387904", "UPDATE results SET maxError = 'many'",
                      "UPDATE frames SET sourceBytes = -5"])
    func damagedCatalogIsAnError(damage: String) async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, _) = try await Self.archive(dir, count: 2)
        let url = out.appendingPathComponent(Catalog.fileName)
        try await DatabaseQueue(path: url.path).write { try $0.execute(sql: damage) }
        let catalog = try Catalog(url: url)
        let reports = try #require(throws: CatalogError.self) { try catalog.frameReports() }
        #expect(reports.description.contains(Catalog.fileName))
        let resumed = try #require(throws: CatalogError.self) { try catalog.completedFrames() }
        #expect(resumed.description.contains(Catalog.fileName))
    }

    // MARK: 5-8: verify must not pass

    @Test("5: a frame copied over another frame's name fails, although the manifest matches")
    func frameCopiedOverAnotherFails() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, src) = try await Self.archive(dir)
        let files = Self.outputs(out)
        try FileManager.default.removeItem(at: out.appendingPathComponent(files[1]))
        try FileManager.default.copyItem(at: out.appendingPathComponent(files[0]), to: out.appendingPathComponent(files[1]))
        try Self.forgeManifest(out)
        for sources in [nil, src] {
            let report = try Self.verify(out, sources: sources)
            #expect(!report.passed)
            let copied = try #require(report.frames.first { $0.output == files[1] })
            #expect(copied.problems.contains { $0.contains("does not match the file name") }, "\(copied.problems)")
            #expect(report.summary.archiveProblems.contains { $0.contains("held by 2 outputs") })
        }
    }

    @Test("6: a frame deleted with its manifest line fails: the catalog and the sources still have it")
    func frameDeletedWithItsManifestLineFails() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, src) = try await Self.archive(dir)
        try FileManager.default.removeItem(at: out.appendingPathComponent(Self.outputs(out)[1]))
        try Self.forgeManifest(out)
        let report = try Self.verify(out)
        #expect(!report.passed)
        #expect(report.summary.archiveProblems.contains { $0.contains("recorded as done have no output: reel_0086401.dpx") },
                "\(report.summary.archiveProblems)")
        // Without the catalog, the sources still say what is missing; the lost catalog is a warning.
        try FileManager.default.removeItem(at: out.appendingPathComponent(Catalog.fileName))
        let withSources = try Self.verify(out, sources: src)
        #expect(!withSources.passed)
        #expect(withSources.summary.archiveProblems.contains { $0.contains("have no output: reel_0086401.dpx") })
        #expect(withSources.summary.warnings.contains { $0.contains("\(Catalog.fileName) is missing") })
    }

    @Test("7: a lossless frame whose rebuild record is bad base64 or has a broken layout fails verify")
    func brokenRebuildRecordFails() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, _) = try await Self.archive(dir, count: 2)
        let files = Self.outputs(out)
        try Self.reseal(out.appendingPathComponent(files[0])) { $0.rebuildRecord = "not base64 at all!" }
        try Self.damageRecord(out.appendingPathComponent(files[1])) { $0.dataOffset += 4 }
        try Self.forgeManifest(out)
        let report = try Self.verify(out)
        #expect(!report.passed)
        #expect(report.frames[0].problems.contains { $0.hasPrefix("rebuild record: cannot be read") }, "\(report.frames[0].problems)")
        #expect(report.frames[1].problems.contains { $0.hasPrefix("rebuild record:") }, "\(report.frames[1].problems)")
    }

    @Test("8: a frame made to other floors (C2 in a C1 run) fails: the floors come from the run, not the frame's seal")
    func frameFromAnotherRunFails() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, src) = try await Self.archive(dir, profile: .c1, count: 2)
        let output = try #require(Self.outputs(out).first)
        try Self.reseal(out.appendingPathComponent(output)) { $0.floors = Profile.c2.floor; $0.profile = "C2" }
        try Self.forgeManifest(out)
        let report = try Self.verify(out, sources: src)
        #expect(!report.passed)
        let frame = try #require(report.frames.first { $0.output == output })
        #expect(frame.problems.contains { $0.hasPrefix("floors: the seal's") && $0.contains("not the run's") }, "\(frame.problems)")
        #expect(report.frames.filter(\.failed).count == 1)
    }

    @Test("an intact archive passes every new check, with its sources")
    func intactArchivePasses() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, src) = try await Self.archive(dir)
        let report = try Self.verify(out, sources: src)
        #expect(report.passed, "\(report.frames.flatMap(\.problems)) \(report.summary.archiveProblems)")
        #expect(report.summary.warnings.isEmpty)
    }

    @Test("16: a check that could not run (the codec's threads would not start) is not recorded as a fixity failure")
    func checkThatDidNotRunIsNotAFailure() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, _) = try await Self.archive(dir, count: 2)
        var services = EngineServices.standard
        services.codec = { id, _ in
            throw CodecError(.libraryFailure, codec: id, operation: "threads", detail: "cannot start 100000 threads")
        }
        let report = try Verifier(output: out, services: services, threads: 2, toolVersion: "test").run()
        #expect(!report.passed)
        #expect(report.frames.allSatisfy { $0.status == .notChecked && $0.problems.isEmpty && !$0.notRun.isEmpty })
        let catalog = try Catalog(url: out.appendingPathComponent(Catalog.fileName))
        let outcomes = try catalog.events(type: "fixity check").map(\.outcome)
        #expect(outcomes.last == "incomplete" && !outcomes.contains("failure"), "\(outcomes)")
        // With its codec back, the archive passes.
        #expect(try Self.verify(out).passed)
    }

    // MARK: 9-11: restore

    @Test("9: a frame that fails fixity is refused, or with force restored and said so")
    func fixityFailureIsRefusedUnlessForced() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, _) = try await Self.archive(dir, count: 2)
        let victim = try #require(Self.outputs(out).first)
        // Same samples, another seal timestamp: decodes fine, fails the manifest.
        try Self.reseal(out.appendingPathComponent(victim)) { $0.timestamp = "2001-01-01T00:00:00Z" }
        let refused = try Restorer(output: out, destination: dir.file("a"), threads: 2, toolVersion: "test").run()
        #expect(refused.failed == 1 && refused.restored == 1 && !refused.complete)
        let frame = try #require(refused.frames.first { $0.output == victim })
        #expect(frame.note.contains("fixity") && frame.restored == nil)
        let forced = try Restorer(output: out, destination: dir.file("b"), force: true, threads: 2, toolVersion: "test").run()
        #expect(forced.failed == 0 && forced.restored == 2)
        #expect(forced.frames.first { $0.output == victim }?.warning?.contains("restored anyway") == true)
    }

    @Test("10: an archive whose run did not finish (no manifest) restores what it has and says what is missing")
    func unfinishedArchiveIsIncomplete() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, _) = try await Self.archive(dir)
        try FileManager.default.removeItem(at: OutputFolder(url: out).manifestURL)
        try FileManager.default.removeItem(at: out.appendingPathComponent(Self.outputs(out)[2]))
        let report = try Restorer(output: out, destination: dir.file("dest"), threads: 2, toolVersion: "test").run()
        #expect(!report.complete)
        #expect(report.restored == 2)
        #expect(report.problems.contains { $0.contains("manifest-sha256.txt is missing") })
        #expect(report.problems.contains { $0.contains("have no output: reel_0086402.dpx") }, "\(report.problems)")
    }

    @Test("11: a killed restore's temporary file is removed by the next restore")
    func staleRestoreTemporaryIsRemoved() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, _) = try await Self.archive(dir, count: 1)
        let dest = dir.file("dest")
        try FileManager.default.createDirectory(at: dest, withIntermediateDirectories: true)
        // A process id that no longer runs (a child that has exited), and the old UUID form.
        let dead = try ExternalTool.run(["/bin/sh", "-c", "echo $$"])
        let pid = String(decoding: dead, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let stale = [".reelpack-restore-\(pid)-12345", ".reelpack-restore-6F9619FF-8B86-D011-B42D-00C04FC964FF"]
        for name in stale { try Data("half".utf8).write(to: dest.appendingPathComponent(name)) }
        let report = try Restorer(output: out, destination: dest, threads: 2, toolVersion: "test").run()
        #expect(report.complete)
        let left = try FileManager.default.contentsOfDirectory(atPath: dest.path)
        #expect(left.filter { $0.hasPrefix(".reelpack-restore-") }.isEmpty, "\(left)")
    }

    // MARK: 15: one writer

    @Test("15: a --resume started while another run holds the folder is refused, naming the holder's process")
    func secondWriterIsRefused() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, src) = try await Self.archive(dir, count: 1)
        let held = try OutputLock(folder: out)
        let settings = CompressionSettings(profile: .lossless, codec: .htj2k, jobs: 1, resume: true)
        let error = await #expect(throws: EngineError.self) {
            try await CompressionRun(sources: [src], output: out, settings: settings, toolVersion: "test").run()
        }
        #expect(error?.description.contains("another reelpack run (process \(getpid()))") == true, "\(String(describing: error))")
        held.release()
        let after = try await CompressionRun(sources: [src], output: out, settings: settings, toolVersion: "test").run()
        #expect(after.succeeded)
        #expect(try Catalog(url: out.appendingPathComponent(Catalog.fileName)).recordedRuns().allSatisfy(\.finished))
    }

    // MARK: 19: resume

    @Test("19: --resume redoes a frame whose source changed since the first run")
    func resumeRedoesAChangedSource() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, src) = try await Self.archive(dir, count: 2)
        // The first source replaced by another frame of the same size.
        let first = src.appendingPathComponent("reel_0086400.dpx")
        _ = try SyntheticFrames.writeDPXSequence(.grain, count: 1, to: dir.file("other"), width: 64, height: 48, bitDepth: 12, seed: 99)
        try FileManager.default.removeItem(at: first)
        try FileManager.default.copyItem(at: dir.file("other").appendingPathComponent("reel_0086400.dpx"), to: first)
        let settings = CompressionSettings(profile: .lossless, codec: .htj2k, jobs: 2, resume: true)
        let result = try await CompressionRun(sources: [src], output: out, settings: settings, toolVersion: "test").run()
        let statuses = Dictionary(uniqueKeysWithValues: result.frames.map { (($0.source as NSString).lastPathComponent, $0.status) })
        #expect(statuses["reel_0086400.dpx"] == .done, "\(statuses)")
        #expect(statuses["reel_0086401.dpx"] == .kept, "\(statuses)")
        #expect(try Self.verify(out, sources: src).passed)
    }
}
