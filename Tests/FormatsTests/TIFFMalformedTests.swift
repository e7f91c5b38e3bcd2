import Foundation
import Formats
import ImageCore
import TestSupport
import Testing

/// A classic little-endian TIFF made by hand: one directory of single-valued
/// SHORT/LONG entries, so a header can say anything.
enum CraftedTIFF {
    static func make(_ entries: [(tag: UInt16, value: UInt32)], payload: [UInt8] = []) -> Data {
        var bytes: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0]
        func u16(_ v: UInt16) { bytes += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) { bytes += (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        let sorted = entries.sorted { $0.tag < $1.tag }
        u16(UInt16(sorted.count))
        for e in sorted {
            u16(e.tag)
            u16(4)   // LONG
            u32(1)
            u32(e.value)
        }
        u32(0)
        return Data(bytes + payload)
    }

    /// A header for a `width`×`height` image whose one strip is `payload`, placed after the directory.
    static func image(width: UInt32, height: UInt32, samples: UInt32 = 1, bits: UInt32 = 8,
                      compression: UInt32 = 1, payload: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
                      stripOffset: UInt32? = nil) -> Data {
        let directoryEnd = UInt32(8 + 2 + 10 * 12 + 4)
        var entries: [(tag: UInt16, value: UInt32)] = [
            (256, width), (257, height), (259, compression), (262, samples >= 3 ? 2 : 1),
            (273, stripOffset ?? directoryEnd), (277, samples), (278, height), (279, UInt32(payload.count)),
        ]
        entries.append((258, bits))
        entries.append((284, 1))
        return make(entries, payload: payload)
    }
}

@Suite("TIFF damaged and hostile input")
struct TIFFMalformedTests {
    static let cuts: [Double] = [0, 0.001, 0.1, 0.5, 0.9, 0.999]

    @Test("truncated corpus TIFFs give a clean error naming the file", arguments: Corpus.allTIFF, cuts)
    func truncated(_ file: String, _ fraction: Double) throws {
        let data = try Data(contentsOf: Corpus.url(file))
        let cut = data.prefix(fraction == 0 ? 0 : max(8, Int(Double(data.count) * fraction)))
        let name = "\(file)@\(cut.count)"
        let error = try #require(throws: FormatError.self) { try TIFF.read(cut, name: name) }
        #expect(error.file == name)
        #expect(error.kind == .malformed, "\(error)")
    }

    @Test("garbage is not mistaken for a TIFF", arguments: [
        Data(), Data("hello world, not a tiff at all".utf8), Data([0x49, 0x49, 42, 0, 0xFF, 0xFF, 0xFF, 0x7F]),
        Data([0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0xFF, 0xFF]), Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 37) }),
    ])
    func garbage(_ data: Data) throws {
        let error = try #require(throws: FormatError.self) { try TIFF.read(data, name: "garbage.tif") }
        #expect(error.file == "garbage.tif")
        #expect((try? TIFF.info(data)) == nil)
    }

    @Test("a crafted header cannot make Reelpack allocate what it declares", arguments: [
        (CraftedTIFF.image(width: 100_000, height: 10), FormatError.Kind.limitExceeded),
        (CraftedTIFF.image(width: 60_000, height: 60_000, samples: 3, bits: 16), .limitExceeded),
        (CraftedTIFF.image(width: 30_000, height: 30_000, bits: 16), .malformed),              // uncompressed, 10 bytes stored
        (CraftedTIFF.image(width: 30_000, height: 30_000, bits: 16, compression: 8), .malformed),  // Deflate cannot expand so far
        (CraftedTIFF.image(width: 30_000, height: 30_000, compression: 32773), .malformed),      // nor PackBits
        (CraftedTIFF.image(width: 4, height: 2, stripOffset: 1_000_000), .malformed),           // strip beyond the end
        (CraftedTIFF.image(width: 30_000, height: 30_000, bits: 16, compression: 50000), .limitExceeded), // one 1.8 GB strip
        (CraftedTIFF.image(width: 11_000, height: 11_000, bits: 16, compression: 50000), .malformed),  // not zstd data
        (CraftedTIFF.image(width: 40, height: 2, compression: 8), .malformed),                  // not Deflate data
    ])
    func craftedHeader(_ data: Data, _ kind: FormatError.Kind) throws {
        let error = try #require(throws: FormatError.self) { try TIFF.read(data, name: "crafted.tif") }
        #expect(error.kind == kind, "\(error)")
        #expect(error.file == "crafted.tif")
    }

    @Test("a valid crafted header reads, so the rejections above are about the values")
    func craftedControl() throws {
        let image = try TIFF.read(CraftedTIFF.image(width: 5, height: 2), name: "crafted.tif")
        #expect(image.pixels.samples == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    }

    @Test("25: a strip at offset 0, or over the directory, is refused naming the file, not decoded from the header",
          arguments: [0 as UInt32, 4, 20, 100])
    func stripOverlappingHeaderOrDirectoryIsRefused(_ offset: UInt32) throws {
        // The directory of `CraftedTIFF.image` spans bytes 8..<134.
        let data = CraftedTIFF.image(width: 4, height: 2, stripOffset: offset)
        let error = try #require(throws: FormatError.self) { try TIFF.read(data, name: "overlap.tif") }
        #expect(error.kind == .malformed)
        #expect(error.file == "overlap.tif")
        #expect(error.reason.contains("strip 0") && error.reason.contains("overlaps the"), "\(error)")
    }

    @Test("25: PackBits declared over raw samples decodes to the wrong size and is refused naming the file")
    func packBitsOverRawDataIsRefused() throws {
        // 8 raw samples stored as they are, but declared PackBits: 0xC8 repeats the next byte 57 times.
        let raw: [UInt8] = [200, 201, 202, 203, 204, 205, 206, 207]
        let data = CraftedTIFF.image(width: 4, height: 2, compression: 32773, payload: raw)
        let error = try #require(throws: FormatError.self) { try TIFF.read(data, name: "packbits.tif") }
        #expect(error.kind == .malformed)
        #expect(error.file == "packbits.tif")
        #expect(error.reason.contains("strip 0"), "\(error)")
        // Real PackBits of the same samples (one literal run of 8) reads.
        let packed = CraftedTIFF.image(width: 4, height: 2, compression: 32773, payload: [7] + raw)
        #expect(try TIFF.read(packed, name: "packbits.tif").pixels.samples == raw.map(UInt16.init))
    }

    @Test("a damaged frame record is reported, not ignored")
    func damagedFrameRecord() throws {
        let frame = TestFrames.noise(channels: 1, bitDepth: 10)
        var data = try TIFF.write(frame)
        let marker = Data("\"bitDepth\"".utf8)
        let range = try #require(data.range(of: marker))
        data.replaceSubrange(range, with: Data("\"bitDeptX\"".utf8))
        let error = try #require(throws: FormatError.self) { try TIFF.read(data, name: "frame.tif") }
        #expect(error.kind == .malformed && error.reason.contains("ReelpackFrame"))
    }
}
