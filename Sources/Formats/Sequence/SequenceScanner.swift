import Foundation

/// Finds the frames to work on in a folder or a list of files, and groups them into
/// image sequences (`reel_0086400.dpx`, `reel_0086401.dpx`, …) by folder, prefix,
/// extension and padding, reading geometry from headers only.
///
/// Missing frames, frames of another geometry, unreadable headers, several sequences
/// in one place and skipped files are reported in `SequenceScan.warnings` and in its
/// structured fields; nothing is dropped silently. Folders are not searched
/// recursively.
public struct SequenceScanner: Sendable {
    /// Read each frame's geometry from its header (a few kilobytes per file).
    public var readsGeometry: Bool

    /// A scanner.
    /// - Parameter readsGeometry: false skips headers (names only: faster, and no
    ///   mixed-geometry check).
    public init(readsGeometry: Bool = true) {
        self.readsGeometry = readsGeometry
    }

    /// Scans one folder or file with default settings.
    /// - Throws: `SequenceScanError` when the path does not exist, cannot be listed,
    ///   or holds no DPX or TIFF frame.
    public static func scan(_ path: URL) throws(SequenceScanError) -> SequenceScan {
        try SequenceScanner().scan([path])
    }

    /// Scans folders and files with default settings.
    /// - Throws: `SequenceScanError` (see `scan(_:)` on an instance).
    public static func scan(_ paths: [URL]) throws(SequenceScanError) -> SequenceScan {
        try SequenceScanner().scan(paths)
    }

    /// Scans folders (their direct contents) and files, in any mix.
    ///
    /// A file named explicitly is taken even when hidden; a file that is not DPX or
    /// TIFF by its extension is skipped with a warning. A file given twice is read once.
    /// - Throws: `SequenceScanError`: `.notFound` naming the first path that does not
    ///   exist, `.unreadable` for a folder that cannot be listed, `.noFrames` when no
    ///   DPX or TIFF frame was found anywhere.
    public func scan(_ paths: [URL]) throws(SequenceScanError) -> SequenceScan {
        guard !paths.isEmpty else { throw SequenceScanError(.noFrames, path: "", "no files or folders were given") }
        let fm = FileManager.default
        var candidates: [URL] = []
        var ignored: [IgnoredFile] = []
        var explicitNonImages: [URL] = []
        var seen = Set<String>()
        var duplicates: [String] = []

        for path in paths {
            var isFolder: ObjCBool = false
            guard fm.fileExists(atPath: path.path, isDirectory: &isFolder) else {
                throw SequenceScanError(.notFound, path: path.path, "no such file or folder")
            }
            if isFolder.boolValue {
                let names: [String]
                do {
                    names = try fm.contentsOfDirectory(atPath: path.path)
                } catch {
                    throw SequenceScanError(.unreadable, path: path.path,
                                            "cannot list the folder: \(error.localizedDescription)")
                }
                for name in names.sorted() {
                    let url = path.appendingPathComponent(name)
                    if name.hasPrefix(".") { ignored.append(IgnoredFile(url: url, reason: .hidden)); continue }
                    var entryIsFolder: ObjCBool = false
                    _ = fm.fileExists(atPath: url.path, isDirectory: &entryIsFolder)
                    if entryIsFolder.boolValue { ignored.append(IgnoredFile(url: url, reason: .folder)); continue }
                    if FrameFileName(name).format == nil {
                        ignored.append(IgnoredFile(url: url, reason: .notAnImage)); continue
                    }
                    if !Self.isRegularFile(url) {
                        ignored.append(IgnoredFile(url: url, reason: .notARegularFile)); continue
                    }
                    if seen.insert(url.standardizedFileURL.path).inserted { candidates.append(url) }
                }
            } else {
                if FrameFileName(path.lastPathComponent).format == nil {
                    ignored.append(IgnoredFile(url: path, reason: .notAnImage))
                    explicitNonImages.append(path)
                    continue
                }
                if !Self.isRegularFile(path) {
                    ignored.append(IgnoredFile(url: path, reason: .notARegularFile))
                    explicitNonImages.append(path)
                    continue
                }
                if seen.insert(path.standardizedFileURL.path).inserted {
                    candidates.append(path)
                } else {
                    duplicates.append(path.lastPathComponent)
                }
            }
        }

        guard !candidates.isEmpty else {
            let place = paths.count == 1 ? paths[0].path : paths.map(\.path).joined(separator: ", ")
            let detail = ignored.isEmpty
                ? (paths.count == 1 ? "the folder is empty" : "nothing was found")
                : "\(Self.count(ignored.count, "other entry", "other entries")) skipped: "
                    + Self.list(ignored.map(\.url.lastPathComponent))
            throw SequenceScanError(.noFrames, path: place, "no DPX or TIFF frames found (\(detail))")
        }

        let frames = candidates.map(makeFrame)
        return Self.assemble(frames, ignored: ignored, explicitNonImages: explicitNonImages, duplicates: duplicates)
    }

