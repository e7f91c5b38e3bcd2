import Foundation
import Formats
import ImageCore
import TestSupport
import Testing

/// Reelpack decodes the same sample codes as ffmpeg and oiiotool, and files it writes
/// decode in those tools to the samples it wrote.
@Suite struct DPXInteropTests {
    /// ffmpeg's native planar format for a frame: codes at the frame's depth, planes G, B, R(, A).
    static func ffmpegFormat(channels: Int, bitDepth: Int) -> String {
        let suffix = bitDepth == 8 ? "" : "\(bitDepth)le"
        switch channels {
        case 1: return bitDepth == 8 ? "gray" : "gray\(suffix)"
        case 4: return bitDepth == 8 ? "gbrap" : "gbrap\(suffix)"
        default: return bitDepth == 8 ? "gbrp" : "gbrp\(suffix)"
        }
    }

    /// The frame as ffmpeg decodes `url`, in Reelpack's plane order.
    static func ffmpegDecode(_ url: URL, like pixels: PixelBuffer) throws -> [UInt16] {
        let fmt = ffmpegFormat(channels: pixels.channels, bitDepth: pixels.bitDepth)
        let raw = try ExternalTool.run(["ffmpeg", "-v", "error", "-i", url.path, "-f", "rawvideo", "-pix_fmt", fmt, "-"])
        let n = pixels.planeSize
        var values = [UInt16](repeating: 0, count: raw.count / (pixels.bitDepth == 8 ? 1 : 2))
        raw.withUnsafeBytes { b in
            for i in values.indices {
                values[i] = pixels.bitDepth == 8 ? UInt16(b[i]) : UInt16(b[2 * i]) | UInt16(b[2 * i + 1]) << 8
            }
        }
        guard values.count == n * pixels.channels else { return values }
        if pixels.channels == 1 { return values }
        // G, B, R(, A) -> R, G, B(, A)
        var out = values
        out.replaceSubrange(0..<n, with: values[(2 * n)..<(3 * n)])
        out.replaceSubrange(n..<(2 * n), with: values[0..<n])
        out.replaceSubrange((2 * n)..<(3 * n), with: values[n..<(2 * n)])
        return out
    }

    /// The frame as oiiotool decodes `url` (converted to 16 bits by bit replication), in planar order.
    static func oiioDecode(_ url: URL, like pixels: PixelBuffer, in dir: TemporaryDirectory) throws -> [UInt16] {
        let tif = dir.file("oiio-\(UUID().uuidString).tif")
        try ExternalTool.run(["oiiotool", url.path, "-d", "uint16", "-o", tif.path])
        let raw = try ExternalTool.run(["python3", "-c",
            "import sys, tifffile; sys.stdout.buffer.write(tifffile.imread(sys.argv[1]).astype('<u2').tobytes())", tif.path])
        let n = pixels.planeSize, c = pixels.channels
        var out = [UInt16](repeating: 0, count: raw.count / 2)
        guard out.count == n * c else { return out }
        raw.withUnsafeBytes { b in
            for i in 0..<n { for ch in 0..<c {
                let k = i * c + ch
                out[ch * n + i] = UInt16(b[2 * k]) | UInt16(b[2 * k + 1]) << 8
            } }
        }
        return out
    }

    /// ffmpeg 5.1 refuses packed 10-bit ("Packing to 32bit required"); it reads every other corpus file.
    static let ffmpegReadable = Corpus.allDPX.filter { !$0.contains("rgb10_packed") && !$0.contains("luma10") }
    static let oiioSamples = ["third-party/oiio_rgb10_packed.dpx", "third-party/oiio_luma10.dpx", "third-party/oiio_rgb12.dpx",
                              "third-party/oiio_rgb10_filledB.dpx", "third-party/ffmpeg_gbrp12le.dpx",
                              "third-party/dpx_nuke_16bits_rgba.dpx", "photos/Carrots_709_12.dpx"]

