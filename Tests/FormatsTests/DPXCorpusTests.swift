import Foundation
import Formats
import ImageCore
import TestSupport
import Testing

/// Every corpus DPX reads and rebuilds byte for byte from its samples and record.
@Suite struct DPXCorpusTests {
    @Test(arguments: Corpus.allDPX)
    func rebuildReproducesTheFileByteForByte(_ path: String) throws {
        let data = try Data(contentsOf: Corpus.url(path))
        let frame = try ImageFile.read(data, name: path)
        #expect(frame.format == .dpx)
        #expect(frame.rebuildIsExact)
        let rebuilt = try ImageFile.rebuild(pixels: frame.pixels, record: frame.rebuildRecord)
        #expect(rebuilt.count == data.count)
        let same = rebuilt == data
        #expect(same, "\(path): rebuilt file differs from byte \(firstDifference(rebuilt, data) ?? -1)")
        // Compact: the record is about the size of the header, not of the image.
        let record = try DPXRebuildRecord.decode(frame.rebuildRecord)
        #expect(frame.rebuildRecord.count < 16 * 1024 && record.headerLength > 0, "\(path): record is \(frame.rebuildRecord.count) bytes")
    }

    @Test(arguments: Corpus.allDPX)
    func headerOnlyParseAgreesWithFullRead(_ path: String) throws {
        let url = Corpus.url(path)
        let header = try DPXReader.header(contentsOf: url)
        let image = try DPXReader.read(try Data(contentsOf: url), name: path)
        #expect(header == image.header)
        #expect(header.layout.width == image.pixels.width && header.layout.height == image.pixels.height)
        #expect(header.layout.bitDepth == image.pixels.bitDepth)
        try image.pixels.validateSampleRange()
    }

    /// Samples of one picture stored in different DPX flavours are identical.
    @Test(arguments: [
        ("third-party/oiio_rgb10_filledA.dpx", "third-party/oiio_rgb10_filledB.dpx"),
        ("third-party/oiio_rgb10_filledA.dpx", "third-party/oiio_rgb10_packed.dpx"),
        ("third-party/ffmpeg_gbrp10be.dpx", "third-party/ffmpeg_gbrp10le.dpx"),
        ("third-party/ffmpeg_gbrp12be.dpx", "third-party/ffmpeg_gbrp12le.dpx"),
        ("third-party/ffmpeg_rgb48be.dpx", "third-party/ffmpeg_rgb48le.dpx"),
        ("third-party/oiio_rgb12.dpx", "third-party/ffmpeg_gbrp12le.dpx"),
    ])
    func flavoursOfOnePictureDecodeAlike(_ a: String, _ b: String) throws {
        let pa = try DPXReader.read(try Data(contentsOf: Corpus.url(a)), name: a).pixels
        let pb = try DPXReader.read(try Data(contentsOf: Corpus.url(b)), name: b).pixels
        let same = pa == pb
        #expect(same, "\(a) and \(b) decode differently")
    }

    @Test func nukeFileNamed16BitIsTenBitWithAWarningAboutItsSize() throws {
        let path = "third-party/dpx_nuke_16bits_rgba.dpx"
        let image = try DPXReader.read(try Data(contentsOf: Corpus.url(path)), name: path)
        #expect(image.pixels.bitDepth == 10)
        #expect(image.pixels.channels == 4)
        #expect(image.header.file.version == "V1.0")
        #expect(image.header.warnings.contains { $0.contains("file size") })
        #expect(image.metadata.creator == "Nuke")
        #expect(image.metadata.creationDate == "2011:03:08:14:47:01:PST")
        #expect(image.metadata.descriptor == .rgba)
    }

    @Test func ffmpegFilesHaveNoIndustryHeaderAndImageDataAt1664() throws {
        let path = "third-party/ffmpeg_rgb24.dpx"
        let header = try DPXReader.header(try Data(contentsOf: Corpus.url(path)), name: path)
        #expect(header.layout.dataOffset == 1664)
        #expect(header.film == nil && header.television == nil)
        #expect(header.file.creator == "Lavc59.37.100")
        #expect(header.frameMetadata.transfer == "linear")
        #expect(header.frameMetadata.timecode == nil)
    }

    @Test(arguments: [
        ("third-party/oiio_rgb10_filledA.dpx", 10, DPXPacking.filledA, DPXByteOrder.little, 3),
        ("third-party/oiio_rgb10_filledB.dpx", 10, .filledB, .little, 3),
        ("third-party/oiio_rgb10_packed.dpx", 10, .packed, .little, 3),
        ("third-party/oiio_luma10.dpx", 10, .packed, .little, 1),
        ("third-party/oiio_rgb12.dpx", 12, .packed, .little, 3),
        ("third-party/ffmpeg_gbrp12be.dpx", 12, .filledA, .big, 3),
        ("third-party/ffmpeg_gray.dpx", 8, .packed, .little, 1),
        ("third-party/ffmpeg_rgba64be.dpx", 16, .packed, .big, 4),
        ("sequence/beachball_0001.dpx", 10, .filledA, .little, 3),
    ])
    func layoutIsResolved(_ path: String, _ bits: Int, _ packing: DPXPacking, _ order: DPXByteOrder, _ channels: Int) throws {
        let header = try DPXReader.header(contentsOf: Corpus.url(path))
        #expect(header.layout.bitDepth == bits)
        #expect(header.layout.packing == packing)
        #expect(header.layout.byteOrder == order)
        #expect(header.layout.channels == channels)
    }
}

/// Index of the first element where two collections differ (or where the shorter ends), nil when equal.
/// Tests report this instead of letting a failed `#expect` print megabytes.
func firstDifference<C: Collection>(_ a: C, _ b: C) -> Int? where C.Element: Equatable {
    var i = 0
    var ia = a.startIndex, ib = b.startIndex
    while ia != a.endIndex, ib != b.endIndex {
        if a[ia] != b[ib] { return i }
        a.formIndex(after: &ia); b.formIndex(after: &ib); i += 1
    }
    return ia == a.endIndex && ib == b.endIndex ? nil : i
}
