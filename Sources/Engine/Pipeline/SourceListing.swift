import Foundation

/// Turns the SRC arguments (folders and files) into an ordered list of frames, and
/// checks that OUT lies outside every source folder.
public enum SourceListing {
    /// File name extensions read as sources.
    public static let extensions: Set<String> = ["dpx", "tif", "tiff"]

    /// The frames of `sources`: a folder contributes its DPX and TIFF files (not
    /// recursively), sorted by name; a file is taken as given.
    /// - Throws: `EngineError.usage` when a source does not exist, a folder holds no
    ///   frame, or two frames share a file name.
    public static func items(_ sources: [URL]) throws -> [WorkItem] {
        var urls: [URL] = []
        for src in sources {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: src.path, isDirectory: &isDir) else {
                throw EngineError(.usage, file: src.path, "no such file or folder")
            }
            if isDir.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: src.path)
                    .filter { !$0.hasPrefix(".") && extensions.contains(($0 as NSString).pathExtension.lowercased()) }
                    .sorted()
                guard !names.isEmpty else { throw EngineError(.usage, file: src.path, "holds no DPX or TIFF frame") }
                urls += names.map { src.appendingPathComponent($0) }
            } else {
                urls.append(src)
            }
        }
        var seen: Set<String> = []
        return try urls.enumerated().map { i, url in
            let name = url.lastPathComponent
            guard seen.insert(name).inserted else {
                throw EngineError(.usage, file: url.path, "another source has the same file name \(name)")
            }
            return WorkItem(index: i, source: url, name: name, sequenceNumber: sequenceNumber(of: name))
        }
    }

    /// The number at the end of a file's stem (`reel_0086400.dpx` → 86400), if any.
    public static func sequenceNumber(of name: String) -> Int? {
        let stem = (name as NSString).deletingPathExtension
        let digits = stem.reversed().prefix { $0.isNumber }
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        return Int(String(digits.reversed()))
    }

    /// Refuses an output folder that is a source folder or lies inside one (for a
    /// source file, its folder).
    /// - Throws: `EngineError.usage`.
    public static func checkOutput(_ out: URL, outsideOf sources: [URL]) throws {
        let outPath = canonical(out)
        for src in sources {
            var isDir: ObjCBool = false
            FileManager.default.fileExists(atPath: src.path, isDirectory: &isDir)
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
}
