import Dispatch
import Foundation

/// Where the pipeline's last stage puts a frame's record (DESIGN.md §1, §8): a local
/// run records into its catalog; a distributed run may record elsewhere (a shared
/// database) and fold the records into a catalog later.
public protocol FrameRecorder: Sendable {
    /// Records one frame whole, or not at all. Called off the cooperative pool may block.
    func record(_ frame: Catalog.FrameRecord) async throws
}

/// Records frames into a SQLite catalog, one transaction a frame, for run `runID`.
public struct CatalogRecorder: FrameRecorder {
    public var catalog: Catalog
    public var runID: Int64
    /// Named in the provenance events (`reelpack 1.2.0`).
    public var agent: String
    private let queue: DispatchQueue

    /// - Parameter queue: where the blocking write runs (off the cooperative pool).
    public init(catalog: Catalog, runID: Int64, agent: String,
                queue: DispatchQueue = DispatchQueue(label: "reelpack.catalog")) {
        self.catalog = catalog
        self.runID = runID
        self.agent = agent
        self.queue = queue
    }

    public func record(_ frame: Catalog.FrameRecord) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async { continuation.resume(with: Result { try catalog.record(frame, runID: runID, agent: agent) }) }
        }
    }
}
