import Codecs
import Formats
import Foundation
import ImageCore
import Testing
import TestSupport
@testable import Engine

/// Frames and failures that must come out as a user expects (issue 17, items 22 and
/// 26): the tiniest frames are kept losslessly and say why, scanner layouts restore
/// byte for byte through a whole run.
@Suite struct ClearErrorTests {
    /// Writes `files` (name, bytes) into `dir/src` and compresses that folder into `dir/out`.
    static func run(_ dir: TemporaryDirectory, _ files: [(String, Data)], profile: Profile) async throws -> CompressionRun.Result {
        let src = dir.file("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        for (name, data) in files { try data.write(to: src.appendingPathComponent(name)) }
        let settings = CompressionSettings(profile: profile, codec: .htj2k, jobs: 1, maxIterations: 4)
        return try await CompressionRun(sources: [src], output: dir.file("out"), settings: settings, toolVersion: "test").run()
    }

    static func noise(width: Int, height: Int, channels: Int = 3) throws -> PixelBuffer {
        var random = SeededRandom(seed: UInt64(width * 1000 + height))
        let samples = (0..<(width * height * channels)).map { _ in UInt16(random.next() % 1024) }
        return try PixelBuffer(width: width, height: height, channels: channels, bitDepth: 10, samples: samples)
    }

    @Test("22: a frame under the 11×11 SSIM window is stored losslessly by a lossy profile, says why in its seal, and restores exactly",
          arguments: [(1, 1), (10, 10), (4, 30), (30, 4)])
    func frameUnderTheSSIMWindowIsStoredLosslessly(_ size: (Int, Int)) async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let data = try DPXWriter.write(try Self.noise(width: size.0, height: size.1))
        let result = try await Self.run(dir, [("tiny_0001.dpx", data)], profile: .c1)
        #expect(result.succeeded, "\(result.frames.compactMap(\.error))")
        let frame = try #require(result.frames.first)
        #expect(frame.status != .failed && frame.mode == .lossless && frame.fellBackToLossless)
        let output = dir.file("out").appendingPathComponent(try #require(frame.output))
        let seal = try Seal.decode(try #require(try HTJ2KCodec().decode(try Data(contentsOf: output)).seal))
        #expect(seal.fellBackToLossless)
        #expect(seal.searchStopReason?.contains("smaller than the 11×11 SSIM window") == true, "\(seal.searchStopReason ?? "-")")
        let restore = try Restorer(output: dir.file("out"), destination: dir.file("dest"), threads: 1, toolVersion: "test").run()
        #expect(restore.complete && restore.byteExact == 1)
        #expect(try Data(contentsOf: dir.file("dest").appendingPathComponent("tiny_0001.dpx")) == data)
    }

    @Test("22: an 11×11 frame is still searched lossily (the window fits)")
    func frameAtTheSSIMWindowIsSearched() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let data = try DPXWriter.write(try Self.noise(width: 11, height: 11))
        let result = try await Self.run(dir, [("small_0001.dpx", data)], profile: .c2)
        let frame = try #require(result.frames.first)
        #expect(frame.status != .failed, "\(frame.error ?? "")")
        #expect(frame.iterations > 1)
    }

    @Test("24: when the run's end cannot be written, the error names the frames not processed or not recorded")
    func unwritableRunEndNamesTheFramesLeft() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = dir.file("src"), out = dir.file("out")
        _ = try SyntheticFrames.writeDPXSequence(.grain, count: 4, to: src, width: 64, height: 32, bitDepth: 10)
        // The third frame cannot be read (as on a full disk, where its catalog rows were not written either).
        var services = EngineServices.standard
        services.read = { data, name in
            if name.hasSuffix("reel_0086402.dpx") { throw EngineError(.io, file: name, "No space left on device") }
            return try ImageFile.read(data, name: name)
        }
        let settings = CompressionSettings(profile: .lossless, codec: .htj2k, jobs: 1, maxIterations: 4)
        let first = try await CompressionRun(sources: [src], output: out, settings: settings, services: services, toolVersion: "test").run()
        #expect(first.summary.failed == 1)
        // Now summary.json cannot be replaced: the run's end fails to write.
        let summary = out.appendingPathComponent("summary.json")
        try FileManager.default.removeItem(at: summary)
        try FileManager.default.createDirectory(at: summary.appendingPathComponent("blocked"), withIntermediateDirectories: true)
        var resume = settings
        resume.resume = true
        // A process another test spawns may hold the first run's lock until it execs.
        for _ in 0..<50 {
            if let lock = try? OutputLock(folder: out) { lock.release(); break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let error = try await #require(throws: EngineError.self) {
            try await CompressionRun(sources: [src], output: out, settings: resume, services: services, toolVersion: "test").run()
        }
        #expect(error.file?.hasSuffix("summary.json") == true, "\(error)")
        #expect(error.reason.contains("1 of 4 frames were not processed or not recorded (reel_0086402.dpx)"), "\(error)")
        #expect(error.reason.contains("--resume"))
    }

    @Test("23: a full disk while restoring reads as the system says it, not as a Foundation error domain and code",
          .enabled(if: FileManager.default.fileExists(atPath: "/dev/full")))
    func fullDiskDuringRestoreIsPlain() throws {
        // /dev/full fails every write with ENOSPC, as a full disk does.
        let error = try #require(throws: (any Error).self) {
            try Data(repeating: 1, count: 1 << 16).write(to: URL(fileURLWithPath: "/dev/full"))
        }
        let reason = Restorer.reason(error)
        #expect(reason == String(cString: strerror(ENOSPC)), "\(reason)")
        #expect(!reason.contains("Domain") && !reason.contains("error 6"), "\(reason)")
    }

    @Test("26: scanner luma whose samples span rows goes through compress lossless and restore byte for byte",
          arguments: [ScannerDPX.Writer.scanity, .lasergraphics, .unnamed])
    func scannerLumaRestoresByteForByte(_ writer: ScannerDPX.Writer) async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let files = try [(31, 25, DPXPacking.filledA), (4, 4, .filledB), (64, 48, .filledB)].enumerated().map { i, f in
            ("scan_000\(i).dpx", try ScannerDPX(width: f.0, height: f.1, packing: f.2, writer: writer, paddingBitsSet: true,
                                                framePadding: writer == .unnamed ? 0 : 24).file())
        }
        let result = try await Self.run(dir, files, profile: .lossless)
        #expect(result.succeeded, "\(result.frames.compactMap(\.error))")
        let restore = try Restorer(output: dir.file("out"), destination: dir.file("dest"), threads: 1, toolVersion: "test").run()
        #expect(restore.complete && restore.byteExact == files.count)
        for (name, data) in files {
            #expect(try Data(contentsOf: dir.file("dest").appendingPathComponent(name)) == data, "\(name)")
        }
    }
}
