import ArgumentParser
import Engine
import Foundation

/// `reelpack convert SRC DST`: DPX ⇄ TIFF with metadata carried.
///
/// DPX → TIFF writes 16-bit samples for 10- and 12-bit frames (bit replication, true
/// depth recorded) and keeps the DPX's rebuild record in the TIFF, so converting back
/// gives the original DPX byte for byte. A TIFF without such a record becomes a new
/// DPX at its depth (8 or 16 bits, or its recorded 10/12 bits).
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a frame between DPX and TIFF, carrying its metadata.",
        discussion: """
            The output format follows DST's extension (.dpx, .tif, .tiff). A TIFF made from a
            DPX converts back to the identical DPX. The input is never overwritten; an existing
            DST only with --overwrite. The output is written under a temporary name and renamed
            when complete.
            """)

    @Argument(help: "Source frame (DPX or TIFF).")
    var source: String

    @Argument(help: "Destination file (.dpx, .tif or .tiff).")
    var destination: String

    @Flag(help: "Replace DST when it exists.")
    var overwrite = false

    func validate() throws {
        guard FrameConversion.Target(path: destination) != nil else {
            // A usage error: exit code 2 (DESIGN.md §5).
            Output.error("cannot tell the output format of \(destination): use .dpx, .tif or .tiff")
            throw ExitCode(2)
        }
    }

    func run() throws {
        do {
            try FrameConversion.convert(source, to: destination, overwrite: overwrite)
        } catch let error as EngineError where error.kind == .usage {
            Output.error(error.description)
            throw ExitCode(2)
        } catch {
            Output.error(String(describing: error))
            throw ExitCode(1)
        }
        Output.note("\(source) → \(destination)")
    }
}
