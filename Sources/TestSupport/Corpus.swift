import Foundation

/// The shared corpus of real frames written by other software
/// (`../shared/corpus` beside the package, or `$REELPACK_CORPUS`).
public enum Corpus {
    /// The package's root folder (where Package.swift is).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }   // Sources/TestSupport/Corpus.swift
        return url
    }()

    /// The corpus folder.
    public static let root: URL = {
        if let env = ProcessInfo.processInfo.environment["REELPACK_CORPUS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }()

    /// A corpus file by its path inside the corpus, e.g. `"photos/Cannon_log10.dpx"`.
    public static func url(_ relativePath: String) -> URL {
        root.appendingPathComponent(relativePath)
    }

    /// Every corpus file in `folder` whose name ends with `suffix`, sorted by name.
    public static func files(in folder: String, suffix: String) -> [String] {
        let dir = root.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.lowercased().hasSuffix(suffix) }.sorted().map { "\(folder)/\($0)" }
    }

    /// Every DPX in the corpus (photos, sequence, third-party).
    public static var allDPX: [String] {
        ["photos", "sequence", "third-party"].flatMap { files(in: $0, suffix: ".dpx") }
    }

    /// Every TIFF in the corpus.
    public static var allTIFF: [String] {
        ["photos", "third-party"].flatMap { files(in: $0, suffix: ".tif") }
    }
}
