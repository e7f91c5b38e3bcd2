import Codecs
import Engine
import Foundation
import PostgresNIO

/// `reelpack worker`: leases chunks of consecutive frames from the queue and runs them
/// through the frame pipeline (`FrameBatch`), recording each into the queue. Frames of
/// one run leased one chunk after another run in one batch, so they start warm from
/// the frame before them as in a local run.
///
/// The database going away is not the end: the frame in hand is finished (or dropped,
/// when it cannot be recorded: its lease runs out and a worker redoes it), then the
/// worker waits, longer each time up to half a minute, and carries on when the server
/// is back. Leases are renewed on a timer a third of their length.
public struct QueueWorker: Sendable {
    public var database: QueueDatabase
    /// Frames in flight at once.
    public var jobs: Int
    public var leaseSeconds: Int
    /// Frames leased at once (consecutive).
    public var chunk: Int
    /// Exit when no run has a frame pending or leased, instead of polling.
    public var exitWhenIdle: Bool
    public var toolVersion: String
    public var services: EngineServices
    /// Seconds between polls of an empty queue.
    public var pollSeconds: Double
    /// Where the worker says what it does (one line each).
    public var log: @Sendable (String) -> Void
    /// `host:pid:random`, unique among workers.
    public let id: String

    public init(database: QueueDatabase, jobs: Int, leaseSeconds: Int = 60, chunk: Int = 4, exitWhenIdle: Bool = false,
                toolVersion: String, services: EngineServices = .standard, pollSeconds: Double = 2,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.database = database
        self.jobs = max(1, jobs)
        self.leaseSeconds = max(2, leaseSeconds)
        self.chunk = max(1, chunk)
        self.exitWhenIdle = exitWhenIdle
        self.toolVersion = toolVersion
        self.services = services
        self.pollSeconds = pollSeconds
        self.log = log
        let host = ProcessInfo.processInfo.hostName
        id = "\(host):\(getpid()):\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// What the worker did.
    public struct Totals: Sendable, Codable {
        public var done = 0
        public var failed = 0
        /// Frames given up (lease lost, database gone while recording).
        public var dropped = 0
        /// Seconds spent in database calls, and their number.
        public var queueSeconds = 0.0
        public var queueCalls = 0
    }

    /// Works until the queue is empty (`exitWhenIdle`) or the task is cancelled.
    public func run() async throws -> Totals {
        let counter = Counter()
        try await retrying("register") {
            try await QueueSchema.migrate(database)
            let (id, host, pid) = (self.id, ProcessInfo.processInfo.hostName, Int(getpid()))
            _ = try await database.withConnection { c in
                try await QueueDatabase.run("INSERT INTO workers (id, host, pid) VALUES (\(id), \(host), \(pid))", on: c)
            }
        }
        log("worker \(id): connected to \(database.location)")
        let renewal = Task { [database, id, leaseSeconds] in
            let period = max(0.5, Double(leaseSeconds) / 3)
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(period))
                try? await QueueLeases.renew(database, worker: id, seconds: leaseSeconds)
            }
        }
        defer { renewal.cancel() }
        var runs: [Int64: QueueRun] = [:]
        var backoff = 1.0
        while !Task.isCancelled {
            do {
                try await QueueLeases.release(database, worker: id)
                guard let chunk = try await QueueLeases.lease(database, worker: id, run: nil, size: chunk, seconds: leaseSeconds) else {
                    if exitWhenIdle, try await QueueLeases.openFrames(database) == 0 { break }
                    try await Task.sleep(for: .seconds(pollSeconds))
                    continue
                }
                backoff = 1
                if runs[chunk.run] == nil { runs[chunk.run] = try await QueueRun.load(chunk.run, from: database) }
                guard let run = runs[chunk.run] else { continue }
                try await work(run, first: chunk.items, counter: counter)
            } catch let error as QueueError where error.kind == .unavailable {
                log("worker \(id): the database is unreachable (\(error.message)); retrying in \(Int(backoff)) s")
                try await Task.sleep(for: .seconds(backoff))
                backoff = min(backoff * 2, 30)
            } catch is CancellationError {
                break
            } catch {
                log("worker \(id): \(error); retrying in \(Int(backoff)) s")
                try await Task.sleep(for: .seconds(backoff))
                backoff = min(backoff * 2, 30)
            }
        }
        renewal.cancel()
        var totals = await counter.totals
        (totals.queueSeconds, totals.queueCalls) = database.usage
        let (id, spent) = (self.id, totals.queueSeconds)
        _ = try? await database.withConnection { c in
            try await QueueDatabase.run("""
                UPDATE workers SET stopped_at = now(), heartbeat = now(), queue_seconds = \(spent) WHERE id = \(id)
                """, on: c)
        }
        try? await QueueLeases.release(database, worker: id)
        for run in runs.values { try? FileManager.default.removeItem(at: staging(of: run)) }
        return totals
    }

    /// Runs `first` and the chunks of `run` after it as one batch.
    private func work(_ run: QueueRun, first: [WorkItem], counter: Counter) async throws {
        let staging = staging(of: run)
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: run.framesFolder, withIntermediateDirectories: true)
        } catch {
            throw QueueError(.failed, "\(staging.path): cannot create: \(error.localizedDescription)")
        }
        var settings = run.settings
        settings.jobs = jobs
        settings.resume = false
        let dropped = DroppedFrames()
        let recorder = QueueRecorder(database: database, run: run, worker: id, staging: staging, dropped: dropped,
                                     agent: "reelpack \(toolVersion) (worker \(id))")
        let source = QueueWorkSource(database: database, run: run.id, worker: id, items: first, chunk: chunk,
                                     leaseSeconds: leaseSeconds)
        let batch = FrameBatch(settings: settings, services: services, framesFolder: staging, toolVersion: toolVersion,
                               recorder: recorder, jobs: jobs)
        let (log, id) = (self.log, self.id)
        try await batch.run(source, expected: max(jobs, first.count)) { item, report in
            if let reason = await dropped.reason(item.name) {
                await counter.add(dropped: 1)
                log("worker \(id): run \(run.id) \(item.name) dropped (\(reason)); another worker redoes it")
            } else if report.status == .failed {
                await counter.add(failed: 1)
                log("worker \(id): run \(run.id) \(item.name) failed: \(report.error ?? "")")
            } else {
                await counter.add(done: 1)
                log("worker \(id): run \(run.id) \(item.name) done (\(report.codec?.rawValue ?? "?"), \(report.outputBytes ?? 0) bytes)")
            }
        }
    }

    private func staging(of run: QueueRun) -> URL {
        run.stagingRoot.appendingPathComponent(id.replacingOccurrences(of: "/", with: "_"))
    }

    /// Retries `body` while the database is unreachable, waiting longer each time.
    private func retrying(_ what: String, _ body: () async throws -> Void) async throws {
        var backoff = 1.0
        while true {
            do {
                return try await body()
            } catch let error as QueueError where error.kind == .unavailable {
                log("worker \(id): the database is unreachable (\(error.message)); retrying in \(Int(backoff)) s")
                try await Task.sleep(for: .seconds(backoff))
                backoff = min(backoff * 2, 30)
            }
        }
    }
}

