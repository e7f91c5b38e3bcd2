import Foundation
import TestSupport
import Testing

@Suite struct ReportCommandTests {
    @Test func reportOfARealRunMatchesWhatCompressWrote() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let src = dir.file("scans")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        for name in ["photos/Carrots_log10.dpx", "photos/Carrots_bw_log10.dpx"] {
            try FileManager.default.copyItem(at: Corpus.url(name), to: src.appendingPathComponent((name as NSString).lastPathComponent))
        }
        let out = dir.file("out")
        let compress = try ReelpackBinary.run(["compress", src.path, "-o", out.path, "--profile", "C2", "--codec", "htj2k"])
        try #require(compress.status == 0, "\(String(decoding: compress.stderr, as: UTF8.self))")
        // compress ends with the report, as the data flow says.
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("frames.csv").path))
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any]

        let report = try ReelpackBinary.run(["report", out.path])
        #expect(report.status == 0, "\(String(decoding: report.stderr, as: UTF8.self))")

        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("Carrots_log10.dpx") && html.contains("Carrots_bw_log10.dpx"))
        // 2 worst frames × 5 previews: source, output, error heat map, grain kept, banding.
        #expect(html.components(separatedBy: "data:image/png;base64,").count - 1 == 10)
        #expect(html.contains("floor 0.9000"))                                            // the C2 SSIM floor is drawn
        let csv = try String(contentsOf: out.appendingPathComponent("frames.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 3)

        // summary.json keeps the schema and the figures compress wrote.
        let regenerated = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any]
        #expect(Set(written?.keys ?? [:].keys) == Set(regenerated?.keys ?? [:].keys), "top-level keys differ")
        let before = try #require(written?["summary"] as? [String: Any])
        let after = try #require(regenerated?["summary"] as? [String: Any])
        #expect(Set(before.keys) == Set(after.keys))
        for key in ["frameCount", "failed", "sourceBytes", "outputBytes", "ratio", "ssimMin", "iterations"] {
            #expect("\(before[key] ?? "nil")" == "\(after[key] ?? "nil")", "summary.\(key) differs")
        }
    }

    @Test func aFolderWithoutACatalogIsAClearError() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let result = try ReelpackBinary.run(["report", dir.url.path])
        #expect(result.status == 1)
        let message = String(decoding: result.stderr, as: UTF8.self)
        #expect(message.contains("not a reelpack output folder") && message.contains(dir.url.lastPathComponent))
        #expect(!FileManager.default.fileExists(atPath: dir.file("report.html").path))
    }
}
