import Engine
import Foundation
import Formats
import ImageCore
import Review
import TestSupport

/// `reelpack review` serving a 4K 12-bit frame: a 1:1 crop (what a 1:1 view of a
/// 1280×720 pane asks for) and the whole-frame view (step 3, a 1366-pixel-wide pane),
/// cold (the frame decoded for the request) and warm (decoded frames cached), through
/// `ReviewAPI.respond`: decode, display transform, PNG, as the server runs them (HTTP
/// on loopback adds a copy of the PNG). Targets (the issue): crop ≤ 300 ms, whole frame ≤ 1 s.
enum ReviewBench {
    static func run() throws {
        let width = 4096, height = 2160, bits = 12
        let dir = try TemporaryDirectory("reelpack-review-bench"); defer { dir.remove() }
        let scans = dir.file("scans")
        try SyntheticFrames.writeDPXSequence(.grain, count: 1, to: scans, width: width, height: height, bitDepth: bits)
        let out = dir.file("reel-C1")
        let settings = CompressionSettings(profile: .c1, codec: .htj2k, maxIterations: 4)
        let started = Date()
        let result = try blocking { try await CompressionRun(sources: [scans], output: out, settings: settings, toolVersion: "bench").run() }
        print(String(format: "frame: %dx%d RGB %d-bit grain, compressed C1 HTJ2K (%.1f s, %d bytes); %d cores",
                     width, height, bits, Date().timeIntervalSince(started), result.frames.first?.outputBytes ?? 0,
                     ProcessInfo.processInfo.activeProcessorCount))
        let library = try ReviewLibrary(outputs: [out], source: scans)

        let crop = ["frame": "0", "out": "0", "x": "1408", "y": "720", "w": "1280", "h": "720", "step": "1"]
        let whole = ["frame": "0", "out": "0", "step": "3"]
        func time(_ api: ReviewAPI, _ query: [String: String]) throws -> (Double, Int) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let response = blocking { await api.respond(method: "GET", path: "/api/tile", query: query) }
            guard response.status == 200, response.headers["X-Reelpack-Error"] == nil else {
                throw ReviewError(.damaged, "bench", response.headers["X-Reelpack-Error"] ?? "status \(response.status)")
            }
            return (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6, response.body.count)
        }
        func fresh() -> ReviewAPI { ReviewAPI(library: library, sessions: BlindSessions(library: library)) }
        func row(_ label: String, _ ms: Double, _ bytes: Int, target: Double) {
            print(label.padding(toLength: 46, withPad: " ", startingAt: 0)
                  + String(format: "%8.1f ms  %9d B PNG  (target ≤ %.0f ms: %@)", ms, bytes, target, ms <= target ? "met" : "MISSED"))
        }
        let repeats = 5
        for view in ["output", "source", "diff4"] {
            let (cold, bytes) = try time(fresh(), crop.merging(["view": view]) { $1 })
            let warmAPI = fresh()
            _ = try time(warmAPI, crop.merging(["view": view]) { $1 })
            let warm = try (0..<repeats).map { _ in try time(warmAPI, crop.merging(["view": view]) { $1 }).0 }.min()!
            row("1:1 crop 1280×720, \(view), cold", cold, bytes, target: 300)
            row("1:1 crop 1280×720, \(view), warm (best of \(repeats))", warm, bytes, target: 300)
        }
        for view in ["output", "source"] {
            let (cold, bytes) = try time(fresh(), whole.merging(["view": view]) { $1 })
            let warmAPI = fresh()
            _ = try time(warmAPI, whole.merging(["view": view]) { $1 })
            let warm = try (0..<repeats).map { _ in try time(warmAPI, whole.merging(["view": view]) { $1 }).0 }.min()!
            row("whole frame (step 3, 1366×720), \(view), cold", cold, bytes, target: 1000)
            row("whole frame (step 3, 1366×720), \(view), warm", warm, bytes, target: 1000)
        }
    }


}

