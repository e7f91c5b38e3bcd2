import Foundation
import ImageCore
import Testing
@testable import Codecs
import TestSupport

/// Our codestreams and `.jph` files open in other HTJ2K decoders with the same
/// samples, and we decode what other HTJ2K encoders write.
@Suite("HTJ2K interoperability")
struct HTJ2KInteropTests {
    let codec = HTJ2KCodec()

    /// A lossless frame, its codestream and its `.jph` file written into `dir`.
    func write(_ frame: PixelBuffer, in dir: TemporaryDirectory) throws -> (j2c: URL, jph: URL) {
        let payload = try codec.encode(frame, mode: .lossless)
        let j2c = dir.file("frame.j2c"), jph = dir.file("frame.jph")
        try payload.write(to: j2c)
        try codec.wrap(payload: payload, seal: Data(#"{"tool":"reelpack"}"#.utf8)).write(to: jph)
        return (j2c, jph)
    }

    @Test("ojph_expand decodes our codestream and .jph to the same samples", arguments: [(1, 10), (3, 12), (3, 16), (1, 8)])
    func ojphExpand(channels: Int, bitDepth: Int) throws {
        let dir = try TemporaryDirectory("htj2k-ojph")
        defer { dir.remove() }
        let frame = try HTJ2KFixtures.frame(width: 75, height: 41, channels: channels, bitDepth: bitDepth)
        let (j2c, jph) = try write(frame, in: dir)
        for input in [j2c, jph] {
            let out = dir.file("out-\(input.pathExtension).\(channels == 1 ? "pgm" : "ppm")")
            try ExternalTool.run(["ojph_expand", "-i", input.path, "-o", out.path])
            let pnm = try HTJ2KFixtures.readPNM(Data(contentsOf: out))
            #expect(pnm.width == 75 && pnm.height == 41 && pnm.channels == channels)
            #expect(pnm.maxValue == frame.maxValue)
            let same = pnm.samples == frame.samples
            #expect(same, "ojph_expand's samples of \(input.lastPathComponent) differ")
        }
    }

    @Test("opj_decompress (OpenJPEG) decodes our .jph and codestream to the same samples", arguments: [(1, 12), (3, 10), (4, 16)])
    func openJPEG(channels: Int, bitDepth: Int) throws {
        let dir = try TemporaryDirectory("htj2k-opj")
        defer { dir.remove() }
        let frame = try HTJ2KFixtures.frame(width: 70, height: 38, channels: channels, bitDepth: bitDepth)
        let (j2c, jph) = try write(frame, in: dir)
        // OpenJPEG picks the parser by extension; a .jph is a JP2-family file.
        let asJP2 = dir.file("frame.jp2")
        try FileManager.default.copyItem(at: jph, to: asJP2)
        for input in [j2c, asJP2] {
            // .rawl: planar, 16-bit little-endian samples.
            let out = dir.file("out-\(input.pathExtension).rawl")
            try ExternalTool.run(["opj_decompress", "-i", input.path, "-o", out.path])
            let same = HTJ2KFixtures.readLittleEndian16(try Data(contentsOf: out)) == frame.samples
            #expect(same, "\(input.lastPathComponent) decoded by OpenJPEG differs")
        }
    }

    @Test("imagecodecs (Python) decodes our .jph to the same samples")
    func imagecodecs() throws {
        let dir = try TemporaryDirectory("htj2k-py")
        defer { dir.remove() }
        let frame = try HTJ2KFixtures.frame(width: 66, height: 35, channels: 3, bitDepth: 12)
        let (_, jph) = try write(frame, in: dir)
        let script = """
        import sys, imagecodecs, numpy as np
        a = imagecodecs.htj2k_decode(open(sys.argv[1], 'rb').read())
        sys.stdout.buffer.write(np.ascontiguousarray(np.moveaxis(a, -1, 0)).astype('>u2').tobytes())
        """
        let out = try ExternalTool.run(["python3", "-c", script, jph.path])
        let same = HTJ2KFixtures.readBigEndian16(out) == frame.samples
        #expect(same, "imagecodecs' samples differ")
    }

    @Test("we decode HTJ2K written by ojph_compress to the samples it was given", arguments: [(1, 10), (3, 12)])
    func decodesOJPHCompress(channels: Int, bitDepth: Int) throws {
        let dir = try TemporaryDirectory("htj2k-ojphc")
        defer { dir.remove() }
        let frame = try HTJ2KFixtures.frame(width: 77, height: 43, channels: channels, bitDepth: bitDepth)
        // Interleaved big-endian PNM with the frame's maximum as maxval.
        var pnm = Data("\(channels == 1 ? "P5" : "P6")\n77 43\n\(frame.maxValue)\n".utf8)
        for i in 0..<frame.planeSize {
            for c in 0..<channels {
                let v = frame.samples[c * frame.planeSize + i]
                pnm.append(contentsOf: [UInt8(v >> 8), UInt8(v & 0xFF)])
            }
        }
        let input = dir.file(channels == 1 ? "in.pgm" : "in.ppm"), output = dir.file("out.j2c")
        try pnm.write(to: input)
        try ExternalTool.run(["ojph_compress", "-i", input.path, "-o", output.path, "-reversible", "true"])
        let decoded = try codec.decode(Data(contentsOf: output))
        let same = decoded.pixels == frame
        #expect(same, "decoded samples differ")
    }

    @Test("a Part 1 (non-HT) codestream from opj_compress is refused as unsupported, naming Part 15")
    func part1Refused() throws {
        let dir = try TemporaryDirectory("htj2k-part1")
        defer { dir.remove() }
        let input = dir.file("in.pgm"), output = dir.file("out.j2k")
        var pgm = Data("P5\n64 64\n255\n".utf8)
        pgm.append(contentsOf: (0..<4096).map { UInt8(truncatingIfNeeded: $0 * 7) })
        try pgm.write(to: input)
        try ExternalTool.run(["opj_compress", "-i", input.path, "-o", output.path])
        let error = try #require(throws: CodecError.self) { try codec.decode(Data(contentsOf: output)) }
        #expect(error.kind == .unsupportedInput && error.detail.contains("Part 15"), "\(error.detail)")
    }
}
