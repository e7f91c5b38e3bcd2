import Foundation

extension CompressionRun {
    /// Refuses an output folder that holds anything but a Reelpack output: `compress`
    /// writes `summary.json`, `report.html` and `frames.csv` there and must not replace
    /// the user's files of those names. An empty or absent folder is fine, and so is a
    /// Reelpack output when resuming it.
    /// - Throws: `EngineError.usage` naming the folder and a few of its entries.
    static func checkOutputIsOurs(_ output: URL, resume: Bool) throws {
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
        guard !entries.isEmpty else { return }
        let isOurs = entries.contains(Catalog.fileName)
        if isOurs && resume { return }
        if !isOurs {
            let shown = entries.prefix(5).joined(separator: ", ") + (entries.count > 5 ? " and \(entries.count - 5) more" : "")
            throw EngineError(.usage, file: output.path,
                              "is not empty and not a Reelpack output (holds \(shown)): choose an empty or new folder")
        }
    }

    /// True when the source file is the one the catalog recorded (size, then SHA-256):
    /// `--resume` redoes a frame whose source changed since its output was made.
    static func sourceUnchanged(_ source: URL, since recorded: Catalog.RecordedFrame?) -> Bool {
        guard let recorded, let sha = recorded.sourceSHA256 else { return false }
        if let bytes = recorded.sourceBytes,
           let size = (try? FileManager.default.attributesOfItem(atPath: source.path))?[.size] as? Int, size != bytes {
            return false
        }
        return (try? Digest.sha256(contentsOf: source)) == sha
    }
}

extension CompressionRun {
    /// Writes OUT's catalog from records made elsewhere (a merge of shards, a queue's
    /// export): `body` fills a new catalog built under a temporary name in OUT, which is
    /// then renamed over `OUT/reelpack.sqlite`, so a fold cut short leaves the earlier
    /// catalog (or none), never half of one. Then writes the manifest, `summary.json`,
    /// `report.html` and `frames.csv` from it, as a local run's folder has them.
    /// - Returns: what `body` returned, and the report's notes.
    public static func writeFolder<T>(_ output: URL, worstCount: Int = 4, services: EngineServices = .standard,
                                      catalog body: (Catalog) throws -> T) throws -> (T, notes: [String]) {
        let target = output.appendingPathComponent(Catalog.fileName)
        let temporary = output.appendingPathComponent(AtomicFile.temporaryName() + ".sqlite")
        defer { try? FileManager.default.removeItem(at: temporary) }
        let value = try body(try Catalog(url: temporary))
        guard rename(temporary.path, target.path) == 0 else {
            throw EngineError(.io, file: target.path, "cannot rename the new catalog into place: \(String(cString: strerror(errno)))")
        }
        try writeManifest(of: try Catalog(url: target), to: output.appendingPathComponent("manifest-sha256.txt"))
        let notes = try RunReport.write(output: output, worstCount: worstCount, includingSummary: true, services: services).notes
        return (value, notes)
    }
}
