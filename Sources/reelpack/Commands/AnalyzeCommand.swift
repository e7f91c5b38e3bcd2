import ArgumentParser
import Engine
import Foundation

/// `reelpack analyze SRC... [--json]`: per-frame features (DESIGN.md §5).
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Print each frame's features: bits used, code range, tones, monochrome, grain, edges, scene changes, text.",
        discussion: """
            Noise sigma is the estimated grain/noise standard deviation in code values of the
            source's depth (Immerkær's estimator over the quietest tenth of the picture).
            Scene change is the histogram distance to the previous frame (0 same, 1 disjoint).
            Content is "bw" or "colour", with "+title" (a title card: text on a flat
            background) or "+subtitles" (bright text near the bottom of a picture) when a
            simple detector finds text; its score is 1 or more then (higher is clearer)
            and the text's rows are given as percentages of the frame height.
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
                    grain σ \(String(format: "%.2f", f.noiseSigma))\(Self.toneBands(f)), edges \(String(format: "%.3f", f.edgeDensity)), \
                    smooth \(String(format: "%.2f", f.smoothShare))\
                    \(f.sceneChange.map { String(format: ", scene change %.3f", $0) + (f.isSceneCut ? " (cut)" : "") } ?? ""), \
                    content \(f.contentType)\(Self.textDetail(f))
                    """)
            }
        }
        let failed = frames.filter { $0.error != nil }
        for entry in failed { Output.error(entry.error ?? entry.source) }
        if !failed.isEmpty { throw ExitCode(1) }
    }

    /// " (text score 2.31, rows 85–90 %)" when text was found, " (text score 0.12)" otherwise.
    static func textDetail(_ f: FrameFeatures) -> String {
        guard let score = f.textScore else { return "" }
        guard let band = f.textBand, f.textKind != nil else { return String(format: " (text score %.2f)", score) }
        return String(format: " (text score %.2f, rows %.0f–%.0f %%)", score, band.top * 100, band.bottom * 100)
    }

    /// Grain by tone band, darkest quarter first ("–" where a band has too few blocks).
    static func toneBands(_ f: FrameFeatures) -> String {
        guard let bands = f.grainToneBands, let first = bands.first else { return "" }
        let colour = bands.count
        let perBand = (0..<first.count).map { b -> String in
            let values = bands.compactMap { $0[b] }
            return values.count == colour ? String(format: "%.2f", values.reduce(0, +) / Double(colour)) : "–"
        }
        return " (by tone \(perBand.joined(separator: "/")))"
    }
}
