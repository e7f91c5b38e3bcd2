import Engine
import Foundation
import TestSupport

/// `reelpack-bench queue`: the PostgreSQL work queue with 1, 2 and 4 local worker
/// processes (`reelpack worker --jobs 1`) on one synthetic reel, against a local
/// `compress --jobs 1` of the same reel: wall time, speed-up and efficiency (speed-up
/// over one worker ÷ workers), the queue's overhead per frame (time the workers spent
/// in database calls ÷ frames) and whether the outputs are identical to the local
/// run's (same file, size and decoded samples; the seals differ only in their times). Needs a server: `REELPACK_BENCH_PG_URL` or `REELPACK_TEST_PG_URL`
/// (`bash scripts/pg-test-server.sh start` prints one); each measurement gets a fresh
/// database on it.
enum QueueBench {
    static func run() throws {
        let env = ProcessInfo.processInfo.environment
        guard let base = env["REELPACK_BENCH_PG_URL"] ?? env["REELPACK_TEST_PG_URL"] else {
            print("skipped: set REELPACK_BENCH_PG_URL (bash scripts/pg-test-server.sh start prints a server's URL)")
            return
        }
        let frames = Int(env["REELPACK_BENCH_QUEUE_FRAMES"] ?? "") ?? 16
        let size = env["REELPACK_BENCH_QUEUE_SIZE"] ?? "1280x720"
        let scratch = try TemporaryDirectory("reelpack-bench-queue")
        defer { scratch.remove() }
        let src = scratch.file("src")
        try check(ReelpackBinary.run(["synth", "-o", src.path, "--frames", "\(frames)", "--size", size, "--bits", "10", "--kind", "grain"]))
        let settings = ["--profile", "C1", "--codec", "htj2k"]
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        print("reel: \(frames) synthetic grain frames \(size) 10-bit; \(settings.joined(separator: " ")); \(ProcessInfo.processInfo.activeProcessorCount) cores; load average at start: \(load)")

        let localOut = scratch.file("local")
        let localStart = Date()
        try check(ReelpackBinary.run(["compress", src.path, "-o", localOut.path, "--jobs", "1"] + settings))
        let localSeconds = Date().timeIntervalSince(localStart)
        let reference = try digests(localOut)
        print(String(format: "local compress --jobs 1: %.1f s, %.2f fps, %.1f encodes/frame", localSeconds, Double(frames) / localSeconds,
                     try encodesPerFrame(localOut, frames: frames)))
        print("workers  wall s  fps    speed-up  efficiency  queue ms/frame  queue calls/frame  encodes/frame  same as local")

        var oneWorker: Double?
        for count in [1, 2, 4] {
            let name = "rp_bench_\(count)_\(UUID().uuidString.prefix(6).lowercased())"
            try ExternalTool.run(["psql", base, "-tAc", "CREATE DATABASE \(name)"])
            defer { _ = try? ExternalTool.run(["psql", base, "-tAc", "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"]) }
            let url = replacingDatabase(in: base, with: name)
            let out = scratch.file("queue-\(count)")
            try check(ReelpackBinary.run(["queue", "submit", src.path, "-o", out.path, "--db", url] + settings))
            let start = Date()
            let workers = try (0..<count).map { _ in try startWorker(url) }
            var queueSeconds = 0.0, calls = 0, done = 0
            for (process, pipe) in workers {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                let totals = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
                queueSeconds += totals["queueSeconds"] as? Double ?? 0
                calls += totals["queueCalls"] as? Int ?? 0
                done += (totals["done"] as? Int ?? 0) + (totals["failed"] as? Int ?? 0)
            }
            let wall = Date().timeIntervalSince(start)
            try check(ReelpackBinary.run(["queue", "export", "--db", url, "1"]))
            let ours = try digests(out)
            let same = ours.filter { reference[$0.key] == $0.value }.count
            let single = oneWorker ?? wall
            if count == 1 { oneWorker = wall }
            print(String(format: "%-8d %-7.1f %-6.2f %-9.2f %-11.2f %-15.2f %-18.1f %-14.1f %d of %d files",
                         count, wall, Double(frames) / wall, single / wall, single / wall / Double(count),
                         queueSeconds * 1000 / Double(max(1, done)), Double(calls) / Double(max(1, done)),
                         try encodesPerFrame(out, frames: frames), same, frames))
        }
    }

    private static func startWorker(_ url: String) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = ReelpackBinary.url
        process.arguments = ["worker", "--db", url, "--jobs", "1", "--exit-when-idle", "--json", "--lease-seconds", "30"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (process, pipe)
    }

    /// Source name → output file, size and SHA-256 of the decoded samples, from OUT's
    /// catalog. Two runs' files never match byte for byte whole (each seal holds the
    /// time it was made); the codestreams match when these do.
    private static func digests(_ out: URL) throws -> [String: String] {
        try Catalog(url: out.appendingPathComponent(Catalog.fileName)).completedFrames().mapValues {
            "\($0.report.output ?? "") \($0.report.outputBytes ?? 0) \($0.report.decodedSHA256 ?? "")"
        }
    }

    /// Search encodes per frame, from OUT's catalog: a batch's first frame starts cold
    /// and takes more.
    private static func encodesPerFrame(_ out: URL, frames: Int) throws -> Double {
        Double(try Catalog(url: out.appendingPathComponent(Catalog.fileName)).count("iterations")) / Double(max(1, frames))
    }

    private static func replacingDatabase(in url: String, with name: String) -> String {
        let parts = url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var head = String(parts[0])
        if let slash = head.range(of: "/", options: .backwards) { head = String(head[..<slash.upperBound]) + name }
        return parts.count > 1 ? head + "?" + parts[1] : head
    }

    private static func check(_ result: (status: Int32, stdout: Data, stderr: Data)) throws {
        guard result.status == 0 else {
            throw Failure(description: "reelpack exited \(result.status): \(String(decoding: result.stderr, as: UTF8.self).suffix(2000))")
        }
    }

    struct Failure: Error, CustomStringConvertible { var description: String }
}
