import ArgumentParser
import Engine
import Foundation

/// `reelpack report OUT`: the run's report from its catalog (DESIGN.md §5, §6).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write report.html, frames.csv and summary.json for a compression output folder.",
        discussion: """
            report.html is one self-contained page (open it in any browser, offline): the
            run's settings, storage impact, SSIM, tile floor, PSNR and ratio along the reel
            with the floors drawn, histograms, iterations per frame, the worst frames with
            source, output and error heat-map previews, failed frames, and the provenance
            events. frames.csv has one row per frame; summary.json has the same keys as
            `compress --json`. Previews need the source files where compress read them.
            """)

    @Argument(help: "The output folder of `reelpack compress` (holds reelpack.sqlite).")
    var output: String

    @Option(help: "How many of the worst frames (lowest tile floor) to show with previews.")
    var worst = 4

    func validate() throws {
        guard (0...50).contains(worst) else { throw ValidationError("--worst takes 0 to 50 frames") }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: output)
        let (model, notes) = try failingWithExitCode1 { try RunReport.write(output: folder, worstCount: worst) }
        for note in notes { Output.note("note: \(note)") }
        let s = model.summary
        print("""
            \(folder.appendingPathComponent("report.html").path)
            \(s.frameCount) frames, \(s.failed) failed; \(s.sourceBytes) → \(s.outputBytes) bytes \
            (\(String(format: "%.2f:1", s.ratio)), \(String(format: "%.1f %%", s.storageReduction * 100)) saved)
            """)
    }
}
