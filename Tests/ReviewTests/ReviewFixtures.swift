import Engine
import Foundation
import ImageCore
import Review
import TestSupport

/// Output folders of a small synthetic reel compressed with the real pipeline at two
/// profiles, as `reelpack review` gets them.
enum ReviewFixture {
    struct Reel {
        var dir: TemporaryDirectory
        var source: URL
        var outputs: [URL]
    }

    /// `count` 160×90 10-bit grain frames written as DPX and compressed at C1 and C2 (HTJ2K).
    static func reel(count: Int = 3, profiles: [Profile] = [.c1, .c2]) async throws -> Reel {
        let dir = try TemporaryDirectory("reelpack-review")
        let source = dir.file("scans")
        try SyntheticFrames.writeDPXSequence(.grain, count: count, to: source, grainSigma: 6)
        var outputs: [URL] = []
        for profile in profiles {
            let out = dir.file("reel-\(profile.rawValue)")
            let settings = CompressionSettings(profile: profile, codec: .htj2k, jobs: 2, maxIterations: 6)
            _ = try await CompressionRun(sources: [source], output: out, settings: settings, toolVersion: "test").run()
            outputs.append(out)
        }
        return Reel(dir: dir, source: source, outputs: outputs)
    }
}

/// Reads back the PNGs `PNGWriter` writes (8-bit RGB, filter 0, stored deflate blocks),
/// so tests can compare a served tile's pixels.
enum StoredPNG {
    struct Image { var width: Int; var height: Int; var pixels: [UInt8] }

    static func decode(_ png: [UInt8]) -> Image? {
        guard png.count > 33, png.starts(with: [0x89, 0x50, 0x4E, 0x47]) else { return nil }
        func u32(_ i: Int) -> Int { Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3]) }
        var at = 8, width = 0, height = 0, zlib: [UInt8] = []
        while at + 8 <= png.count {
            let length = u32(at), type = String(decoding: png[(at + 4)..<(at + 8)], as: UTF8.self)
            let body = Array(png[(at + 8)..<(at + 8 + length)])
            if type == "IHDR" { width = u32(at + 8); height = u32(at + 12); guard body[8] == 8, body[9] == 2 else { return nil } }
            if type == "IDAT" { zlib += body }
            at += 12 + length
        }
        var raw: [UInt8] = [], i = 2
        while i < zlib.count - 4 {
            let final = zlib[i] & 1, n = Int(zlib[i + 1]) | Int(zlib[i + 2]) << 8
            raw += zlib[(i + 5)..<(i + 5 + n)]
            i += 5 + n
            if final == 1 { break }
        }
        let row = width * 3
        guard raw.count == (row + 1) * height else { return nil }
        var pixels: [UInt8] = []
        for y in 0..<height { pixels += raw[(y * (row + 1) + 1)..<((y + 1) * (row + 1))] }
        return Image(width: width, height: height, pixels: pixels)
    }
}
