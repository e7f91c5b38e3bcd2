import Foundation
import TestSupport
import Testing

/// `compress --size-tolerance` and `--max-iterations` reach the search, and bad values
/// are usage errors.
@Suite struct CompressSearchOptionsTests {
    /// The seals' search traces and stop reasons of an output folder, by frame file.
    static func seals(_ out: URL) throws -> [(trace: [[String: Any]], stop: String, mode: String)] {
        let frames = out.appendingPathComponent("frames")
        return try FileManager.default.contentsOfDirectory(atPath: frames.path).sorted().map { name in
            let probe = try ReelpackBinary.run(["probe", frames.appendingPathComponent(name).path, "--json"])
            let document = try JSONSerialization.jsonObject(with: probe.stdout) as? [String: Any]
            let seal = try #require(document?["seal"] as? [String: Any], "\(name)")
            return (seal["searchTrace"] as? [[String: Any]] ?? [], seal["searchStopReason"] as? String ?? "",
                    seal["mode"] as? String ?? "")
        }
    }

    @Test func toleranceAndIterationCapReachTheSearch() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let src = dir.file("scans")
        let made = try ReelpackBinary.run(["synth", "-o", src.path, "--frames", "3", "--size", "256x144", "--bits", "12",
                                           "--kind", "grain"])
        try #require(made.status == 0, "\(String(decoding: made.stderr, as: UTF8.self))")

        let loose = try ReelpackBinary.run(["compress", src.path, "-o", dir.file("loose").path, "--profile", "C1",
                                            "--codec", "htj2k", "--jobs", "1", "--size-tolerance", "0.1", "--grain-retention", "0"])
        #expect(loose.status == 0, "\(String(decoding: loose.stderr, as: UTF8.self))")
        let stops = try Self.seals(dir.file("loose")).map(\.stop)
        #expect(stops.count == 3)
        #expect(stops.contains { $0.contains("within 10 %") }, "\(stops)")
        #expect(!stops.contains { $0.contains("2 %") }, "\(stops)")

        // A tight tolerance makes some frame search longer than 3 encodes; the cap stops
        // every frame at 3 and the frame still keeps a passing file.
        func lossyCounts(_ name: String, _ extra: [String]) throws -> [(count: Int, stop: String, mode: String)] {
            let run = try ReelpackBinary.run(["compress", src.path, "-o", dir.file(name).path, "--profile", "C1",
                                              "--codec", "htj2k", "--jobs", "1", "--size-tolerance", "0.001", "--grain-retention", "0"] + extra)
            #expect(run.status == 0, "\(String(decoding: run.stderr, as: UTF8.self))")
            return try Self.seals(dir.file(name)).map { seal in
                (seal.trace.filter { ($0["lossless"] as? Bool) != true }.count, seal.stop, seal.mode)
            }
        }
        let free = try lossyCounts("tight", [])
        #expect(free.contains { $0.count > 3 }, "\(free)")
        #expect(free.contains { $0.stop.contains("within 0.1 %") }, "\(free)")
        let capped = try lossyCounts("capped", ["--max-iterations", "3"])
        #expect(capped.allSatisfy { $0.count <= 3 && $0.mode == "lossy" }, "\(capped)")
        #expect(capped.contains { $0.stop.contains("iteration cap") }, "\(capped)")
    }

    @Test(arguments: [(["--size-tolerance", "0"], "--size-tolerance"), (["--size-tolerance", "0.9"], "--size-tolerance"),
                      (["--max-iterations", "1"], "--max-iterations")])
    func badValuesAreUsageErrors(extra: [String], named: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let run = try ReelpackBinary.run(["compress", dir.url.path, "-o", dir.file("out").path, "--profile", "C1"] + extra)
        #expect(run.status == 2)
        #expect(String(decoding: run.stderr, as: UTF8.self).contains(named))
        #expect(!FileManager.default.fileExists(atPath: dir.file("out").path), "nothing written on a usage error")
    }
}
