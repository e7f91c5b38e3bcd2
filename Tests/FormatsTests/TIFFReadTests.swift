import Foundation
import Formats
import ImageCore
import TestSupport
import Testing

/// TIFFs in the many layouts other software writes, made by tifffile from a corpus
/// photograph (`flower-rgb-contig-16.tif`, 73×43: odd sizes give partial strips
/// and tiles), in a temporary folder created once.
enum TIFFVariants {
    /// Variants Reelpack must read, by file name: `<what>.tif`.
    static let readable = [
        "rgb16-none-le", "rgb16-none-be", "rgb16-lzw", "rgb16-lzw-predictor-be", "rgb16-deflate",
        "rgb16-deflate-predictor", "rgb16-deflate-legacy", "rgb16-packbits", "rgb16-zstd-predictor",
        "rgb16-planar", "rgb16-planar-be-deflate", "rgb16-tiled", "rgb16-tiled-planar-zstd",
        "rgb16-tiled-be-lzw-predictor", "rgb16-rows5", "rgb8-none", "rgb8-deflate-predictor",
        "rgb8-tiled-planar", "gray16-none", "gray8-lzw", "grayalpha8", "grayalpha16-planar",
        "rgba16-deflate", "rgba8-tiled", "rgb10-packed", "rgb12-packed-be", "gray14-packed",
        "rgb12-packed-planar", "rgb12-packed-tiled", "gray4-packed", "multipage",
    ]
    /// Valid TIFFs outside what Reelpack reads: (file name, word the message must contain).
    static let refused: [(String, String)] = [
        ("float32", "float"), ("int16", "int"), ("palette", "palette"), ("cmyk", "CMYK"),
        ("ycbcr-jpeg", "JPEG"), ("bilevel", "bilevel"), ("rgb32", "32-bit"), ("gray-5-samples", "samples"),
    ]

