import Codecs
import Engine
import Foundation
import PostgresNIO

/// Frames a worker gave up (its lease lost, or the database gone while it recorded):
/// another worker redoes them. Shared by a worker's recorder and work source.
actor DroppedFrames {
    private(set) var reasons: [String: String] = [:]
    func drop(_ name: String, because reason: String) { reasons[name] = reason }
    func reason(_ name: String) -> String? { reasons[name] }
    func forget(_ name: String) { reasons[name] = nil }
}

/// Records a worker's frames into the queue, each in one transaction that first checks
/// the worker still holds the frame's lease (the row locked until the end). Only then
/// is the output moved from the worker's staging folder into OUT/frames (a rename, so
/// atomic), and an output the frame left under another extension by an earlier,
/// killed attempt (`--codec auto` may choose another codec on a redo) removed: a
/// redone frame never leaves two files, and a worker that lost its lease never
/// replaces the output of the one that holds it.
struct QueueRecorder: FrameRecorder {
    var database: QueueDatabase
    var run: QueueRun
    var worker: String
    /// Where the pipeline writes outputs (OUT/.reelpack-queue/WORKER).
    var staging: URL
    var dropped: DroppedFrames
    var agent: String

    func record(_ frame: Catalog.FrameRecord) async throws {
        let name = frame.entry.name
        var staged: URL?
        if case .done(let report) = frame.outcome, let output = report.output {
            staged = staging.appendingPathComponent((output as NSString).lastPathComponent)
        }
        if let reason = await dropped.reason(name) {
            if let staged { try? FileManager.default.removeItem(at: staged) }
            throw QueueError(.leaseLost, "\(name): \(reason)")
        }
        do {
            try await write(frame, staged: staged)
        } catch {
            if let staged { try? FileManager.default.removeItem(at: staged) }
            let failure = error as? QueueError ?? QueueError(.failed, "\(error)")
            if failure.kind == .leaseLost || failure.kind == .unavailable {
                await dropped.drop(name, because: failure.message)
            }
            throw failure
        }
    }

    private func write(_ frame: Catalog.FrameRecord, staged: URL?) async throws {
        let (run, worker, agent) = (self.run, self.worker, self.agent)
        try await database.transaction { c in
            var held: (id: Int64, status: String, owner: String?)?
            let rows = try await QueueDatabase.run("""
                SELECT id, status, lease_owner FROM frames WHERE run_id = \(run.id) AND name = \(frame.entry.name) FOR UPDATE
                """, on: c)
            for try await row in rows.decode((Int64, String, String?).self) { held = (row.0, row.1, row.2) }
            guard let held, held.status == "leased", held.owner == worker else {
                throw QueueError(.leaseLost, "\(frame.entry.name): the lease ran out and another worker has the frame")
            }
            var report: FrameReport?
            if case .done(let r) = frame.outcome { report = r }
            if let staged, let output = report?.output {
                try Self.place(staged, as: run.output.appendingPathComponent(output))
            }
            let status = report == nil ? "failed" : "done"
            try await QueueLeases.insertRecord(c, frame: held.id, run: run.id, record: frame, status: status, worker: worker)
            try await QueueDatabase.run("DELETE FROM iterations WHERE frame_id = \(held.id)", on: c)
            let iterations = frame.traces.flatMap { trace in
                trace.iterations.enumerated().map { IterationRow(codec: trace.codec, step: $0.offset, iteration: $0.element) }
            }
            if !iterations.isEmpty {
                let json = try QueueJSON.string(iterations)
                try await QueueDatabase.run("""
                    INSERT INTO iterations (frame_id, run_id, codec, step, parameter, bytes, ssim, psnr, tile_floor, grain_retention, pass)
                    SELECT \(held.id), \(run.id), x.codec, x.step, x.parameter, x.bytes, x.ssim, x.psnr, x.tile_floor, x.grain_retention, x.pass
                    FROM jsonb_to_recordset(\(json)::jsonb) AS x(codec text, step int, parameter float8, bytes bigint, ssim float8,
                      psnr float8, tile_floor float8, grain_retention float8, pass boolean)
                    """, on: c)
            }
            let detail: String
            switch frame.outcome {
            case .done(let r):
                detail = "\(r.codec?.rawValue ?? "") \(r.sourceBytes ?? 0) → \(r.outputBytes ?? 0) bytes, SSIM \(String(format: "%.5f", r.ssim ?? 0))"
            case .failed(let message):
                detail = message
            }
            try await QueueDatabase.run("""
                INSERT INTO events (run_id, frame_id, event_type, agent, outcome, detail)
                VALUES (\(run.id), \(held.id), 'compression', \(agent), \(report == nil ? "failure" : "success"), \(detail))
                """, on: c)
            try await QueueDatabase.run("""
                UPDATE frames SET status = \(status), lease_owner = NULL, lease_expires = NULL, finished_at = now()
                WHERE id = \(held.id)
                """, on: c)
            let done = report == nil ? 0 : 1
            try await QueueDatabase.run("""
                UPDATE workers SET frames_done = frames_done + \(done), frames_failed = frames_failed + \(1 - done), heartbeat = now()
                WHERE id = \(worker)
                """, on: c)
        }
    }

    /// Moves `staged` to `target` (replacing a file of that name: the rename is atomic)
    /// and removes the frame's outputs under other extensions, which an earlier attempt
    /// with another codec left.
    static func place(_ staged: URL, as target: URL) throws {
        guard rename(staged.path, target.path) == 0 else {
            throw QueueError(.failed, "\(target.path): cannot move the output in place from \(staged.path): \(String(cString: strerror(errno)))")
        }
        let folder = target.deletingLastPathComponent()
        let stem = target.deletingPathExtension().lastPathComponent
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        where name != target.lastPathComponent && !name.hasPrefix(".") && (name as NSString).deletingPathExtension == stem {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    /// One search step as the iterations table takes it.
    struct IterationRow: Encodable {
        var codec: String
        var step: Int
        var parameter: Double
        var bytes: Int
        var ssim: Double
        var psnr: Double?
        var tile_floor: Double
        var grain_retention: Double?
        var pass: Bool

        init(codec: String, step: Int, iteration it: SearchIteration) {
            self.codec = codec
            self.step = step
            parameter = it.parameter
            bytes = it.bytes
            ssim = it.ssim
            psnr = it.psnr.flatMap { $0.isFinite ? $0 : nil }
            tile_floor = it.tileFloor
            grain_retention = it.grainRetention
            pass = it.pass
        }
    }
}
