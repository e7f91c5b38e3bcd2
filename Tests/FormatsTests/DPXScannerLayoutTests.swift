import Foundation
import Formats
import ImageCore
import TestSupport
import Testing

/// 10-bit luma and RGBA as Scanity and Lasergraphics scanners write them (issue 17,
/// item 26): samples three to a word straight across row ends, filled method A or B,
/// either byte order, frames as small as 1×1, spare bits set, frame padding. Reelpack
/// refused such files as "truncated image data"; it now reads the samples the scanner
/// stored and rebuilds every byte, padding bits included.
@Suite struct DPXScannerLayoutTests {
    static let sizes: [(Int, Int)] = [(31, 25), (4, 4), (5, 4), (7, 4), (1, 1), (2, 1), (64, 3)]

    /// Reads `data` and checks the samples against `fixture` and the rebuild against the bytes.
    static func expectExact(_ data: Data, _ fixture: ScannerDPX, spanning: Bool = true,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        let image = try DPXReader.read(data, name: "scan.dpx")
        let label = "\(fixture.width)×\(fixture.height)×\(fixture.channels) \(fixture.packing) \(fixture.byteOrder) \(fixture.writer)"
        #expect(image.header.layout.samplesSpanRows == spanning, "\(label)", sourceLocation: sourceLocation)
        let same = try image.pixels == fixture.pixels()
        #expect(same, "samples differ: \(label)", sourceLocation: sourceLocation)
        let frame = try ImageFile.read(data, name: "scan.dpx")
        let rebuilt = try ImageFile.rebuild(pixels: frame.pixels, record: frame.rebuildRecord)
        #expect(rebuilt == data, "rebuild differs at byte \(firstDifference(rebuilt, data) ?? -1): \(label)", sourceLocation: sourceLocation)
    }

    @Test("26: Scanity and Lasergraphics 10-bit luma whose samples span rows reads and rebuilds exactly",
          arguments: [ScannerDPX.Writer.scanity, .lasergraphics], [DPXPacking.filledA, .filledB])
    func scannerLumaSpanningRowsIsExact(_ writer: ScannerDPX.Writer, _ packing: DPXPacking) throws {
        for (w, h) in Self.sizes {
            for order in [DPXByteOrder.big, .little] {
                for padded in [false, true] {
                    let fixture = ScannerDPX(width: w, height: h, packing: packing, byteOrder: order, writer: writer,
                                             paddingBitsSet: padded)
                    try Self.expectExact(try fixture.file(), fixture)
                }
            }
        }
    }

    @Test("26: scanner files with frame padding after the last word keep it (the tiny 4×4 Scanity frames)")
    func scannerFramePaddingIsKept() throws {
        for padding in [4, 24, 64] {
            for (w, h) in Self.sizes {
                let fixture = ScannerDPX(width: w, height: h, packing: .filledB, writer: .scanity,
                                         paddingBitsSet: true, framePadding: padding, dataOffset: 2048)
                try Self.expectExact(try fixture.file(), fixture)
            }
        }
    }

    @Test("26: RGBA from a Lasergraphics scanner spans rows too", arguments: [DPXPacking.filledA, .filledB])
    func lasergraphicsRGBASpansRows(_ packing: DPXPacking) throws {
        for (w, h) in [(5, 4), (7, 3), (1, 1)] {
            let fixture = ScannerDPX(width: w, height: h, channels: 4, packing: packing, writer: .lasergraphics,
                                     paddingBitsSet: true)
            try Self.expectExact(try fixture.file(), fixture)
        }
    }

    @Test("26: an unnamed writer's spanning rows are told by the file's size, with a warning")
    func unnamedSpanningRowsAreToldBySize() throws {
        // 31×25 luma: 259 words across rows, 275 word-aligned: only spanning fits.
        let fixture = ScannerDPX(width: 31, height: 25, packing: .filledA, writer: .unnamed, paddingBitsSet: true)
        let data = try fixture.file()
        try Self.expectExact(data, fixture)
        let header = try DPXReader.header(data)
        #expect(header.warnings.contains { $0.contains("across row ends") }, "\(header.warnings)")
        // The header-only parse from a file's first bytes agrees.
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let url = dir.file("scan.dpx")
        try data.write(to: url)
        #expect(try DPXReader.header(contentsOf: url).layout == header.layout)
    }

    @Test("26: an unnamed writer whose word-aligned rows fit is read word-aligned, as the standard says")
    func unnamedAlignedRowsStayAligned() throws {
        let pixels = try ScannerDPX(width: 5, height: 4, packing: .filledB).pixels()
        let data = try DPXWriter.write(pixels, options: DPXWriteOptions(packing: .filledB))
        let image = try DPXReader.read(data)
        #expect(!image.header.layout.samplesSpanRows)
        #expect(image.pixels == pixels)
        #expect(image.header.warnings.isEmpty, "\(image.header.warnings)")
    }

    @Test("26: a record of a row-aligned file is unchanged by the spanning-rows field; a damaged spanning record is refused")
    func recordsStayCompatibleAndChecked() throws {
        let aligned = try DPXLayout(width: 5, height: 4, channels: 1, bitDepth: 10, packing: .filledA,
                                    byteOrder: .big, dataOffset: 2048)
        let json = String(decoding: try JSONEncoder().encode(aligned), as: UTF8.self)
        #expect(!json.contains("span"), "\(json)")
        let fixture = ScannerDPX(width: 5, height: 4, packing: .filledA)
        let frame = try ImageFile.read(try fixture.file())
        var record = try DPXRebuildRecord.decode(frame.rebuildRecord)
        #expect(record.layout.samplesSpanRows)
        #expect(record.layout.dataBytes == fixture.imageDataBytes)
        record.layout.bitDepth = 12
        #expect(throws: FormatError.self) { try DPXWriter.rebuild(pixels: frame.pixels, record: record) }
    }
}
