import Foundation

/// Writes files so that a name never shows a half-written file: the bytes go to a
/// hidden temporary name in the same folder, are flushed to disk, then renamed.
enum AtomicFile {
    /// Prefix of temporary files (left behind only by a killed run; removed on resume).
    static let temporaryPrefix = ".reelpack-tmp-"

    /// `.reelpack-tmp-` and 16 random hex digits: 30 bytes whatever the final name.
    static func temporaryName() -> String {
        temporaryPrefix + String(UInt64.random(in: 0 ... .max), radix: 16)
    }

    /// Writes `data` to `url` atomically and durably.
    /// - Throws: `EngineError.io` naming the file.
    static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        // A short name: the final name may be up to the file system's 255 bytes, and
        // the temporary one must fit as well (a name-derived one would not).
        let tmp = dir.appendingPathComponent(temporaryName())
        do {
            guard FileManager.default.createFile(atPath: tmp.path, contents: nil) else {
                throw EngineError(.io, file: url.path, "cannot create its temporary file \(tmp.lastPathComponent): \(String(cString: strerror(errno)))")
            }
            let handle = try FileHandle(forWritingTo: tmp)
            do {
                try handle.write(contentsOf: data)
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            guard rename(tmp.path, url.path) == 0 else {
                throw EngineError(.io, file: url.path, "cannot rename the temporary file into place: \(String(cString: strerror(errno)))")
            }
            syncFolder(dir)
        } catch let error as EngineError {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw EngineError(.io, file: url.path, "cannot write: \(error.localizedDescription)", cause: error)
        }
    }

    /// Flushes a folder's entries (the rename) to disk; best effort.
    private static func syncFolder(_ dir: URL) {
        let fd = open(dir.path, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Removes temporary files a killed run left in `dir`; returns how many.
    @discardableResult
    static func removeLeftovers(in dir: URL) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        var removed = 0
        for name in names where name.hasPrefix(temporaryPrefix) {
            if (try? FileManager.default.removeItem(at: dir.appendingPathComponent(name))) != nil { removed += 1 }
        }
        return removed
    }
}
