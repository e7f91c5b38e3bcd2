import Dispatch
import Foundation

/// A program that exits before reading all its input (ffmpeg refusing a stream, a
/// decode stopped early) must give its writer an EPIPE error, not SIGPIPE, whose default
/// action ends this whole process without a word. Set once, before the first pipe.
private let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

/// Runs an external program with bytes on stdin, collecting stdout and stderr.
enum Subprocess {
    struct Result { var status: Int32; var stdout: Data; var stderr: Data }

    /// - Throws: `EngineError(.unavailable)` when the program cannot be started.
    static func run(_ executable: URL, _ arguments: [String], stdin: Data? = nil) throws -> Result {
        _ = ignoreBrokenPipes
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = stdin == nil ? FileHandle.nullDevice : inPipe
        do {
            try process.run()
        } catch {
            throw EngineError(.unavailable, file: executable.path, "cannot run: \(error.localizedDescription)")
        }
        // stdin and stderr on threads of their own (not the dispatch pool, which the
        // frame workers occupy), so no pipe can fill and block.
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        var helpers = 1
        if let stdin {
            helpers += 1
            Thread {
                try? inPipe.fileHandleForWriting.write(contentsOf: stdin)
                try? inPipe.fileHandleForWriting.close()
                done.signal()
            }.start()
        }
        Thread {
            box.err = errPipe.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }.start()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        for _ in 0..<helpers { done.wait() }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: out, stderr: box.err)
    }

    // @unchecked Sendable: written by one background read, read after the semaphore says it is done.
    private final class Box: @unchecked Sendable { var err = Data() }
}

/// An external program fed on stdin by a thread of its own while the caller reads its
/// stdout piece by piece: a whole reel goes through one process without the reel's raw
/// bytes being held twice, and the caller can stop it early.
// @unchecked Sendable: `process` and the pipes are set once in init; `stderrBox` is written
// by one background read and read after its semaphore.
final class StreamingProcess: @unchecked Sendable {
    private let process = Process()
    private let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
    private let errDone = DispatchSemaphore(value: 0)
    private let inDone = DispatchSemaphore(value: 0)
    private final class Box: @unchecked Sendable { var data = Data() }
    private let stderrBox = Box()

    /// A write to a program that has stopped reading (stopped early, or failed) must be an
    /// error the writer sees, not a signal that ends this process.

    /// Starts `executable` and `writeInput` on its own thread; stdin is closed when it returns.
    /// - Throws: `EngineError(.unavailable)` when the program cannot be started.
    init(_ executable: URL, _ arguments: [String], writeInput: @escaping @Sendable (FileHandle) throws -> Void) throws {
        _ = ignoreBrokenPipes
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = inPipe
        do {
            try process.run()
        } catch {
            throw EngineError(.unavailable, file: executable.path, "cannot run: \(error.localizedDescription)")
        }
        let input = inPipe.fileHandleForWriting, errors = errPipe.fileHandleForReading
        let box = stderrBox, errDone = errDone, inDone = inDone
        Thread {
            try? writeInput(input)
            try? input.close()
            inDone.signal()
        }.start()
        Thread {
            box.data = errors.readDataToEndOfFile()
            errDone.signal()
        }.start()
    }

    /// The next `count` bytes of stdout; fewer only at its end.
    func read(_ count: Int) -> Data {
        var out = Data(capacity: count)
        let handle = outPipe.fileHandleForReading
        while out.count < count {
            guard let chunk = try? handle.read(upToCount: count - out.count), !chunk.isEmpty else { break }
            out.append(chunk)
        }
        return out
    }

    /// The rest of stdout.
    func readToEnd() -> Data {
        (try? outPipe.fileHandleForReading.readToEnd()) ?? Data()
    }

    /// Waits for the program's end (ending it first when `stop`): its exit status and stderr.
    func finish(stop: Bool = false) -> (status: Int32, stderr: Data) {
        if stop, process.isRunning { process.terminate() }
        // Whatever is left on stdout is not wanted; reading it lets a blocked writer end.
        _ = readToEnd()
        inDone.wait()
        errDone.wait()
        process.waitUntilExit()
        return (process.terminationStatus, stderrBox.data)
    }
}
