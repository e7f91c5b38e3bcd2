import Codecs
import Foundation
import Formats
import ImageCore
import TestSupport
import Testing

@Suite("TIFF codec")
struct TIFFCodecTests {
    static func frame(bitDepth: Int, channels: Int) -> PixelBuffer {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D &+ UInt64(bitDepth * 8 + channels)
        let width = 41, height = 19
        let max = UInt64((1 << bitDepth) - 1)
        let samples = (0..<(width * height * channels)).map { i -> UInt16 in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            // A smooth ramp plus noise, like a scan: the predictor has something to do.
            return UInt16((UInt64(i % width) * max / UInt64(width) + state % 9) % (max + 1))
        }
        // Geometry is valid by construction.
        return try! PixelBuffer(width: width, height: height, channels: channels, bitDepth: bitDepth, samples: samples)
    }

    @Test("lossless round trip with the seal preserved", arguments: [8, 10, 12, 16], [1, 3, 4])
    func roundTrip(_ bitDepth: Int, _ channels: Int) throws {
        let codec = TIFFCodec()
        let pixels = Self.frame(bitDepth: bitDepth, channels: channels)
        let payload = try codec.encode(pixels, mode: .lossless)
        let seal = Data("{\"profile\":\"lossless\",\"codec\":\"tiff\",\"bitDepth\":\(bitDepth)}".utf8)
        let wrapped = try codec.wrap(payload: payload, seal: seal)

        let fromPayload = try codec.decode(payload)
        #expect(fromPayload.pixels == pixels)
        #expect(fromPayload.seal == nil)
        let fromFile = try codec.decode(wrapped)
        #expect(fromFile.pixels == pixels)
        #expect(fromFile.pixels.bitDepth == bitDepth)
        #expect(fromFile.seal == seal)

        let info = try TIFF.info(wrapped)
        #expect(info.compression == "deflate" && info.predictor == "horizontal")
        #expect(info.bitsPerSample == (bitDepth == 8 ? 8 : 16))
    }

    @Test("a corpus frame survives encode, wrap and decode exactly", arguments: Corpus.allTIFF.prefix(3))
    func corpusFrame(_ file: String) throws {
        let source = try TIFF.read(Data(contentsOf: Corpus.url(file)), name: file).pixels
        let codec = TIFFCodec()
        let wrapped = try codec.wrap(payload: codec.encode(source, mode: .lossless), seal: Data("{}".utf8))
        #expect(try codec.decode(wrapped).pixels == source)
    }

    @Test("lossy mode is refused: TIFF is lossless only")
    func refusesLossy() throws {
        let codec = TIFFCodec()
        #expect(!codec.supportsLossy)
        let error = try #require(throws: CodecError.self) {
            try codec.encode(Self.frame(bitDepth: 10, channels: 3), mode: .lossy(quality: 0.5))
        }
        #expect(error.kind == .unsupportedInput && error.codec == .tiff)
    }

    @Test("corrupt and foreign data give a CodecError, never a crash",
          arguments: [Data(), Data("not a tiff".utf8), Data([0x49, 0x49, 42, 0, 8, 0, 0, 0, 0, 0])])
    func corruptData(_ data: Data) throws {
        let error = try #require(throws: CodecError.self) { try TIFFCodec().decode(data) }
        #expect(error.kind == .malformedData && error.operation == "decode")
        #expect(throws: CodecError.self) { try TIFFCodec().wrap(payload: data, seal: Data("{}".utf8)) }
    }

    @Test("a truncated payload is reported as malformed", arguments: [0.3, 0.7, 0.95])
    func truncatedPayload(_ fraction: Double) throws {
        let codec = TIFFCodec()
        let payload = try codec.wrap(payload: codec.encode(Self.frame(bitDepth: 12, channels: 3), mode: .lossless),
                                     seal: Data("{}".utf8))
        let cut = payload.prefix(Int(Double(payload.count) * fraction))
        let error = try #require(throws: CodecError.self) { try codec.decode(cut) }
        #expect(error.kind == .malformedData)
    }

    @Test("identity: id, extension, library version")
    func identity() {
        let codec = TIFFCodec()
        #expect(codec.id == .tiff && codec.fileExtension == "tif")
        #expect(codec.libraryVersion.hasPrefix("libtiff 4."))
    }
}
