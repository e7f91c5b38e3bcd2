import Foundation
import Formats
import ImageCore
import Testing
import TestSupport
@testable import Codecs

@Suite("JPEG XL codec")
struct JPEGXLCodecTests {
    let codec = JPEGXLCodec(threads: 2)

    struct Shape: CustomStringConvertible, Sendable {
        var bitDepth: Int
        var channels: Int
        var description: String { "\(bitDepth)-bit, \(channels) ch" }
    }

    static let shapes: [Shape] = [8, 10, 12, 16].flatMap { d in [1, 2, 3, 4].map { Shape(bitDepth: d, channels: $0) } }

    @Test("scaling to 16 bits and back is exact for every code of every depth", arguments: 1...16)
    func scalingIsExact(bitDepth: Int) {
        let maxValue = UInt32((1 << bitDepth) - 1)
        var bad: [UInt32] = []
        for v in 0...maxValue {
            let up = JXLSampleLayout.scaleUp(UInt16(v), max: maxValue)
            if JXLSampleLayout.scaleDown(up, max: maxValue) != UInt16(v) { bad.append(v) }
        }
        #expect(bad.isEmpty, "codes that do not survive: \(bad.prefix(10))")
        #expect(JXLSampleLayout.scaleUp(UInt16(maxValue), max: maxValue) == 65535)
    }

    @Test("lossless round trip is exact", arguments: shapes)
    func losslessRoundTrip(shape: Shape) throws {
        let frame = JPEGXLTestFrames.structured(width: 67, height: 45, channels: shape.channels, bitDepth: shape.bitDepth)
        let payload = try codec.encode(frame, mode: .lossless)
        // 16-bit lossless needs level 10, which libjxl declares in a container.
        #expect(payload.starts(with: shape.bitDepth < 16 ? [0xFF, 0x0A] : JXLContainer.signature))
        let decoded = try codec.decode(payload)
        #expect(decoded.pixels.bitDepth == shape.bitDepth)
        #expect(decoded.pixels.channels == shape.channels)
        #expect(decoded.pixels == frame)
    }

    @Test("lossless keeps every 12-bit code through libjxl")
    func everyTwelveBitCode() throws {
        let frame = JPEGXLTestFrames.structured(width: 128, height: 64, channels: 3, bitDepth: 12)
        #expect(Set(frame.samples[frame.planeRange(0)]).count == 4096)
        #expect(try codec.decode(codec.encode(frame, mode: .lossless)).pixels == frame)
    }

    @Test("lossless round trip of corpus files read by Reelpack is exact", arguments: [
        "third-party/ffmpeg_gray.dpx",            // 8-bit, 1 channel
        "third-party/oiio_luma10.dpx",            // 10-bit, 1 channel
        "photos/Carrots_709_12.dpx",              // 12-bit, packed
        "third-party/dpx_nuke_16bits_rgba.dpx",   // 10-bit, 4 channels
        "third-party/ffmpeg_rgba64be.dpx",        // 16-bit, 4 channels
        "third-party/oiio_rgb8.tif",              // 8-bit TIFF
        "photos/Carrots_srgb16.tif",              // 16-bit TIFF
    ])
    func corpusFileLossless(path: String) throws {
        let frame = try ImageFile.read(contentsOf: Corpus.url(path)).pixels
        let file = try codec.wrap(payload: codec.encode(frame, mode: .lossless), seal: Data("{}".utf8))
        let decoded = try codec.decode(file).pixels
        #expect(decoded == frame, "\(path): \(frame.channels) ch, \(frame.bitDepth) bit")
    }

