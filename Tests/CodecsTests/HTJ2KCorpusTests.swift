import Foundation
import Formats
import ImageCore
import Testing
@testable import Codecs
import TestSupport

/// HTJ2K on real frames written by other software (the shared corpus).
@Suite("HTJ2K on corpus frames")
struct HTJ2KCorpusTests {
    let codec = HTJ2KCodec()

    static let tiffs = Corpus.allTIFF
    /// Every flavour of DPX other software wrote, one photo per encoding, one 2K sequence frame.
    static let dpxs = Corpus.files(in: "third-party", suffix: ".dpx")
        + ["photos/Desk_log10.dpx", "photos/Carrots_709_12.dpx", "photos/StillLife_bw_log10.dpx", "sequence/beachball_0001.dpx"]

    @Test("lossless round trip is exact on corpus DPX frames (8, 10, 12, 16 bit; luma, RGB, RGBA)", arguments: dpxs)
    func losslessDPX(path: String) throws {
        let pixels = try ImageFile.read(contentsOf: Corpus.url(path)).pixels
        let payload = try codec.encode(pixels, mode: .lossless)
        let decoded = try codec.decode(try codec.wrap(payload: payload, seal: nil)).pixels
        let same = decoded == pixels
        #expect(same, "\(path): decoded samples differ")
        #expect(decoded.bitDepth == pixels.bitDepth && decoded.channels == pixels.channels)
    }

    @Test("lossless round trip is exact on every corpus TIFF", arguments: tiffs)
    func losslessCorpus(path: String) throws {
        let image = try TIFF.read(Data(contentsOf: Corpus.url(path)), name: path)
        let payload = try codec.encode(image.pixels, mode: .lossless)
        let file = try codec.wrap(payload: payload, seal: Data("{}".utf8))
        let decoded = try codec.decode(file)
        let same = decoded.pixels == image.pixels
        #expect(same, "\(path): decoded samples differ")
        #expect(payload.count < image.pixels.samples.count * (image.pixels.bitDepth > 8 ? 2 : 1),
                "\(path): lossless should be smaller than the raw samples")
    }

    @Test("lossy size grows with quality on a real photograph, and OpenJPEG decodes it to our samples")
    func lossyCorpus() throws {
        let path = "photos/Carrots_srgb16.tif"
        let pixels = try TIFF.read(Data(contentsOf: Corpus.url(path)), name: path).pixels
        var sizes: [Int] = []
        for quality in [4.0, 8.0, 12.0, 16.0] {
            sizes.append(try codec.encode(pixels, mode: .lossy(quality: quality)).count)
        }
        #expect(sizes == sizes.sorted() && Set(sizes).count == sizes.count, "sizes \(sizes)")

        let dir = try TemporaryDirectory("htj2k-corpus")
        defer { dir.remove() }
        let payload = try codec.encode(pixels, mode: .lossy(quality: 12))
        let ours = try codec.decode(payload).pixels
        let j2c = dir.file("frame.j2c"), out = dir.file("frame.rawl")
        try payload.write(to: j2c)
        try ExternalTool.run(["opj_decompress", "-i", j2c.path, "-o", out.path])
        let theirs = HTJ2KFixtures.readLittleEndian16(try Data(contentsOf: out))
        // Both run the 9/7 inverse in floating point, in different orders: allow a
        // few codes of rounding on this 16-bit frame, far below the coding error.
        #expect(theirs.count == ours.samples.count)
        let maxDifference = zip(theirs, ours.samples).map { abs(Int($0) - Int($1)) }.max() ?? Int.max
        let codingError = zip(pixels.samples, ours.samples).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(maxDifference <= 4, "OpenJPEG and OpenJPH differ by up to \(maxDifference)")
        #expect(maxDifference * 8 < codingError, "decoder difference \(maxDifference), coding error \(codingError)")
    }
}
