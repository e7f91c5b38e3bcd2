import Codecs
import Foundation
import Formats
import ImageCore
import Metrics
import Testing
import TestSupport
@testable import Engine

/// The pipeline with the real codecs: floors hold on the files written, measured
/// independently after decoding them with the codec, and lossless is exact.
@Suite("The frame pipeline with real codecs")
struct RealCodecRunTests {
    static func source(_ dir: TemporaryDirectory, count: Int = 2, monochrome: Bool = false) throws -> URL {
        let src = dir.file("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        for i in 0..<count {
            let frame = try SyntheticFrame.make(width: 96, height: 72, bitDepth: 10, grain: 4, monochrome: monochrome, seed: UInt64(i + 7))
            try RawFrameFile.encode(frame).write(to: src.appendingPathComponent(String(format: "shot_%04d.dpx", i + 1)))
        }
        return src
    }

    @Test("lossy floors hold on the written file", arguments: [(CodecChoice.j2k, Profile.c1), (.htj2k, .c1), (.j2k, .c0), (.htj2k, .c2), (.jxl, .c1)])
    func lossy(choice: CodecChoice, profile: Profile) async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.source(dir, count: 1)
        let out = dir.file("out")
        let settings = CompressionSettings(profile: profile, codec: choice, jobs: 2)
        let result = try await CompressionRun(sources: [src], output: out, settings: settings,
                                              services: .rawFilesRealCodecs, toolVersion: "test").run()
        #expect(result.succeeded, "\(result.frames.compactMap(\.error))")
        let codec = try EngineServices.standard.codec(try #require(choice.codecID), 1)
        for report in result.frames {
            let file = try Data(contentsOf: out.appendingPathComponent(try #require(report.output)))
            let decoded = try codec.decode(file)
            let source = try RawFrameFile.read(try Data(contentsOf: URL(fileURLWithPath: report.source)), name: "s").pixels
            let m = try QualityMetrics.measure(reference: source, test: decoded.pixels)
            #expect(profile.floor.passes(QualityMeasurement(report: m)), "\(m)")
            #expect(report.outputBytes ?? .max < report.sourceBytes ?? 0)
            let seal = try Seal.decode(try #require(decoded.seal))
            #expect(seal.codec == choice.rawValue)
            #expect(seal.decodedSHA256 == Digest.sha256(samples: decoded.pixels))
        }
    }

    @Test("auto decides per shot: both codecs on the first frame of each shot, one for the frames after it")
    func autoPerShot() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = dir.file("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        // Two shots of two frames: a mid-grey scene, then a much brighter one (a cut).
        for i in 0..<4 {
            let frame = try SyntheticFrame.make(width: 96, height: 72, bitDepth: 10, grain: 4, seed: UInt64(i + 11),
                                                shift: i < 2 ? 0 : 0.3)
            try RawFrameFile.encode(frame).write(to: src.appendingPathComponent(String(format: "shot_%04d.dpx", i + 1)))
        }
        let out = dir.file("out")
        let result = try await CompressionRun(sources: [src], output: out, settings: CompressionSettings(profile: .c1, codec: .auto, jobs: 1),
                                              services: .rawFilesRealCodecs, toolVersion: "test").run()
        #expect(result.succeeded, "\(result.frames.compactMap(\.error))")
        let catalog = try Catalog(url: out.appendingPathComponent(Catalog.fileName))
        var codecsTried: [Int] = []
        for i in 1...4 {
            let frame = "(SELECT id FROM frames WHERE name = 'shot_000\(i).dpx')"
            let j2k = try catalog.count("iterations", where: "codec = 'j2k' AND frameId = \(frame)")
            let ht = try catalog.count("iterations", where: "codec = 'htj2k' AND frameId = \(frame)")
            codecsTried.append((j2k > 0 ? 1 : 0) + (ht > 0 ? 1 : 0))
        }
        #expect(codecsTried == [2, 1, 2, 1])
    }

    @Test("a cut back to an earlier shot keeps that shot's codec and starts from its boundary")
    func returnToEarlierShot() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = dir.file("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        // Shot A, shot B (much brighter), shot A again: A A B B A.
        for (i, shift) in [0, 0, 0.3, 0.3, 0].enumerated() {
            let frame = try SyntheticFrame.make(width: 96, height: 72, bitDepth: 10, grain: 4, seed: UInt64(i + 11), shift: shift)
            try RawFrameFile.encode(frame).write(to: src.appendingPathComponent(String(format: "shot_%04d.dpx", i + 1)))
        }
        let out = dir.file("out")
        let result = try await CompressionRun(sources: [src], output: out, settings: CompressionSettings(profile: .c1, codec: .auto, jobs: 1),
                                              services: .rawFilesRealCodecs, toolVersion: "test").run()
        #expect(result.succeeded, "\(result.frames.compactMap(\.error))")
        let catalog = try Catalog(url: out.appendingPathComponent(Catalog.fileName))
        let cuts = try (1...5).map {
            try catalog.count("features", where: "json LIKE '%\"isSceneCut\":true%' AND frameId = (SELECT id FROM frames WHERE name = 'shot_000\($0).dpx')")
        }
        #expect(cuts == [0, 0, 1, 0, 1])
        var codecsTried: [Int] = [], encodes: [Int] = []
        for i in 1...5 {
            let frame = "(SELECT id FROM frames WHERE name = 'shot_000\(i).dpx')"
            let j2k = try catalog.count("iterations", where: "codec = 'j2k' AND frameId = \(frame)")
            let ht = try catalog.count("iterations", where: "codec = 'htj2k' AND frameId = \(frame)")
            codecsTried.append((j2k > 0 ? 1 : 0) + (ht > 0 ? 1 : 0))
            encodes.append(j2k + ht)
        }
        #expect(codecsTried == [2, 1, 2, 1, 1], "the return to shot A tries one codec")
        #expect(encodes[4] <= 2, "the return starts at shot A's boundary: \(encodes)")
    }

    @Test("lossless is exact and the source is rebuilt from the seal", arguments: [CodecChoice.j2k, .htj2k, .auto])
    func lossless(choice: CodecChoice) async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.source(dir, count: 1)
        let out = dir.file("out")
        let result = try await CompressionRun(sources: [src], output: out, settings: CompressionSettings(profile: .lossless, codec: choice),
                                              services: .rawFilesRealCodecs, toolVersion: "test").run()
        #expect(result.succeeded, "\(result.frames.compactMap(\.error))")
        let report = try #require(result.frames.first)
        let codecName = try #require(report.codec)
        let codec = try CodecRegistry.codec(try #require(CodecID(rawValue: codecName)))
        let decoded = try codec.decode(try Data(contentsOf: out.appendingPathComponent(try #require(report.output))))
        let sourceData = try Data(contentsOf: URL(fileURLWithPath: report.source))
        let seal = try Seal.decode(try #require(decoded.seal))
        #expect(try RawFrameFile.rebuild(decoded.pixels, record: try #require(seal.rebuildRecordData)) == sourceData)
    }

    @Test("a monochrome frame is stored as one channel by a real codec and decodes to its plane")
    func monochrome() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.source(dir, count: 1, monochrome: true)
        let out = dir.file("out")
        let result = try await CompressionRun(sources: [src], output: out, settings: CompressionSettings(profile: .c1, codec: .htj2k),
                                              services: .rawFilesRealCodecs, toolVersion: "test").run()
        let report = try #require(result.frames.first)
        #expect(report.monochromeStored && report.status == .done)
        let decoded = try CodecRegistry.codec(.htj2k).decode(try Data(contentsOf: out.appendingPathComponent(try #require(report.output))))
        #expect(decoded.pixels.channels == 1)
        let source = try RawFrameFile.read(try Data(contentsOf: URL(fileURLWithPath: report.source)), name: "s").pixels
        let m = try QualityMetrics.measure(reference: source, test: try FrameProcessor.expand(decoded.pixels, to: 3))
        #expect(Profile.c1.floor.passes(QualityMeasurement(report: m)))
    }
}

@Suite("Grain retention as a floor")
struct GrainRetentionTests {
    @Test("with a grain-retention floor the kept file keeps the grain, and costs more bytes than without")
    func grainFloor() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try RealCodecRunTests.source(dir, count: 1)
        func run(_ floor: QualityFloor, _ name: String) async throws -> FrameReport {
            let result = try await CompressionRun(sources: [src], output: dir.file(name),
                                                  settings: CompressionSettings(profile: .c2, floor: floor, codec: .htj2k),
                                                  services: .rawFilesRealCodecs, toolVersion: "test").run()
            return try #require(result.frames.first)
        }
        let plain = try await run(Profile.c2.floor, "plain")
        let kept = try await run(Profile.c2.floor(grainRetention: 0.9), "grain")
        #expect(try #require(kept.grainRetention) >= 0.9)
        #expect(try #require(plain.grainRetention) < 0.9, "C2 alone smooths the grain away")
        #expect(try #require(kept.outputBytes) > (try #require(plain.outputBytes)))
    }
}
