import Foundation

/// Catches what a C library prints on stderr while it runs, so it can go into the
/// call's error instead of onto the user's terminal. libjxl 0.7 has no logging hook:
/// on a corrupt codestream it prints its internal trace (`./lib/jxl/…: JXL_FAILURE: …`).
///
/// While any traced call runs, file descriptor 2 is a pipe read by one thread. Lines
/// from the library (`isLibraryLine`) are kept; everything else (a progress line, a
/// warning from another thread) is passed on to the real stderr as it arrives. Calls
/// may overlap: each brackets its stretch of the pipe with marker lines and takes the
/// library lines between them (a trace printed by an overlapping call may be counted
/// in both). The redirection is undone when the last traced call ends.
///
/// `@unchecked Sendable`: every field is guarded by `condition`'s lock.
final class LibraryTrace: @unchecked Sendable {
    static let shared = LibraryTrace()

    private let condition = NSCondition()
    private var active = 0
    private var savedStderr: Int32 = -1
    private var readerRunning = false
    /// True while `restore` waits for the reader (the lock released meanwhile).
    private var restoring = false
    /// Library lines and markers seen since the redirection began.
    private var lines: [String] = []
    private var nextID = 0

    /// True for a line libjxl's trace prints.
    static func isLibraryLine(_ line: Substring) -> Bool {
        line.hasPrefix("./lib/") || line.hasPrefix("lib/jxl/") || line.contains(": JXL_")
    }

    private static let markerPrefix = "\u{1}reelpack-trace-"

    /// Runs `body` with stderr captured; returns its result, or its error with the
    /// library's lines printed meanwhile handed to `annotate`.
    func run<T, E: Error>(_ body: () throws(E) -> T, annotate: (E, [String]) -> E) throws(E) -> T {
        let id = begin()
        do {
            let result = try body()
            _ = end(id)
            return result
        } catch {
            throw annotate(error, end(id))
        }
    }

    private func begin() -> Int {
        condition.lock()
        // A restore in progress has released the lock to wait for its reader: fd 2 and
        // the saved descriptor are still its own until it ends.
        while restoring { condition.wait() }
        if active == 0 { redirect() }
        active += 1
        nextID += 1
        let id = nextID, redirected = savedStderr >= 0
        condition.unlock()
        // Markers are written without the lock: the reader takes it to store lines.
        if redirected { mark(id, "begin") }
        return id
    }

    /// Ends call `id`; returns the library lines printed since it began.
    private func end(_ id: Int) -> [String] {
        condition.lock()
        let redirected = savedStderr >= 0
        condition.unlock()
        let endMarker = redirected ? mark(id, "end") : ""
        condition.lock()
        defer { condition.unlock() }
        var mine: [String] = []
        if redirected {
            while readerRunning, !lines.contains(endMarker) { condition.wait() }
            let begin = lines.firstIndex(of: Self.markerPrefix + "\(id) begin") ?? lines.startIndex
            let stop = lines.firstIndex(of: endMarker) ?? lines.endIndex
            mine = lines[begin..<max(begin, stop)].filter { !$0.hasPrefix(Self.markerPrefix) }
        }
        active -= 1
        if active == 0 { restore() }
        return mine
    }

    /// Writes a marker line into the pipe; returns it as the reader will keep it.
    @discardableResult
    private func mark(_ id: Int, _ what: String) -> String {
        let line = Self.markerPrefix + "\(id) \(what)"
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        return line
    }

    /// Points fd 2 at a new pipe and starts its reader; on any failure stderr stays as it was.
    private func redirect() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }
        let saved = dup(2)
        guard saved >= 0, dup2(fds[1], 2) >= 0 else {
            close(fds[0]); close(fds[1])
            if saved >= 0 { close(saved) }
            return
        }
        close(fds[1])
        savedStderr = saved
        lines = []
        readerRunning = true
        let readEnd = fds[0]
        let thread = Thread { [self] in drain(readEnd, forwardingTo: saved) }
        thread.name = "reelpack.library-trace"
        thread.start()
    }

    /// Puts stderr back and waits for the reader to drain the pipe (lock held).
    private func restore() {
        guard savedStderr >= 0 else { return }
        restoring = true
        dup2(savedStderr, 2)   // the pipe's last write end closes: the reader sees its end
        while readerRunning { condition.wait() }
        close(savedStderr)
        savedStderr = -1
        lines = []
        restoring = false
        condition.broadcast()
    }

    private func drain(_ fd: Int32, forwardingTo out: Int32) {
        var pending = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        func forward(_ bytes: ArraySlice<UInt8>) {
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = write(out, raw.baseAddress! + offset, raw.count - offset)
                    if n <= 0 { break }
                    offset += n
                }
            }
        }
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            pending += buffer[0..<n]
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                if line.hasPrefix(Self.markerPrefix) || Self.isLibraryLine(line[...]) {
                    condition.lock(); lines.append(line); condition.broadcast(); condition.unlock()
                } else {
                    forward(pending[...newline])
                }
                pending.removeSubrange(...newline)
            }
            // A line still being written that is not the library's (a progress bar
            // redrawn with \r) goes on at once.
            if let first = pending.first, first != 0x01, first != UInt8(ascii: "."), first != UInt8(ascii: "l") {
                forward(pending[...]); pending.removeAll()
            }
        }
        if !pending.isEmpty { forward(pending[...]) }
        close(fd)
        condition.lock(); readerRunning = false; condition.broadcast(); condition.unlock()
    }
}
