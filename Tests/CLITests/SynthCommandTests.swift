import Foundation
import Formats
import ImageCore
import TestSupport
import Testing

/// Runs `reelpack synth` into a fresh folder and hands the folder to `body`.
private func synth(_ arguments: [String], _ body: (TemporaryDirectory, Int32, String, String) throws -> Void) throws {
    let dir = try TemporaryDirectory("synth-cli")
    defer { dir.remove() }
    let result = try ReelpackBinary.run(["synth", "-o", dir.url.path] + arguments)
    try body(dir, result.status, String(decoding: result.stdout, as: UTF8.self),
             String(decoding: result.stderr, as: UTF8.self))
}

@Suite struct SynthCommandTests {
    @Test func writesNumberedFramesWithProgressOnStderr() throws {
        try synth(["--frames", "3", "--size", "128x72", "--start", "86400"]) { dir, status, stdout, stderr in
            #expect(status == 0, "\(stderr)")
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).sorted()
            #expect(names == ["reel_0086400.dpx", "reel_0086401.dpx", "reel_0086402.dpx"])
            #expect(stdout.isEmpty)
            #expect(stderr.contains("3/3 frames") && stderr.contains("wrote 3 frames"))
        }
    }

    @Test(arguments: [10, 12, 16])
    func framesReadBackAsTheSynthesizedSamplesWithTheirHeaderFields(bits: Int) throws {
        try synth(["--frames", "2", "--size", "96x54", "--bits", "\(bits)", "--kind", "action", "--start", "86423",
                   "--name", "shot", "--seed", "5"]) { dir, status, _, stderr in
            #expect(status == 0, "\(stderr)")
            let synthesizer = try FilmSynthesizer(width: 96, height: 54, bitDepth: bits, kind: .action, seed: 5)
            for (index, timecode) in [(0, "01:00:00:23"), (1, "01:00:01:00")] {
                let url = dir.file(String(format: "shot_%07d.dpx", 86423 + index))
                let frame = try ImageFile.read(contentsOf: url)
                #expect(frame.format == .dpx)
                #expect(frame.pixels == synthesizer.frame(index))
                #expect(frame.metadata.timecode == timecode)
                #expect(frame.metadata.frameRate == 24)
                #expect(frame.metadata.framePosition == index + 1 && frame.metadata.sequenceLength == 2)
                #expect(frame.metadata.creator == "Reelpack synth")
                #expect(frame.metadata.transfer == (bits == 10 ? "printing density" : "linear"))
            }
        }
    }

    /// ffmpeg, an independent DPX reader, decodes the same codes.
    @Test func ffmpegDecodesTheSameSamples() throws {
        try synth(["--frames", "1", "--size", "80x40", "--kind", "bw", "--seed", "3"]) { dir, status, _, stderr in
            #expect(status == 0, "\(stderr)")
            let raw = try ExternalTool.run(["ffmpeg", "-v", "error", "-i", dir.file("reel_0086400.dpx").path,
                                            "-f", "rawvideo", "-pix_fmt", "gbrp10le", "-"])
            let expected = try FilmSynthesizer(width: 80, height: 40, bitDepth: 10, kind: .bw, seed: 3).frame(0)
            let plane = 80 * 40
            #expect(raw.count == plane * 3 * 2)
            let codes = raw.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }.map { UInt16(littleEndian: $0) }
            // gbrp planes are G, B, R, each holding the 10-bit codes as they are.
            for (ffPlane, channel) in [(0, 1), (1, 2), (2, 0)] {
                let ours = Array(expected.samples[expected.planeRange(channel)])
                #expect(Array(codes[ffPlane * plane ..< (ffPlane + 1) * plane]) == ours)
            }
        }
    }

    @Test func jsonSummaryNamesTheFiles() throws {
        try synth(["--frames", "2", "--size", "64x32", "--start", "7", "--json"]) { _, status, stdout, _ in
            #expect(status == 0)
            let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
            #expect(object?["files"] as? [String] == ["reel_0000007.dpx", "reel_0000008.dpx"])
            #expect(object?["pattern"] as? String == "reel_%07d.dpx")
            #expect(object?["grainSigma"] as? Double == 6)
        }
    }

    @Test(arguments: [
        (["--size", "2048"], "WIDTHxHEIGHT"),
        (["--size", "10x10"], "each side must be from 64×32"),
        (["--bits", "9"], "choose 10, 12 or 16"),
        (["--kind", "sepia"], "choose grain"),
        (["--frames", "0"], "from 1 to"),
        (["--start", "9999999", "--frames", "2"], "7-digit"),
        (["--name", "a/b"], "plain file name"),
        (["--grain", "-1"], "--grain"),
    ])
    func badOptionsAreUsageErrorsThatTeach(arguments: [String], teaching: String) throws {
        try synth(arguments) { dir, status, _, stderr in
            #expect(status == 2)
            #expect(stderr.contains(teaching), "\(stderr)")
            let written = try FileManager.default.contentsOfDirectory(atPath: dir.url.path)
            #expect(written.isEmpty)
        }
    }

    @Test func existingFramesAreNotOverwrittenUnlessAsked() throws {
        try synth(["--frames", "1", "--size", "64x32"]) { dir, status, _, _ in
            #expect(status == 0)
            let again = try ReelpackBinary.run(["synth", "-o", dir.url.path, "--frames", "1", "--size", "64x32"])
            #expect(again.status == 2)
            #expect(String(decoding: again.stderr, as: UTF8.self).contains("--overwrite"))
            let forced = try ReelpackBinary.run(["synth", "-o", dir.url.path, "--frames", "1", "--size", "64x32",
                                                 "--overwrite"])
            #expect(forced.status == 0)
        }
    }

    /// The written reel is what the sequence scanner expects of a clean sequence.
    @Test func theReelScansAsOneCompleteSequence() throws {
        try synth(["--frames", "4", "--size", "64x32", "--bits", "12"]) { dir, status, _, _ in
            #expect(status == 0)
            let scan = try SequenceScanner.scan(dir.url)
            #expect(scan.sequences.map(\.pattern) == ["reel_%07d.dpx"])
            #expect(scan.sequences.first?.geometries.map(\.geometry) ==
                    [FrameGeometry(width: 64, height: 32, bitDepth: 12, channels: 3)])
            #expect(scan.warnings.isEmpty)
        }
    }
}

