import Codecs
import Foundation
import Formats
import ImageCore
import Testing
import TestSupport
@testable import Engine

/// The lossless profile's `auto`: the codec is chosen per shot, weighing time as well as
/// size, and a lossless file is decoded once, after it is written, to prove it.
@Suite("Lossless: the codec chosen per shot, proven once on the written file")
struct LosslessChoiceTests {
    /// A candidate of `codec` whose payload has `bytes` bytes.
    static func candidate(_ codec: any Codec, bytes: Int) -> EncodedCandidate {
        EncodedCandidate(codec: codec, payload: Data(count: bytes), decodedSHA256: "", measurement: .identical(channels: 3),
                         parameter: nil, fellBack: false, stop: nil, iterations: [], next: nil)
    }

    @Test("a costlier codec is kept only when its file is smaller than the cheaper choice's by its margin")
    func pickWeighsCost() throws {
        let strategy = CodecStrategy(choice: .auto, lossless: true)
        #expect(CodecStrategy.losslessChoice([.htj2k: 100, .j2k: 100]) == .htj2k)
        #expect(strategy.candidates(settled: nil) == CodecStrategy.losslessCandidates.map(\.id))
        #expect(strategy.candidates(settled: .j2k) == [.j2k])
        let ht = HTJ2KCodec(), j2k = JPEG2000Codec(threads: 1)
        let margins = Dictionary(uniqueKeysWithValues: CodecStrategy.losslessCandidates.map { ($0.id, $0.margin) })
        #expect(margins[.htj2k] == 1, "HTJ2K is the cheapest, kept unless another pays")
        let j2kMargin = try #require(margins[.j2k])
        #expect(j2kMargin > 1)
        func kept(_ sizes: [(any Codec, Int)]) -> CodecID? {
            strategy.pick(sizes.map { Self.candidate($0.0, bytes: $0.1) })?.codec.id
        }
        let base = 1_000_000
        // Smaller, but not by the margin: the cheaper codec stays.
        #expect(kept([(ht, base), (j2k, Int(Double(base) / j2kMargin) + 100)]) == .htj2k)
        // Smaller by more than its margin.
        #expect(kept([(ht, base), (j2k, Int(Double(base) / j2kMargin) - 100)]) == .j2k)
        #expect(CodecStrategy.losslessChoice([.htj2k: base]) == .htj2k)
        #expect(CodecStrategy.losslessChoice([:]) == nil)
        // At a lossy profile auto is HTJ2K.
        let lossy = CodecStrategy(choice: .auto)
        #expect(lossy.candidates(settled: nil) == [.htj2k])
    }