    @Test(arguments: ffmpegReadable)
    func sameSamplesAsFFmpeg(_ path: String) throws {
        let url = Corpus.url(path)
        let pixels = try DPXReader.read(try Data(contentsOf: url), name: path).pixels
        let theirs = try Self.ffmpegDecode(url, like: pixels)
        #expect(theirs.count == pixels.samples.count)
        let same = theirs == pixels.samples
        #expect(same, "\(path): differs from ffmpeg at sample \(firstDifference(theirs, pixels.samples) ?? -1)")
    }

    @Test(arguments: oiioSamples)
    func sameSamplesAsOIIO(_ path: String) throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let url = Corpus.url(path)
        let pixels = try DPXReader.read(try Data(contentsOf: url), name: path).pixels
        let oiio = try Self.oiioDecode(url, like: pixels, in: dir)
        // oiiotool widens by bit replication (filled 12-bit: by a shift); either way the
        // top bits are the codes.
        let shift = UInt16(16 - pixels.bitDepth)
        let theirCodes = oiio.map { $0 >> shift }, ours = pixels.samples
        #expect(theirCodes.count == ours.count)
        let same = theirCodes == ours
        #expect(same, "\(path): differs from oiiotool at sample \(firstDifference(theirCodes, ours) ?? -1)")
    }

    /// A synthetic frame that uses every code of its depth somewhere.
    static func synthetic(width: Int, height: Int, channels: Int, bitDepth: Int) throws -> PixelBuffer {
        var p = try PixelBuffer(width: width, height: height, channels: channels, bitDepth: bitDepth)
        let maxValue = UInt32(p.maxValue)
        var seed: UInt32 = 12345
        for i in p.samples.indices {
            seed = seed &* 1_664_525 &+ 1_013_904_223
            p.samples[i] = UInt16(truncatingIfNeeded: (seed >> 8) % (maxValue + 1))
        }
        return p
    }

    static let writerCases: [(Int, Int, DPXPacking, DPXByteOrder)] = [
        (3, 10, .filledA, .big), (3, 10, .filledA, .little), (3, 10, .filledB, .big),
        (3, 12, .filledA, .big), (3, 12, .packed, .big), (3, 16, .packed, .big), (3, 8, .packed, .big),
        (1, 16, .packed, .big), (1, 8, .packed, .little), (4, 16, .packed, .big), (4, 10, .filledA, .big),
        (3, 10, .packed, .big), (1, 10, .packed, .little),
    ]

    @Test(arguments: writerCases)
    func writtenFilesDecodeAlikeInFFmpegAndOIIO(_ channels: Int, _ bits: Int, _ packing: DPXPacking, _ order: DPXByteOrder) throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let pixels = try Self.synthetic(width: 37, height: 11, channels: channels, bitDepth: bits)
        let data = try DPXWriter.write(pixels, options: DPXWriteOptions(packing: packing, byteOrder: order))
        let url = dir.file("w.dpx")
        try data.write(to: url)
        let readBack = try DPXReader.read(data).pixels == pixels
        #expect(readBack)
        let oiio = try Self.oiioDecode(url, like: pixels, in: dir).map { $0 >> UInt16(16 - bits) }
        let sameOIIO = oiio == pixels.samples
        if channels == 4 && bits == 10 {
            // OpenImageIO 2.4.7 reads the last sample of a 4-channel 10-bit row whose last
            // word holds one sample as 0, even in files it wrote itself (a 37-pixel-wide RGBA
            // file oiiotool writes with alpha 1023 reads back with alpha 0 in the last
            // column); ffmpeg and Reelpack read the stored value.
            withKnownIssue { #expect(sameOIIO) }
        } else {
            #expect(sameOIIO, "oiiotool differs at \(firstDifference(oiio, pixels.samples) ?? -1)")
        }
        // ffmpeg reads every flavour but packed 10-bit.
        if !(packing == .packed && bits == 10) {
            let ff = try Self.ffmpegDecode(url, like: pixels)
            let sameFF = ff == pixels.samples
            #expect(sameFF, "ffmpeg differs at \(firstDifference(ff, pixels.samples) ?? -1)")
        }
    }
}
