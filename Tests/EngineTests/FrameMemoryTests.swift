import Foundation
import ImageCore
import Testing
import TestSupport
@testable import Engine

/// Counts the live instances of `Tracked` payloads and the most seen at once.
private final class LiveCounter {
    var live = 0
    var mostAtAnEvaluation = 0
}

/// A payload standing in for an encoded frame: it counts itself while alive.
private final class Tracked {
    let counter: LiveCounter
    init(_ counter: LiveCounter) {
        self.counter = counter
        counter.live += 1
    }
    deinit { counter.live -= 1 }
}

@Suite("A frame in flight keeps one candidate, not every one evaluated")
struct FrameMemoryTests {
    /// The search holds the best candidate's payload only: when it evaluates the next
    /// parameter, at most one earlier payload is still alive (the search's cache keeps
    /// measurements, not payloads), and none once the outcome is gone.
    @Test("The search keeps at most one payload alive", arguments: [false, true])
    func searchKeepsOnePayload(logarithmic: Bool) throws {
        let counter = LiveCounter()
        let model = MonotoneModel()
        var evaluations = 0
        do {
            let search = QualitySearch(floor: Profile.c1.floor, range: 1...100, logarithmic: logarithmic)
            let outcome = search.run { q -> QualitySearch.Evaluation<Tracked> in
                evaluations += 1
                counter.mostAtAnEvaluation = max(counter.mostAtAnEvaluation, counter.live)
                return .init(bytes: model.bytes(q), measurement: model.measurement(q), payload: Tracked(counter))
            }
            #expect(outcome.best != nil)
            #expect(counter.live == 1)
        }
        #expect(evaluations >= 3)
        #expect(counter.mostAtAnEvaluation <= 1)
        #expect(counter.live == 0)
    }

    /// The lossless rebuild check compares the rebuilt file with the source's digest
    /// (the source bytes are not kept in memory): a rebuild that differs by one byte
    /// still fails the frame, and its output is removed, for three-channel and
    /// monochrome (stored as one channel) frames alike.
    @Test("A lossless frame whose rebuild differs from the source fails and leaves no output", arguments: [false, true])
    func differingRebuildIsCaught(monochrome: Bool) async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try CompressionRunTests.makeSource(dir, count: 1, monochrome: monochrome)
        let out = dir.file("out")
        var services = EngineServices.testDoubles
        services.rebuild = { pixels, record in
            var bytes = try RawFrameFile.rebuild(pixels, record: record)
            bytes[bytes.count - 1] ^= 1
            return bytes
        }
        let settings = CompressionSettings(profile: .lossless, codec: .j2k, jobs: 1, note: "test")
        let result = try await CompressionRun(sources: [src], output: out, settings: settings, services: services,
                                              toolVersion: "test").run()
        let report = try #require(result.frames.first)
        #expect(report.status == .failed)
        #expect(report.error?.contains("cannot be rebuilt byte for byte") == true)
        let written = (try? FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("frames").path)) ?? []
        #expect(written.filter { !$0.hasPrefix(".") }.isEmpty)
    }

    /// The digest of a monochrome frame as restored is computed without building the
    /// three-plane expansion, and equals the digest of that expansion.
    @Test("Streaming digest of the monochrome expansion equals the digest of the expansion",
          arguments: [(1, 10, 3), (2, 12, 3), (4, 16, 4), (3, 8, 1)])
    func expansionDigest(seed: UInt64, bitDepth: Int, channels: Int) throws {
        let width = 301, height = 227   // more than one 64 Ki-sample hashing chunk
        var state = seed
        let samples = (0..<(width * height)).map { _ -> UInt16 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt16(truncatingIfNeeded: state >> 33) & UInt16((1 << bitDepth) - 1)
        }
        let plane = try PixelBuffer(width: width, height: height, channels: 1, bitDepth: bitDepth, samples: samples)
        let expanded = try Monochrome.expand(plane, to: channels)
        #expect(Monochrome.restoredSHA256(plane, channels: channels) == Digest.sha256(samples: expanded))
        #expect(Monochrome.expands(plane, to: expanded))

        // One differing sample in any plane breaks the equality.
        for c in 0..<expanded.channels {
            var other = expanded
            other.samples[expanded.planeRange(c).lowerBound + 1234] ^= 1
            #expect(!Monochrome.expands(plane, to: other))
        }
        if channels > 1 {
            let deeper = try PixelBuffer(width: width, height: height, channels: channels, bitDepth: 16, samples: expanded.samples)
            #expect(bitDepth == 16 || !Monochrome.expands(plane, to: deeper))
        }
    }
}
