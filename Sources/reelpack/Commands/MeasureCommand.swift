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
        abstract: "Compare a frame with its reference: SSIM per channel, tile floor, PSNR, max error.",
        discussion: """
            Both frames must have the same size, channel count and bit depth. SSIM uses an
            11×11 Gaussian window (σ = 1.5) on code values with L = 2^bitDepth − 1 of the
            reference; the tile floor is the lowest 64×64-tile mean of the SSIM map, whose
            coordinates are offset by 5 pixels from the image's (the map is (W−10)×(H−10)).
            Exit code 1 when a file cannot be read or the frames cannot be compared.
            """)

    @Argument(help: "The reference frame (DPX or TIFF).")
    var reference: String

    @Argument(help: "The frame to judge (DPX or TIFF), same geometry as the reference.")
    var test: String

    @Flag(help: "Print one JSON document on stdout (keys: ssim, ssimPerChannel, tileFloor, worstTile, psnr, identical, maxError, mse).")
    var json = false

    func run() throws {
        try failingWithExitCode1 {
            let referencePixels = try FrameSource.pixels(at: reference)
            let testPixels = try FrameSource.pixels(at: test)
            let report = try QualityMetrics.measure(reference: referencePixels, test: testPixels)
            if json {
                try Output.printJSON(report)
            } else {
                print(Self.text(report, bitDepth: referencePixels.bitDepth))
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
