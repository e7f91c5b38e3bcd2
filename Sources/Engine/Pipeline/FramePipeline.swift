import Codecs
import Dispatch
import Foundation

/// One frame's way through a run, in one direction (DESIGN.md §1):
///
/// ```
/// load → plan → encode → seal and write → record
/// ```
///
/// - load (`LoadStage.swift`): read the source and analyse it;
/// - plan (`PlanStage.swift`): where the search starts, from the shot history, and
///   which codecs it tries (`CodecStrategy.swift`);
/// - encode (`EncodeStage.swift`): the search per codec, with the lossless fallback;
/// - seal and write (`WriteStage.swift`): the seal, the atomic write, the re-read proof;
/// - record (`FrameRecorder`): the frame's record, whole or not at all (a local run:
///   one catalog transaction, `CatalogRecorder`).
///
/// Blocking stages run on `queue`, off the cooperative pool; only the plan touches the
/// shared `ShotMemory` (twice: before the search, and after it to hand on what it
/// found). A frame never throws: a failure is its report, recorded like a success.
struct FramePipeline: Sendable {
    var loader: FrameLoader
    var encoder: FrameEncoder
    var writer: FrameWriter
    var strategy: CodecStrategy
    var memory: ShotMemory
    var recorder: any FrameRecorder
    var queue: DispatchQueue

    init(settings: CompressionSettings, services: EngineServices, framesFolder: URL, cores: CoreShare, toolVersion: String,
         memory: ShotMemory, recorder: any FrameRecorder, queue: DispatchQueue) {
        loader = FrameLoader(services: services, keepsGrain: !settings.profile.isLossless,
                             monochromeAsOnePlane: settings.storeMonochromeAsOneChannel, cores: cores)
        encoder = FrameEncoder(settings: settings, services: services, cores: cores)
        writer = FrameWriter(settings: settings, services: services, framesFolder: framesFolder, toolVersion: toolVersion)
        strategy = CodecStrategy(choice: settings.codec, lossless: settings.profile.isLossless)
        self.memory = memory
        self.recorder = recorder
        self.queue = queue
    }

    /// Runs `item` through every stage, counted among the frames in flight (`CoreShare`).
    /// - Parameter keptNeighbour: on a resumed run, the kept frame just before `item`,
    ///   analysed again so a cut between them is seen as in an uninterrupted run.
    func process(_ item: WorkItem, keptNeighbour: WorkItem? = nil) async -> FrameReport {
        await encoder.cores.frame { await stages(item, keptNeighbour: keptNeighbour) }
    }

    private func stages(_ item: WorkItem, keptNeighbour: WorkItem?) async -> FrameReport {
        let entry = Catalog.FrameEntry(name: item.name, sequenceNumber: item.sequenceNumber, sourcePath: item.source.path)
        var source: Catalog.FrameRecord.Source?
        var traces: [Catalog.FrameRecord.Trace] = []
        do {
            let started = Date()
            // load
            let (loaded, neighbour) = try await run {
                (try loader.load(item), keptNeighbour.flatMap { n in (try? loader.analyse(n)).map { (n.index, $0) } })
            }
            // plan
            let plan = await memory.plan(index: item.index, analysis: loaded.analysis, keptNeighbour: neighbour,
                                         strategy: strategy, floor: encoder.settings.floor,
                                         frameFeaturePrior: encoder.services.frameFeaturePrior)
            source = .init(info: loaded.sourceInfo, features: plan.features)
            // encode, seal and write
            let written = try await run {
                let subject = try EncodeSubject(loaded, features: plan.features, settings: encoder.settings, threads: encoder.cores.threads)
                var result = try encoder.encode(subject, plan: plan, strategy: strategy) { codec in
                    writer.overhead(item, loaded, features: plan.features, monochrome: subject.monochrome, codec: codec)
                }
                return try writer.write(&result, item: item, loaded: loaded, subject: subject, plan: plan, started: started)
            }
            traces = written.traces.map { .init(codec: $0.codec.rawValue, iterations: $0.iterations) }
            await memory.learn(from: written, index: item.index, strategy: strategy)
            // record
            let record = Catalog.FrameRecord(entry: entry, source: source, traces: traces, outcome: .done(written.report))
            try await recorder.record(record)
            return written.report
        } catch {
            var report = FrameReport(source: item.source.path, status: .failed)
            let message = String(describing: error)
            report.error = message.contains(item.name) ? message : "\(item.name): \(message)"
            let record = Catalog.FrameRecord(entry: entry, source: source, traces: traces,
                                             outcome: .failed(message: report.error ?? ""))
            try? await recorder.record(record)
            return report
        }
    }

    /// Runs blocking `body` on `queue` and resumes with its result.
    private func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Swift.Result { try body() }) }
        }
    }
}
