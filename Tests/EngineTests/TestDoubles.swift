import Codecs
import Foundation
import Formats
import ImageCore
@testable import Engine

/// A minimal source format for pipeline tests that do not depend on a DPX reader:
/// "RAWF", width, height, channels, bit depth (UInt32 LE), the samples (UInt16 LE,
/// planar), then free trailing bytes (kept by the rebuild record, like a DPX's
/// user data).
enum RawFrameFile {
    static func encode(_ p: PixelBuffer, trailer: Data = Data("trailing user data".utf8)) -> Data {
        var d = Data("RAWF".utf8)
        for v in [p.width, p.height, p.channels, p.bitDepth] { d.append(contentsOf: withUnsafeBytes(of: UInt32(v).littleEndian, Array.init)) }
        for s in p.samples { d.append(contentsOf: withUnsafeBytes(of: s.littleEndian, Array.init)) }
        d.append(trailer)
        return d
    }

    struct Record: Codable { var trailer: Data }

    static func read(_ data: Data, name: String) throws -> SourceFrame {
        let bytes = [UInt8](data)
        guard bytes.count >= 20, bytes.prefix(4).elementsEqual("RAWF".utf8) else { throw FormatError(.malformed, file: name, "not a RAWF file") }
        func u32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        let w = u32(4), h = u32(8), c = u32(12), b = u32(16)
        try PixelBuffer.validate(width: w, height: h, channels: c, bitDepth: b)
        let n = w * h * c
        guard bytes.count >= 20 + 2 * n else { throw FormatError(.malformed, file: name, "truncated: \(bytes.count) bytes, samples need \(20 + 2 * n)") }
        var samples = [UInt16](repeating: 0, count: n)
        for i in 0..<n { samples[i] = UInt16(bytes[20 + 2 * i]) | UInt16(bytes[21 + 2 * i]) << 8 }
        let pixels = try PixelBuffer(width: w, height: h, channels: c, bitDepth: b, samples: samples)
        let record = try JSONEncoder().encode(Record(trailer: Data(bytes[(20 + 2 * n)...])))
        return SourceFrame(format: .dpx, pixels: pixels, metadata: FrameMetadata(), rebuildRecord: record, rebuildIsExact: true)
    }

    static func rebuild(_ pixels: PixelBuffer, record: Data) throws -> Data {
        encode(pixels, trailer: try JSONDecoder().decode(Record.self, from: record).trailer)
    }
}

/// A codec stand-in: lossy mode quantises samples with a step that shrinks as the
/// quality parameter grows (never below 2, so lossy is never exact), and pads the
/// payload so its size grows with quality. Lossless stores the samples.
struct QuantisingCodec: Codec {
    var id: CodecID = .j2k
    var fileExtension = "fake"
    var libraryVersion = "quantiser 1"
    var supportsLossy = true
    var knob = QualityKnob(range: 0...100, meaning: "quantiser step exponent")

    static func step(_ q: Double) -> Int { max(2, Int(pow(2, (100 - q) / 12.5))) }

    func encode(_ pixels: PixelBuffer, mode: CodecMode) throws -> Data {
        var p = pixels
        var padding = 0
        if case let .lossy(q) = mode {
            let s = Self.step(q)
            let top = pixels.maxValue
            p.samples = pixels.samples.map { UInt16(min(top, Int($0) / s * s + s / 2)) }
            padding = Int(q * 40)
        } else {
            padding = 6000
        }
        return RawFrameFile.encode(p, trailer: Data(count: padding))
    }

    func wrap(payload: Data, seal: Data?) throws -> Data {
        var d = Data("FWRP".utf8)
        let s = seal ?? Data()
        d.append(contentsOf: withUnsafeBytes(of: UInt32(s.count).littleEndian, Array.init))
        d.append(s)
        d.append(payload)
        return d
    }

    func decode(_ data: Data) throws -> DecodedFrame {
        var seal: Data?
        var payload = data
        if data.prefix(4) == Data("FWRP".utf8) {
            let b = [UInt8](data.prefix(8))
            guard b.count == 8 else { throw CodecError(.malformedData, codec: id, operation: "decode", detail: "short") }
            let n = Int(b[4]) | Int(b[5]) << 8 | Int(b[6]) << 16 | Int(b[7]) << 24
            guard data.count >= 8 + n else { throw CodecError(.malformedData, codec: id, operation: "decode", detail: "short") }
            seal = data.subdata(in: data.startIndex + 8 ..< data.startIndex + 8 + n)
            payload = data.subdata(in: data.startIndex + 8 + n ..< data.endIndex)
        }
        do {
            return DecodedFrame(pixels: try RawFrameFile.read(payload, name: "payload").pixels, seal: seal)
        } catch {
            throw CodecError(.malformedData, codec: id, operation: "decode", detail: "\(error)")
        }
    }
}

extension EngineServices {
    /// The RAWF format and the quantising codec, with the real metrics.
    static let testDoubles = EngineServices(
        read: { data, name in try RawFrameFile.read(data, name: name) },
        rebuild: { pixels, record in try RawFrameFile.rebuild(pixels, record: record) },
        codec: { id, _ in QuantisingCodec(id: id) },
        measure: EngineServices.standard.measure)
}

extension EngineServices {
    /// The RAWF format with the real codecs and metrics (until every source format reads).
    static let rawFilesRealCodecs = EngineServices(
        read: { data, name in try RawFrameFile.read(data, name: name) },
        rebuild: { pixels, record in try RawFrameFile.rebuild(pixels, record: record) },
        codec: EngineServices.standard.codec,
        measure: EngineServices.standard.measure)
}
