import Foundation

import Formats

/// Turns the SRC arguments (folders and files) into an ordered list of frames, and
/// checks that OUT lies outside every source folder.
public enum SourceListing {
    /// The frames to process and what the scan found worth telling the user.
    public struct Listing: Sendable {
        /// Frames in working order: each sequence by frame number, then single files.
        public var items: [WorkItem]
        /// Gaps, mixed geometries, unreadable headers, skipped files: one sentence each.
        public var warnings: [String]
    }

    /// The frames of `sources`, found by `SequenceScanner`: a folder contributes its
    /// DPX and TIFF files (not recursively) grouped into sequences by name; a file is
    /// taken as given. Gaps and mixed sizes are reported in `warnings`, never skipped
    /// silently.
    /// - Throws: `EngineError.usage` when a source does not exist, nothing holds a
    ///   frame, or two frames share a file name (the catalog's key).
    public static func listing(_ sources: [URL]) throws -> Listing {
        let scan: SequenceScan
        do {
            scan = try SequenceScanner.scan(sources)
        } catch {
            throw EngineError(.usage, file: error.path, error.reason)
        }
        var seen: Set<String> = []
        let items = try scan.frames.enumerated().map { i, frame in
            guard seen.insert(frame.name).inserted else {
                throw EngineError(.usage, file: frame.url.path, "another source has the same file name \(frame.name)")
            }
            return WorkItem(index: i, source: frame.url, name: frame.name, sequenceNumber: frame.frameNumber)
        }
        return Listing(items: items, warnings: scan.warnings)
    }

    /// Refuses an output folder that is a source folder or lies inside one (for a
    /// source file, its folder).
    /// - Throws: `EngineError.usage`.
    public static func checkOutput(_ out: URL, outsideOf sources: [URL]) throws {
        let outPath = canonical(out)
        for src in sources {
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: src.path, isDirectory: &isDir)
            let folder = canonical(isDir.boolValue ? src : src.deletingLastPathComponent())
            if outPath == folder || outPath.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/") {
                throw EngineError(.usage, file: out.path, "the output folder must not be a source folder or inside one (\(src.path))")
            }
        }
    }

    /// The absolute path with symbolic links resolved, also for a path not yet created
    /// (its nearest existing ancestor is resolved).
    static func canonical(_ url: URL) -> String {
        var existing = url.standardizedFileURL
        var tail: [String] = []
        while !FileManager.default.fileExists(atPath: existing.path), existing.path != "/" {
            tail.insert(existing.lastPathComponent, at: 0)
            existing.deleteLastPathComponent()
        }
        var path = existing.resolvingSymlinksInPath().path
        for part in tail { path = (path as NSString).appendingPathComponent(part) }
        return path
    }

    /// Source files by name, to find a frame's source from its seal: `url` itself when
    /// it is a file, else every regular file under it (the first of each name).
    public static func filesByName(_ url: URL) -> [String: URL] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else { return [:] }
        guard isDir.boolValue else { return [url.lastPathComponent: url] }
        var index: [String: URL] = [:]
        let e = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey])
        while let file = e?.nextObject() as? URL {
            if (try? file.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true, index[file.lastPathComponent] == nil {
                index[file.lastPathComponent] = file
            }
        }
        return index
    }
}