    static let script = #"""
    import sys, os, numpy as np, tifffile
    src, out = sys.argv[1], sys.argv[2]
    a = tifffile.imread(src)                       # 43x73x3 uint16
    g = a[..., 1]
    alpha = ((np.arange(a.shape[0] * a.shape[1]).reshape(a.shape[:2]) * 7919) % 65536).astype('u2')
    def w(name, data, **kw):
        tifffile.imwrite(os.path.join(out, name + '.tif'), data, **kw)
    rgb = dict(photometric='rgb')
    w('rgb16-none-le', a, **rgb)
    w('rgb16-none-be', a, byteorder='>', **rgb)
    w('rgb16-lzw', a, compression='lzw', **rgb)
    w('rgb16-lzw-predictor-be', a, compression='lzw', predictor=True, byteorder='>', **rgb)
    w('rgb16-deflate', a, compression='zlib', **rgb)
    w('rgb16-deflate-predictor', a, compression='zlib', predictor=True, **rgb)
    w('rgb16-deflate-legacy', a, compression=32946, **rgb)
    w('rgb16-packbits', a, compression='packbits', **rgb)
    w('rgb16-zstd-predictor', a, compression='zstd', predictor=True, **rgb)
    w('rgb16-planar', np.moveaxis(a, -1, 0).copy(), planarconfig='separate', **rgb)
    w('rgb16-planar-be-deflate', np.moveaxis(a, -1, 0).copy(), planarconfig='separate', byteorder='>', compression='zlib', **rgb)
    w('rgb16-tiled', a, tile=(16, 32), **rgb)
    w('rgb16-tiled-planar-zstd', np.moveaxis(a, -1, 0).copy(), planarconfig='separate', tile=(16, 16), compression='zstd', **rgb)
    w('rgb16-tiled-be-lzw-predictor', a, tile=(32, 16), byteorder='>', compression='lzw', predictor=True, **rgb)
    w('rgb16-rows5', a, rowsperstrip=5, **rgb)
    a8 = (a >> 8).astype('u1')
    w('rgb8-none', a8, **rgb)
    w('rgb8-deflate-predictor', a8, compression='zlib', predictor=True, **rgb)
    w('rgb8-tiled-planar', np.moveaxis(a8, -1, 0).copy(), planarconfig='separate', tile=(16, 16), **rgb)
    w('gray16-none', g, photometric='minisblack')
    w('gray8-lzw', (g >> 8).astype('u1'), photometric='minisblack', compression='lzw')
    ga = np.stack([g, alpha], -1)
    w('grayalpha8', (ga >> 8).astype('u1'), photometric='minisblack', extrasamples=['unassalpha'])
    w('grayalpha16-planar', np.moveaxis(ga, -1, 0).copy(), photometric='minisblack', planarconfig='separate', extrasamples=['unassalpha'])
    rgba = np.concatenate([a, alpha[..., None]], -1)
    w('rgba16-deflate', rgba, compression='zlib', extrasamples=['unassalpha'], **rgb)
    w('rgba8-tiled', (rgba >> 8).astype('u1'), tile=(16, 16), extrasamples=['assocalpha'], **rgb)
    w('rgb10-packed', a >> 6, bitspersample=10, **rgb)
    w('rgb12-packed-be', a >> 4, bitspersample=12, byteorder='>', **rgb)
    w('gray14-packed', g >> 2, bitspersample=14, photometric='minisblack')
    w('rgb12-packed-planar', np.moveaxis(a >> 4, -1, 0).copy(), bitspersample=12, planarconfig='separate', **rgb)
    w('rgb12-packed-tiled', a >> 4, bitspersample=12, tile=(16, 16), **rgb)
    w('gray4-packed', (g >> 12).astype('u1'), bitspersample=4, photometric='minisblack')
    with tifffile.TiffWriter(os.path.join(out, 'multipage.tif')) as t:
        t.write(a, **rgb); t.write(a[::-1].copy(), **rgb); t.write(g, photometric='minisblack')
    w('float32', a.astype('f4'), **rgb)
    w('int16', g.astype('i2'), photometric='minisblack')
    w('palette', (g >> 8).astype('u1'), photometric='palette', colormap=np.tile(np.arange(256, dtype='u2') * 257, (3, 1)))
    w('cmyk', rgba, photometric='separated')
    w('ycbcr-jpeg', a8, compression='jpeg', photometric='ycbcr')
    w('bilevel', g > 30000, photometric='minisblack')
    w('rgb32', a.astype('u4') << 16, **rgb)
    w('gray-5-samples', np.stack([g] * 5, -1), photometric='minisblack', planarconfig='contig', extrasamples=['unspecified'] * 4)
    """#

    /// The folder holding every variant, made on first use.
    static let folder: Result<URL, any Error> = Result {
        let dir = try TemporaryDirectory("reelpack-tiff-variants")
        try ExternalTool.run(["python3", "-c", script, Corpus.url("third-party/flower-rgb-contig-16.tif").path, dir.url.path])
        return dir.url
    }

    static func url(_ name: String) throws -> URL { try folder.get().appendingPathComponent(name + ".tif") }

    /// tifffile's decoding of every readable variant and every corpus TIFF.
    static let references = TIFFReference.Cache {
        try readable.map { try url($0).path } + Corpus.allTIFF.map { Corpus.url($0).path }
    }
}

@Suite("TIFF reading")
struct TIFFReadTests {
    /// Compares `image` with tifffile's decoding of the same file.
    func expectSameAsReference(_ pixels: PixelBuffer, _ reference: ReferenceDecode, _ label: String) {
        #expect(pixels.width == reference.width, "\(label)")
        #expect(pixels.height == reference.height, "\(label)")
        #expect(pixels.channels == reference.channels, "\(label)")
        #expect(pixels.samples.count == reference.samples.count)
        let same = pixels.samples == reference.samples
        let mismatches = same ? 0 : zip(pixels.samples, reference.samples).filter { $0 != $1 }.count
        #expect(same, "\(label): \(mismatches) samples differ from tifffile's")
    }

    @Test("every corpus TIFF reads to the same samples as tifffile", arguments: Corpus.allTIFF)
    func corpusMatchesTifffile(_ file: String) throws {
        let url = Corpus.url(file)
        let image = try TIFF.read(Data(contentsOf: url), name: file)
        let reference = try TIFFVariants.references.reference(url.path)
        expectSameAsReference(image.pixels, reference, file)
        #expect(image.pixels.bitDepth == image.info.bitsPerSample)
    }

    @Test("layouts other tools write read like tifffile reads them", arguments: TIFFVariants.readable)
    func variantMatchesTifffile(_ name: String) throws {
        let url = try TIFFVariants.url(name)
        let image = try TIFF.read(Data(contentsOf: url), name: name)
        let reference = try TIFFVariants.references.reference(url.path)
        expectSameAsReference(image.pixels, reference, name)
        for (marker, bits) in [("rgb10", 10), ("rgb12", 12), ("gray14", 14), ("gray4", 4)] where name.hasPrefix(marker) {
            #expect(image.pixels.bitDepth == bits)
        }
    }

    @Test("header fields describe the layout")
    func infoDescribesLayout() throws {
        let tiled = try TIFF.info(Data(contentsOf: TIFFVariants.url("rgb16-tiled-planar-zstd")))
        #expect(tiled.tiled && tiled.tileWidth == 16 && tiled.tileHeight == 16 && tiled.rowsPerStrip == nil)
        #expect(tiled.planarConfiguration == "planar" && tiled.compression == "zstd")
        #expect(tiled.width == 73 && tiled.height == 43 && tiled.samplesPerPixel == 3 && tiled.bitsPerSample == 16)
        #expect(tiled.photometric == "rgb" && tiled.sampleFormat == "uint")
        #expect(tiled.tags.contains("TileWidth") && tiled.tags.contains("ImageWidth"))

        let be = try TIFF.info(Data(contentsOf: TIFFVariants.url("rgb16-lzw-predictor-be")))
        #expect(be.byteOrder == "big" && be.compression == "lzw" && be.predictor == "horizontal" && !be.tiled)
        #expect(be.planarConfiguration == "chunky" && be.rowsPerStrip != nil)

        let legacy = try TIFF.info(Data(contentsOf: TIFFVariants.url("rgb16-deflate-legacy")))
        #expect(legacy.compression == "deflate-legacy" && legacy.byteOrder == "little")

        let pages = try TIFF.read(Data(contentsOf: TIFFVariants.url("multipage")))
        #expect(pages.info.imageCount == 3)
        let single = try TIFF.info(Data(contentsOf: TIFFVariants.url("rgb16-none-le")))
        #expect(single.imageCount == 1 && single.recordedBitDepth == nil)

        let packed = try TIFF.info(Data(contentsOf: TIFFVariants.url("rgb12-packed-be")))
        #expect(packed.bitsPerSample == 12)
    }

    @Test("valid flavours Reelpack does not read are refused with a clear message", arguments: TIFFVariants.refused)
    func refusesUnsupported(_ name: String, _ word: String) throws {
        let data = try Data(contentsOf: TIFFVariants.url(name))
        let error = try #require(throws: FormatError.self) { try TIFF.read(data, name: "\(name).tif") }
        #expect(error.kind == .unsupported, "\(error)")
        #expect(error.file == "\(name).tif")
        #expect(error.reason.localizedCaseInsensitiveContains(word), "\(error)")
    }

    @Test("metadata written by oiiotool is read")
    func readsSoftwareTag() throws {
        let image = try TIFF.read(Data(contentsOf: Corpus.url("third-party/oiio_rgb8.tif")))
        let software = try ExternalTool.run(["tiffinfo", Corpus.url("third-party/oiio_rgb8.tif").path])
        let text = String(decoding: software, as: UTF8.self)
        if let line = text.split(separator: "\n").first(where: { $0.contains("Software:") }) {
            let expected = line.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
            #expect(image.metadata.creator == expected)
        } else {
            #expect(image.metadata.creator == nil)
        }
        #expect(image.metadata.descriptor == .rgb)
    }
}
