import ArgumentParser
import Foundation

/// The tool's version, reported by `--version` and written into seals.
enum ReelpackVersion {
    static let string = "0.1.0"
}

/// Terminal output shared by the subcommands: JSON documents on stdout, messages
/// and progress on stderr (so `--json` output stays parseable).
enum Output {
    /// Prints `value` as one pretty, key-sorted JSON document on stdout.
    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .throw
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    /// Writes one line to stderr.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("reelpack: \(message)\n".utf8))
    }

    /// Writes one line to stderr without the tool's prefix (progress, notes).
    static func note(_ message: String) {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
    }
}

/// Runs `body`, turning a thrown error into one line on stderr and exit code 1
/// (a failure of the work, not of the command line: usage errors are exit 2 via
/// `ValidationError`).
func failingWithExitCode1<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ValidationError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch {
        Output.error(String(describing: error))
        throw ExitCode(1)
    }
}

/// `--threads` and `--jobs` of the commands that decode (verify, restore): at least 1,
/// at most what the codec libraries' thread pools start (256).
enum ThreadOption {
    static let maximum = 256

    static func validate(_ threads: Int?, name: String = "--threads") throws {
        guard let threads else { return }
        if threads < 1 { throw ValidationError("\(name) must be at least 1") }
        if threads > maximum { throw ValidationError("\(name) must be at most \(maximum) (asked \(threads))") }
    }
}
