import Foundation
import Testing
@testable import Codecs
import TestSupport

/// A SOC + SIZ header (all a container needs to check) followed by `tail` bytes.
func fakeCodestream(width: Int, height: Int, channels: Int, bitDepth: Int, tail: Int = 100) -> Data {
    var d = Data([0xFF, 0x4F, 0xFF, 0x51])
    ISOBox.appendUInt16(&d, UInt16(38 + 3 * channels))
    ISOBox.appendUInt16(&d, 0)
    for v in [width, height, 0, 0, width, height, 0, 0] { ISOBox.appendUInt32(&d, UInt32(v)) }
    ISOBox.appendUInt16(&d, UInt16(channels))
    for _ in 0..<channels { d.append(contentsOf: [UInt8(bitDepth - 1), 1, 1]) }
    d.append(contentsOf: (0..<tail).map { UInt8(truncatingIfNeeded: $0 &* 37) })
    return d
}

@Suite("ISO boxes")
struct ISOBoxTests {
    @Test func writesAndReadsBoxesInOrder() throws {
        let a = ISOBox(type: "abcd", payload: Data([1, 2, 3]))
        let b = ISOBox(type: "uuid", payload: Data())
        let bytes = a.serialized() + b.serialized()
        #expect(bytes.count == 11 + 8)
        let read = try ISOBox.readAll(bytes, codec: .jxl)
        #expect(read.map(\.type) == ["abcd", "uuid"])
        #expect(read[0].payload == Data([1, 2, 3]))
        #expect(read[1].offset == 11)
    }

    @Test func readsLargeSizeAndToEndOfFile() throws {
        // length 1 + 64-bit largesize, then a last box with length 0 (to the end).
        var bytes = Data()
        ISOBox.appendUInt32(&bytes, 1)
        ISOBox.appendUInt32(&bytes, (BoxType("jxlc") as BoxType).rawValue)
        ISOBox.appendUInt64(&bytes, 16 + 2)
        bytes.append(contentsOf: [9, 8])
        ISOBox.appendUInt32(&bytes, 0)
        ISOBox.appendUInt32(&bytes, (BoxType("jp2c") as BoxType).rawValue)
        bytes.append(contentsOf: [7, 7, 7])
        let read = try ISOBox.readAll(bytes, codec: .jxl)
        #expect(read.count == 2)
        #expect(read[0].headerLength == 16 && read[0].payload == Data([9, 8]))
        #expect(read[1].type == "jp2c" && read[1].payload == Data([7, 7, 7]))
    }

    @Test func readsBoxesFromASliceOfLargerData() throws {
        let bytes = Data([0xAA, 0xBB]) + ISOBox.serialize(type: "free", payload: Data([5]))
        let read = try ISOBox.readAll(bytes.dropFirst(2), codec: .j2k)
        #expect(read.first?.payload == Data([5]))
    }

    @Test(arguments: [
        ("short header", Data([0, 0, 0])),
        ("length past end", Data([0, 0, 0, 20, 0x6A, 0x70, 0x32, 0x63, 1, 2])),
        ("length below header", Data([0, 0, 0, 4, 0x6A, 0x70, 0x32, 0x63])),
        ("binary type", Data([0, 0, 0, 8, 0, 1, 2, 3])),
        ("huge largesize", Data([0, 0, 0, 1, 0x6A, 0x70, 0x32, 0x63, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])),
        ("cut largesize", Data([0, 0, 0, 1, 0x6A, 0x70, 0x32, 0x63, 0, 0])),
    ])
    func garbageThrowsMalformed(_ name: String, _ bytes: Data) {
        #expect { try ISOBox.readAll(bytes, codec: .jxl) } throws: { error in
            (error as? CodecError)?.kind == .malformedData && (error as? CodecError)?.codec == .jxl
        }
    }
}

