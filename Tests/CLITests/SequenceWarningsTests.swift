import Foundation
import TestSupport
import Testing

/// A reel with a missing frame and a frame of another size: both are reported by
/// `compress` (stderr and --json), and every frame present is still compressed.
@Suite struct SequenceWarningsTests {
    @Test func gapsAndMixedSizesAreReportedNotSkipped() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let src = dir.file("scans")
        for (start, size) in [(86400, "320x180"), (86404, "256x144")] {
            let made = try ReelpackBinary.run(["synth", "-o", src.path, "--frames", start == 86400 ? "4" : "1",
                                               "--start", "\(start)", "--size", size, "--bits", "10", "--overwrite"])
            try #require(made.status == 0, "\(String(decoding: made.stderr, as: UTF8.self))")
        }
        try FileManager.default.removeItem(at: src.appendingPathComponent("reel_0086402.dpx"))

        let run = try ReelpackBinary.run(["compress", src.path, "-o", dir.file("out").path, "--profile", "lossless",
                                          "--codec", "htj2k", "--json"])
        #expect(run.status == 0, "\(String(decoding: run.stderr, as: UTF8.self))")
        let stderr = String(decoding: run.stderr, as: UTF8.self)
        #expect(stderr.contains("warning:") && stderr.contains("86402"), "the gap is not reported: \(stderr)")
        let document = try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any]
        let warnings = try #require(document?["warnings"] as? [String])
        #expect(warnings.contains { $0.contains("86402") })
        #expect(warnings.contains { $0.contains("256") && $0.contains("320") }, "mixed sizes not reported: \(warnings)")
        let summary = try #require(document?["summary"] as? [String: Any])
        #expect(summary["frameCount"] as? Int == 4)
        #expect(summary["failed"] as? Int == 0)
    }
}