/// The worker's counts, from the batch's tasks.
private actor Counter {
    var totals = QueueWorker.Totals()
    func add(done: Int = 0, failed: Int = 0, dropped: Int = 0) {
        totals.done += done
        totals.failed += failed
        totals.dropped += dropped
    }
}

/// Hands out one run's leased frames in order, leasing the chunk that follows the last
/// frame handed out when these are gone. Ends (nil) when the next frame is not open
/// (done, or another worker's): the worker's next batch starts cold elsewhere, as a
/// shard does, rather than warm from a frame that is not the one before. Throws when
/// the database is unreachable, so the worker stops taking new frames and waits for it.
actor QueueWorkSource: WorkSource {
    let database: QueueDatabase
    let run: Int64
    let worker: String
    let chunk: Int
    let leaseSeconds: Int
    private var buffer: [WorkItem]
    private var last: Int

    init(database: QueueDatabase, run: Int64, worker: String, items: [WorkItem], chunk: Int, leaseSeconds: Int) {
        self.database = database
        self.run = run
        self.worker = worker
        self.chunk = chunk
        self.leaseSeconds = leaseSeconds
        buffer = items
        last = (items.first?.index ?? 0) - 1
    }

    func next() async throws -> WorkItem? {
        if buffer.isEmpty {
            let leased = try await QueueLeases.lease(database, worker: worker, run: run, from: last + 1, size: chunk, seconds: leaseSeconds)
            buffer = (buffer + (leased?.items ?? [])).sorted { $0.index < $1.index }
        } else if !database.isReachable {
            throw QueueError(.unavailable, "\(database.location): unreachable")
        }
        guard !buffer.isEmpty else { return nil }
        let item = buffer.removeFirst()
        last = max(last, item.index)
        return item
    }

    // The recorder has written the frame's outcome in the queue (or dropped it).
    func complete(_ item: WorkItem, report: FrameReport) {}
    func fail(_ item: WorkItem, report: FrameReport) {}
}
