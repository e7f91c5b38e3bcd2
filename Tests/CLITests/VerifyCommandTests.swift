import Foundation
import TestSupport
import Testing

/// Makes an output folder with the CLI, for the verify/restore/probe command tests.
enum CLIFixture {
    static let files = ["third-party/ffmpeg_gray.dpx", "third-party/oiio_luma10.dpx"]

    /// `reelpack compress` of `files` (lossless HTJ2K unless told) into `dir/out`.
    static func compress(_ dir: TemporaryDirectory, files: [String] = files, extra: [String] = []) throws -> URL {
        let out = dir.file("out")
        let r = try ReelpackBinary.run(["compress"] + files.map { Corpus.url($0).path }
                                       + ["-o", out.path, "--profile", "lossless", "--codec", "htj2k", "--jobs", "2"] + extra)
        #expect(r.status == 0, "\(String(decoding: r.stderr, as: UTF8.self))")
        return out
    }

    static func json(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}

@Suite struct VerifyCommandTests {
    @Test func intactOutputExitsZeroWithTheJSONKeys() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let out = try CLIFixture.compress(dir)
        // The sources of the run, exactly: every source frame must be in the archive once.
        let src = dir.file("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        for file in CLIFixture.files {
            try FileManager.default.copyItem(at: Corpus.url(file), to: src.appendingPathComponent((file as NSString).lastPathComponent))
        }
        let r = try ReelpackBinary.run(["verify", out.path, "--source", src.path, "--json"])
        #expect(r.status == 0, "\(String(decoding: r.stderr, as: UTF8.self))")
        let doc = try CLIFixture.json(r.stdout)
        let summary = try #require(doc["summary"] as? [String: Any])
        #expect(summary["frameCount"] as? Int == 2)
        #expect(summary["failed"] as? Int == 0)
        #expect((summary["missing"] as? [String])?.isEmpty == true)
        #expect((summary["extra"] as? [String])?.isEmpty == true)
        let frames = try #require(doc["frames"] as? [[String: Any]])
        #expect(frames.count == 2)
        // DESIGN.md §5's keys for compress and verify, with the sizes on disk and in the seal.
        let sources = try CLIFixture.files.map { try Data(contentsOf: Corpus.url($0)).count }
        let outputs = try frames.map { try Data(contentsOf: out.appendingPathComponent(try #require($0["output"] as? String))).count }
        #expect(summary["sourceBytes"] as? Int == sources.reduce(0, +))
        #expect(summary["outputBytes"] as? Int == outputs.reduce(0, +))
        #expect(abs((summary["ratio"] as? Double ?? 0) - Double(sources.reduce(0, +)) / Double(outputs.reduce(0, +))) < 1e-9)
        #expect(Set(frames.compactMap { $0["sourceBytes"] as? Int }) == Set(sources))
        #expect(frames.map { $0["outputBytes"] as? Int } == outputs)
        for frame in frames {
            #expect(Set(frame.keys).isSuperset(of: ["output", "source", "status", "problems", "ssim", "tileFloor", "psnr", "identical",
                                                    "sourceBytes", "outputBytes", "iterations"]))
            #expect(frame["iterations"] as? Int == 1)   // lossless: one encode
            #expect(frame["status"] as? String == "ok")
            #expect(frame["identical"] as? Bool == true)
            #expect(frame["psnr"] is NSNull)
        }
        let text = try ReelpackBinary.run(["verify", out.path])
        #expect(text.status == 0)
        #expect(String(decoding: text.stdout, as: UTF8.self).contains("PASSED"))
    }

    @Test func damagedOutputExitsOneNamingIt() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let out = try CLIFixture.compress(dir)
        let victim = out.appendingPathComponent("frames/oiio_luma10.jph")
        var data = try Data(contentsOf: victim)
        data[data.count / 2] ^= 0xFF
        try data.write(to: victim)
        try FileManager.default.removeItem(at: out.appendingPathComponent("frames/ffmpeg_gray.jph"))
        let r = try ReelpackBinary.run(["verify", out.path, "--json"])
        #expect(r.status == 1)
        let stderr = String(decoding: r.stderr, as: UTF8.self)
        #expect(stderr.contains("FAILED frames/oiio_luma10.jph: fixity"), "\(stderr)")
        #expect(stderr.contains("FAILED frames/ffmpeg_gray.jph: missing"), "\(stderr)")
        let summary = try #require(try CLIFixture.json(r.stdout)["summary"] as? [String: Any])
        #expect(summary["failed"] as? Int == 2)
        #expect(summary["missing"] as? [String] == ["frames/ffmpeg_gray.jph"])
    }

    @Test func notAnOutputFolderIsAUsageError() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let r = try ReelpackBinary.run(["verify", dir.file("nothing").path])
        #expect(r.status == 2)
        #expect(String(decoding: r.stderr, as: UTF8.self).contains("not a Reelpack output folder"))
    }
}
