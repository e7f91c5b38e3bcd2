import ArgumentParser
import Engine
import Foundation

/// `reelpack restore OUT -o DIR [--format dpx|tiff]`: rebuilds the frames of an output folder.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Rebuild the frames of an output folder as DPX or TIFF files.",
        discussion: """
            A lossless output restores to the original file byte for byte (its SHA-256 is
            checked against the seal before the file gets its name). A lossy output restores
            to a file of the source's format with the source's header fields and the decoded
            samples (its hash differs from the source's by nature), or with --format tiff to
            a 16-bit TIFF recording the true bit depth. Existing files in DIR are kept unless
            --overwrite. A frame that fails fixity against manifest-sha256.txt is refused
            (--force restores it and says so). An archive without its manifest, or with
            frames missing, is restored as far as it goes and named incomplete.
            Exit status: 0 every frame restored, 1 some failed or are missing, 2 usage.
            """)

    @Argument(help: "The output folder (OUT of a compress run).")
    var folder: String

    @Option(name: [.customShort("o"), .customLong("output")], help: "Folder to write the restored frames to.")
    var destination: String

    @Option(help: "dpx or tiff (default: each source's own format).")
    var format: String?

    @Flag(help: "Replace files that already exist in the destination.")
    var overwrite = false

    @Flag(help: "Restore frames that fail fixity against the manifest too, with a warning each.")
    var force = false

    @OptionGroup var threads: ThreadOptions

    @OptionGroup var jobs: JobOptions

    @Flag(help: "Print one JSON document on stdout.")
    var json = false

    func validate() throws {
        if let format, Restorer.Format(rawValue: format.lowercased()) == nil {
            throw ValidationError("unknown format \(format): use dpx or tiff")
        }
        if destination.isEmpty { throw ValidationError("-o/--output must name a folder (it is empty)") }
    }

    func run() throws {
        let restorer = Restorer(output: URL(fileURLWithPath: folder), destination: URL(fileURLWithPath: destination),
                                format: format.flatMap { Restorer.Format(rawValue: $0.lowercased()) },
                                overwrite: overwrite, force: force, threads: threads.count, jobs: jobs.count,
                                toolVersion: ReelpackVersion.string)
        var lastNote = Date()
        let report: Restorer.Report
        do {
            report = try restorer.run { done, total in
                if Date().timeIntervalSince(lastNote) >= 5 {
                    Output.note("reelpack: restored \(done)/\(total) frames")
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
        for frame in report.frames where frame.status != .ok {
            Output.error("FAILED \(frame.output): \(frame.note)")
        }
        for frame in report.frames { if let warning = frame.warning { Output.error("WARNING \(frame.output): \(warning)") } }
        for problem in report.problems { Output.error("INCOMPLETE: \(problem)") }
        if json {
            try Output.printJSON(report)
        } else {
            for frame in report.frames where frame.status == .ok {
                print("\(frame.output) → \(frame.restored ?? "")  \(frame.note)")
            }
            print("restored \(report.restored) (\(report.byteExact) byte for byte), failed \(report.failed)"
                  + (report.problems.isEmpty ? "" : ", archive incomplete (\(report.problems.count) problems)"))
        }
        if !report.complete { throw ExitCode(1) }
    }
}
