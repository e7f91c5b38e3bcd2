import Dispatch
import Foundation

/// Runs frames from a `WorkSource` through the frame pipeline, at most `jobs` at once,
/// recording each with `recorder`. A local run (`CompressionRun`) makes one over the
/// frames it has to do; a worker of a shared queue makes one over the frames it leases.
/// Frames of one batch share a shot history, so frames handed out in sequence order
/// start warm from the frame before them.
public struct FrameBatch: Sendable {
    public var settings: CompressionSettings
    public var services: EngineServices
    /// Where outputs are written (OUT/frames).
    public var framesFolder: URL
    public var toolVersion: String
    public var recorder: any FrameRecorder
    /// Frames in flight at once.
    public var jobs: Int

    public init(settings: CompressionSettings, services: EngineServices = .standard, framesFolder: URL, toolVersion: String,
                recorder: any FrameRecorder, jobs: Int) {
        self.settings = settings
        self.services = services
        self.framesFolder = framesFolder
        self.toolVersion = toolVersion
        self.recorder = recorder
        self.jobs = max(1, jobs)
    }

    /// Processes every frame `work` hands out, then returns.
    /// - Parameters:
    ///   - kept: on a resumed run, the frames an earlier run finished (by item index), whose
    ///     settings tell the frames redone after them where to start.
    ///   - keptNeighbours: for a frame redone just after a kept one, that kept frame (by the
    ///     redone frame's index): it is analysed again so a cut between them is seen as in
    ///     an uninterrupted run.
    ///   - onFrame: called after each frame is recorded and handed back to `work`.
    /// - Throws: what `work` throws (a frame's own failure is its report, not an error).
    public func run(_ work: any WorkSource, expected: Int, kept: [Int: FrameReport] = [:],
                    keptNeighbours: [Int: WorkItem] = [:],
                    onFrame: @escaping @Sendable (WorkItem, FrameReport) async -> Void = { _, _ in }) async throws {
        let jobs = max(1, min(jobs, expected))
        let memory = ShotMemory()
        let pipeline = FramePipeline(settings: settings, services: services, framesFolder: framesFolder,
                                     cores: CoreShare(cores: ProcessInfo.processInfo.activeProcessorCount), toolVersion: toolVersion, memory: memory,
                                     recorder: recorder,
                                     queue: DispatchQueue(label: "reelpack.frames", qos: .userInitiated, attributes: .concurrent))
        for (index, report) in kept.sorted(by: { $0.key < $1.key }) {
            if let p = report.parameter, let codec = report.codec {
                await memory.recordBoundary(.init(parameter: p), codec: codec, index: index)
            }
        }
        @Sendable func processNext() async throws -> Bool {
            guard let item = try await work.next() else { return false }
            let report = await pipeline.process(item, keptNeighbour: keptNeighbours[item.index])
            if report.status == .failed {
                try await work.fail(item, report: report)
            } else {
                try await work.complete(item, report: report)
            }
            await onFrame(item, report)
            return true
        }
        // The first frame runs alone, so the frames after it start warm (with several
        // jobs the next frames would otherwise all start before any frame is done).
        if jobs > 1 { _ = try await processNext() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<jobs {
                group.addTask { while try await processNext() {} }
            }
            try await group.waitForAll()
        }
    }
}
