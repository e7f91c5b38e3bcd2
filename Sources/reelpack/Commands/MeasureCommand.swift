import ArgumentParser
import Engine
import Foundation

/// `reelpack measure REF TEST [--json]`: SSIM per channel and for the frame, the tile
/// floor and where it is, PSNR and the largest sample error of TEST against REF
/// (DESIGN.md §3, §5).
struct MeasureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Compare a frame with its reference: SSIM, tile floor, PSNR, max error, grain kept, banding.",
        discussion: """
            Either frame may be a source (DPX, TIFF) or a Reelpack output (JP2, JPH, JXL),
            so an output can be measured against its source. Both must have the same size,
            channel count and bit depth. SSIM uses an
            11×11 Gaussian window (σ = 1.5) on code values with L = 2^bitDepth − 1 of the
            reference; the tile floor is the lowest 64×64-tile mean of the SSIM map, whose
            coordinates are offset by 5 pixels from the image's (the map is (W−10)×(H−10)).
            Grain kept is the share of REF's film grain TEST keeps in the worst 64×64 tile with
            measurable grain (1 = all of it; noise TEST adds does not count), and over every
            such tile; "no measurable grain" when REF has none. Banding is the CAMBI index
            (0 = none) of each frame and its rise from REF to TEST.
            Exit code 1 when a file cannot be read or the frames cannot be compared.
            """)

    @Argument(help: "The reference frame (DPX, TIFF, or a JP2/JPH/JXL file).")
    var reference: String

    @Argument(help: "The frame to judge (DPX, TIFF, or a Reelpack output), same geometry as the reference.")
    var test: String

    @Flag(help: """
        Print one JSON document on stdout (keys: ssim, ssimPerChannel, tileFloor, worstTile, psnr, identical, \
        maxError, mse, grainSigma (REF's grain, code values), grainRetention and grainRetentionMean (null without \
        measurable grain), grainRetentionPerToneBand, banding, bandingReference, bandingRise).
        """)
    var json = false

    func run() throws {
        try failingWithExitCode1 {
            let result = try FrameComparison.measure(reference: URL(fileURLWithPath: reference), test: URL(fileURLWithPath: test))
            if json {
                try Output.printJSON(result)
            } else {
                print(Self.text(result))
            }
        }
    }

    /// The comparison as lines for a terminal.
    static func text(_ m: FrameComparison) -> String {
        let names = channelNames(m.ssimPerChannel.count)
        let perChannel = zip(names, m.ssimPerChannel).map { "\($0) \(format($1, 6))" }.joined(separator: "  ")
        let tile = m.worstTile
        var lines = [
            "SSIM        \(format(m.ssim, 6))  (\(perChannel))",
            "tile floor  \(format(m.tileFloor, 6))  (worst 64×64 tile at map x \(tile.x), y \(tile.y), \(tile.width)×\(tile.height))",
        ]
        if let psnr = m.psnr {
            lines.append("PSNR        \(format(psnr, 3)) dB  (L = \((1 << m.bitDepth) - 1), MSE \(format(m.mse, 4)))")
        } else {
            lines.append("PSNR        identical (infinite)")
        }
        lines.append("max error   \(m.maxError)")
        if let worst = m.grainRetention, let mean = m.grainRetentionMean {
            lines.append("grain kept  \(format(worst, 3)) worst tile, \(format(mean, 3)) over \(m.grainTiles ?? 0) tiles  (REF's grain \(format(m.grainSigma, 2)) codes)")
        } else {
            lines.append("grain kept  no measurable grain in REF (\(format(m.grainSigma, 2)) codes)")
        }
        lines.append("banding     CAMBI \(format(m.banding, 2))  (REF \(format(m.bandingReference, 2)), rise \(format(m.bandingRise, 2)))")
        return lines.joined(separator: "\n")
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
