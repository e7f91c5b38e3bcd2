import Codecs
import Foundation
import Formats
import Testing
import TestSupport
@testable import Engine

/// The seal's rebuild record: stored compressed since seal version 2, version 1 seals
/// (plain base64) still read.
@Suite("Seal rebuild record")
struct SealTests {
    /// The seal of a real DPX compressed losslessly with HTJ2K, and the DPX's bytes.
    static func sealedCorpusFrame() async throws -> (seal: Seal, source: Data) {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try CorpusRunTests.source(dir, ["sequence/beachball_0001.dpx"])
        let out = dir.file("out")
        let result = try await CompressionRun(sources: [src], output: out,
                                              settings: CompressionSettings(profile: .lossless, codec: .htj2k),
                                              toolVersion: "test").run()
        let report = try #require(result.frames.first)
        let file = try Data(contentsOf: out.appendingPathComponent(try #require(report.output)))
        let seal = try Seal.decode(try #require(try HTJ2KCodec().decode(file).seal))
        return (seal, try Data(contentsOf: Corpus.url("sequence/beachball_0001.dpx")))
    }

    @Test("a DPX header's record is stored deflated: a quarter of its plain base64 or less, and the same bytes come back")
    func compressedRecord() async throws {
        let (seal, source) = try await Self.sealedCorpusFrame()
        #expect(seal.sealVersion == 2 && seal.rebuildRecordEncoding == "zlib")
        let record = try ImageFile.read(source).rebuildRecord
        #expect(seal.rebuildRecordData == record)
        let plain = record.base64EncodedString().utf8.count
        #expect(seal.rebuildRecord.utf8.count * 4 <= plain, "\(seal.rebuildRecord.utf8.count) vs \(plain) bytes plain")
        #expect(try seal.encoded().count + 3 * 1024 < { var v1 = seal; v1.rebuildRecord = record.base64EncodedString()
                                                       v1.rebuildRecordEncoding = nil; return try v1.encoded().count }())
    }

    @Test("a version 1 seal (plain base64 record, no encoding key) still gives its record")
    func versionOneSealReads() async throws {
        let (seal, source) = try await Self.sealedCorpusFrame()
        let record = try ImageFile.read(source).rebuildRecord
        var v1 = seal
        v1.sealVersion = 1
        v1.rebuildRecord = record.base64EncodedString()
        v1.rebuildRecordEncoding = nil
        let json = try v1.encoded()
        #expect(!String(decoding: json, as: UTF8.self).contains("rebuildRecordEncoding"))
        let read = try Seal.decode(json)
        #expect(read.rebuildRecordData == record)
        #expect(try ImageFile.rebuild(pixels: ImageFile.read(source).pixels, record: try #require(read.rebuildRecordData)) == source)
    }

    @Test("an unknown encoding, a damaged or truncated stream give no record rather than wrong bytes")
    func damagedRecordIsRefused() async throws {
        let (seal, _) = try await Self.sealedCorpusFrame()
        var unknown = seal
        unknown.rebuildRecordEncoding = "brotli"
        #expect(unknown.rebuildRecordData == nil)

        let stream = try #require(Data(base64Encoded: seal.rebuildRecord))
        var truncated = seal
        truncated.rebuildRecord = stream.prefix(stream.count - 6).base64EncodedString()
        #expect(truncated.rebuildRecordData == nil)
        var flipped = seal
        var bytes = [UInt8](stream)
        bytes[bytes.count / 2] ^= 0x5a
        flipped.rebuildRecord = Data(bytes).base64EncodedString()
        #expect(flipped.rebuildRecordData == nil, "zlib's Adler-32 catches a changed byte")
        var trailing = seal
        trailing.rebuildRecord = (stream + Data([0, 1, 2])).base64EncodedString()
        #expect(trailing.rebuildRecordData == nil)
    }

    @Test("zlib round trip: empty, short and larger-than-one-chunk inputs")
    func zlibRoundTrip() {
        var random = SeededRandom(seed: 7)
        for count in [0, 1, 100, 70_000, 300_000] {
            let data = Data((0..<count).map { i in i % 3 == 0 ? UInt8(truncatingIfNeeded: random.next()) : UInt8(i % 7) })
            let packed = Zlib.compress(data)
            #expect(Zlib.decompress(packed) == data, "\(count) bytes")
        }
        #expect(Zlib.decompress(Zlib.compress(Data(count: 100_000)), limit: 50_000) == nil, "over the limit")
        #expect(Zlib.decompress(Data()) == nil)
    }
}
