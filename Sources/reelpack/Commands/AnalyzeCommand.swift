import ArgumentParser
import Engine
import Foundation

/// `reelpack analyze SRC... [--json]`: per-frame features (DESIGN.md §5).
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Print each frame's features: bits used, code range, tones, monochrome, grain, edges, scene changes.",
        discussion: """
            Noise sigma is the estimated grain/noise standard deviation in code values of the
            source's depth (Immerkær's estimator over the quietest tenth of the picture).
            Scene change is the histogram distance to the previous frame (0 same, 1 disjoint).
            Exit status 1 when a frame cannot be read.
            """)

    @Argument(help: "Source folders (image sequences) or DPX/TIFF files.")
    var sources: [String]

    @Flag(help: "Print one JSON document on stdout.")
    var json = false

    struct Document: Encodable { var frames: [SequenceAnalysis.FrameEntry] }

    func run() throws {
        let listing: SourceListing.Listing
        do {
            listing = try SourceListing.listing(sources.map { URL(fileURLWithPath: $0) })
        } catch {
            Output.error(String(describing: error))
            throw ExitCode(2)
        }
        let items = listing.items
        for warning in listing.warnings { Output.note("warning: \(warning)") }
        let frames = SequenceAnalysis.analyze(items)
        if json {
            try Output.printJSON(Document(frames: frames))
        } else {
            for entry in frames {
                guard let f = entry.features else { continue }
                let name = (entry.source as NSString).lastPathComponent
                print("""
                    \(name): \(f.width)×\(f.height)×\(f.channels) \(f.bitDepth)-bit (\(f.bitsUsed) bits used), \
                    codes \(f.codeMin)…\(f.codeMax) (0.1–99.9 %: \(f.percentile0_1)…\(f.percentile99_9)), \
                    \(f.monochrome ? "monochrome" : String(format: "colour, saturation %.3f", f.saturation)), \
                    noise σ \(String(format: "%.2f", f.noiseSigma)), edges \(String(format: "%.3f", f.edgeDensity)), \
                    smooth \(String(format: "%.2f", f.smoothShare))\
                    \(f.sceneChange.map { String(format: ", scene change %.3f", $0) + (f.isSceneCut ? " (cut)" : "") } ?? "")
                    """)
            }
        }
        let failed = frames.filter { $0.error != nil }
        for entry in failed { Output.error(entry.error ?? entry.source) }
        if !failed.isEmpty { throw ExitCode(1) }
    }
}