    @Test("wrap puts the codestream and the seal in a JPEG XL container")
    func wrapCarriesSeal() throws {
        let frame = JPEGXLTestFrames.structured(width: 40, height: 30, channels: 3, bitDepth: 10)
        let payload = try codec.encode(frame, mode: .lossless)
        let seal = Data(#"{"tool":"reelpack","profile":"lossless"}"#.utf8)
        let file = try codec.wrap(payload: payload, seal: seal)
        #expect(file.starts(with: JXLContainer.signature))
        #expect(file.subdata(in: 12..<32) == Data([0, 0, 0, 20]) + Data("ftypjxl ".utf8) + Data([0, 0, 0, 0]) + Data("jxl ".utf8))
        let decoded = try codec.decode(file)
        #expect(decoded.seal == seal)
        #expect(decoded.pixels == frame)
        #expect(try codec.decode(codec.wrap(payload: payload, seal: nil)).seal == nil)
        #expect(try codec.decode(payload).seal == nil)
    }

    @Test("a 16-bit file keeps the jxll level box libjxl asks for")
    func levelBoxKept() throws {
        let frame = JPEGXLTestFrames.structured(width: 40, height: 30, channels: 3, bitDepth: 16)
        let file = try codec.wrap(payload: codec.encode(frame, mode: .lossless), seal: Data("{}".utf8))
        let types = try ISOBox.readAll(file, codec: .jxl).map(\.type.description)
        #expect(types == ["JXL ", "ftyp", "jxll", "jxlc", "uuid"])
        #expect(try codec.decode(file).pixels == frame)
    }

    @Test("a container split into jxlp parts decodes")
    func jxlpParts() throws {
        let frame = JPEGXLTestFrames.structured(width: 50, height: 20, channels: 1, bitDepth: 12)
        let payload = try codec.encode(frame, mode: .lossless)
        let cut = payload.count / 2
        var file = Data(JXLContainer.signature)
        file.append(ISOBox.serialize(type: "ftyp", payload: JXLContainer.fileType))
        file.append(ISOBox.serialize(type: "jxlp", payload: Data([0, 0, 0, 0]) + payload.prefix(cut)))
        file.append(ISOBox.serialize(type: "jxlp", payload: Data([0x80, 0, 0, 1]) + payload.dropFirst(cut)))
        #expect(try codec.decode(file).pixels == frame)
    }

    @Test("lossy file size grows with quality, and fidelity with it")
    func lossySizeMonotone() throws {
        let frame = JPEGXLTestFrames.structured(width: 96, height: 96, channels: 3, bitDepth: 10, seed: 7)
        let qualities = stride(from: codec.qualityRange.lowerBound, through: codec.qualityRange.upperBound, by: 1.0)
        var sizes: [Int] = []
        var errors: [Double] = []
        for q in qualities {
            let payload = try codec.encode(frame, mode: .lossy(quality: q))
            let decoded = try codec.decode(payload).pixels
            #expect(decoded.bitDepth == 10 && decoded.channels == 3)
            sizes.append(payload.count)
            let se = zip(decoded.samples, frame.samples).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) }
            errors.append(se / Double(frame.samples.count))
        }
        #expect(zip(sizes, sizes.dropFirst()).allSatisfy { $0 < $1 }, "sizes \(sizes)")
        #expect(errors.first! > errors.last!, "mean squared errors \(errors)")
    }

    @Test("lossy file size grows with quality on a real corpus frame")
    func corpusLossyMonotone() throws {
        let frame = try ImageFile.read(contentsOf: Corpus.url("photos/Carrots_709_12.dpx")).pixels
        var sizes: [Int] = []
        for q in stride(from: codec.qualityRange.lowerBound, through: codec.qualityRange.upperBound, by: 1.5) {
            sizes.append(try codec.encode(frame, mode: .lossy(quality: q)).count)
        }
        #expect(zip(sizes, sizes.dropFirst()).allSatisfy { $0 < $1 }, "sizes \(sizes)")
        let lossless = try codec.encode(frame, mode: .lossless).count
        #expect(sizes.last! < lossless, "the finest lossy setting should still be smaller than lossless")
    }

    @Test("quality maps to distance as 2^-quality")
    func qualityMapping() {
        #expect(codec.distance(forQuality: 0) == 1)
        #expect(abs(codec.distance(forQuality: 2) - 0.25) < 1e-6)
        #expect(abs(codec.quality(forDistance: 0.3) - 1.737) < 1e-3)
        #expect(codec.distance(forQuality: 100) == codec.distance(forQuality: codec.qualityRange.upperBound))
    }

    @Test("truncated data fails with a malformed-data error", arguments: [0, 1, 2, 12, 40, 100, 300])
    func truncated(cutFromEnd: Int) throws {
        let frame = JPEGXLTestFrames.structured(width: 64, height: 48, channels: 3, bitDepth: 10)
        let file = try codec.wrap(payload: codec.encode(frame, mode: .lossless), seal: Data("{}".utf8))
        for data in [file, try codec.encode(frame, mode: .lossless)] {
            let keep = max(0, data.count - 16 - cutFromEnd)   // the seal box is 26 bytes
            let error = #expect(throws: CodecError.self) { try codec.decode(data.prefix(keep)) }
            #expect(error?.kind == .malformedData)
            #expect(error?.codec == .jxl)
        }
    }

    @Test("corrupted codestreams never crash and either fail cleanly or decode to the frame's shape")
    func corrupted() throws {
        let frame = JPEGXLTestFrames.structured(width: 64, height: 48, channels: 3, bitDepth: 12)
        let payload = try codec.encode(frame, mode: .lossless)
        var failures = 0
        for position in stride(from: 2, to: payload.count, by: max(1, payload.count / 40)) {
            var bad = payload
            bad[position] ^= 0x5A
            do {
                let decoded = try codec.decode(bad).pixels
                #expect(decoded.samples.count == decoded.width * decoded.height * decoded.channels)
            } catch let error as CodecError {
                #expect(error.kind == .malformedData || error.kind == .unsupportedInput)
                failures += 1
            }
        }
        #expect(failures > 0)
    }

    @Test("foreign data is refused as malformed", arguments: [
        Data(), Data([0xFF]), Data("SDPX not a jxl file".utf8),
        Data([0xFF, 0x4F, 0xFF, 0x51, 0, 0]),                       // a JPEG 2000 codestream
        Data(JXLContainer.signature) + Data([0, 0, 0, 9, 0x6A, 0x78, 0x6C, 0x63]),   // box overruns
        Data(JXLContainer.signature) + Data([0, 0, 0, 8]) + Data("ftyp".utf8),       // no codestream
    ])
    func foreign(data: Data) {
        let error = #expect(throws: CodecError.self) { try codec.decode(data) }
        #expect(error?.kind == .malformedData)
    }

    @Test("a sample above the declared depth is refused, not clamped")
    func sampleAboveDepth() throws {
        var frame = JPEGXLTestFrames.structured(width: 16, height: 16, channels: 3, bitDepth: 10)
        frame[3, 4, 1] = 1024
        let error = #expect(throws: CodecError.self) { try codec.encode(frame, mode: .lossless) }
        #expect(error?.kind == .unsupportedInput)
    }

    @Test("wrap refuses what is not a codestream")
    func wrapRefusesForeign() {
        #expect(throws: CodecError.self) { try codec.wrap(payload: Data("hello".utf8), seal: nil) }
    }

    @Test("codec identity")
    func identity() {
        #expect(codec.id == .jxl)
        #expect(codec.fileExtension == "jxl")
        #expect(codec.libraryVersion.hasPrefix("libjxl 0."))
        #expect(codec.supportsLossy)
    }
}