    /// Counts the encodes of the codecs it hands out: of whole frames and of samples.
    final class EncodeCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var counts: [String: Int] = [:]
        func add(_ key: String) { lock.withLock { counts[key, default: 0] += 1 } }
        var all: [String: Int] { lock.withLock { counts } }
    }

    /// A real codec that counts its encodes by the width encoded.
    struct CountingCodec: Codec {
        var inner: any Codec
        var counter: EncodeCounter
        var id: CodecID { inner.id }
        var fileExtension: String { inner.fileExtension }
        var libraryVersion: String { inner.libraryVersion }
        var supportsLossy: Bool { inner.supportsLossy }
        var knob: QualityKnob { inner.knob }
        func encode(_ pixels: PixelBuffer, mode: CodecMode) throws -> Data {
            counter.add("\(id.rawValue) \(pixels.width)")
            return try inner.encode(pixels, mode: mode)
        }
        func wrap(payload: Data, seal: Data?) throws -> Data { try inner.wrap(payload: payload, seal: seal) }
        func decode(_ data: Data) throws -> DecodedFrame { try inner.decode(data) }
    }

    @Test("the lossless candidates try a shot's first frame's sample; the frame and the rest of the shot use the kept codec; a cut tries again")
    func perShot() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = dir.file("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        // Two shots of two frames: a mid-grey scene, then a much brighter one (a cut).
        let width = 320
        for (i, shift) in [0, 0, 0.3, 0.3].enumerated() {
            let frame = try SyntheticFrame.make(width: width, height: 256, bitDepth: 10, grain: 4, seed: UInt64(i + 11), shift: shift)
            try RawFrameFile.encode(frame).write(to: src.appendingPathComponent(String(format: "shot_%04d.dpx", i + 1)))
        }
        let counter = EncodeCounter()
        var services = EngineServices.rawFilesRealCodecs
        services.codec = { id, threads in CountingCodec(inner: try CodecRegistry.codec(id, threads: threads), counter: counter) }
        let out = dir.file("out")
        let result = try await CompressionRun(sources: [src], output: out,
                                              settings: CompressionSettings(profile: .lossless, codec: .auto, jobs: 1),
                                              services: services, toolVersion: "test").run()
        #expect(result.succeeded, "\(result.frames.compactMap(\.error))")
        let counts = counter.all
        for (id, _) in CodecStrategy.losslessCandidates {
            #expect(counts["\(id.rawValue) \(width / 2)"] == 2, "one sample per shot: \(counts)")
        }
        #expect(counts.filter { $0.key.hasSuffix(" \(width)") }.values.reduce(0, +) == 4, "one encode a frame: \(counts)")
        let codecs = result.frames.map(\.codec)
        #expect(codecs[1] == codecs[0] && codecs[3] == codecs[2], "\(codecs)")
        // The sample is the frame's centre.
        let frame = try SyntheticFrame.make(width: width, height: 256, bitDepth: 10, grain: 4, seed: 1)
        let sample = try CodecStrategy.losslessSample(frame)
        #expect(sample == (try SyntheticFrames.crop(frame, x: width / 4, y: 64, width: width / 2, height: 128)))
    }

    /// A codec whose lossless mode is not exact: one sample is off by one.
    struct InexactLosslessCodec: Codec {
        var inner = QuantisingCodec(id: .htj2k)
        var id: CodecID { inner.id }
        var fileExtension: String { inner.fileExtension }
        var libraryVersion: String { inner.libraryVersion }
        var supportsLossy: Bool { true }
        var knob: QualityKnob { inner.knob }
        func encode(_ pixels: PixelBuffer, mode: CodecMode) throws -> Data {
            guard mode == .lossless else { return try inner.encode(pixels, mode: mode) }
            var p = pixels
            p.samples[p.samples.count / 2] ^= 1
            return try inner.encode(p, mode: mode)
        }
        func wrap(payload: Data, seal: Data?) throws -> Data { try inner.wrap(payload: payload, seal: seal) }
        func decode(_ data: Data) throws -> DecodedFrame { try inner.decode(data) }
    }

    @Test("a lossless file that does not decode to the source fails its frame and is removed")
    func inexactLosslessIsCaughtOnTheWrittenFile() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = dir.file("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        let frame = try SyntheticFrame.make(width: 48, height: 40, bitDepth: 10, grain: 4, seed: 3)
        try RawFrameFile.encode(frame).write(to: src.appendingPathComponent("shot_0001.dpx"))
        var services = EngineServices.testDoubles
        services.codec = { _, _ in InexactLosslessCodec() }
        let out = dir.file("out")
        let result = try await CompressionRun(sources: [src], output: out,
                                              settings: CompressionSettings(profile: .lossless, codec: .htj2k, jobs: 1),
                                              services: services, toolVersion: "test").run()
        let report = try #require(result.frames.first)
        #expect(report.status == .failed)
        #expect(report.error?.contains("does not decode to the source samples") == true, "\(report.error ?? "")")
        let left = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("frames").path)
        #expect(left.filter { !$0.hasPrefix(".") }.isEmpty, "\(left)")
    }

    @Test("the samples' digest is SHA-256 of every sample as little-endian bytes, planes in order")
    func sampleDigestDefinition() throws {
        let frame = try SyntheticFrame.make(width: 37, height: 23, bitDepth: 12, grain: 9, seed: 5)
        var bytes = Data()
        for s in frame.samples { bytes.append(UInt8(s & 0xFF)); bytes.append(UInt8(s >> 8)) }
        #expect(Digest.sha256(samples: frame) == Digest.sha256(bytes))
        let plane = try Monochrome.firstPlane(frame)
        var three = Data()
        for _ in 0..<3 { for s in plane.samples { three.append(UInt8(s & 0xFF)); three.append(UInt8(s >> 8)) } }
        #expect(Digest.sha256(samples: plane, repeated: 3) == Digest.sha256(three))
    }
}
