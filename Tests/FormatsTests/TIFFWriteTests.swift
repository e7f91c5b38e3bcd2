import Foundation
import Formats
import ImageCore
import TestSupport
import Testing

/// A write setting as a test argument.
struct WriteSetting: Sendable, CustomTestStringConvertible {
    var compression: TIFFWriteOptions.Compression
    var predictor: Bool
    var options: TIFFWriteOptions { TIFFWriteOptions(compression: compression, predictor: predictor) }
    var testDescription: String { compression.rawValue + (predictor ? "+predictor" : "") }

    static let all: [WriteSetting] = [
        .init(compression: .none, predictor: false), .init(compression: .packbits, predictor: false),
        .init(compression: .lzw, predictor: false), .init(compression: .lzw, predictor: true),
        .init(compression: .deflate, predictor: false), .init(compression: .deflate, predictor: true),
        .init(compression: .zstd, predictor: false), .init(compression: .zstd, predictor: true),
    ]
}

/// Bit depth and channel count of a frame.
struct FrameShape: Sendable, CustomTestStringConvertible {
    var bitDepth: Int
    var channels: Int
    var testDescription: String { "\(bitDepth)-bit \(channels)ch" }

    static let all: [FrameShape] = [8, 10, 12, 16].flatMap { d in [1, 2, 3, 4].map { FrameShape(bitDepth: d, channels: $0) } }
}

@Suite("TIFF writing")
struct TIFFWriteTests {
    @Test("round trip is exact for every depth, channel count and compression",
          arguments: WriteSetting.all, FrameShape.all)
    func roundTripExact(_ setting: WriteSetting, _ shape: FrameShape) throws {
        let frame = TestFrames.noise(channels: shape.channels, bitDepth: shape.bitDepth, seed: UInt64(shape.bitDepth))
        let data = try TIFF.write(frame, options: setting.options)
        let back = try TIFF.read(data)
        #expect(back.pixels == frame)
        #expect(back.info.compression == setting.compression.rawValue)
        #expect(back.info.predictor == (setting.predictor ? "horizontal" : "none"))
        #expect(back.info.bitsPerSample == (shape.bitDepth <= 8 ? 8 : 16))
        #expect(back.info.recordedBitDepth == (shape.bitDepth == 8 || shape.bitDepth == 16 ? nil : shape.bitDepth))
    }

    @Test("every depth from 2 to 16 bits comes back exactly", arguments: Array(2...16))
    func everyDepthRoundTrips(_ depth: Int) throws {
        let frame = TestFrames.noise(width: 64, height: 9, channels: 3, bitDepth: depth)
        let back = try TIFF.read(TIFF.write(frame, options: TIFFWriteOptions(compression: .deflate, predictor: true)))
        #expect(back.pixels == frame)
    }

    @Test("10- and 12-bit codes are scaled by bit replication for other tools", arguments: [10, 12, 9, 14])
    func bitReplicationSeenByOtherTools(_ depth: Int) throws {
        let frame = TestFrames.noise(channels: 3, bitDepth: depth)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("frame.tif")
        try TIFF.write(frame).write(to: url)
        let seen = try #require(try TIFFReference.decode([url.path]).first)
        let replicated = frame.samples.map { v -> UInt16 in
            let v = UInt32(v)
            return UInt16(truncatingIfNeeded: v << UInt32(16 - depth) | v >> UInt32(2 * depth - 16))
        }
        #expect(seen.samples == replicated)
        #expect(frame.samples.contains(UInt16(frame.maxValue)))
        #expect(replicated.contains(65535) && replicated.contains(0))
    }

    @Test("files we write open in tiffinfo and oiiotool and decode alike in tifffile",
          arguments: zip(WriteSetting.all, (0..<WriteSetting.all.count).map {
              [FrameShape(bitDepth: 8, channels: 3), FrameShape(bitDepth: 12, channels: 4),
               FrameShape(bitDepth: 16, channels: 1), FrameShape(bitDepth: 10, channels: 2)][$0 % 4]
          }))
    func otherToolsReadOurFiles(_ setting: WriteSetting, _ shape: FrameShape) throws {
        let frame = TestFrames.noise(channels: shape.channels, bitDepth: shape.bitDepth)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("frame.tif")
        var metadata = FrameMetadata()
        metadata.creator = "Reelpack test"
        try TIFF.write(frame, metadata: metadata, options: setting.options).write(to: url)

        let tiffinfo = try ExternalTool.runStatus(["tiffinfo", url.path])
        let infoText = String(decoding: tiffinfo.stdout, as: UTF8.self)
        #expect(tiffinfo.status == 0)
        #expect(!String(decoding: tiffinfo.stderr, as: UTF8.self).localizedCaseInsensitiveContains("error"))
        #expect(infoText.contains("Image Width: 37 Image Length: 23"))
        #expect(infoText.contains("Software: Reelpack test"))

        let oiio = String(decoding: try ExternalTool.run(["oiiotool", "--info", "-v", url.path]), as: UTF8.self)
        #expect(oiio.contains("37 x   23, \(shape.channels) channel, uint\(shape.bitDepth <= 8 ? 8 : 16) tiff"), "\(oiio)")

        let seen = try #require(try TIFFReference.decode([url.path]).first)
        let table = (0..<(1 << shape.bitDepth)).map { v -> UInt16 in
            switch shape.bitDepth {
            case 10: UInt16(v << 6 | v >> 4)
            case 12: UInt16(v << 4 | v >> 8)
            default: UInt16(v)
            }
        }
        #expect(seen.samples == frame.samples.map { table[Int($0)] })
    }

