import Codecs
import Foundation
import Formats
import ImageCore
import Metrics
import Testing
import TestSupport
@testable import Engine

/// Pipeline properties on small synthetic frames through the RAWF format and the
/// quantising codec, measured with the real metrics.
@Suite("The frame pipeline")
struct CompressionRunTests {
    /// A source folder of `count` grainy synthetic frames `reel_000N.rawf.dpx`.
    static func makeSource(_ dir: TemporaryDirectory, count: Int = 3, monochrome: Bool = false) throws -> URL {
        let src = dir.file("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        for i in 0..<count {
            let frame = try SyntheticFrame.make(width: 72, height: 56, grain: 3, monochrome: monochrome, seed: UInt64(i + 1))
            try RawFrameFile.encode(frame).write(to: src.appendingPathComponent(String(format: "reel_%04d.dpx", i + 1)))
        }
        return src
    }

    static func run(_ src: URL, _ out: URL, profile: Profile = .c1, floor: QualityFloor? = nil, resume: Bool = false,
                    codec: CodecChoice = .j2k) async throws -> CompressionRun.Result {
        let settings = CompressionSettings(profile: profile, floor: floor, codec: codec, jobs: 2, resume: resume, note: "test")
        return try await CompressionRun(sources: [src], output: out, settings: settings, services: .testDoubles,
                                        toolVersion: "test").run()
    }

    @Test("floors are met on the written bytes, measured independently", arguments: [Profile.c0, .c1, .c2])
    func floorsOnWrittenBytes(profile: Profile) async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.makeSource(dir)
        let out = dir.file("out")
        let result = try await Self.run(src, out, profile: profile)
        #expect(result.succeeded)
        #expect(result.summary.frameCount == 3)
        for report in result.frames {
            #expect(report.status == .done)
            let written = try Data(contentsOf: out.appendingPathComponent(try #require(report.output)))
            let decoded = try QuantisingCodec().decode(written)
            let source = try RawFrameFile.read(try Data(contentsOf: URL(fileURLWithPath: report.source)), name: report.source).pixels
            let m = try QualityMetrics.measure(reference: source, test: decoded.pixels)
            let floorSSIM = try #require(profile.floor.ssim), floorTile = try #require(profile.floor.tileSSIM)
            let floorPSNR = try #require(profile.floor.psnr), psnr = try #require(m.psnr)
            #expect(m.ssim >= floorSSIM)
            #expect(m.tileFloor >= floorTile)
            #expect(psnr >= floorPSNR)
            #expect(abs(m.ssim - (report.ssim ?? 0)) < 1e-12)
            let seal = try Seal.decode(try #require(decoded.seal))
            #expect(seal.decodedSHA256 == Digest.sha256(samples: decoded.pixels))
            #expect(seal.sourceSHA256 == Digest.sha256(try Data(contentsOf: URL(fileURLWithPath: report.source))))
            #expect(seal.searchTrace.count == report.iterations)
            #expect(seal.profile == profile.rawValue)
            #expect(report.mode == .lossy && report.parameter != nil)
        }
        // Manifest and summary.
        let manifest = try String(contentsOf: out.appendingPathComponent("manifest-sha256.txt"), encoding: .utf8)
        let lines = manifest.split(separator: "\n")
        #expect(lines.count == 3)
        for line in lines {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            #expect(try Digest.sha256(contentsOf: out.appendingPathComponent(String(parts[1]))) == String(parts[0]))
        }
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("summary.json").path))
        let catalog = try Catalog(url: out.appendingPathComponent("reelpack.sqlite"))
        #expect(try catalog.count("frames", where: "status = 'done'") == 3)
        #expect(try catalog.count("iterations") == result.frames.reduce(0) { $0 + $1.iterations })
        #expect(try catalog.count("events", where: "eventType = 'compression' AND outcome = 'success'") == 3)
    }