    private func makeFrame(_ url: URL) -> ScannedFrame {
        let name = FrameFileName(url.lastPathComponent)
        var frame = ScannedFrame(url: url, stem: name.stem, frameNumber: name.frameNumber,
                                 format: name.format ?? .dpx)
        if readsGeometry {
            switch HeaderGeometry.read(url) {
            case .success(let geometry): frame.geometry = geometry
            case .failure(let problem): frame.geometryProblem = problem.reason
            }
        }
        return frame
    }

    // MARK: Grouping

    private struct GroupKey: Hashable, Comparable {
        var directory: String
        var prefix: String
        var fileExtension: String
        var padding: Int

        static func < (a: GroupKey, b: GroupKey) -> Bool {
            (a.directory, a.prefix, a.fileExtension, a.padding) < (b.directory, b.prefix, b.fileExtension, b.padding)
        }
    }

    static func assemble(_ frames: [ScannedFrame], ignored: [IgnoredFile], explicitNonImages: [URL],
                         duplicates: [String]) -> SequenceScan {
        // Padding each (folder, prefix, extension) family proves by leading zeros.
        var provenPaddings: [String: Set<Int>] = [:]
        func familyKey(_ f: ScannedFrame, _ n: FrameFileName) -> String {
            "\(f.url.deletingLastPathComponent().standardizedFileURL.path)\u{0}\(n.prefix)\u{0}\(n.fileExtension)"
        }
        for frame in frames where frame.frameNumber != nil {
            let name = FrameFileName(frame.url.lastPathComponent)
            if let p = name.provenPadding { provenPaddings[familyKey(frame, name), default: []].insert(p) }
        }

        var groups: [GroupKey: [ScannedFrame]] = [:]
        var singles: [ScannedFrame] = []
        for frame in frames {
            guard frame.frameNumber != nil else { singles.append(frame); continue }
            let name = FrameFileName(frame.url.lastPathComponent)
            // Padded digits set the padding; unpadded ones join the widest proven
            // padding they fit (`1000` after `0999`), or the unpadded group.
            let padding = name.provenPadding
                ?? (provenPaddings[familyKey(frame, name)] ?? []).filter { $0 <= name.digits.count }.max()
                ?? 0
            let key = GroupKey(directory: frame.url.deletingLastPathComponent().standardizedFileURL.path,
                               prefix: name.prefix, fileExtension: name.fileExtension, padding: padding)
            groups[key, default: []].append(frame)
        }

        var sequences: [ImageSequence] = []
        for key in groups.keys.sorted() {
            let members = (groups[key] ?? []).sorted { ($0.frameNumber ?? 0) < ($1.frameNumber ?? 0) }
            // A lone file whose name merely ends in an unpadded number (`oiio_rgb8.tif`,
            // `gray16.dpx`) is a still, not frame 8 of a sequence: nothing else proves
            // the number counts frames.
            if key.padding == 0, members.count == 1, var still = members.first {
                still.frameNumber = nil
                singles.append(still)
                continue
            }
            guard let first = members.first?.frameNumber, let last = members.last?.frameNumber else { continue }
            sequences.append(ImageSequence(
                directory: URL(fileURLWithPath: key.directory, isDirectory: true), prefix: key.prefix,
                fileExtension: key.fileExtension, padding: key.padding, frames: members,
                firstFrame: first, lastFrame: last,
                missingFrames: missingRanges(members.compactMap(\.frameNumber)),
                geometries: geometryCounts(members)))
        }
        singles.sort { $0.url.path < $1.url.path }

        let warnings = makeWarnings(sequences: sequences, singles: singles, ignored: ignored,
                                    explicitNonImages: explicitNonImages, duplicates: duplicates)
        return SequenceScan(frames: sequences.flatMap(\.frames) + singles, sequences: sequences,
                            singles: singles, ignored: ignored, warnings: warnings)
    }

    /// Ranges absent between consecutive sorted numbers.
    static func missingRanges(_ numbers: [Int]) -> [ClosedRange<Int>] {
        var gaps: [ClosedRange<Int>] = []
        for (a, b) in zip(numbers, numbers.dropFirst()) where b > a + 1 {
            gaps.append((a + 1)...(b - 1))
        }
        return gaps
    }

    static func geometryCounts(_ frames: [ScannedFrame]) -> [GeometryCount] {
        var numbers: [FrameGeometry: [Int]] = [:]
        var order: [FrameGeometry] = []
        for frame in frames {
            guard let g = frame.geometry else { continue }
            if numbers[g] == nil { order.append(g) }
            numbers[g, default: []].append(frame.frameNumber ?? 0)
        }
        return order
            .map { GeometryCount(geometry: $0, frameCount: numbers[$0]?.count ?? 0, frameNumbers: numbers[$0] ?? []) }
            .sorted { $0.frameCount > $1.frameCount }   // stable: ties keep first-seen order
    }

