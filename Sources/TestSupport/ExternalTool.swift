import Foundation

/// Runs third-party tools (ffmpeg, oiiotool, opj_decompress, …) that tests check
/// Reelpack against. `make test` installs them; a missing tool fails the test.
public enum ExternalTool {
    public struct Failure: Error, CustomStringConvertible {
        public var command: [String]
        public var status: Int32
        public var stderr: String
        public var description: String {
            "\(command.joined(separator: " ")) exited \(status): \(stderr.suffix(2000))"
        }
    }

    /// The full path of `name` on PATH, or nil.
    public static func path(of name: String) -> String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for dir in dirs {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `arguments[0]` (looked up on PATH) with the rest, and returns its stdout.
    /// - Throws: `Failure` when it cannot start or exits non-zero.
    @discardableResult
    public static func run(_ arguments: [String], stdin: Data? = nil) throws -> Data {
        let result = try runStatus(arguments, stdin: stdin)
        guard result.status == 0 else {
            throw Failure(command: arguments, status: result.status, stderr: String(decoding: result.stderr, as: UTF8.self))
        }
        return result.stdout
    }

    /// Runs a command and returns its exit status, stdout and stderr, whatever the status.
    public static func runStatus(_ arguments: [String], stdin: Data? = nil) throws -> (status: Int32, stdout: Data, stderr: Data) {
        guard let first = arguments.first else { throw Failure(command: [], status: -1, stderr: "empty command") }
        let executable = first.contains("/") ? first : (path(of: first) ?? first)
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw Failure(command: arguments, status: -1, stderr: "\(first) is not installed (make test installs it)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(arguments.dropFirst())
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        let inPipe = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : inPipe
        _ = ignoreBrokenPipes
        try process.run()
        if let stdin {
            // A tool that exits before reading all of it leaves the rest unwritten.
            try? inPipe.fileHandleForWriting.write(contentsOf: stdin)
            try? inPipe.fileHandleForWriting.close()
        }
        // Read both pipes concurrently so a chatty tool cannot block on a full pipe.
        let errBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errBox.data = errPipe.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return (process.terminationStatus, out, errBox.data)
    }

    // Written by one background read and read after `group.wait()`: no overlap.
    private final class DataBox: @unchecked Sendable { var data = Data() }
}

/// Locates the built `reelpack` executable for CLI tests.
public enum ReelpackBinary {
    /// `.build/debug/reelpack` (or the products folder of the running tests).
    public static var url: URL {
        let testBundle = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }
        if let dir = testBundle?.bundleURL.deletingLastPathComponent() {
            let candidate = dir.appendingPathComponent("reelpack")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidate = exe.appendingPathComponent("reelpack")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        return Corpus.packageRoot.appendingPathComponent(".build/debug/reelpack")
    }

    /// Runs `reelpack` with `arguments`; returns status, stdout and stderr.
    public static func run(_ arguments: [String], stdin: Data? = nil) throws -> (status: Int32, stdout: Data, stderr: Data) {
        try ExternalTool.runStatus([url.path] + arguments, stdin: stdin)
    }
}

/// A fresh temporary folder, removed by `remove()` (kept, and its path printed,
/// when `REELPACK_KEEP_TEST_OUTPUT` is set, to look at what a test wrote).
public struct TemporaryDirectory: Sendable {
    public let url: URL
    public init(_ label: String = "reelpack-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    public func remove() {
        if ProcessInfo.processInfo.environment["REELPACK_KEEP_TEST_OUTPUT"] != nil {
            print("kept test output: \(url.path)")
            return
        }
        try? FileManager.default.removeItem(at: url)
    }
}

/// A tool that exits before reading its input must give the writer EPIPE, not SIGPIPE,
/// which would end the whole test process without a word.
private let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()
