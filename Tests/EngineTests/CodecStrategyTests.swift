import Codecs
import Foundation
import ImageCore
import Testing
@testable import Engine

/// `auto` at a lossy profile: HTJ2K unless JPEG 2000 saves `autoMargin`.
@Suite("auto's lossy rule")
struct CodecStrategyTests {
    private func candidate(_ codec: any Codec, bytes: Int) -> EncodedCandidate {
        EncodedCandidate(codec: codec, payload: Data(count: bytes), decodedSHA256: "", measurement: .identical(channels: 3),
                         parameter: 1, fellBack: false, stop: nil, iterations: [], next: nil)
    }

    @Test("JPEG 2000 is kept only when its file is at least 30 % smaller than HTJ2K's")
    func pick() throws {
        let strategy = CodecStrategy(choice: .auto)
        let ht = try CodecRegistry.codec(.htj2k, threads: 1), j2 = try CodecRegistry.codec(.j2k, threads: 1)
        #expect(CodecStrategy.autoMargin == 1.30)
        // 18 % smaller (the photographs' reel at C1): HTJ2K is kept.
        #expect(strategy.pick([candidate(ht, bytes: 1000), candidate(j2, bytes: 820)])?.codec.id == .htj2k)
        // Exactly at the margin: HTJ2K is kept; beyond it, JPEG 2000.
        #expect(strategy.pick([candidate(ht, bytes: 1300), candidate(j2, bytes: 1000)])?.codec.id == .htj2k)
        #expect(strategy.pick([candidate(ht, bytes: 1301), candidate(j2, bytes: 1000)])?.codec.id == .j2k)
        // HTJ2K smaller: HTJ2K.
        #expect(strategy.pick([candidate(ht, bytes: 900), candidate(j2, bytes: 1000)])?.codec.id == .htj2k)
    }

    @Test("JPEG 2000's search is held at the size that would win: HTJ2K's over the margin")
    func ceiling() throws {
        let strategy = CodecStrategy(choice: .auto)
        let ht = try CodecRegistry.codec(.htj2k, threads: 1), j2 = try CodecRegistry.codec(.j2k, threads: 1)
        let pixels = try PixelBuffer(width: 100, height: 100, channels: 3, bitDepth: 10)
        let ceiling = try #require(strategy.ceiling(for: j2, candidates: 2, pixels: pixels, after: [candidate(ht, bytes: 13_000)]))
        let asked = try #require(j2.knob.setting(forPayloadBytes: 10_000, width: 100, height: 100, channels: 3, bitDepth: 10))
        #expect(abs(ceiling - asked) < 1e-9)
        #expect(strategy.ceiling(for: j2, candidates: 1, pixels: pixels, after: [candidate(ht, bytes: 13_000)]) == nil)
    }
}