@Suite("JP2 container")
struct ContainerTests {
    static let seal = Data(#"{"tool":"reelpack","profile":"C1","é":"✓"}"#.utf8)

    @Test(arguments: [(1, 8), (3, 10), (3, 12), (4, 16), (2, 16)], [JP2File.Brand.jp2, .jph])
    func wrapThenParseGivesBackCodestreamSealAndHeader(_ format: (channels: Int, bits: Int), brand: JP2File.Brand) throws {
        let cs = fakeCodestream(width: 321, height: 123, channels: format.channels, bitDepth: format.bits)
        let file = try JP2File.wrap(codestream: cs, width: 321, height: 123, channels: format.channels,
                                    bitDepth: format.bits, brand: brand, seal: Self.seal)
        let parsed = try JP2File.parse(file)
        #expect(parsed.codestream == cs)
        #expect(parsed.seal == Self.seal)
        #expect(parsed.header.brand == brand)
        #expect(parsed.header.width == 321 && parsed.header.height == 123)
        #expect(parsed.header.channels == format.channels && parsed.header.bitDepth == format.bits)
        #expect(parsed.header.enumeratedColourSpace == (format.channels >= 3 ? 16 : 17))
        #expect(parsed.header.opacityChannel == (format.channels % 2 == 0 ? format.channels - 1 : nil))
    }

    @Test func layoutFollowsTheStandard() throws {
        let cs = fakeCodestream(width: 8, height: 4, channels: 3, bitDepth: 10)
        let file = try JP2File.wrap(codestream: cs, width: 8, height: 4, channels: 3, bitDepth: 10, brand: .jph, seal: Self.seal)
        let boxes = try ISOBox.readAll(file, codec: .htj2k)
        #expect(boxes.map(\.type.description) == ["jP  ", "ftyp", "jp2h", "uuid", "jp2c"])
        #expect(boxes[1].payload == Data("jph ".utf8) + Data([0, 0, 0, 0]) + Data("jph ".utf8))
        let ihdr = try #require(try boxes[2].children(codec: .htj2k).first)
        #expect(ihdr.type == "ihdr")
        #expect(ihdr.payload == Data([0, 0, 0, 4, 0, 0, 0, 8, 0, 3, 9, 7, 0, 0]))
        #expect(boxes[3].payload.prefix(16) == Data(JP2File.sealUUID))
    }

    @Test func withoutSealThereIsNoUUIDBox() throws {
        let cs = fakeCodestream(width: 8, height: 4, channels: 1, bitDepth: 12)
        let file = try JP2File.wrap(codestream: cs, width: 8, height: 4, channels: 1, bitDepth: 12, brand: .jp2, seal: nil)
        #expect(try ISOBox.readAll(file, codec: .j2k).contains { $0.type == "uuid" } == false)
        #expect(try JP2File.parse(file).seal == nil)
    }

    @Test func bareCodestreamParsesWithoutSeal() throws {
        let cs = fakeCodestream(width: 40, height: 30, channels: 4, bitDepth: 12)
        let parsed = try JP2File.parse(cs)
        #expect(parsed.codestream == cs && parsed.seal == nil && parsed.header.brand == nil)
        #expect(parsed.header.width == 40 && parsed.header.channels == 4 && parsed.header.bitDepth == 12)
    }

    @Test func wrapRefusesACodestreamThatDisagreesWithTheGeometry() {
        let cs = fakeCodestream(width: 8, height: 4, channels: 3, bitDepth: 10)
        #expect(throws: CodecError.self) {
            try JP2File.wrap(codestream: cs, width: 9, height: 4, channels: 3, bitDepth: 10, brand: .jp2, seal: nil)
        }
        #expect(throws: CodecError.self) {
            try JP2File.wrap(codestream: Data("not a codestream".utf8), width: 8, height: 4, channels: 3, bitDepth: 10, brand: .jp2, seal: nil)
        }
    }

    /// Every truncation and many byte flips of a valid file either parse or throw
    /// `CodecError`: never a trap.
    @Test func truncatedAndCorruptedFilesThrowCleanErrors() throws {
        let cs = fakeCodestream(width: 16, height: 16, channels: 3, bitDepth: 10, tail: 20)
        let file = try JP2File.wrap(codestream: cs, width: 16, height: 16, channels: 3, bitDepth: 10, brand: .jp2, seal: Self.seal)
        var malformed = 0
        for cut in 0..<file.count {
            do {
                _ = try JP2File.parse(file.prefix(cut))
            } catch let error as CodecError {
                #expect(error.kind == .malformedData)
                malformed += 1
            }
        }
        // Cutting inside the codestream tail still leaves a readable header, but
        // any cut that reaches into a box header or length must be caught.
        #expect(malformed >= file.count - 20)
        for i in 0..<file.count {
            for flip: UInt8 in [0xFF, 0x80, 0x01] {
                var bad = file
                bad[i] ^= flip
                do { _ = try JP2File.parse(bad) } catch is CodecError {}
            }
        }
    }

    @Test func foreignDataIsMalformed() {
        #expect { try JP2File.parse(Data("II*\0 this is a tiff".utf8)) } throws: { ($0 as? CodecError)?.kind == .malformedData }
        #expect { try JP2File.parse(Data()) } throws: { ($0 as? CodecError)?.kind == .malformedData }
    }

    /// Our container around a codestream made by OpenJPEG's own encoder opens in
    /// `opj_dump` and `opj_decompress` as a JP2 with the declared geometry.
    @Test func openJPEGToolsAcceptOurFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // A 10-bit 64×48 gradient as a 16-bit PGM.
        var pgm = Data("P5\n64 48\n1023\n".utf8)
        for y in 0..<48 { for x in 0..<64 { ISOBox.appendUInt16(&pgm, UInt16((x * 16 + y * 5) % 1024)) } }
        try pgm.write(to: dir.file("in.pgm"))
        try ExternalTool.run(["opj_compress", "-i", dir.file("in.pgm").path, "-o", dir.file("in.j2k").path])
        let cs = try Data(contentsOf: dir.file("in.j2k"))
        let file = try JP2File.wrap(codestream: cs, width: 64, height: 48, channels: 1, bitDepth: 10, brand: .jp2, seal: Self.seal)
        try file.write(to: dir.file("ours.jp2"))
        let dump = String(decoding: try ExternalTool.run(["opj_dump", "-i", dir.file("ours.jp2").path]), as: UTF8.self)
        #expect(dump.contains("x1=64, y1=48"))
        #expect(dump.contains("prec=10"))
        try ExternalTool.run(["opj_decompress", "-i", dir.file("ours.jp2").path, "-o", dir.file("out.pgm").path])
        let out = try Data(contentsOf: dir.file("out.pgm"))
        #expect(out.suffix(64 * 48 * 2) == pgm.suffix(64 * 48 * 2))
    }
}
