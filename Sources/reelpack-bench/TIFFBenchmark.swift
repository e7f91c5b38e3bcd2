import Foundation
import Formats
import ImageCore
import TestSupport

/// Deflate vs zstd (both with the horizontal predictor) on corpus frames at their
/// true depth, against tiffcp doing the same compression in the same run.
///
/// 16-bit frames are the corpus TIFFs; 10- and 12-bit frames are the corpus DPX
/// photos and the 2K sequence, converted to 16-bit TIFF by oiiotool and shifted
/// back to their codes. Ratio = uncompressed TIFF bytes / compressed bytes.
func tiffBenchmark() throws {
    let dir = try TemporaryDirectory("reelpack-bench-tiff")
    defer { dir.remove() }
    var frames: [(String, PixelBuffer)] = []
    for file in Corpus.files(in: "photos", suffix: ".tif") + ["third-party/oiio_rgb8.tif"] {
        frames.append((file, try TIFF.read(Data(contentsOf: Corpus.url(file)), name: file).pixels))
    }
    let dpx = Corpus.files(in: "photos", suffix: "_log10.dpx") + Corpus.files(in: "photos", suffix: "_709_12.dpx")
        + ["sequence/beachball_0001.dpx"]
    for file in dpx {
        let depth = file.contains("_12") ? 12 : 10
        let tif = dir.file(URL(fileURLWithPath: file).lastPathComponent + ".tif")
        try ExternalTool.run(["oiiotool", Corpus.url(file).path, "-d", "uint16", "-o", tif.path])
        let wide = try TIFF.read(Data(contentsOf: tif), name: tif.path).pixels
        let codes = try PixelBuffer(width: wide.width, height: wide.height, channels: wide.channels, bitDepth: depth,
                                    samples: wide.samples.map { $0 >> UInt16(16 - depth) })
        frames.append((file, codes))
    }

    // tiffcp 4.5 ignores its level option (`p#`), so it is the reference at the default levels only.
    let settings: [(String, TIFFWriteOptions, String?)] = [
        ("deflate-6", TIFFWriteOptions(compression: .deflate, predictor: true), "zip:2"),
        ("deflate-9", TIFFWriteOptions(compression: .deflate, predictor: true, level: 9), nil),
        ("zstd-9", TIFFWriteOptions(compression: .zstd, predictor: true), "zstd:2"),
        ("zstd-19", TIFFWriteOptions(compression: .zstd, predictor: true, level: 19), nil),
    ]
    print("frame                              depth  setting    ratio  write s  read s   tiffcp ratio  tiffcp s")
    var totals: [String: (raw: Int, packed: Int, time: Double, read: Double, refRaw: Int, refPacked: Int, refTime: Double)] = [:]
    for (name, pixels) in frames {
        let raw = try TIFF.write(pixels)
        let rawURL = dir.file("raw.tif")
        try raw.write(to: rawURL)
        for (label, options, tiffcpSpec) in settings {
            var best = Double.infinity, bestRead = Double.infinity
            var packed = Data()
            for _ in 0..<2 {
                let start = Date()
                packed = try TIFF.write(pixels, options: options)
                best = min(best, Date().timeIntervalSince(start))
                let readStart = Date()
                let back = try TIFF.read(packed).pixels
                bestRead = min(bestRead, Date().timeIntervalSince(readStart))
                guard back == pixels else { throw BenchmarkFailure("\(label) is not lossless on \(name)") }
            }
            var refText = "           -         -"
            var refBytes = 0, refTime = 0.0
            if let tiffcpSpec {
                let refURL = dir.file("ref.tif")
                let refStart = Date()
                try ExternalTool.run(["tiffcp", "-c", tiffcpSpec, "-r", String(max(1, (1 << 20) / (raw.count / pixels.height))),
                                      rawURL.path, refURL.path])
                refTime = Date().timeIntervalSince(refStart)
                refBytes = try Data(contentsOf: refURL).count
                refText = String(format: "%12.3f  %8.3f", Double(raw.count) / Double(refBytes), refTime)
            }
            let ratio = Double(raw.count) / Double(packed.count)
            print(name.padding(toLength: 34, withPad: " ", startingAt: 0)
                  + String(format: " %5d  ", pixels.bitDepth) + label.padding(toLength: 9, withPad: " ", startingAt: 0)
                  + String(format: " %6.3f  %7.3f  %6.3f  ", ratio, best, bestRead) + refText)
            var t = totals[label] ?? (0, 0, 0, 0, 0, 0, 0)
            t.raw += raw.count; t.packed += packed.count; t.time += best; t.read += bestRead
            if refBytes > 0 { t.refRaw += raw.count; t.refPacked += refBytes; t.refTime += refTime }
            totals[label] = t
        }
    }
    print("all frames:")
    for (label, _, _) in settings {
        guard let t = totals[label] else { continue }
        var line = "  " + label.padding(toLength: 9, withPad: " ", startingAt: 0)
            + String(format: " ratio %.3f, write %.2f s, read %.2f s", Double(t.raw) / Double(t.packed), t.time, t.read)
        if t.refPacked > 0 {
            line += String(format: "; tiffcp ratio %.3f, %.2f s (with process start and reading)",
                           Double(t.refRaw) / Double(t.refPacked), t.refTime)
        }
        print(line)
    }
}

private struct BenchmarkFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
