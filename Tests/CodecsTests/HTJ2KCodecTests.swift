import Formats
import Foundation
import ImageCore
import Testing
@testable import Codecs
import TestSupport

@Suite("HTJ2K codec")
struct HTJ2KCodecTests {
    /// OpenJPH's block coder reads memory it never wrote on frames whose subbands end
    /// mid-quad (this photograph is 780 pixels wide); the shim makes that memory the same
    /// every time. Before, this frame encoded to 3-4 different sizes over 8 tries.
    @Test("the same frame encodes to the same bytes, whatever the heap held before")
    func encodesDeterministically() throws {
        let frame = try ImageFile.read(contentsOf: Corpus.url("photos/Cannon_log10.dpx")).pixels
        let codec = HTJ2KCodec()
        var payloads = Set<Data>()
        var junk: [[UInt8]] = []
        for i in 0..<8 {
            // Another setting, and buffers of other sizes filled and freed, between tries.
            _ = try codec.encode(frame, mode: .lossy(quality: 5 + Double(i) * 0.37))
            for k in 0..<20 { junk.append([UInt8](repeating: UInt8((i * 31 + k) & 255), count: 1000 + 7919 * k)) }
            if junk.count > 60 { junk.removeFirst(40) }
            payloads.insert(try codec.encode(frame, mode: .lossy(quality: 8.06584233702441)))
        }
        #expect(payloads.count == 1, "\(payloads.map(\.count))")
    }

    let codec = HTJ2KCodec()

    @Test("lossless round trip is exact", arguments: [8, 10, 12, 16], [1, 3, 4])
    func losslessRoundTrip(bitDepth: Int, channels: Int) throws {
        let frame = try HTJ2KFixtures.frame(width: 97, height: 61, channels: channels, bitDepth: bitDepth, seed: UInt64(bitDepth * 10 + channels))
        let payload = try codec.encode(frame, mode: .lossless)
        #expect(payload.prefix(2) == Data([0xFF, 0x4F]))
        #expect(payload.count < frame.samples.count * 2, "lossless should compress a structured frame")
        let decoded = try codec.decode(payload)
        let same = decoded.pixels == frame
        #expect(same, "decoded samples differ")
        #expect(decoded.seal == nil)
    }

    @Test("full-range 16-bit noise survives the reversible colour transform exactly")
    func losslessNoise16() throws {
        var frame = try PixelBuffer(width: 64, height: 33, channels: 3, bitDepth: 16)
        var state: UInt32 = 12345
        for i in frame.samples.indices {
            state = state &* 1_103_515_245 &+ 12345
            frame.samples[i] = UInt16(truncatingIfNeeded: state >> 8)
        }
        let same = try codec.decode(codec.encode(frame, mode: .lossless)).pixels == frame
        #expect(same, "decoded samples differ")
    }

    @Test("odd and tiny sizes round trip", arguments: [(1, 1), (3, 2), (7, 5), (130, 1), (1, 130)])
    func smallSizes(size: (Int, Int)) throws {
        let frame = try HTJ2KFixtures.frame(width: size.0, height: size.1, channels: 3, bitDepth: 10)
        let same = try codec.decode(codec.encode(frame, mode: .lossless)).pixels == frame
        #expect(same, "decoded samples differ")
    }

