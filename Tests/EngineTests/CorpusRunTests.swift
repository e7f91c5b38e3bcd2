import Codecs
import Foundation
import Formats
import ImageCore
import Metrics
import Testing
import TestSupport
@testable import Engine

/// The pipeline on real frames written by other software (the shared corpus), with
/// the real reader, codecs and metrics.
@Suite("Compressing corpus frames")
struct CorpusRunTests {
    /// A source folder holding copies of corpus files (never write beside the corpus).
    static func source(_ dir: TemporaryDirectory, _ files: [String]) throws -> URL {
        let src = dir.file("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        for f in files {
            try FileManager.default.copyItem(at: Corpus.url(f), to: src.appendingPathComponent((f as NSString).lastPathComponent))
        }
        return src
    }

    @Test("lossless: a real DPX decodes to its samples and is rebuilt byte for byte from the seal alone",
          arguments: [CodecChoice.j2k, .htj2k])
    func losslessDPX(choice: CodecChoice) async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.source(dir, ["photos/Carrots_log10.dpx"])
        let out = dir.file("out")
        let result = try await CompressionRun(sources: [src], output: out,
                                              settings: CompressionSettings(profile: .lossless, codec: choice),
                                              toolVersion: "test").run()
        #expect(result.succeeded, "\(result.frames.compactMap(\.error))")
        let report = try #require(result.frames.first)
        let file = try Data(contentsOf: out.appendingPathComponent(try #require(report.output)))
        let decoded = try EngineServices.standard.codec(try #require(choice.codecID), 1).decode(file)
        let seal = try Seal.decode(try #require(decoded.seal))
        let original = try Data(contentsOf: Corpus.url("photos/Carrots_log10.dpx"))
        #expect(seal.rebuildIsExact)
        #expect(try ImageFile.rebuild(pixels: decoded.pixels, record: try #require(seal.rebuildRecordData)) == original)
        #expect(seal.sourceSHA256 == Digest.sha256(original))
        #expect((report.ratio ?? 0) > 1)
    }

    @Test("C1 on a black-and-white scan: stored as one channel, floors met on the written file")
    func lossyMonochromeDPX() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.source(dir, ["photos/Carrots_bw_log10.dpx"])
        let out = dir.file("out")
        let result = try await CompressionRun(sources: [src], output: out,
                                              settings: CompressionSettings(profile: .c1, codec: .htj2k),
                                              toolVersion: "test").run()
        #expect(result.succeeded, "\(result.frames.compactMap(\.error))")
        let report = try #require(result.frames.first)
        #expect(report.monochromeStored)
        let decoded = try HTJ2KCodec().decode(try Data(contentsOf: out.appendingPathComponent(try #require(report.output))))
        let source = try ImageFile.read(contentsOf: Corpus.url("photos/Carrots_bw_log10.dpx")).pixels
        let restored = try Monochrome.expand(decoded.pixels, to: 3)
        let m = try QualityMetrics.measure(reference: source, test: restored)
        #expect(Profile.c1.floor.passes(QualityMeasurement(report: m)), "\(m)")
        #expect((report.ratio ?? 0) > 4)
    }

    @Test("a truncated DPX among good frames: the others are written, the CLI exits 1 and reports one failure")
    func truncatedDPXThroughCLI() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.source(dir, ["third-party/ffmpeg_gbrp10le.dpx", "third-party/ffmpeg_gray.dpx"])
        let good = try Data(contentsOf: src.appendingPathComponent("ffmpeg_gbrp10le.dpx"))
        try good.prefix(good.count / 2).write(to: src.appendingPathComponent("broken.dpx"))
        let out = dir.file("out")
        let run = try ReelpackBinary.run(["compress", src.path, "-o", out.path, "--profile", "lossless", "--codec", "htj2k", "--json"])
        #expect(run.status == 1, "\(String(decoding: run.stderr, as: UTF8.self))")
        let json = try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any]
        let summary = try #require(json?["summary"] as? [String: Any])
        #expect(summary["frameCount"] as? Int == 3)
        #expect(summary["failed"] as? Int == 1)
        for key in ["sourceBytes", "outputBytes", "ratio"] { #expect(summary[key] != nil, "summary.\(key)") }
        let frames = try #require(json?["frames"] as? [[String: Any]])
        for key in ["source", "output", "sourceBytes", "outputBytes", "ssim", "tileFloor", "psnr", "iterations", "status"] {
            #expect(frames.allSatisfy { $0.keys.contains(key) }, "frames[].\(key)")
        }
        let broken = try #require(frames.first { ($0["source"] as? String)?.hasSuffix("broken.dpx") == true })
        #expect(broken["status"] as? String == "failed")
        #expect(frames.filter { $0["status"] as? String == "done" }.count == 2)
        #expect(frames.first { $0["status"] as? String == "done" }?["psnr"] is NSNull)   // identical: null
        #expect(String(decoding: run.stderr, as: UTF8.self).contains("broken.dpx"))
    }

    @Test("analyze --json: the clean CG sequence reads about zero noise, a real scan more")
    func analyzeCLI() throws {
        let run = try ReelpackBinary.run(["analyze", Corpus.url("sequence/beachball_0001.dpx").path,
                                          Corpus.url("photos/Carrots_log10.dpx").path, "--json"])
        #expect(run.status == 0, "\(String(decoding: run.stderr, as: UTF8.self))")
        let json = try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any]
        let frames = try #require(json?["frames"] as? [[String: Any]])
        #expect(frames.count == 2)
        for key in ["source", "bitDepth", "bitsUsed", "monochrome", "noiseSigma"] {
            #expect(frames.allSatisfy { $0[key] != nil }, "frames[].\(key)")
        }
        // Frames come in working order (sequences by folder and number), so find them by source.
        func frame(_ name: String) throws -> [String: Any] {
            try #require(frames.first { ($0["source"] as? String)?.hasSuffix(name) == true }, "\(name) missing")
        }
        let cgFrame = try frame("beachball_0001.dpx"), scanFrame = try frame("Carrots_log10.dpx")
        let cg = try #require(cgFrame["noiseSigma"] as? Double), scan = try #require(scanFrame["noiseSigma"] as? Double)
        #expect(cg < 0.2)
        #expect(scan > cg)
        #expect(cgFrame["bitDepth"] as? Int == 10)
    }

    @Test("OUT inside SRC is a usage error and nothing is written into the source folder")
    func outInsideSourceCLI() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.source(dir, ["third-party/ffmpeg_gray.dpx"])
        let run = try ReelpackBinary.run(["compress", src.path, "-o", src.appendingPathComponent("out").path, "--profile", "C1"])
        #expect(run.status != 0 && run.status != 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: src.path) == ["ffmpeg_gray.dpx"])
    }
}
