import Foundation
import TestSupport
import Testing

/// The summary `compress` prints says how much of the film's grain the outputs kept,
/// and how to keep more when no floor was set.
@Suite struct CompressSummaryTests {
    @Test func grainRetentionIsSummarisedWithAHintWhenNoFloorIsSet() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let src = dir.file("scans")
        let made = try ReelpackBinary.run(["synth", "-o", src.path, "--frames", "2", "--size", "192x108", "--bits", "12",
                                           "--kind", "grain"])
        try #require(made.status == 0, "\(String(decoding: made.stderr, as: UTF8.self))")

        // C2 with its grain floor turned off wipes most of the grain: the summary says so.
        let loose = try ReelpackBinary.run(["compress", src.path, "-o", dir.file("loose").path, "--profile", "C2",
                                            "--codec", "htj2k", "--jobs", "1", "--grain-retention", "0"])
        #expect(loose.status == 0, "\(String(decoding: loose.stderr, as: UTF8.self))")
        let text = String(decoding: loose.stdout, as: UTF8.self)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("grain") }, "\(text)")
        #expect(line.contains("retention min") && line.contains("--grain-retention 0.7"), "\(line)")
        let summary = try Self.summary(dir.file("loose"))
        let low = try #require(summary["grainRetentionMin"] as? Double)
        #expect(low < 0.5)

        // With a floor, every frame keeps at least that much and the line names the floor.
        let kept = try ReelpackBinary.run(["compress", src.path, "-o", dir.file("kept").path, "--profile", "C2",
                                           "--codec", "htj2k", "--jobs", "1", "--grain-retention", "0.7"])
        #expect(kept.status == 0, "\(String(decoding: kept.stderr, as: UTF8.self))")
        let keptText = String(decoding: kept.stdout, as: UTF8.self)
        #expect(keptText.contains("(floor 0.70)") && !keptText.contains("grain floor off"), "\(keptText)")
        let keptMin = try #require(try Self.summary(dir.file("kept"))["grainRetentionMin"] as? Double)
        #expect(keptMin >= 0.7)
    }

    @Test func losslessRunKeepsAllOfTheGrain() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let src = dir.file("scans")
        let made = try ReelpackBinary.run(["synth", "-o", src.path, "--frames", "1", "--size", "96x54"])
        try #require(made.status == 0)
        let run = try ReelpackBinary.run(["compress", src.path, "-o", dir.file("out").path, "--profile", "lossless",
                                          "--codec", "htj2k"])
        #expect(run.status == 0)
        #expect(String(decoding: run.stdout, as: UTF8.self).contains("grain       retention min 1.000   mean 1.000\n"))
    }

    /// OUT/summary.json's `summary` object.
    static func summary(_ out: URL) throws -> [String: Any] {
        let document = try JSONSerialization.jsonObject(with: try Data(contentsOf: out.appendingPathComponent("summary.json")))
        return try #require((document as? [String: Any])?["summary"] as? [String: Any])
    }
}
