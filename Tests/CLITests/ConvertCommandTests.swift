import Foundation
import Formats
import ImageCore
import TestSupport
import Testing

/// `reelpack convert` carries frames between DPX and TIFF and back without loss.
@Suite struct ConvertCommandTests {
    @Test(arguments: ["third-party/oiio_rgb10_filledA.dpx", "third-party/oiio_rgb12.dpx", "third-party/ffmpeg_gray.dpx",
                      "third-party/dpx_nuke_16bits_rgba.dpx", "third-party/ffmpeg_gbrp12le.dpx", "third-party/oiio_luma10.dpx"])
    func dpxToTIFFAndBackIsByteForByte(_ path: String) throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let tif = dir.file("frame.tif"), back = dir.file("frame.dpx")
        let r1 = try ReelpackBinary.run(["convert", Corpus.url(path).path, tif.path])
        #expect(r1.status == 0, "\(String(decoding: r1.stderr, as: UTF8.self))")
        // The TIFF is 16-bit for 10/12-bit sources (8-bit stays 8) and readable by libtiff.
        let info = try TIFF.info(try Data(contentsOf: tif))
        let source = try DPXReader.header(contentsOf: Corpus.url(path))
        #expect(info.bitsPerSample == (source.layout.bitDepth == 8 ? 8 : 16))
        #expect(info.recordedBitDepth == nil || info.recordedBitDepth == source.layout.bitDepth)
        let r2 = try ReelpackBinary.run(["convert", tif.path, back.path])
        #expect(r2.status == 0, "\(String(decoding: r2.stderr, as: UTF8.self))")
        let same = try Data(contentsOf: back) == Data(contentsOf: Corpus.url(path))
        #expect(same, "\(path) did not come back byte for byte")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
    }

    @Test func plainTIFFBecomesANewDPXWithTheSameSamples() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = Corpus.url("third-party/flower-rgb-contig-16.tif"), out = dir.file("flower.dpx")
        let r = try ReelpackBinary.run(["convert", src.path, out.path])
        #expect(r.status == 0, "\(String(decoding: r.stderr, as: UTF8.self))")
        let dpx = try DPXReader.read(try Data(contentsOf: out))
        let tiff = try TIFF.read(try Data(contentsOf: src))
        #expect(dpx.pixels.bitDepth == 16)
        let same = dpx.pixels == tiff.pixels
        #expect(same)
    }

    @Test func refusesToOverwriteItsInput() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let file = dir.file("a.dpx")
        let original = try Data(contentsOf: Corpus.url("third-party/ffmpeg_gray.dpx"))
        try original.write(to: file)
        let r = try ReelpackBinary.run(["convert", file.path, file.path])
        #expect(r.status == 1)
        #expect(try Data(contentsOf: file) == original)
    }

    @Test func damagedInputExitsOneWithOneLineAndWritesNothing() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        var data = try Data(contentsOf: Corpus.url("third-party/ffmpeg_gbrp10be.dpx"))
        data[772] = 0x7F   // width of 2^31-ish
        let bad = dir.file("bad_0001.dpx"), out = dir.file("out.tif")
        try data.write(to: bad)
        let r = try ReelpackBinary.run(["convert", bad.path, out.path])
        #expect(r.status == 1)
        let message = String(decoding: r.stderr, as: UTF8.self).trimmingCharacters(in: .newlines)
        #expect(message.contains(bad.path) && !message.contains("\n"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["bad_0001.dpx"])
    }

    @Test func unknownOutputExtensionIsAUsageError() throws {
        let r = try ReelpackBinary.run(["convert", Corpus.url("third-party/ffmpeg_gray.dpx").path, "/tmp/x.png"])
        #expect(r.status == 2)
    }
}