@Suite struct TitlesReelCLITests {
    @Test("synth --kind titles: analyze reads title cards, subtitles and plain shots in turn (human and --json)")
    func analyzeReadsTheTitlesReel() throws {
        try synth(["--frames", "24", "--size", "480x270", "--kind", "titles", "--seed", "4"]) { dir, status, _, stderr in
            #expect(status == 0, "\(stderr)")
            let run = try ReelpackBinary.run(["analyze", dir.url.path, "--json"])
            #expect(run.status == 0, "\(String(decoding: run.stderr, as: UTF8.self))")
            let json = try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any]
            let frames = try #require(json?["frames"] as? [[String: Any]])
            #expect(frames.count == 24)
            let types = frames.map { $0["contentType"] as? String ?? "missing" }
            let expected = Array(repeating: "colour+title", count: 8) + Array(repeating: "colour+subtitles", count: 8)
                + Array(repeating: "colour", count: 8)
            #expect(types == expected)
            #expect(frames[0]["textKind"] as? String == "title")
            #expect(frames[8]["textKind"] as? String == "subtitles")
            #expect(frames[16]["textKind"] == nil && frames[16]["textScore"] is Double)
            #expect(frames.allSatisfy { $0["monochrome"] as? Bool == false })

            let human = try ReelpackBinary.run(["analyze", dir.url.appendingPathComponent("reel_0086400.dpx").path])
            let text = String(decoding: human.stdout, as: UTF8.self)
            #expect(human.status == 0 && text.contains("content colour+title (text score"), "\(text)")
        }
    }
}
