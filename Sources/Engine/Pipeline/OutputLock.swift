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
    /// True for the lock a shard shares with the other shards of its run.
    private let isShared: Bool

    /// Creates OUT if needed and takes its lock.
    /// - Throws: `EngineError.usage` naming the process that holds it, `EngineError.io`
    ///   when the folder or the lock file cannot be made.
    convenience init(folder: URL) throws {
        try self.init(folder: folder, fileName: Self.fileName, holder: "another reelpack run")
    }

    /// Takes the exclusive lock `fileName` in `folder` (a shard's own lock, under
    /// OUT/shards), refused while `holder` holds it.
    init(folder: URL, fileName: String, holder: String) throws {
        let (fd, path) = try Self.openLockFile(fileName, in: folder)
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let pid = Self.holderProcess(fd)
            close(fd)
            throw EngineError(.usage, file: path == folder.appendingPathComponent(Self.fileName).path ? folder.path : path,
                              "is being written by \(holder)\(pid.map { " (process \($0))" } ?? ""): wait for it to finish, or stop it first")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        descriptor = fd
        isShared = false
    }

    /// OUT's lock shared by the shards of a run (`--shard`), which write into
    /// OUT/frames at once, and refused to a whole run or a `merge` (which hold it
    /// alone). When no other process holds it, `whileAlone` runs first under the lock
    /// held exclusively: only then are temporary files in OUT/frames leftovers of a
    /// dead process rather than another shard's files in flight.
    /// - Throws: `EngineError.usage` naming the process that holds it alone,
    ///   `EngineError.io` when the folder or the lock file cannot be made; what
    ///   `whileAlone` throws.
    init(sharedIn folder: URL, whileAlone: () throws -> Void) throws {
        let (fd, _) = try Self.openLockFile(Self.fileName, in: folder)
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            do {
                try whileAlone()
            } catch {
                close(fd)
                throw error
            }
            // Converted, not atomically: a whole run taking the lock in between wins.
            guard flock(fd, LOCK_SH | LOCK_NB) == 0 else {
                close(fd)
                throw EngineError(.usage, file: folder.path, "was taken by another reelpack run while this shard started: wait for it to finish")
            }
        } else {
            // Another shard may hold it alone for a moment (its clean-up): wait briefly.
            let deadline = Date().addingTimeInterval(10)
            while flock(fd, LOCK_SH | LOCK_NB) != 0 {
                guard Date() < deadline else {
                    let pid = Self.holderProcess(fd)
                    close(fd)
                    throw EngineError(.usage, file: folder.path,
                                      "is being written by a reelpack run that is not a shard\(pid.map { " (process \($0))" } ?? ""): wait for it to finish, or stop it first")
                }
                usleep(50_000)
            }
        }
        descriptor = fd
        isShared = true
    }

    /// Creates `folder` if needed and opens the lock file `fileName` in it.
    private static func openLockFile(_ fileName: String, in folder: URL) throws -> (Int32, String) {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw EngineError(.io, file: folder.path, "cannot create: \(error.localizedDescription)", cause: error)
        }
        let path = folder.appendingPathComponent(fileName).path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw EngineError(.io, file: path, "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        return (fd, path)
    }

    /// The process id an exclusive holder wrote into the lock file, if any.
    private static func holderProcess(_ fd: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buffer, buffer.count, 0)
        let text = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
        return text.isEmpty ? nil : text
    }

    /// Releases the lock.
    /// Unlocked explicitly before closing: a child process forked at that moment by
    /// another thread (and not yet exec'd, which closes the descriptor) shares the
    /// open file, and would otherwise keep the lock until its exec.
    func release() {
        if !isShared { _ = ftruncate(descriptor, 0) }
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
