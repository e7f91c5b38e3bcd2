import Foundation
import Formats
import ImageCore
import Testing
import TestSupport
@testable import Engine

/// `restore` gives back the sources: byte for byte when lossless, with the source's
/// header and the decoded samples when lossy, or as a 16-bit TIFF.
@Suite("Restoring an output folder")
struct RestoreTests {
    /// Every corpus DPX (34 files, about 50 s in a debug build on two cores).
    /// `REELPACK_QUICK=1` restores only the third-party files, one photo of each kind
    /// and one sequence frame.
    static var byteExactSet: [String] {
        if ProcessInfo.processInfo.environment["REELPACK_QUICK"] == "1" {
            return Corpus.files(in: "third-party", suffix: ".dpx")
                + ["photos/Carrots_log10.dpx", "photos/Carrots_bw_log10.dpx", "photos/Carrots_709_12.dpx", "sequence/beachball_0001.dpx"]
        }
        return Corpus.allDPX
    }

    static func restore(_ out: URL, to dest: URL, format: Restorer.Format? = nil, overwrite: Bool = false) throws -> Restorer.Report {
        try Restorer(output: out, destination: dest, format: format, overwrite: overwrite, threads: 2, toolVersion: "test").run()
    }

    @Test("frames restored several at once: the same files and report as one at a time")
    func parallelEqualsSequential() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let files = ["third-party/ffmpeg_gray.dpx", "third-party/oiio_luma10.dpx", "third-party/oiio_rgb10_packed.dpx",
                     "third-party/ffmpeg_gbrp12le.dpx", "third-party/flower-rgb-contig-16.tif"]
        let (out, _) = try await ValidationFixture.compress(files, in: dir)
        let one = try Restorer(output: out, destination: dir.file("one"), threads: 1, jobs: 1, toolVersion: "test").run()
        let three = try Restorer(output: out, destination: dir.file("three"), threads: 3, jobs: 3, toolVersion: "test").run()
        #expect(one.failed == 0 && three.failed == 0 && one.frames.count == 5)
        func sameExceptFolder(_ a: Restorer.FrameResult, _ b: Restorer.FrameResult) -> Bool {
            a.output == b.output && a.status == b.status && a.byteExact == b.byteExact && a.sha256 == b.sha256
                && a.restored.map { ($0 as NSString).lastPathComponent } == b.restored.map { ($0 as NSString).lastPathComponent }
        }
        #expect(zip(one.frames, three.frames).allSatisfy(sameExceptFolder))
    }

    @Test("two outputs restored at once to the same name: one is written, the other fails, nothing is replaced")
    func sameNameAtOnceIsNotReplaced() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, _) = try await ValidationFixture.compress(["third-party/ffmpeg_gray.dpx"], in: dir)
        let only = try #require(ValidationFixture.outputs(out).first)
        // A second output whose seal names the same source (as a copy in frames/ would).
        let copy = (only as NSString).deletingPathExtension + "-copy." + (only as NSString).pathExtension
        try FileManager.default.copyItem(at: out.appendingPathComponent(only), to: out.appendingPathComponent(copy))
        // force: the copy is not in the manifest, and this is about the race, not fixity.
        let report = try Restorer(output: out, destination: dir.file("dest"), force: true, threads: 2, jobs: 2, toolVersion: "test").run()
        #expect(report.frames.count == 2)
        #expect(report.restored == 1 && report.failed == 1, "\(report.frames.map(\.note))")
        #expect(report.frames.contains { $0.note.contains("already exists") })
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("dest").path) == ["ffmpeg_gray.dpx"])
    }

    @Test func losslessCorpusDPXComeBackByteForByte() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let files = Self.byteExactSet
        try #require(files.count >= 20, "the corpus is missing")
        let (out, _) = try await ValidationFixture.compress(files, in: dir)
        let dest = dir.file("restored")
        let report = try Self.restore(out, to: dest)
        #expect(report.failed == 0, "\(report.frames.filter { $0.status != .ok }.map(\.note))")
        #expect(report.frames.count == files.count)
        #expect(report.byteExact == files.count)
        for file in files {
            let name = (file as NSString).lastPathComponent
            let restored = try? Data(contentsOf: dest.appendingPathComponent(name))
            let same = restored == (try Data(contentsOf: Corpus.url(file)))
            #expect(same, "\(file) did not come back byte for byte")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dest.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
        let events = try Catalog(url: out.appendingPathComponent(Catalog.fileName)).events(type: "restore")
        #expect(events.count == 1)
        #expect(events.first?.outcome == "success")
    }

    @Test func monochromeStoredFrameComesBackWithThreeChannels() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, _) = try await ValidationFixture.compress(["photos/Carrots_bw_log10.dpx"], in: dir)
        let output = try #require(ValidationFixture.outputs(out).first)
        let decoded = try OutputFolder.decode(try Data(contentsOf: out.appendingPathComponent(output)), name: output)
        #expect(decoded.seal.monochromeStored)
        #expect(decoded.stored.channels == 1)
        let dest = dir.file("restored")
        let report = try Self.restore(out, to: dest)
        #expect(report.byteExact == 1)
        let back = try ImageFile.read(contentsOf: dest.appendingPathComponent("Carrots_bw_log10.dpx"))
        #expect(back.pixels.channels == 3)
    }

    @Test func lossyRestoreKeepsTheHeaderAndGivesTheDecodedSamples() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let file = "third-party/dpx_nuke_10bits_rgb.dpx"
        let (out, _) = try await ValidationFixture.compress([file], in: dir, profile: .c2, maxIterations: 4)
        let output = try #require(ValidationFixture.outputs(out).first)
        let decoded = try OutputFolder.decode(try Data(contentsOf: out.appendingPathComponent(output)), name: output)
        try #require(decoded.seal.mode == "lossy", "the frame fell back to lossless; pick another")

        let dest = dir.file("restored")
        let report = try Self.restore(out, to: dest)
        let frame = try #require(report.frames.first)
        #expect(frame.status == .ok, "\(frame.note)")
        #expect(!frame.byteExact)
        #expect(frame.note.contains("differs from the source's by nature"))
        let restoredData = try Data(contentsOf: dest.appendingPathComponent("dpx_nuke_10bits_rgb.dpx"))
        let sourceData = try Data(contentsOf: Corpus.url(file))
        #expect(Digest.sha256(restoredData) != Digest.sha256(sourceData))
        let restoredHeader = try DPXHeader.parse(restoredData)
        let sourceHeader = try DPXHeader.parse(sourceData)
        #expect(restoredHeader.frameMetadata == sourceHeader.frameMetadata)
        #expect(restoredHeader.layout == sourceHeader.layout)
        #expect(restoredHeader == sourceHeader)
        let headerBytes = sourceHeader.layout.dataOffset
        #expect(restoredData.prefix(headerBytes) == sourceData.prefix(headerBytes))
        #expect(restoredData.count == sourceData.count)
        let back = try ImageFile.read(restoredData).pixels
        #expect(back == decoded.restored)
    }

    @Test func tiffRestoreIsSixteenBitAndReadable() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, _) = try await ValidationFixture.compress(["third-party/oiio_luma10.dpx"], in: dir, profile: .c1, maxIterations: 4)
        let output = try #require(ValidationFixture.outputs(out).first)
        let decoded = try OutputFolder.decode(try Data(contentsOf: out.appendingPathComponent(output)), name: output)
        let dest = dir.file("restored")
        let report = try Self.restore(out, to: dest, format: .tiff)
        #expect(report.failed == 0, "\(report.frames.map(\.note))")
        let tif = dest.appendingPathComponent("oiio_luma10.tif")
        let data = try Data(contentsOf: tif)
        let info = try TIFF.info(data)
        #expect(info.bitsPerSample == 16)
        #expect(info.recordedBitDepth == 10)
        #expect(try TIFF.read(data).pixels == decoded.restored)
        if ExternalTool.path(of: "oiiotool") != nil {
            let text = String(decoding: try ExternalTool.run(["oiiotool", "--info", "-v", tif.path]), as: UTF8.self)
            #expect(text.contains("uint16"), "\(text)")
        }
    }

    @Test func refusesFramesFolderAndKeepsExistingFiles() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, _) = try await ValidationFixture.compress(["third-party/ffmpeg_gray.dpx"], in: dir)
        #expect(throws: EngineError.self) { try Self.restore(out, to: out.appendingPathComponent("frames")) }
        let dest = dir.file("restored")
        try FileManager.default.createDirectory(at: dest, withIntermediateDirectories: true)
        let existing = dest.appendingPathComponent("ffmpeg_gray.dpx")
        try Data("keep me".utf8).write(to: existing)
        let refused = try Self.restore(out, to: dest)
        #expect(refused.failed == 1)
        #expect(refused.frames.first?.note.contains("--overwrite") == true)
        #expect(try Data(contentsOf: existing) == Data("keep me".utf8))
        let replaced = try Self.restore(out, to: dest, overwrite: true)
        #expect(replaced.byteExact == 1)
        #expect(try Data(contentsOf: existing) == Data(contentsOf: Corpus.url("third-party/ffmpeg_gray.dpx")))
    }

    @Test func damagedOutputFailsAndLeavesNoFile() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (out, _) = try await ValidationFixture.compress(["third-party/ffmpeg_gray.dpx"], in: dir)
        let output = try #require(ValidationFixture.outputs(out).first)
        try ValidationFixture.flipByte(out.appendingPathComponent(output))
        let dest = dir.file("restored")
        let report = try Self.restore(out, to: dest)
        #expect(report.failed == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dest.path).isEmpty)
        let events = try Catalog(url: out.appendingPathComponent(Catalog.fileName)).events(type: "restore")
        #expect(events.last?.outcome == "failure")
    }
}
