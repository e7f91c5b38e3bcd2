import Foundation

/// How a run changes when it is one static shard (`--shard K/N`, DESIGN.md §8):
/// several shards write into OUT/frames at once, each with its own lock and catalog
/// under OUT/shards; none writes OUT's catalog, manifest or summary (`merge` does).
extension CompressionRun {
    /// OUT/shards: the shards' catalogs and locks.
    public var shardsFolder: URL { output.appendingPathComponent(Self.shardsFolderName) }
    /// The folder's name inside OUT.
    public static let shardsFolderName = "shards"

    /// This shard's catalog (OUT/shards/shard-K-of-N.sqlite), nil for a whole run.
    public var shardCatalogURL: URL? { shard.map { shardsFolder.appendingPathComponent($0.catalogName) } }

    /// Takes OUT's lock and checks OUT may take the run. A whole run holds OUT alone.
    /// A shard shares OUT's lock with the other shards and holds its own
    /// (`.shard-K-of-N.lock` under OUT/shards) alone, so the same shard cannot run
    /// twice at once; temporary files in OUT/frames are removed only when no other
    /// shard is running (they may be another shard's files in flight).
    /// - Returns: the locks held, to release in reverse order.
    func lockOutput() throws -> [OutputLock] {
        guard let shard else {
            let lock = try OutputLock(folder: output)
            do { try prepareOutput() } catch { lock.release(); throw error }
            return [lock]
        }
        let shared = try OutputLock(sharedIn: output) { AtomicFile.removeLeftovers(in: framesFolder) }
        do {
            // Before this shard's lock creates OUT/shards.
            let fm = FileManager.default
            if fm.fileExists(atPath: catalogURL.path), !fm.fileExists(atPath: shardsFolder.path) {
                throw EngineError(.usage, file: output.path, "holds a whole run, not shards: continue it with `compress --resume` without --shard, or choose another folder")
            }
            let own = try OutputLock(folder: shardsFolder, fileName: "." + (shard.catalogName as NSString).deletingPathExtension + ".lock",
                                     holder: "another process running shard \(shard)")
            do { try prepareShardOutput(shard) } catch { own.release(); throw error }
            return [shared, own]
        } catch {
            shared.release()
            throw error
        }
    }

    /// Checks OUT may take this shard: without `resume`, the shard must not have run
    /// already and OUT must not hold a whole or merged run; the other shards' files
    /// are expected. Creates OUT/shards and OUT/frames.
    private func prepareShardOutput(_ shard: Shard) throws {
        let fm = FileManager.default
        let catalog = shardsFolder.appendingPathComponent(shard.catalogName)
        if !settings.resume {
            if fm.fileExists(atPath: catalog.path) {
                throw EngineError(.usage, file: catalog.path, "shard \(shard) already ran here: pass --resume to continue it (frames done and intact are kept), or choose another folder")
            }
            if fm.fileExists(atPath: catalogURL.path) {
                throw EngineError(.usage, file: output.path, "holds a merged run: pass --resume to continue this shard of it (then merge again), or choose another folder")
            }
        }
        let entries = ((try? fm.contentsOfDirectory(atPath: output.path)) ?? []).filter { !$0.hasPrefix(".") }
        let ours: Set<String> = [Catalog.fileName, Self.shardsFolderName, "frames", "manifest-sha256.txt", "summary.json",
                                 "report.html", "frames.csv"]
        let foreign = entries.filter { !ours.contains($0) }.sorted()
        if !foreign.isEmpty {
            let shown = foreign.prefix(5).joined(separator: ", ") + (foreign.count > 5 ? " and \(foreign.count - 5) more" : "")
            throw EngineError(.usage, file: output.path, "is not empty and not a Reelpack output (holds \(shown)): choose an empty or new folder")
        }
        for folder in [shardsFolder, framesFolder] {
            do {
                try fm.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw EngineError(.io, file: folder.path, "cannot create: \(error.localizedDescription)", cause: error)
            }
        }
    }

    /// For a shard: records in its catalog which shard it is and the listing it was
    /// cut from (refused when a resumed shard's listing changed), and returns its block.
    /// Nil for a whole run.
    func recordShard(of items: [WorkItem], in catalog: Catalog) throws -> Shard.Block? {
        guard let shard else { return nil }
        let info = Catalog.ShardInfo(shard: shard, frameCount: items.count, listingSHA256: Catalog.listingDigest(items.map(\.name)),
                                     sources: sources.map { $0.standardizedFileURL.path })
        do {
            try catalog.recordShard(info, listing: items)
        } catch let error as CatalogError {
            throw EngineError(.usage, file: error.path, error.reason, cause: error)
        }
        return shard.block(of: items)
    }
}
