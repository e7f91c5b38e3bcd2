import Foundation
import Formats
import ImageCore

/// Synthetic film frames for tests: small, deterministic, and with known properties
/// (see `FilmSynthesizer`). Sizes default to something a debug build renders in
/// milliseconds.
public enum SyntheticFrames {
    /// Frame `index` of a synthetic reel.
    /// - Throws: `FilmSynthesizerError` when the settings are out of range.
    public static func frame(_ kind: FilmSynthesizer.Kind = .grain, index: Int = 0, width: Int = 160,
                             height: Int = 90, bitDepth: Int = 10, seed: UInt64 = 1,
                             grainSigma: Double? = nil) throws -> PixelBuffer {
        try FilmSynthesizer(width: width, height: height, bitDepth: bitDepth, kind: kind, seed: seed,
                            grainSigma: grainSigma).frame(index)
    }

    /// Frames `0 ..< count` of a synthetic reel.
    /// - Throws: `FilmSynthesizerError` when the settings are out of range.
    public static func reel(_ kind: FilmSynthesizer.Kind = .grain, count: Int, width: Int = 160,
                            height: Int = 90, bitDepth: Int = 10, seed: UInt64 = 1,
                            grainSigma: Double? = nil) throws -> [PixelBuffer] {
        let synth = try FilmSynthesizer(width: width, height: height, bitDepth: bitDepth, kind: kind,
                                        seed: seed, grainSigma: grainSigma)
        return (0..<count).map { synth.frame($0) }
    }

    /// Mean of every sample of plane `channel` (all planes when nil), in code values.
    public static func mean(_ frame: PixelBuffer, channel: Int? = nil) -> Double {
        let range = channel.map { frame.planeRange($0) } ?? 0..<frame.samples.count
        var sum = 0
        for i in range { sum += Int(frame.samples[i]) }
        return Double(sum) / Double(max(range.count, 1))
    }

    /// The `width`×`height` window of `frame` whose top-left corner is (`x`, `y`): a
    /// camera pan made of a still frame, one window a frame.
    /// - Throws: `PixelBufferError` when the window is empty.
    public static func crop(_ frame: PixelBuffer, x: Int, y: Int, width: Int, height: Int) throws -> PixelBuffer {
        precondition(x >= 0 && y >= 0 && x + width <= frame.width && y + height <= frame.height, "window outside the frame")
        var samples: [UInt16] = []
        samples.reserveCapacity(width * height * frame.channels)
        for c in 0..<frame.channels {
            for row in y..<(y + height) {
                let start = c * frame.planeSize + row * frame.width + x
                samples += frame.samples[start..<(start + width)]
            }
        }
        return try PixelBuffer(width: width, height: height, channels: frame.channels, bitDepth: frame.bitDepth,
                               samples: samples)
    }

    /// Writes frames `0 ..< count` of a synthetic reel as a DPX sequence
    /// `folder/NAME_NNNNNNN.dpx` numbered from `start`, with the header fields
    /// `reelpack synth` writes, and returns the files in order.
    /// - Throws: `FilmSynthesizerError`, `FormatError`, or a file-system error.
    @discardableResult
    public static func writeDPXSequence(_ kind: FilmSynthesizer.Kind = .grain, count: Int, to folder: URL,
                                        start: Int = 86400, name: String = "reel", width: Int = 160,
                                        height: Int = 90, bitDepth: Int = 10, seed: UInt64 = 1,
                                        grainSigma: Double? = nil) throws -> [URL] {
        let synth = try FilmSynthesizer(width: width, height: height, bitDepth: bitDepth, kind: kind,
                                        seed: seed, grainSigma: grainSigma)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try (0..<count).map { index in
            let fileName = String(format: "%@_%07d.dpx", name, start + index)
            let url = folder.appendingPathComponent(fileName)
            let metadata = synth.metadata(frameNumber: start + index, position: index + 1, length: count,
                                          fileName: fileName)
            try DPXWriter.write(synth.frame(index), metadata: metadata).write(to: url)
            return url
        }
    }
}
