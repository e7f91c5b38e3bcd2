import ArgumentParser
import Engine
import Foundation

/// `reelpack probe FILE... [--json]`: header fields and metadata of source frames, and
/// the format, geometry and seal of Reelpack outputs (`.jp2`, `.jph`, `.jxl`, `.tif`),
/// as `FileProbe` reads them.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Print header fields and metadata of DPX and TIFF files, and the seal of Reelpack outputs.",
        discussion: """
            With --json: one JSON document on stdout, an object for one file or an array
            for several, each with format, width, height, channels and bitDepth first.
            A Reelpack output (jp2, jph, jxl, or a TIFF carrying a seal) also has "seal",
            the seal's JSON object; in text mode a summary of the seal is printed.
            A file that cannot be read is named on stderr and the exit code is 1.
            """)

    @Argument(help: "Files to probe.")
    var files: [String]

    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one file") }
    }

    func run() throws {
        var reports: [ProbeReport] = []
        var failed = false
        for file in files {
            do {
                reports.append(try FileProbe.probe(URL(fileURLWithPath: file), name: file))
            } catch {
                Output.error(String(describing: error))
                failed = true
            }
        }
        if json {
            if files.count == 1 {
                if let only = reports.first { try Output.printJSON(only) }
            } else {
                try Output.printJSON(reports)
            }
        } else {
            for (i, report) in reports.enumerated() {
                if i > 0 { print("") }
                print(report.text)
            }
        }
        if failed { throw ExitCode(1) }
    }
}
