import Foundation
import Formats
import ImageCore
import TestSupport
import Testing

/// `ImageFile` reads any source by its magic and rebuilds it from samples and record.
@Suite struct ImageFileTests {
    @Test(arguments: ["photos/Carrots_srgb16.tif", "third-party/flower-minisblack-16.tif", "third-party/oiio_rgb8.tif"])
    func tiffReadsAndRebuildsWithTheSameSamples(_ path: String) throws {
        let frame = try ImageFile.read(try Data(contentsOf: Corpus.url(path)), name: path)
        #expect(frame.format == .tiff)
        #expect(!frame.rebuildIsExact)
        let rebuilt = try ImageFile.rebuild(pixels: frame.pixels, record: frame.rebuildRecord)
        let again = try ImageFile.read(rebuilt)
        let same = again.pixels == frame.pixels
        #expect(same)
    }

    @Test func unknownMagicIsMalformedAndNamesTheFile() {
        do {
            _ = try ImageFile.read(Data("PNG?not an image".utf8), name: "frame.png")
            Issue.record("read succeeded")
        } catch let error as FormatError {
            #expect(error.kind == .malformed && error.file == "frame.png")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func rebuildRefusesARecordThatDoesNotFitTheSamples() throws {
        let path = "third-party/ffmpeg_gray.dpx"
        let frame = try ImageFile.read(try Data(contentsOf: Corpus.url(path)), name: path)
        let other = try PixelBuffer(width: 10, height: 10, channels: 1, bitDepth: 8)
        #expect(throws: FormatError.self) { try ImageFile.rebuild(pixels: other, record: frame.rebuildRecord) }
        #expect(throws: FormatError.self) { try ImageFile.rebuild(pixels: frame.pixels, record: Data("{}".utf8)) }
        #expect(throws: FormatError.self) { try ImageFile.rebuild(pixels: frame.pixels, record: Data("not json".utf8)) }
        var record = try DPXRebuildRecord.decode(frame.rebuildRecord)
        record.patches = "////"   // varints that never end
        let damaged = try record.encoded()
        #expect(throws: FormatError.self) { try ImageFile.rebuild(pixels: frame.pixels, record: damaged) }
    }

    @Test func tenBitSamplesAboveTheirDepthAreRefusedByTheRebuild() throws {
        let path = "third-party/oiio_rgb10_filledA.dpx"
        let frame = try ImageFile.read(try Data(contentsOf: Corpus.url(path)), name: path)
        var pixels = try frame.pixels.redeclared(bitDepth: 16)
        pixels.samples[0] = 4000
        #expect(throws: FormatError.self) { try ImageFile.rebuild(pixels: pixels, record: frame.rebuildRecord) }
    }
}
