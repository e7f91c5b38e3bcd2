import ArgumentParser
import Engine
import Foundation

/// `reelpack verify OUT [--source SRC] [--json]`: fixity, decoded samples and quality of an output folder.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an output folder: fixity, decoded samples, and (with --source) quality against the sources.",
        discussion: """
            1. Every file in OUT/frames/ is hashed against manifest-sha256.txt: a changed,
               missing or extra file is named.
            2. Every output is decoded and the SHA-256 of its samples compared with its
               seal's (catches decoder drift and bit rot behind an unchanged manifest).
            3. With --source: each frame's source (by the seal's source name) is hashed
               against the seal, and the decoded frame is measured against it and held to
               the seal's floors (lossless: identical).
            Failures are named on stderr, one line each. With --json: one document with
            frames and summary on stdout. A "fixity check" event is recorded in the catalog
            when OUT has one. Exit status: 0 every check passed, 1 something failed, 2 usage.
            """)

    @Argument(help: "The output folder (OUT of a compress run).")
    var output: String

    @Option(help: "The source folder (or file) to check the outputs against.")
    var source: String?

    @OptionGroup var threads: ThreadOptions

    @OptionGroup var jobs: JobOptions

    @Flag(help: "Print one JSON document on stdout.")
    var json = false

    func run() throws {
        let verifier = Verifier(output: URL(fileURLWithPath: output), sources: source.map { URL(fileURLWithPath: $0) },
                                threads: threads.count, jobs: jobs.count,
                                toolVersion: ReelpackVersion.string)
        let started = Date()
        var lastNote = Date()
        let report: Verifier.Report
        do {
            report = try verifier.run { done, total in
                if Date().timeIntervalSince(lastNote) >= 5 {
                    Output.note("reelpack: verified \(done)/\(total) outputs (\(String(format: "%.0f", Date().timeIntervalSince(started))) s)")
                    lastNote = Date()
                }
            }
        } catch let error as EngineError where error.kind == .usage {
            Output.error(error.description)
            throw ExitCode(2)
        } catch {
            Output.error(String(describing: error))
            throw ExitCode(1)
        }
        for problem in report.summary.manifestProblems { Output.error("manifest: \(problem)") }
        for problem in report.summary.archiveProblems { Output.error("archive: \(problem)") }
        for warning in report.summary.warnings { Output.note("reelpack: warning: \(warning)") }
        for frame in report.frames where frame.failed {
            if frame.problems.isEmpty {
                Output.error("NOT CHECKED \(frame.output): \(frame.notRun.joined(separator: "; "))")
            } else {
                Output.error("FAILED \(frame.output): \(frame.problems.joined(separator: "; "))")
            }
        }
        if json {
            try Output.printJSON(report)
        } else {
            let s = report.summary
            print("""
                outputs   \(s.frameCount) checked, \(s.frameCount - s.failed) ok, \(s.failed) failed
                missing   \(s.missing.isEmpty ? "none" : s.missing.joined(separator: ", "))
                extra     \(s.extra.isEmpty ? "none" : s.extra.joined(separator: ", "))
                manifest  \(s.manifestProblems.isEmpty ? "ok" : "\(s.manifestProblems.count) problems")
                archive   \(s.archiveProblems.isEmpty ? (s.warnings.isEmpty ? "ok" : "not checked against its run (no catalog)") : "\(s.archiveProblems.count) problems")
                sources   \(source == nil ? "not checked (no --source)" : "\(s.measured) measured")
                result    \(report.passed ? "PASSED" : "FAILED")
                """)
        }
        if !report.passed { throw ExitCode(1) }
    }
}