    @Test("common metadata survives a round trip")
    func metadataRoundTrip() throws {
        var m = FrameMetadata()
        m.creator = "Scanner Suite 4.2"
        m.creationDate = "2024:05:17:13:45:02+02"   // DPX form, stored as TIFF's
        m.copyright = "© Archive"
        m.originalFileName = "reel_0086400.dpx"
        m.extra["tiff.imageDescription"] = "Reel 3, shot 12"
        m.extra["tiff.artist"] = "A. Colourist"
        m.extra["tiff.make"] = "ARRI"
        m.extra["tiff.model"] = "ARRISCAN"
        let frame = TestFrames.noise(channels: 3, bitDepth: 10)
        let back = try TIFF.read(TIFF.write(frame, metadata: m)).metadata
        #expect(back.creator == m.creator)
        #expect(back.creationDate == "2024:05:17 13:45:02")
        #expect(back.copyright == m.copyright)
        #expect(back.originalFileName == m.originalFileName)
        #expect(back.inputDevice == "ARRI ARRISCAN")
        for key in ["tiff.imageDescription", "tiff.artist", "tiff.make", "tiff.model"] {
            #expect(back.extra[key] == m.extra[key], "\(key)")
        }
        #expect(back.descriptor == .rgb)
    }

    @Test("frame record and seal are stored in their private tags and read back")
    func privateTagsRoundTrip() throws {
        let frame = TestFrames.noise(channels: 3, bitDepth: 12)
        let record = TIFFFrameRecord(bitDepth: 99, sourceFormat: "dpx", source: Data("{\"header\":\"AAEC\"}".utf8))
        let seal = Data("{\"tool\":\"reelpack\"}".utf8)
        let data = try TIFF.write(frame, options: TIFFWriteOptions(compression: .deflate, frameRecord: record, seal: seal))
        let back = try TIFF.read(data)
        #expect(back.frameRecord == TIFFFrameRecord(bitDepth: 12, sourceFormat: "dpx", source: record.source))
        #expect(back.seal == seal)
        #expect(back.pixels == frame)
        #expect(back.info.tags.contains("ReelpackFrame") && back.info.tags.contains("ReelpackSeal"))
    }

    @Test("replacing the seal keeps the samples and other tools still read the file",
          arguments: [nil, Data("{\"old\":true}".utf8)])
    func replacingSeal(_ previous: Data?) throws {
        let frame = TestFrames.noise(channels: 4, bitDepth: 10)
        let payload = try TIFF.write(frame, options: TIFFWriteOptions(compression: .deflate, predictor: true, seal: previous))
        let seal = Data(String(repeating: "{\"tool\":\"reelpack\"}", count: 50).utf8)
        let sealed = try TIFF.replacingSeal(in: payload, with: seal)
        let back = try TIFF.read(sealed)
        #expect(back.seal == seal)
        #expect(back.pixels == frame)
        #expect(back.info.imageCount == 1)
        #expect(sealed.count < payload.count + seal.count + 1024)

        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try sealed.write(to: dir.file("sealed.tif"))
        #expect(try ExternalTool.runStatus(["tiffinfo", dir.file("sealed.tif").path]).status == 0)
        let seen = try #require(try TIFFReference.decode([dir.file("sealed.tif").path]).first)
        #expect(seen.samples.count == frame.samples.count)
    }

    @Test("an empty seal removes the seal tag")
    func emptySealRemovesTag() throws {
        let frame = TestFrames.noise(channels: 1, bitDepth: 16)
        let sealed = try TIFF.write(frame, options: TIFFWriteOptions(compression: .zstd, seal: Data("{}".utf8)))
        let cleared = try TIFF.read(TIFF.replacingSeal(in: sealed, with: Data()))
        #expect(cleared.seal == nil)
        #expect(!cleared.info.tags.contains("ReelpackSeal"))
        #expect(cleared.pixels == frame)
    }

    @Test("a sample deeper than the declared depth is refused")
    func refusesOutOfRangeSamples() throws {
        var frame = TestFrames.noise(channels: 1, bitDepth: 10)
        frame.samples[5] = 1024
        let error = try #require(throws: FormatError.self) { try TIFF.write(frame) }
        #expect(error.reason.contains("1024"))
    }

    @Test("the libtiff version is reported")
    func libraryVersion() {
        #expect(TIFF.libraryVersion.hasPrefix("libtiff 4."))
    }
}
