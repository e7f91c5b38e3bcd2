import Foundation
import TestSupport
import Testing

@Suite struct ProbeOutputTests {
    @Test func probeGivesFormatGeometryAndSeal() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let out = try CLIFixture.compress(dir, files: ["photos/Carrots_bw_log10.dpx"])
        let file = out.appendingPathComponent("frames/Carrots_bw_log10.jph")
        let r = try ReelpackBinary.run(["probe", file.path, "--json"])
        #expect(r.status == 0, "\(String(decoding: r.stderr, as: UTF8.self))")
        let doc = try CLIFixture.json(r.stdout)
        #expect(doc["format"] as? String == "jph")
        #expect(doc["channels"] as? Int == 1)          // stored as one channel
        #expect(doc["bitDepth"] as? Int == 10)
        #expect((doc["width"] as? Int ?? 0) > 0 && (doc["height"] as? Int ?? 0) > 0)
        let seal = try #require(doc["seal"] as? [String: Any])
        #expect(seal["sourceName"] as? String == "Carrots_bw_log10.dpx")
        #expect(seal["channels"] as? Int == 3)
        #expect(seal["monochromeStored"] as? Bool == true)
        #expect(seal["codec"] as? String == "htj2k")

        let text = String(decoding: try ReelpackBinary.run(["probe", file.path]).stdout, as: UTF8.self)
        for word in ["profile", "lossless", "htj2k", "achieved", "identical to the source", "Carrots_bw_log10.dpx", "sourceSHA256"] {
            #expect(text.contains(word), "\(word) missing from:\n\(text)")
        }
        // Source probing still works.
        let dpx = try ReelpackBinary.run(["probe", Corpus.url("photos/Carrots_bw_log10.dpx").path, "--json"])
        #expect(try CLIFixture.json(dpx.stdout)["format"] as? String == "dpx")
        #expect(try CLIFixture.json(dpx.stdout)["seal"] == nil)
    }
}
