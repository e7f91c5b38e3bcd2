import Foundation
import ImageCore
import Testing
import TestSupport
@testable import Codecs

/// Our `.jxl` files decode in other software to the same samples.
@Suite("JPEG XL interop")
struct JPEGXLInteropTests {
    let codec = JPEGXLCodec(threads: 2)

    struct Case: CustomStringConvertible, Sendable {
        var bitDepth: Int
        var channels: Int
        var lossless: Bool
        var description: String { "\(bitDepth)-bit, \(channels) ch, \(lossless ? "lossless" : "lossy")" }
    }

    static let cases: [Case] = [
        Case(bitDepth: 8, channels: 3, lossless: true),
        Case(bitDepth: 10, channels: 3, lossless: true),
        Case(bitDepth: 12, channels: 1, lossless: true),
        Case(bitDepth: 16, channels: 3, lossless: true),
        Case(bitDepth: 10, channels: 3, lossless: false),
        Case(bitDepth: 12, channels: 1, lossless: false),
        Case(bitDepth: 16, channels: 4, lossless: true),
        Case(bitDepth: 10, channels: 2, lossless: true),
        Case(bitDepth: 12, channels: 4, lossless: false),
    ]
    /// PGM and PPM hold no alpha.
    static let opaqueCases = cases.filter { $0.channels == 1 || $0.channels == 3 }

    /// Writes a sealed `.jxl` of a structured frame; returns the frame, what we decode and the file.
    func sealedFile(_ c: Case, in dir: TemporaryDirectory) throws -> (PixelBuffer, PixelBuffer, URL) {
        let frame = JPEGXLTestFrames.structured(width: 61, height: 37, channels: c.channels, bitDepth: c.bitDepth)
        let payload = try codec.encode(frame, mode: c.lossless ? .lossless : .lossy(quality: 1.7))
        let file = try codec.wrap(payload: payload, seal: Data(#"{"tool":"reelpack"}"#.utf8))
        let url = dir.file("frame.jxl")
        try file.write(to: url)
        return (frame, try codec.decode(file).pixels, url)
    }

    @Test("djxl decodes our sealed file to the samples we decode", arguments: opaqueCases)
    func djxl(_ c: Case) throws {
        let dir = try TemporaryDirectory("jxl-interop")
        defer { dir.remove() }
        let (frame, ours, url) = try sealedFile(c, in: dir)
        if c.lossless { #expect(ours == frame) }
        let out = dir.file(c.channels == 1 ? "out.pgm" : "out.ppm")
        // djxl 0.7 writes a PNM header with maxval 2^depth − 1 but samples spanning
        // 0…65535 for depths other than 8 and 16; asking for 16 bits makes the file
        // consistent, and its samples are scaled back like ours. 8-bit files stay 8-bit.
        try ExternalTool.run(["djxl", url.path, out.path] + (c.bitDepth == 8 ? [] : ["--bits_per_sample=16"]))
        let pnm = try PNM.read(Data(contentsOf: out))
        #expect(pnm.maxValue == (c.bitDepth == 8 ? 255 : 65535))
        let max = UInt32(ours.maxValue)
        let theirs = c.bitDepth == 8 ? pnm.planar : pnm.planar.map { JXLSampleLayout.scaleDown($0, max: max) }
        try expectSame(theirs, ours, lossless: c.lossless, tool: "djxl")
    }

    @Test("imagecodecs decodes our sealed file to the samples we decode", arguments: cases)
    func imagecodecs(_ c: Case) throws {
        let dir = try TemporaryDirectory("jxl-interop")
        defer { dir.remove() }
        let (_, ours, url) = try sealedFile(c, in: dir)
        // imagecodecs returns code values at the codestream's depth (uint8 or uint16).
        let script = """
        import sys, numpy as np, imagecodecs
        a = imagecodecs.jpegxl_decode(open(sys.argv[1], 'rb').read())
        a = a.reshape(a.shape[0], a.shape[1], -1)
        sys.stdout.buffer.write(np.ascontiguousarray(a.transpose(2, 0, 1)).astype('<u2').tobytes())
        """
        let raw = try ExternalTool.run(["python3", "-c", script, url.path])
        let theirs = raw.withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
        try expectSame(theirs, ours, lossless: c.lossless, tool: "imagecodecs")
    }

    /// Lossless: identical samples. Lossy: the decoders may round a float sample
    /// differently (imagecodecs bundles a newer libjxl that quantises straight to the
    /// codestream depth), so at most one code apart.
    func expectSame(_ theirs: [UInt16], _ ours: PixelBuffer, lossless: Bool, tool: String) throws {
        try #require(theirs.count == ours.samples.count, "\(tool) decoded \(theirs.count) samples")
        if lossless {
            // The index of the first difference, not the arrays: a failing `==` on
            // whole frames makes the test library diff them for minutes.
            let firstDifference = theirs.indices.first { theirs[$0] != ours.samples[$0] }
            #expect(firstDifference == nil, "\(tool) and Reelpack decode to different samples")
        } else {
            let diff = zip(theirs, ours.samples).map { abs(Int($0) - Int($1)) }
            let worst = diff.max() ?? 0
            let off = diff.filter { $0 > 0 }.count
            #expect(worst <= 1, "\(tool): max difference \(worst), \(off) of \(diff.count) samples differ")
        }
    }
}

/// Just enough of binary PGM/PPM (P5/P6) to read what djxl writes.
enum PNM {
    struct Image {
        var width: Int, height: Int, channels: Int, maxValue: Int
        /// Samples plane after plane, like `PixelBuffer.samples`.
        var planar: [UInt16]
    }

    struct Malformed: Error {}

    static func read(_ data: Data) throws -> Image {
        let bytes = [UInt8](data)
        var fields: [Int] = []
        var magic = ""
        var i = 0
        func token() -> String {
            while i < bytes.count, bytes[i] == 0x23 || [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) {
                if bytes[i] == 0x23 { while i < bytes.count, bytes[i] != 0x0A { i += 1 } } else { i += 1 }
            }
            let start = i
            while i < bytes.count, ![0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }
        magic = token()
        for _ in 0..<3 { guard let v = Int(token()) else { throw Malformed() }; fields.append(v) }
        i += 1
        let channels = magic == "P5" ? 1 : magic == "P6" ? 3 : 0
        guard channels > 0 else { throw Malformed() }
        let (w, h, maxValue) = (fields[0], fields[1], fields[2])
        let wide = maxValue > 255
        let n = w * h
        guard bytes.count - i >= n * channels * (wide ? 2 : 1) else { throw Malformed() }
        var planar = [UInt16](repeating: 0, count: n * channels)
        for p in 0..<n {
            for c in 0..<channels {
                let k = p * channels + c
                planar[c * n + p] = wide ? UInt16(bytes[i + 2 * k]) << 8 | UInt16(bytes[i + 2 * k + 1]) : UInt16(bytes[i + k])
            }
        }
        return Image(width: w, height: h, channels: channels, maxValue: maxValue, planar: planar)
    }
}
