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
        #expect(info.compression == "zstd" && info.predictor == "horizontal")
        #expect(info.bitsPerSample == (bitDepth == 8 ? 8 : 16))
    }

    @Test("a corpus frame survives encode, wrap and decode exactly",
          arguments: Corpus.allTIFF.prefix(3), [TIFFWriteOptions.Compression.zstd, .deflate])
    func corpusFrame(_ file: String, _ compression: TIFFWriteOptions.Compression) throws {
        let source = try TIFF.read(Data(contentsOf: Corpus.url(file)), name: file).pixels
        let codec = TIFFCodec(compression: compression)
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

    @Test("sealed files open in tiffinfo and oiiotool", arguments: [TIFFWriteOptions.Compression.zstd, .deflate])
    func otherToolsReadSealedFiles(_ compression: TIFFWriteOptions.Compression) throws {
        let codec = TIFFCodec(compression: compression)
        let pixels = Self.frame(bitDepth: 10, channels: 3)
        let sealed = try codec.wrap(payload: codec.encode(pixels, mode: .lossless), seal: Data("{\"tool\":\"reelpack\"}".utf8))
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let url = dir.file("frame.tif")
        try sealed.write(to: url)
        let info = try ExternalTool.runStatus(["tiffinfo", url.path])
        #expect(info.status == 0)
        #expect(String(decoding: info.stdout, as: UTF8.self).contains("Bits/Sample: 16"))
        let oiio = String(decoding: try ExternalTool.run(["oiiotool", "--info", "-v", url.path]), as: UTF8.self)
        #expect(oiio.contains("41 x   19, 3 channel, uint16 tiff"), "\(oiio)")
        // oiiotool decodes the samples and writes them uncompressed; tifffile dumps
        // those (interleaved, little-endian): they are the replicated codes.
        let plain = dir.file("plain.tif")
        try ExternalTool.run(["oiiotool", url.path, "-d", "uint16", "--compression", "none", "-o", plain.path])
        let bytes = try ExternalTool.run([
            "python3", "-c",
            "import sys, tifffile; sys.stdout.buffer.write(tifffile.imread(sys.argv[1]).astype('<u2').tobytes())",
            plain.path,
        ])
        #expect(bytes.count == pixels.samples.count * 2)
        var matches = true
        for y in 0..<pixels.height {
            for x in 0..<pixels.width {
                for c in 0..<3 {
                    let i = bytes.startIndex + ((y * pixels.width + x) * 3 + c) * 2
                    guard i + 1 < bytes.endIndex else { matches = false; continue }
                    let seen = UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8
                    let v = pixels[x, y, c]
                    if seen != (v << 6 | v >> 4) { matches = false }
                }
            }
        }
        #expect(matches, "oiiotool's samples differ from the replicated codes")
    }

    @Test("decoding in parallel gives the same frame in every task")
    func parallelDecode() async throws {
        let codec = TIFFCodec()
        let pixels = Self.frame(bitDepth: 12, channels: 4)
        let file = try codec.wrap(payload: codec.encode(pixels, mode: .lossless), seal: Data("{}".utf8))
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<16 { group.addTask { try codec.decode(file).pixels == pixels } }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 16 && results.allSatisfy { $0 })
    }

    @Test("identity: id, extension, library version")
    func identity() {
        let codec = TIFFCodec()
        #expect(codec.id == .tiff && codec.fileExtension == "tif")
        #expect(codec.libraryVersion.hasPrefix("libtiff 4."))
    }
}