    @Test("lossless: decoded samples are the source's and the source file is rebuilt byte for byte from the seal")
    func lossless() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.makeSource(dir, count: 2)
        let out = dir.file("out")
        let result = try await Self.run(src, out, profile: .lossless)
        #expect(result.succeeded)
        for report in result.frames {
            let sourceData = try Data(contentsOf: URL(fileURLWithPath: report.source))
            let decoded = try QuantisingCodec().decode(try Data(contentsOf: out.appendingPathComponent(try #require(report.output))))
            let seal = try Seal.decode(try #require(decoded.seal))
            #expect(decoded.pixels == (try RawFrameFile.read(sourceData, name: "src")).pixels)
            #expect(try RawFrameFile.rebuild(decoded.pixels, record: try #require(seal.rebuildRecordData)) == sourceData)
            #expect(report.psnr == nil && report.identical == true)
        }
    }

    @Test("a monochrome (R = G = B) frame is stored as one channel and restored to three")
    func monochrome() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.makeSource(dir, count: 1, monochrome: true)
        let out = dir.file("out")
        let result = try await Self.run(src, out, profile: .lossless)
        let report = try #require(result.frames.first)
        #expect(report.monochromeStored)
        let decoded = try QuantisingCodec().decode(try Data(contentsOf: out.appendingPathComponent(try #require(report.output))))
        #expect(decoded.pixels.channels == 1)
        let restored = try Monochrome.expand(decoded.pixels, to: 3)
        let source = try RawFrameFile.read(try Data(contentsOf: URL(fileURLWithPath: report.source)), name: "s").pixels
        #expect(restored == source)
    }

    @Test("no lossy setting meets the floors: the frame is stored losslessly and says so")
    func fallback() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.makeSource(dir, count: 1)
        let out = dir.file("out")
        let result = try await Self.run(src, out, floor: QualityFloor(ssim: 0.99999, psnr: 99, tileSSIM: 0.9999))
        let report = try #require(result.frames.first)
        #expect(result.succeeded)
        #expect(report.fellBackToLossless && report.mode == .lossless && report.identical == true)
        #expect(result.summary.losslessFallbacks == 1)
    }

    @Test("a truncated source fails alone: the others are written and the run reports one failure")
    func failingFrameIsolated() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.makeSource(dir, count: 3)
        let victim = src.appendingPathComponent("reel_0002.dpx")
        try Data(try Data(contentsOf: victim).prefix(500)).write(to: victim)
        let out = dir.file("out")
        let result = try await Self.run(src, out)
        #expect(!result.succeeded)
        #expect(result.summary.failed == 1)
        #expect(result.frames[1].status == .failed)
        #expect(result.frames[1].error?.contains("reel_0002.dpx") == true)
        #expect(result.frames[0].status == .done && result.frames[2].status == .done)
        let catalog = try Catalog(url: out.appendingPathComponent("reelpack.sqlite"))
        #expect(try catalog.count("errors") == 1)
        #expect(try String(contentsOf: out.appendingPathComponent("manifest-sha256.txt"), encoding: .utf8)
            .split(separator: "\n").count == 2)
    }

    @Test("resume after a kill: missing, corrupt and half-written outputs are redone, intact ones kept, none twice")
    func resume() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.makeSource(dir, count: 4)
        let out = dir.file("out")
        let first = try await Self.run(src, out)
        #expect(first.succeeded)
        let frames = out.appendingPathComponent("frames")
        let names = first.frames.compactMap(\.output).map { out.appendingPathComponent($0) }
        try FileManager.default.removeItem(at: names[0])                         // lost
        try Data("garbage".utf8).write(to: names[1])                              // corrupt
        try Data("half".utf8).write(to: frames.appendingPathComponent(".reelpack-tmp-x-reel_0003.fake"))   // killed mid-write

        // Without --resume the folder is refused.
        await #expect(throws: EngineError.self) { try await Self.run(src, out) }

        let second = try await Self.run(src, out, resume: true)
        #expect(second.succeeded)
        #expect(second.frames.map(\.status) == [.done, .done, .kept, .kept])
        let listing = try FileManager.default.contentsOfDirectory(atPath: frames.path).sorted()
        #expect(listing == ["reel_0001.fake", "reel_0002.fake", "reel_0003.fake", "reel_0004.fake"])
        for report in second.frames {
            let data = try Data(contentsOf: out.appendingPathComponent(try #require(report.output)))
            #expect(Digest.sha256(data) == report.outputSHA256)
            let decoded = try QuantisingCodec().decode(data)
            #expect(try Seal.decode(try #require(decoded.seal)).decodedSHA256 == Digest.sha256(samples: decoded.pixels))
        }
        let catalog = try Catalog(url: out.appendingPathComponent("reelpack.sqlite"))
        #expect(try catalog.count("frames") == 4)
        #expect(try catalog.count("results") == 4)
        #expect(try catalog.count("runs") == 2)
        #expect(try String(contentsOf: out.appendingPathComponent("manifest-sha256.txt"), encoding: .utf8)
            .split(separator: "\n").count == 4)
    }

    @Test("resume with another profile, floor or codec is refused (the folder would mix frames made to different floors)")
    func resumeWithOtherSettingsIsRefused() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.makeSource(dir, count: 2)
        let out = dir.file("out")
        #expect(try await Self.run(src, out, profile: .c2).succeeded)
        let outputs = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("frames").path)
        for (profile, floor, codec) in [(Profile.c1, nil, CodecChoice.j2k), (.c2, Profile.c2.floor(psnr: 40), .j2k), (.c2, nil, .htj2k)] {
            do {
                _ = try await Self.run(src, out, profile: profile, floor: floor, resume: true, codec: codec)
                Issue.record("resumed with \(profile) \(String(describing: floor)) \(codec)")
            } catch let error as EngineError {
                #expect(error.kind == .usage)
                #expect("\(error)".contains("--profile C2 --codec j2k"), "\(error)")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("frames").path) == outputs)
        let same = try await Self.run(src, out, profile: .c2, resume: true)
        #expect(same.frames.map(\.status) == [.kept, .kept])
    }

    @Test("a frame redone by a resumed run starts from the kept frame before it, not cold")
    func resumedFrameStartsWarm() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.makeSource(dir, count: 4)
        let out = dir.file("out")
        let first = try await Self.run(src, out)
        try FileManager.default.removeItem(at: out.appendingPathComponent(try #require(first.frames[3].output)))
        let second = try await Self.run(src, out, resume: true)
        #expect(second.frames.map(\.status) == [.kept, .kept, .kept, .done])
        let catalog = try Catalog(url: out.appendingPathComponent(Catalog.fileName))
        let trace = try catalog.iterations(frameNamed: "reel_0004.dpx")
        // The first setting each run tried.
        let runs = Dictionary(grouping: trace, by: \.runID).sorted { $0.key < $1.key }.compactMap { $0.value.first?.iteration.parameter }
        try #require(runs.count == 2)
        let kept = try #require(first.frames[2].parameter)
        // Warm: just above the kept neighbour's setting, as the uninterrupted run's
        // frame started just above its neighbour's boundary.
        #expect(abs(log(runs[1] / kept)) < 0.1, "first setting \(runs[1]), the kept neighbour's \(kept)")
        #expect(abs(log(runs[1] / runs[0])) < 0.1, "first setting \(runs[1]), the first run's \(runs[0])")
    }

    @Test("a frame redone after kept ones sees the cut before it, as the uninterrupted run did")
    func resumedFrameSeesTheCut() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = dir.file("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        // Two shots, two frames each: tones 0.3 apart is a cut.
        for (i, shift) in [0.0, 0.0, 0.3, 0.3].enumerated() {
            let frame = try SyntheticFrame.make(width: 72, height: 56, grain: 3, seed: UInt64(i + 1), shift: shift)
            try RawFrameFile.encode(frame).write(to: src.appendingPathComponent(String(format: "reel_%04d.dpx", i + 1)))
        }
        let out = dir.file("out")
        let first = try await Self.run(src, out)
        let catalog = try Catalog(url: out.appendingPathComponent(Catalog.fileName))
        let cutFrame = "frameId = (SELECT id FROM frames WHERE name = 'reel_0003.dpx')"
        try #require(try catalog.count("features", where: "\(cutFrame) AND sceneChange > 0.25") == 1,
                     "the uninterrupted run sees the cut")
        try FileManager.default.removeItem(at: out.appendingPathComponent(try #require(first.frames[2].output)))
        let second = try await Self.run(src, out, resume: true)
        #expect(second.frames.map(\.status) == [.kept, .kept, .done, .kept])
        #expect(try catalog.count("features", where: "\(cutFrame) AND sceneChange > 0.25") == 1,
                "the resumed run compares the redone frame with the kept one before it")
    }

    @Test("an output folder that is the source folder or inside it is refused, and nothing is written there")
    func outInsideSource() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.makeSource(dir, count: 1)
        for out in [src, src.appendingPathComponent("out"), src.appendingPathComponent("./a/../out")] {
            await #expect(throws: EngineError.self) { try await Self.run(src, out) }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: src.path) == ["reel_0001.dpx"])
        // A source given as a file: its folder is protected too.
        await #expect(throws: EngineError.self) {
            try await CompressionRun(sources: [src.appendingPathComponent("reel_0001.dpx")], output: src.appendingPathComponent("o"),
                                     settings: CompressionSettings(profile: .c1), services: .testDoubles, toolVersion: "t").run()
        }
    }

    @Test("a missing source is reported as missing, not as a folder the output lies in")
    func missingSourceNamed() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let missing = dir.file("no-such-reel")
        do {
            _ = try await Self.run(missing, dir.file("out"))
            Issue.record("a missing source was accepted")
        } catch let error as EngineError {
            let text = String(describing: error)
            #expect(text.contains("no-such-reel") && !text.contains("inside"), "\(text)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("out").path))
    }

    @Test("warm start: later frames of a shot need fewer evaluations than the first")
    func warmStartAcrossFrames() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.makeSource(dir, count: 4)
        let out = dir.file("out")
        let settings = CompressionSettings(profile: .c1, codec: .j2k, jobs: 1)
        let result = try await CompressionRun(sources: [src], output: out, settings: settings, services: .testDoubles,
                                              toolVersion: "t").run()
        let its = result.frames.map(\.iterations)
        #expect(its.dropFirst().allSatisfy { $0 <= its[0] }, "\(its)")
        #expect(its.dropFirst().reduce(0, +) < its[0] * 3, "\(its)")
    }

    @Test("the run takes its frames from the work source it is given and returns each one to it, once")
    func injectedWorkSource() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.makeSource(dir, count: 4)
        let out = dir.file("out")
        let queue = RecordingWorkSource()
        let settings = CompressionSettings(profile: .c1, codec: .j2k, jobs: 2)
        let result = try await CompressionRun(sources: [src], output: out, settings: settings, services: .testDoubles,
                                              toolVersion: "t", makeWorkSource: { items in
                                                  queue.load(items)
                                                  return queue
                                              }).run()
        let handedOut = queue.handedOut, returned = queue.returned
        // Handed out last to first, yet every frame is done once and reported in sequence order.
        #expect(handedOut == ["reel_0004.dpx", "reel_0003.dpx", "reel_0002.dpx", "reel_0001.dpx"])
        #expect(returned.sorted() == handedOut.sorted())
        #expect(result.frames.map { ($0.source as NSString).lastPathComponent } == handedOut.reversed())
        #expect(result.frames.allSatisfy { $0.status == .done })
    }
}

/// A work source that hands frames out last to first and records what it handed out
/// and what came back (completed or failed).
private final class RecordingWorkSource: WorkSource, @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [WorkItem] = []
    private(set) var handedOut: [String] = []
    private(set) var returned: [String] = []

    func load(_ items: [WorkItem]) { lock.withLock { pending = items } }

    func next() async throws -> WorkItem? {
        lock.withLock {
            guard let item = pending.popLast() else { return nil }
            handedOut.append(item.name)
            return item
        }
    }

    func complete(_ item: WorkItem, report: FrameReport) async throws { lock.withLock { returned.append(item.name) } }

    func fail(_ item: WorkItem, report: FrameReport) async throws { lock.withLock { returned.append(item.name) } }
}
