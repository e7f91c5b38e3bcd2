import ArgumentParser
import Foundation
import Formats
import ImageCore
import Metrics

/// `reelpack measure REF TEST [--json]`: SSIM per channel and for the frame, the tile
/// floor and where it is, PSNR and the largest sample error of TEST against REF
/// (DESIGN.md §3, §5).
struct MeasureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Compare a frame with its reference: SSIM, tile floor, PSNR, max error, grain kept, banding.",
        discussion: """
            Both frames must have the same size, channel count and bit depth. SSIM uses an
            11×11 Gaussian window (σ = 1.5) on code values with L = 2^bitDepth − 1 of the
            reference; the tile floor is the lowest 64×64-tile mean of the SSIM map, whose
            coordinates are offset by 5 pixels from the image's (the map is (W−10)×(H−10)).
            Grain kept is the share of REF's film grain TEST keeps in the worst 64×64 tile with
            measurable grain (1 = all of it; noise TEST adds does not count), and over every
            such tile; "no measurable grain" when REF has none. Banding is the CAMBI index
            (0 = none) of each frame and its rise from REF to TEST.
            Exit code 1 when a file cannot be read or the frames cannot be compared.
            """)

    @Argument(help: "The reference frame (DPX or TIFF).")
    var reference: String

    @Argument(help: "The frame to judge (DPX or TIFF), same geometry as the reference.")
    var test: String

    @Flag(help: """
        Print one JSON document on stdout (keys: ssim, ssimPerChannel, tileFloor, worstTile, psnr, identical, \
        maxError, mse, grainSigma (REF's grain, code values), grainRetention and grainRetentionMean (null without \
        measurable grain), grainRetentionPerToneBand, banding, bandingReference, bandingRise).
        """)
    var json = false

    func run() throws {
        try failingWithExitCode1 {
            let referencePixels = try FrameSource.pixels(at: reference)
            let testPixels = try FrameSource.pixels(at: test)
            let report = try QualityMetrics.measure(reference: referencePixels, test: testPixels)
            let grain = GrainReference(source: referencePixels)
            let retention = try grain.retention(decoded: testPixels)
            let banding = (reference: CAMBI.measure(referencePixels).score, test: CAMBI.measure(testPixels).score)
            let result = Measured(report: report, grainSigma: grain.estimate.sigma, retention: retention,
                                  bandingReference: banding.reference, banding: banding.test)
            if json {
                try Output.printJSON(result)
            } else {
                print(Self.text(report, bitDepth: referencePixels.bitDepth))
                print(Self.text(result))
            }
        }
    }

    /// The report as lines for a terminal.
    static func text(_ report: QualityReport, bitDepth: Int) -> String {
        let names = channelNames(report.ssimPerChannel.count)
        let perChannel = zip(names, report.ssimPerChannel).map { "\($0) \(format($1, 6))" }.joined(separator: "  ")
        let tile = report.worstTile
        var lines = [
            "SSIM        \(format(report.ssim, 6))  (\(perChannel))",
            "tile floor  \(format(report.tileFloor, 6))  (worst 64×64 tile at map x \(tile.x), y \(tile.y), \(tile.width)×\(tile.height))",
        ]
        if let psnr = report.psnr {
            lines.append("PSNR        \(format(psnr, 3)) dB  (L = \((1 << bitDepth) - 1), MSE \(format(report.mse, 4)))")
        } else {
            lines.append("PSNR        identical (infinite)")
        }
        lines.append("max error   \(report.maxError)")
        return lines.joined(separator: "\n")
    }

    /// The grain and banding lines.
    static func text(_ m: Measured) -> String {
        let grain = m.retention.map {
            "grain kept  \(format($0.worstTile, 3)) worst tile, \(format($0.mean, 3)) over \($0.measuredTiles) tiles  (REF's grain \(format(m.grainSigma, 2)) codes)"
        } ?? "grain kept  no measurable grain in REF (\(format(m.grainSigma, 2)) codes)"
        return grain + "\nbanding     CAMBI \(format(m.banding, 2))  (REF \(format(m.bandingReference, 2)), rise \(format(m.banding - m.bandingReference, 2)))"
    }

    /// What `measure --json` prints: the metrics report's keys and the grain and banding ones.
    struct Measured: Encodable {
        var report: QualityReport
        var grainSigma: Double
        var retention: GrainRetention?
        var bandingReference: Double
        var banding: Double

        private enum Keys: String, CodingKey {
            case grainSigma, grainRetention, grainRetentionMean, grainRetentionPerToneBand, banding, bandingReference, bandingRise
        }

        func encode(to encoder: any Encoder) throws {
            try report.encode(to: encoder)
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(grainSigma, forKey: .grainSigma)
            try c.encode(retention?.worstTile, forKey: .grainRetention)
            try c.encode(retention?.mean, forKey: .grainRetentionMean)
            try c.encode(retention?.perToneBand, forKey: .grainRetentionPerToneBand)
            try c.encode(banding, forKey: .banding)
            try c.encode(bandingReference, forKey: .bandingReference)
            try c.encode(banding - bandingReference, forKey: .bandingRise)
        }
    }

    private static func channelNames(_ count: Int) -> [String] {
        switch count {
        case 1: ["Y"]
        case 2: ["Y", "A"]
        case 3: ["R", "G", "B"]
        default: ["R", "G", "B", "A"] + (4..<max(4, count)).map { "C\($0)" }
        }
    }

    private static func format(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }
}

/// Turns a path into samples for measuring. Today: source formats through
/// `ImageFile.read`; decoded codec output (JP2, JPH, JXL) is one more case here.
enum FrameSource {
    /// The samples of the frame at `path`.
    /// - Throws: `FormatError` naming the file when it cannot be read.
    static func pixels(at path: String) throws -> PixelBuffer {
        try ImageFile.read(contentsOf: URL(fileURLWithPath: path)).pixels
    }
}
