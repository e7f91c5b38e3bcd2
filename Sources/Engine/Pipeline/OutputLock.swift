import Foundation

/// One writer per output folder: `compress` holds an exclusive `flock` on
/// `OUT/.reelpack-lock` for the whole run, so a second run (or a `--resume` started
/// while the first still writes) is refused with the holder's process id instead of
/// failing later on a locked catalog. The lock goes with the process, also when it is
/// killed; the empty file stays.
final class OutputLock: Sendable {
    /// The lock file's name inside OUT (hidden: not a frame, not the user's).
    static let fileName = ".reelpack-lock"

    private let descriptor: Int32

    /// Creates OUT if needed and takes its lock.
    /// - Throws: `EngineError.usage` naming the process that holds it, `EngineError.io`
    ///   when the folder or the lock file cannot be made.
    init(folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw EngineError(.io, file: folder.path, "cannot create: \(error.localizedDescription)", cause: error)
        }
        let path = folder.appendingPathComponent(Self.fileName).path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw EngineError(.io, file: path, "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            let holder = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
            throw EngineError(.usage, file: folder.path,
                              "is being written by another reelpack run (process \(holder)): wait for it to finish, or stop it first")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        descriptor = fd
    }

    /// Releases the lock.
    /// Unlocked explicitly before closing: a child process forked at that moment by
    /// another thread (and not yet exec'd, which closes the descriptor) shares the
    /// open file, and would otherwise keep the lock until its exec.
    func release() {
        _ = ftruncate(descriptor, 0)
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