    @Test("wrapped .jph carries the seal and decodes to the same samples")
    func wrapCarriesSeal() throws {
        let frame = try HTJ2KFixtures.frame(width: 80, height: 48, channels: 3, bitDepth: 12)
        let payload = try codec.encode(frame, mode: .lossless)
        let seal = Data(#"{"tool":"reelpack","profile":"lossless"}"#.utf8)
        let file = try codec.wrap(payload: payload, seal: seal)
        let (_, _, header) = try JP2File.parse(file, codec: .htj2k)
        #expect(header.brand == .jph)
        let decoded = try codec.decode(file)
        let same = decoded.pixels == frame
        #expect(same, "decoded samples differ")
        #expect(decoded.seal == seal)
        #expect(try codec.decode(codec.wrap(payload: payload, seal: nil)).seal == nil)
    }

    @Test("lossy file size grows monotonically with quality and error shrinks")
    func lossyMonotone() throws {
        let frame = try HTJ2KFixtures.frame(width: 128, height: 96, channels: 3, bitDepth: 12)
        var lastSize = 0
        var lastError = Int.max
        for quality in stride(from: 1.0, through: 16.0, by: 1.5) {
            let payload = try codec.encode(frame, mode: .lossy(quality: quality))
            let decoded = try codec.decode(payload).pixels
            #expect(decoded.bitDepth == 12 && decoded.channels == 3)
            let error = zip(decoded.samples, frame.samples).map { abs(Int($0) - Int($1)) }.max() ?? 0
            #expect(payload.count > lastSize, "quality \(quality): \(payload.count) bytes after \(lastSize)")
            #expect(error <= lastError, "quality \(quality): max error \(error) after \(lastError)")
            lastSize = payload.count
            lastError = error
        }
        #expect(lastError <= 2, "the finest step of the sweep should be near lossless")
    }

    @Test("the ends of the quality range encode at every depth", arguments: [8, 16], [1.0, 20.0])
    func qualityRangeEnds(bitDepth: Int, quality: Double) throws {
        let frame = try HTJ2KFixtures.frame(width: 64, height: 64, channels: 3, bitDepth: bitDepth)
        let decoded = try codec.decode(codec.encode(frame, mode: .lossy(quality: quality))).pixels
        #expect(decoded.width == 64 && decoded.bitDepth == bitDepth)
        if quality == 20 {
            let error = zip(decoded.samples, frame.samples).map { abs(Int($0) - Int($1)) }.max() ?? 0
            #expect(error <= 2)
        }
    }

    @Test("samples above the declared depth are refused before encoding")
    func refusesOutOfRangeSamples() throws {
        var frame = try PixelBuffer(width: 8, height: 8, channels: 1, bitDepth: 10)
        frame.samples[5] = 1024
        let error = try #require(throws: CodecError.self) { try codec.encode(frame, mode: .lossless) }
        #expect(error.kind == .unsupportedInput && error.codec == .htj2k)
        #expect(error.detail.contains("1024") && error.detail.contains("10 bits"), "\(error.detail)")
    }

    /// The shim collects OpenJPH's messages per thread: a cut stream's "terminated
    /// early" on one thread must not fail a good decode on another.
    @Test("concurrent decodes keep their own results and messages")
    func concurrentCalls() async throws {
        let frames = try (0..<6).map { try HTJ2KFixtures.frame(width: 90, height: 50, channels: 3, bitDepth: 12, seed: UInt64($0)) }
        let htj2k = codec
        let payloads = try frames.map { try htj2k.encode($0, mode: .lossless) }
        let outcomes = await withTaskGroup(of: (Int, Bool, String).self) { group in
            for i in 0..<24 {
                group.addTask {
                    let k = i % frames.count
                    if i % 2 == 0 {
                        let decoded = try? htj2k.decode(payloads[k]).pixels
                        return (i, decoded == frames[k], "")
                    }
                    // Odd tasks decode a cut stream: OpenJPH reports it on this thread.
                    do {
                        _ = try htj2k.decode(payloads[k].prefix(payloads[k].count / 2))
                        return (i, false, "")
                    } catch let error as CodecError {
                        return (i, error.kind == .malformedData, error.detail)
                    } catch {
                        return (i, false, "\(error)")
                    }
                }
            }
            var all: [(Int, Bool, String)] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        #expect(outcomes.count == 24)
        for (i, ok, detail) in outcomes {
            #expect(ok, "task \(i): \(detail)")
            if i % 2 == 1 { #expect(!detail.isEmpty) }
        }
    }

    @Test("identity: id, extension, library version")
    func identity() {
        #expect(codec.id == .htj2k && codec.fileExtension == "jph" && codec.supportsLossy)
        #expect(codec.libraryVersion.hasPrefix("OpenJPH 0.9"))
        #expect(codec.quantizationStep(forQuality: 10) == Float(pow(2.0, -10.0)))
    }
}

@Suite("HTJ2K corrupt input")
struct HTJ2KCorruptInputTests {
    let codec = HTJ2KCodec()

    func sample() throws -> (frame: PixelBuffer, payload: Data) {
        let frame = try HTJ2KFixtures.frame(width: 96, height: 64, channels: 3, bitDepth: 12, seed: 7)
        return (frame, try codec.encode(frame, mode: .lossless))
    }

    @Test("a codestream cut anywhere is a clean malformed-data error", arguments: [0.0, 0.001, 0.05, 0.1, 0.3, 0.5, 0.9, 0.999])
    func truncated(fraction: Double) throws {
        let (_, payload) = try sample()
        let cut = max(1, min(payload.count - 1, Int(Double(payload.count) * fraction)))
        for data in [payload.prefix(cut), payload.prefix(payload.count - 2)] {
            let error = try #require(throws: CodecError.self) { try codec.decode(Data(data)) }
            #expect(error.kind == .malformedData, "\(error)")
            #expect(!error.detail.isEmpty)
        }
    }

    @Test("a cut .jph file is a clean error")
    func truncatedFile() throws {
        let (_, payload) = try sample()
        let file = try codec.wrap(payload: payload, seal: Data("{}".utf8))
        for cut in [10, 40, 100, file.count / 2, file.count - 1] {
            #expect(throws: CodecError.self) { try codec.decode(file.prefix(cut)) }
        }
    }

    @Test("flipped bytes never crash: each decode fails cleanly or returns the declared geometry")
    func flippedBytes() throws {
        let (frame, payload) = try sample()
        var state: UInt64 = 0x1234_5678
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var failures = 0
        for trial in 0..<300 {
            var data = payload
            // The first 200 bytes hold the main header and the first tile-part header.
            let span = trial % 2 == 0 ? min(200, data.count) : data.count
            for _ in 0..<(1 + next(4)) { data[next(span)] ^= UInt8(1 << next(8)) }
            do {
                let decoded = try codec.decode(data).pixels
                #expect(decoded.samples.count == decoded.width * decoded.height * decoded.channels)
            } catch let error as CodecError {
                failures += 1
                #expect(!error.detail.isEmpty)
            }
        }
        #expect(failures > 0, "some corruptions must be detected")
        _ = frame
    }

    @Test("the library's own message reaches the error")
    func libraryMessage() throws {
        var (_, payload) = try sample()
        // CAP (FF50) follows SIZ; set an unsupported Pcap bit.
        let siz = 2 + 2 + Int(payload[4]) << 8 + Int(payload[5])
        #expect(payload[siz] == 0xFF && payload[siz + 1] == 0x50)
        payload[siz + 4 + 3] |= 0x01
        let error = try #require(throws: CodecError.self) { try codec.decode(payload) }
        #expect(error.kind == .malformedData)
        #expect(error.detail.contains("ojph error"), "\(error.detail)")
    }

    @Test("headers that would trip OpenJPH's assertions are refused before it runs", arguments: [
        ("progression order 7", 6 + 1, UInt8(7)),
        ("wavelet 2", 6 + 9, UInt8(2)),
        ("decomposition levels 6 with QCD for 5", 6 + 5, UInt8(6)),
        ("seven quality layers", 6 + 3, UInt8(7)),
    ])
    func refusedHeaders(name: String, offsetInCOD: Int, value: UInt8) throws {
        var (_, payload) = try sample()
        let cod = try #require(Self.markerOffset(0xFF52, in: payload))
        payload[cod + offsetInCOD - 2] = value
        let error = try #require(throws: CodecError.self) { try codec.decode(payload) }
        #expect(error.detail.contains("COD") || error.detail.contains("QCD"), "\(name): \(error.detail)")
    }

    @Test("a QCD style that contradicts the wavelet is refused")
    func qcdStyleMismatch() throws {
        var (_, payload) = try sample()
        let qcd = try #require(Self.markerOffset(0xFF5C, in: payload))
        payload[qcd + 4] = (payload[qcd + 4] & 0xE0) | 2
        let error = try #require(throws: CodecError.self) { try codec.decode(payload) }
        #expect(error.kind == .malformedData && error.detail.contains("QCD"))
    }

    @Test("oversized or many-component headers are refused before allocating")
    func limits() throws {
        var (_, payload) = try sample()
        payload[8] = 0x7F  // Xsiz ≈ 2.1 billion
        let error = try #require(throws: CodecError.self) { try codec.decode(payload) }
        #expect(error.detail.contains("65536") || error.detail.contains("tile"), "\(error.detail)")
    }

    @Test("foreign bytes are a clean error", arguments: [Data(), Data([0xFF]), Data([0xFF, 0x4F, 0xFF, 0x51]), Data("not an image".utf8)])
    func foreignBytes(data: Data) {
        #expect(throws: CodecError.self) { try codec.decode(data) }
    }

    /// Offset of `marker` in the main header (walking segments after SIZ).
    static func markerOffset(_ marker: UInt16, in data: Data) -> Int? {
        var at = 2
        while at + 4 <= data.count {
            let m = UInt16(data[at]) << 8 | UInt16(data[at + 1])
            if m == marker { return at }
            if m == 0xFF90 { return nil }
            at += 2 + (Int(data[at + 2]) << 8 | Int(data[at + 3]))
        }
        return nil
    }
}

