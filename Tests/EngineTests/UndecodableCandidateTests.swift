import Codecs
import Foundation
import Formats
import ImageCore
import Testing
import TestSupport
@testable import Engine

/// A codec that cannot decode what it encoded (OpenJPH 0.9 on some 16-bit frames):
/// the frame is stored losslessly and says why, instead of failing.
@Suite("A candidate its codec cannot decode")
struct UndecodableCandidateTests {
    /// The quantising stand-in, except that its lossy files do not decode.
    struct BrokenLossyDecoder: Codec {
        var inner = QuantisingCodec(id: .htj2k)
        var id: CodecID { inner.id }
        var fileExtension: String { inner.fileExtension }
        var libraryVersion: String { inner.libraryVersion }
        var supportsLossy: Bool { true }
        var knob: QualityKnob { inner.knob }
        func encode(_ pixels: PixelBuffer, mode: CodecMode) throws -> Data {
            var d = try inner.encode(pixels, mode: mode)
            if case .lossy = mode { d.append(contentsOf: [0xBA, 0xD0]) }   // marks it
            return d
        }
        func wrap(payload: Data, seal: Data?) throws -> Data { try inner.wrap(payload: payload, seal: seal) }
        func decode(_ data: Data) throws -> DecodedFrame {
            if data.suffix(2) == Data([0xBA, 0xD0]) {
                throw CodecError(.malformedData, codec: id, operation: "decode", detail: "Error decoding a codeblock")
            }
            return try inner.decode(data)
        }
    }

    @Test("the frame is stored losslessly, proven, and its seal and report say why")
    func storedLosslessly() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = dir.file("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        try RawFrameFile.encode(try SyntheticFrame.make(grain: 3)).write(to: src.appendingPathComponent("f_0001.dpx"))
        let services = EngineServices(read: EngineServices.testDoubles.read, rebuild: EngineServices.testDoubles.rebuild,
                                      codec: { _, _ in BrokenLossyDecoder() }, measure: EngineServices.standard.measure)
        let out = dir.file("out")
        let result = try await CompressionRun(sources: [src], output: out,
                                              settings: CompressionSettings(profile: .c1, codec: .htj2k, jobs: 1),
                                              services: services, toolVersion: "test").run()
        #expect(result.succeeded, "\(result.frames.compactMap(\.error))")
        let report = try #require(result.frames.first)
        #expect(report.fellBackToLossless)
        let file = try Data(contentsOf: out.appendingPathComponent(try #require(report.output)))
        let decoded = try BrokenLossyDecoder().decode(file)
        let seal = try Seal.decode(try #require(decoded.seal))
        let reason = try #require(seal.searchStopReason)
        #expect(reason.contains("could not decode its own file") && reason.contains("Error decoding a codeblock"), "\(reason)")
        let source = try RawFrameFile.read(try Data(contentsOf: src.appendingPathComponent("f_0001.dpx")), name: "s").pixels
        #expect(decoded.pixels == source)
    }

    @Test("a 16-bit corpus photograph OpenJPH cannot decode at C1 is stored, not failed")
    func carrots16() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = dir.file("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Corpus.url("photos/Carrots_srgb16.tif"),
                                         to: src.appendingPathComponent("Carrots_srgb16.tif"))
        let out = dir.file("out")
        let result = try await CompressionRun(sources: [src], output: out,
                                              settings: CompressionSettings(profile: .c1, codec: .htj2k, jobs: 1),
                                              toolVersion: "test").run()
        #expect(result.succeeded, "\(result.frames.compactMap(\.error))")
        let verify = try Verifier(output: out, sources: src, jobs: 1, toolVersion: "test").run()
        #expect(verify.passed, "\(verify.frames.flatMap(\.problems))")
    }
}