    // MARK: Warnings

    static func makeWarnings(sequences: [ImageSequence], singles: [ScannedFrame], ignored: [IgnoredFile],
                             explicitNonImages: [URL], duplicates: [String]) -> [String] {
        var warnings: [String] = []
        if sequences.count > 1 {
            warnings.append("found \(sequences.count) sequences, each handled on its own: "
                + list(sequences.map { "\($0.pattern) (\(count($0.frames.count, "frame", "frames")))" }))
        }
        for sequence in sequences {
            if !sequence.missingFrames.isEmpty {
                let ranges = sequence.missingFrames.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)–\($0.upperBound)" }
                warnings.append("\(sequence.pattern): \(count(sequence.missingCount, "frame is", "frames are")) missing "
                    + "between \(sequence.firstFrame) and \(sequence.lastFrame): " + list(ranges))
            }
            if sequence.hasMixedGeometry {
                let parts = sequence.geometries.map { g in
                    "\(count(g.frameCount, "frame", "frames")) \(g.geometry)"
                        + (g.frameNumbers.first.map { " (first \($0))" } ?? "")
                }
                warnings.append("\(sequence.pattern): frames differ in geometry: " + parts.joined(separator: "; "))
            }
        }
        let unreadable = (sequences.flatMap(\.frames) + singles).filter { $0.geometryProblem != nil }
        if !unreadable.isEmpty {
            warnings.append("\(count(unreadable.count, "header", "headers")) could not be read: "
                + list(unreadable.map { "\($0.name) (\($0.geometryProblem ?? ""))" }))
        }
        if !singles.isEmpty, !sequences.isEmpty {
            warnings.append("\(count(singles.count, "file is", "files are")) not part of a numbered sequence: "
                + list(singles.map(\.name)))
        }
        let explicitSpecial = ignored.filter { $0.reason == .notARegularFile && explicitNonImages.contains($0.url) }.map(\.url)
        let explicitOthers = explicitNonImages.filter { !explicitSpecial.contains($0) }
        if !explicitOthers.isEmpty {
            warnings.append("skipped \(count(explicitOthers.count, "file that is", "files that are")) not DPX or TIFF: "
                + list(explicitOthers.map(\.lastPathComponent)))
        }
        if !explicitSpecial.isEmpty {
            warnings.append("skipped \(count(explicitSpecial.count, "entry that is", "entries that are")) not a regular file: "
                + list(explicitSpecial.map(\.lastPathComponent)))
        }
        let folderSkips = ignored.filter { !explicitNonImages.contains($0.url) }
        if !folderSkips.isEmpty {
            let hidden = folderSkips.filter { $0.reason == .hidden }.count
            let others = folderSkips.filter { $0.reason == .notAnImage }
            let folders = folderSkips.filter { $0.reason == .folder }
            let special = folderSkips.filter { $0.reason == .notARegularFile }
            var parts: [String] = []
            if !special.isEmpty { parts.append("\(count(special.count, "entry that is", "entries that are")) not a regular file (" + list(special.map(\.url.lastPathComponent)) + ")") }
            if !others.isEmpty { parts.append("\(count(others.count, "file that is", "files that are")) not DPX or TIFF (" + list(others.map(\.url.lastPathComponent)) + ")") }
            if hidden > 0 { parts.append(count(hidden, "hidden file", "hidden files")) }
            if !folders.isEmpty { parts.append("\(count(folders.count, "subfolder", "subfolders")), not searched (" + list(folders.map(\.url.lastPathComponent)) + ")") }
            warnings.append("skipped " + parts.joined(separator: ", "))
        }
        if !duplicates.isEmpty {
            warnings.append("given more than once, read once: " + list(duplicates))
        }
        return warnings
    }

    /// True for a regular file (symbolic links followed): only those are frames. A FIFO
    /// or device named `*.dpx` would block or never end when read.
    static func isRegularFile(_ url: URL) -> Bool {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return false }
        return (info.st_mode & S_IFMT) == S_IFREG
    }

    /// `1 frame`, `3 frames`.
    static func count(_ n: Int, _ singular: String, _ plural: String) -> String {
        "\(n) \(n == 1 ? singular : plural)"
    }

    /// A list shortened to its first eight items and a count of the rest.
    static func list(_ items: [String], limit: Int = 8) -> String {
        guard items.count > limit else { return items.joined(separator: ", ") }
        return items.prefix(limit).joined(separator: ", ") + " and \(items.count - limit) more"
    }
}
