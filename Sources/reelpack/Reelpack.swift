import ArgumentParser
import Foundation

/// `reelpack`: adaptive compression of scanned film frames (see DESIGN.md §5).
@main
struct Reelpack: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reelpack",
        abstract: "Compress scanned film frames (DPX, TIFF) to the smallest file that meets a quality floor.",
        discussion: """
            Every frame is encoded, decoded and measured (SSIM, PSNR, tile floor) until the
            smallest file that still meets the profile's floors is found; the output carries a
            seal with the settings and the metrics measured on the bytes written.

            Exit codes: 0 all frames done and within floors, 1 some frames failed, 2 usage error.
            """,
        version: ReelpackVersion.string,
        subcommands: [
            ProbeCommand.self,
            ConvertCommand.self,
            MeasureCommand.self,
            SynthCommand.self,
            AnalyzeCommand.self,
            CompressCommand.self,
            VerifyCommand.self,
            RestoreCommand.self,
            ReportCommand.self,
            MergeCommand.self,
            CompareCommand.self,
            ReviewCommand.self,
            QueueCommand.self,
            WorkerCommand.self,
        ]
    )

    /// Runs the command line, turning usage errors into exit code 2 (DESIGN.md §5)
    /// rather than ArgumentParser's 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
