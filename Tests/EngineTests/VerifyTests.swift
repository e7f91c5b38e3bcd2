import Codecs
import Foundation
import ImageCore
import Testing
import TestSupport
@testable import Engine

/// `verify` catches every kind of damage to an output folder and names the file.
@Suite("Verifying an output folder")
struct VerifyTests {
    static let files = ["third-party/ffmpeg_gray.dpx", "third-party/oiio_luma10.dpx"]

    static func verify(_ out: URL, sources: URL? = nil) throws -> Verifier.Report {
        try Verifier(output: out, sources: sources, threads: 2, toolVersion: "test").run()
    }

    @Test func intactFolderPassesAndTheCheckIsRecorded() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, _) = try await ValidationFixture.compress(Self.files, in: dir)
        let report = try Self.verify(out)
        #expect(report.passed, "\(report.frames.flatMap(\.problems))")
        #expect(report.summary.frameCount == 2)
        #expect(report.frames.allSatisfy { $0.status == .ok && $0.problems.isEmpty })
        #expect(Set(report.frames.compactMap(\.source)) == ["ffmpeg_gray.dpx", "oiio_luma10.dpx"])
        let events = try Catalog(url: out.appendingPathComponent(Catalog.fileName)).events(type: "fixity check")
        let last = try #require(events.last)
        #expect(last.outcome == "success")
        #expect(last.agent == "reelpack test")
        #expect(last.detail?.hasPrefix("verify: 2 outputs, 0 failed") == true)
    }

    @Test("outputs checked several at once give the report one at a time gives, progress counted once each")
    func parallelEqualsSequential() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let files = Self.files + ["third-party/oiio_rgb10_packed.dpx", "third-party/ffmpeg_gbrp12le.dpx",
                                  "third-party/flower-rgb-contig-16.tif"]
        let (out, _) = try await ValidationFixture.compress(files, in: dir)
        let victim = try #require(ValidationFixture.outputs(out).dropFirst(2).first)
        try ValidationFixture.flipByte(out.appendingPathComponent(victim))
        let sources = Corpus.url("third-party")
        let one = try Verifier(output: out, sources: sources, threads: 1, jobs: 1, toolVersion: "test").run()
        let calls = Counter()
        let three = try Verifier(output: out, sources: sources, threads: 3, jobs: 3, toolVersion: "test").run { done, total in
            calls.record(done, total)
        }
        #expect(three == one)
        #expect(one.summary.frameCount == 5 && one.summary.failed == 1 && one.summary.measured >= 4)
        #expect(calls.seen == Array(1...5).map { [$0, 5] })
    }

    /// Progress calls, in the order they came.
    // @unchecked Sendable: written only by the verifier's progress calls, which it makes one at a time.
    final class Counter: @unchecked Sendable {
        private(set) var seen: [[Int]] = []
        func record(_ done: Int, _ total: Int) { seen.append([done, total]) }
    }

    @Test func flippedByteIsNamedByFixityAndByTheDecodedSamples() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, _) = try await ValidationFixture.compress(Self.files, in: dir)
        let victim = try #require(ValidationFixture.outputs(out).first)
        try ValidationFixture.flipByte(out.appendingPathComponent(victim))

        let report = try Self.verify(out)
        #expect(!report.passed)
        #expect(report.summary.failed == 1)
        let bad = try #require(report.frames.first { $0.output == victim })
        #expect(bad.status == .failed)
        #expect(bad.problems.contains { $0.hasPrefix("fixity:") })
        // The decoded-sample check catches the same damage on its own.
        #expect(bad.problems.contains { $0.hasPrefix("decoded samples:") || $0.hasPrefix("decode:") }, "\(bad.problems)")

        // With the manifest "fixed up" to the damaged file's hash, fixity passes but
        // the seal's decoded digest still catches the rot.
        let folder = OutputFolder(url: out)
        var manifest = try String(contentsOf: folder.manifestURL, encoding: .utf8)
        let newHash = Digest.sha256(try Data(contentsOf: out.appendingPathComponent(victim)))
        let oldHash = try #require(try folder.readManifest().digests[victim])
        manifest = manifest.replacingOccurrences(of: oldHash, with: newHash)
        try manifest.write(to: folder.manifestURL, atomically: true, encoding: .utf8)
        let again = try Self.verify(out)
        let still = try #require(again.frames.first { $0.output == victim })
        #expect(still.status == .failed)
        #expect(!still.problems.contains { $0.hasPrefix("fixity:") })
        #expect(still.problems.contains { $0.hasPrefix("decoded samples:") || $0.hasPrefix("decode:") }, "\(still.problems)")
        let events = try Catalog(url: folder.catalogURL).events(type: "fixity check")
        #expect(events.last?.outcome == "failure")
    }

    @Test func missingExtraAndTamperedManifestAreNamed() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, _) = try await ValidationFixture.compress(Self.files, in: dir)
        let outputs = ValidationFixture.outputs(out)
        let gone = outputs[0], kept = outputs[1]
        try FileManager.default.removeItem(at: out.appendingPathComponent(gone))
        try Data("stray".utf8).write(to: out.appendingPathComponent("frames/stray.txt"))
        let folder = OutputFolder(url: out)
        // Change one hex digit of the remaining output's line.
        var manifest = try String(contentsOf: folder.manifestURL, encoding: .utf8)
        let hash = try #require(try folder.readManifest().digests[kept])
        let tampered = (hash.first == "0" ? "1" : "0") + hash.dropFirst()
        manifest = manifest.replacingOccurrences(of: hash, with: tampered) + "not a manifest line\n"
        try manifest.write(to: folder.manifestURL, atomically: true, encoding: .utf8)

        let report = try Self.verify(out)
        #expect(report.summary.missing == [gone])
        #expect(report.summary.extra == ["frames/stray.txt"])
        #expect(report.summary.manifestProblems.count == 1)
        #expect(report.summary.failed == 3)
        #expect(report.frames.first { $0.output == gone }?.problems.first?.hasPrefix("missing") == true)
        #expect(report.frames.first { $0.output == "frames/stray.txt" }?.problems.first?.hasPrefix("extra") == true)
        let keptResult = try #require(report.frames.first { $0.output == kept })
        #expect(keptResult.problems == ["fixity: SHA-256 \(hash) differs from the manifest's \(tampered)"])
    }

    @Test func sourcesPassAndAChangedSourceIsCaught() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, src) = try await ValidationFixture.compress(Self.files, in: dir)
        let report = try Self.verify(out, sources: src)
        #expect(report.passed, "\(report.frames.flatMap(\.problems))")
        #expect(report.summary.measured == 2)
        #expect(report.frames.allSatisfy { $0.identical == true && $0.psnr == nil && $0.ssim == 1 })

        // A changed sample in one source: its hash and the lossless floor both fail.
        let changed = src.appendingPathComponent("oiio_luma10.dpx")
        try ValidationFixture.flipByte(changed)
        let after = try Self.verify(out, sources: src)
        #expect(!after.passed)
        let bad = try #require(after.frames.first { $0.source == "oiio_luma10.dpx" })
        #expect(bad.problems.contains { $0.hasPrefix("source: oiio_luma10.dpx SHA-256") })
        #expect(bad.problems.contains { $0.hasPrefix("floor:") })
        #expect(after.frames.first { $0.source == "ffmpeg_gray.dpx" }?.status == .ok)

        // A source that is not there is named.
        try FileManager.default.removeItem(at: changed)
        let missing = try Self.verify(out, sources: src)
        #expect(missing.frames.first { $0.output.contains("oiio_luma10") }?.problems == ["source: oiio_luma10.dpx not found"])
    }

    @Test func lossyFloorsAreReMeasuredAgainstTheSource() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, src) = try await ValidationFixture.compress(["third-party/oiio_luma10.dpx"], in: dir, profile: .c1, maxIterations: 4)
        let report = try Self.verify(out, sources: src)
        #expect(report.passed, "\(report.frames.flatMap(\.problems))")
        let frame = try #require(report.frames.first)
        let seal = try OutputFolder.decode(try Data(contentsOf: out.appendingPathComponent(frame.output)), name: frame.output).seal
        if seal.mode == "lossy", !seal.achieved.identical {
            #expect(frame.identical == false)
            let ssim = try #require(frame.ssim)
            let floor = try #require(seal.floors.ssim)
            #expect(ssim >= floor)
            #expect(abs(ssim - seal.achieved.ssim) < 1e-9)
        }
    }

    @Test("a grain-retention floor in the seal is re-measured against the source's own grain")
    func grainRetentionFloorIsReMeasured() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = dir.file("src"), out = dir.file("out")
        try SyntheticFrames.writeDPXSequence(.grain, count: 1, to: src, width: 192, height: 108, bitDepth: 12)
        let settings = CompressionSettings(profile: .c2, floor: Profile.c2.floor(grainRetention: 0.7), codec: .htj2k, jobs: 1)
        let result = try await CompressionRun(sources: [src], output: out, settings: settings, toolVersion: "test").run()
        try #require(result.succeeded, "\(result.frames.compactMap(\.error))")
        let report = try Self.verify(out, sources: src)
        #expect(report.passed, "\(report.frames.flatMap(\.problems))")
        let frame = try #require(report.frames.first)
        let seal = try OutputFolder.decode(try Data(contentsOf: out.appendingPathComponent(frame.output)), name: frame.output).seal
        try #require(seal.mode == "lossy")
        let kept = try #require(frame.grainRetention)
        #expect(kept >= 0.7)
        #expect(abs(kept - (seal.grainRetention ?? 0)) < 1e-9, "re-measured \(kept), sealed \(String(describing: seal.grainRetention))")

        // The same frame with three times the grain as its source: the output keeps
        // about a third of it, and the floor says so.
        try SyntheticFrames.writeDPXSequence(.grain, count: 1, to: src, width: 192, height: 108, bitDepth: 12,
                                             grainSigma: 3 * FilmSynthesizer.defaultGrainSigma(for: .grain, bitDepth: 12))
        let after = try Self.verify(out, sources: src)
        let bad = try #require(after.frames.first { $0.output == frame.output })
        #expect(bad.problems.contains { $0.hasPrefix("floor: grain retention") }, "\(bad.problems)")
        #expect((bad.grainRetention ?? 1) < 0.7)
    }

    @Test func withoutCatalogOrWithoutFramesFolder() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, _) = try await ValidationFixture.compress(["third-party/ffmpeg_gray.dpx"], in: dir)
        try FileManager.default.removeItem(at: out.appendingPathComponent(Catalog.fileName))
        #expect(try Self.verify(out).passed)
        #expect(throws: EngineError.self) { try Self.verify(dir.file("nowhere")) }
    }

    @Test func codecIsFoundByExtensionOrMagic() {
        let jp2Magic = Data([0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A, 0, 0, 0, 0x14, 0x66, 0x74, 0x79, 0x70, 0x6A, 0x70, 0x68, 0x20])
        #expect(OutputFolder.codecID(name: "a.jph", data: Data()) == .htj2k)
        #expect(OutputFolder.codecID(name: "a.bin", data: jp2Magic) == .htj2k)
        #expect(OutputFolder.codecID(name: "a.bin", data: Data([0xFF, 0x0A] + Array(repeating: 0, count: 12))) == .jxl)
        #expect(OutputFolder.codecID(name: "a.bin", data: Data("hello world, not an image".utf8)) == nil)
    }
}
