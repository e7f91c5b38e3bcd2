import Foundation
import TestSupport
import Testing

/// A run killed with SIGKILL mid-reel, then resumed: every frame ends up done
/// exactly once, and the folder verifies against its sources.
@Suite struct ResumeAfterKillTests {
    @Test func sigkillMidRunThenResumeLeavesEveryFrameDoneOnceAndVerifiable() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let src = dir.file("scans"), out = dir.file("out")
        let frameCount = 10
        let synth = try ReelpackBinary.run(["synth", "-o", src.path, "--frames", "\(frameCount)", "--size", "640x360",
                                            "--bits", "10", "--kind", "grain"])
        try #require(synth.status == 0, "\(String(decoding: synth.stderr, as: UTF8.self))")

        // One frame at a time with a search per frame, so the run is still going when killed.
        let process = Process()
        process.executableURL = ReelpackBinary.url
        process.arguments = ["compress", src.path, "-o", out.path, "--profile", "C0", "--codec", "htj2k", "--jobs", "1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let frames = out.appendingPathComponent("frames")
        func outputs() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: frames.path)) ?? []).filter { $0.hasSuffix(".jph") && !$0.hasPrefix(".") }
        }
        let deadline = Date().addingTimeInterval(120)
        while outputs().count < 2, process.isRunning, Date() < deadline { usleep(10_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let doneAtKill = outputs().count
        // The kill must have landed mid-run, or this test proves nothing.
        try #require(process.terminationReason == .uncaughtSignal, "the run ended before it could be killed")
        try #require(doneAtKill >= 1 && doneAtKill < frameCount, "\(doneAtKill) of \(frameCount) frames done at the kill")

        let resumed = try ReelpackBinary.run(["compress", src.path, "-o", out.path, "--profile", "C0", "--codec", "htj2k",
                                              "--jobs", "2", "--resume", "--json"])
        #expect(resumed.status == 0, "\(String(decoding: resumed.stderr, as: UTF8.self))")
        let document = try JSONSerialization.jsonObject(with: resumed.stdout) as? [String: Any]
        let summary = try #require(document?["summary"] as? [String: Any])
        #expect(summary["frameCount"] as? Int == frameCount)
        #expect(summary["failed"] as? Int == 0)
        #expect((summary["kept"] as? Int ?? 0) >= doneAtKill - 1)   // a frame being renamed at the kill may be redone

        // Exactly one output per source, no temporary leftovers, one manifest line each.
        let names = try FileManager.default.contentsOfDirectory(atPath: frames.path).sorted()
        #expect(names.count == frameCount, "\(names)")
        #expect(names.allSatisfy { $0.hasSuffix(".jph") })
        let manifest = try String(contentsOf: out.appendingPathComponent("manifest-sha256.txt"), encoding: .utf8)
        #expect(manifest.split(separator: "\n").count == frameCount)

        let verify = try ReelpackBinary.run(["verify", out.path, "--source", src.path])
        #expect(verify.status == 0, "\(String(decoding: verify.stdout, as: UTF8.self)) \(String(decoding: verify.stderr, as: UTF8.self))")
    }
}
