import Foundation
import Testing
import TestSupport

@Suite("reelpack compare")
struct CompareCommandTests {
    @Test("with --archive and a missing ffmpeg: H.265 is skipped with a note, the page and tables are written")
    func archiveAndMissingFFmpeg() throws {
        let dir = try TemporaryDirectory("reelpack-cli-compare")
        defer { dir.remove() }
        let scans = dir.file("scans")
        try SyntheticFrames.writeDPXSequence(count: 2, to: scans, width: 160, height: 120, bitDepth: 10)
        let archive = dir.file("archive")
        let compress = try ReelpackBinary.run(["compress", scans.path, "-o", archive.path, "--profile", "C2", "--codec", "htj2k"])
        #expect(compress.status == 0, "\(String(decoding: compress.stderr, as: UTF8.self))")
        let out = dir.file("compare")
        let run = try ReelpackBinary.run(["compare", scans.path, "-o", out.path, "--profile", "C2", "--archive", archive.path,
                                          "--methods", "htj2k,h265", "--ffmpeg", dir.file("missing/ffmpeg").path,
                                          "--feature-frames", "1000"])
        let stderr = String(decoding: run.stderr, as: UTF8.self)
        #expect(run.status == 0, "\(stderr)")
        #expect(stderr.contains("h265 skipped: ffmpeg was not found"))
        let stdout = String(decoding: run.stdout, as: UTF8.self)
        #expect(stdout.contains("htj2k"))
        #expect(stdout.contains("skipped: h265"))
        // No compress run of its own when an archive is given.
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("reelpack").path))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("compare.json"))) as! [String: Any]
        #expect((json["methods"] as? [[String: Any]])?.map { $0["method"] as? String } == ["htj2k"])
        #expect(json["featureFrames"] as? Int == 1000)
        let html = try String(contentsOf: out.appendingPathComponent("compare.html"), encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("Table 3") && html.contains("ffmpeg was not found"))
        #expect(!html.contains("http://") || !html.contains("src=\"http"))   // nothing fetched
        let csv = try String(contentsOf: out.appendingPathComponent("compare.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("table,method,setting"))
        #expect(csv.contains("equal-size,htj2k"))
    }

    @Test("usage errors exit 2: a lossless profile, an unknown method")
    func usageErrors() throws {
        let dir = try TemporaryDirectory("reelpack-cli-compare-usage")
        defer { dir.remove() }
        let scans = dir.file("scans")
        try SyntheticFrames.writeDPXSequence(count: 1, to: scans, width: 64, height: 48, bitDepth: 10)
        let lossless = try ReelpackBinary.run(["compare", scans.path, "-o", dir.file("o1").path, "--profile", "lossless"])
        #expect(lossless.status == 2)
        let unknown = try ReelpackBinary.run(["compare", scans.path, "-o", dir.file("o2").path, "--profile", "C1", "--methods", "webp"])
        #expect(unknown.status == 2)
        #expect(String(decoding: unknown.stderr, as: UTF8.self).contains("unknown method webp"))
    }
}
