import Foundation
import ImageCore
import TestSupport

/// Samples of a TIFF decoded by an independent decoder (Python's tifffile with
/// imagecodecs), planar like `PixelBuffer`.
struct ReferenceDecode: Equatable {
    var width: Int
    var height: Int
    var channels: Int
    var samples: [UInt16]
}

enum TIFFReference {
    /// Python that prints `width height channels` and then the samples as
    /// little-endian uint16, plane after plane, for each file named on the command line.
    static let dumpScript = """
    import sys, numpy as np, tifffile
    out = sys.stdout.buffer
    for path in sys.argv[1:]:
        with tifffile.TiffFile(path) as t:
            page = t.pages[0]
            a = page.asarray()
            axes = page.axes
        if a.ndim == 2:
            a = a[None]
        elif axes.endswith('S'):
            a = np.moveaxis(a, -1, 0)
        a = np.ascontiguousarray(a).astype('<u2')
        out.write(f"{a.shape[2]} {a.shape[1]} {a.shape[0]}\\n".encode())
        out.write(a.tobytes())
    """

    /// Decodes every file in `paths` with tifffile, in one Python run.
    static func decode(_ paths: [String]) throws -> [ReferenceDecode] {
        let out = try ExternalTool.run(["python3", "-c", dumpScript] + paths)
        var results: [ReferenceDecode] = []
        var cursor = out.startIndex
        for _ in paths {
            guard let newline = out[cursor...].firstIndex(of: 0x0A) else { throw ParseError() }
            let header = String(decoding: out[cursor..<newline], as: UTF8.self).split(separator: " ").compactMap { Int($0) }
            guard header.count == 3 else { throw ParseError() }
            let count = header[0] * header[1] * header[2]
            let start = newline + 1
            guard out.endIndex - start >= count * 2 else { throw ParseError() }
            var samples = [UInt16](repeating: 0, count: count)
            samples.withUnsafeMutableBytes { dst in
                out[start..<(start + count * 2)].withUnsafeBytes { dst.copyMemory(from: $0) }
            }
            samples = samples.map { UInt16(littleEndian: $0) }
            results.append(ReferenceDecode(width: header[0], height: header[1], channels: header[2], samples: samples))
            cursor = start + count * 2
        }
        return results
    }

    /// Decodes `paths` once (one Python run) and answers by path afterwards.
    final class Cache: Sendable {
        private let results: Result<[String: ReferenceDecode], any Error>
        init(_ paths: @Sendable () throws -> [String]) {
            results = Result {
                let list = try paths()
                return Dictionary(uniqueKeysWithValues: zip(list, try TIFFReference.decode(list)))
            }
        }
        func reference(_ path: String) throws -> ReferenceDecode {
            guard let found = try results.get()[path] else { throw ParseError() }
            return found
        }
    }

    struct ParseError: Error {}
}

/// Deterministic test frames.
enum TestFrames {
    /// A frame of pseudo-random codes over the whole range of `bitDepth`, with
    /// the extreme codes 0 and max present.
    static func noise(width: Int = 37, height: Int = 23, channels: Int, bitDepth: Int, seed: UInt64 = 1) -> PixelBuffer {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        let max = UInt64((1 << bitDepth) - 1)
        var samples = (0..<(width * height * channels)).map { _ -> UInt16 in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return UInt16(state % (max + 1))
        }
        samples[0] = 0
        samples[samples.count - 1] = UInt16(max)
        // Force-unwrap is fine in tests: the geometry is valid by construction.
        return try! PixelBuffer(width: width, height: height, channels: channels, bitDepth: bitDepth, samples: samples)
    }
}
