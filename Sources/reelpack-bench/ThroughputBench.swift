import Dispatch
import Engine
import Foundation
import Formats
import ImageCore
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `reelpack-bench throughput [--frames N] [--bits 10,12] [--reels grain,photos] [--modes lossless,C1]`:
/// Reelpack against ffmpeg's FFV1 with RAWcooked's settings on 4096×2160 DPX
/// sequences, every program run as a child process in the same run, one after the
/// other: `ffmpeg -i reel_%07d.dpx -c:v ffv1 -level 3 -g 1 -slices 16 -slicecrc 1`
/// (threads as ffmpeg chooses), then `reelpack compress --profile lossless` and
/// `--profile C1` (default floors, `--codec auto`, default `--jobs`).
///
/// Reels (each made in a scratch folder, then removed):
/// - `grain`: `reelpack synth --kind grain` frames at 4096×2160 (one shot);
/// - `photos`: the four corpus photos at the depth asked (`*_log10.dpx` for 10 bits,
///   `*_709_12.dpx` for 12), each a shot panning 8 source pixels a frame, scaled up
///   to 4096×2160 (bilinear): four shots, three cuts.
///
/// Printed per reel and mode: wall and CPU seconds, frames per second, the wall time
/// over FFV1's, the compression ratio over FFV1's (source bytes / output bytes, so
/// FFV1's bytes over Reelpack's), and the peak resident memory per frame in flight
/// over one frame's UInt16 samples (`wait4`'s maximum RSS of the child, divided by
/// min(jobs, frames) frames).
///
/// `REELPACK_BENCH_THROUGHPUT_FRAMES` sets the frame count when `--frames` is not given
/// (default 24): e.g. 4 for a quick run.
enum ThroughputBench {
    struct Options {
        var frames = 24
        var bits = [10, 12]
        var reels = ["grain", "photos"]
        var modes = ["lossless", "C1"]
        var width = 4096
        var height = 2160
        /// Extra arguments for every `reelpack compress` (e.g. `--jobs 1`).
        var compressArguments: [String] = []
    }

    static func run() throws {
        try run(arguments: benchArguments)
    }

    static func run(arguments: [String]) throws {
        var options = Options()
        if let n = ProcessInfo.processInfo.environment["REELPACK_BENCH_THROUGHPUT_FRAMES"].flatMap(Int.init) { options.frames = n }
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < arguments.count else { throw BenchUsage("\(arguments[i - 1]) needs a value") }
            return arguments[i]
        }
        func list(_ text: String) -> [String] { text.split(separator: ",").map { String($0) } }
        while i < arguments.count {
            switch arguments[i] {
            case "--frames": options.frames = try Int(value()).flatMap { $0 > 0 ? $0 : nil } ?? { throw BenchUsage("--frames: a count ≥ 1") }()
            case "--bits": options.bits = try list(value()).map { try Int($0).flatMap { [10, 12].contains($0) ? $0 : nil } ?? { throw BenchUsage("--bits: 10 and/or 12") }() }
            case "--reels": options.reels = list(try value())
            case "--modes": options.modes = list(try value())
            case "--size":
                let parts = list(try value().replacingOccurrences(of: "x", with: ",")).compactMap(Int.init)
                guard parts.count == 2 else { throw BenchUsage("--size WxH") }
                (options.width, options.height) = (parts[0], parts[1])
            case "--compress-args": options.compressArguments = try value().split(separator: " ").map(String.init)
            default: throw BenchUsage("unknown option \(arguments[i])")
            }
            i += 1
        }
        try run(options)
    }

    static func run(_ options: Options) throws {
        let reelpack = siblingExecutable("reelpack")
        guard FileManager.default.isExecutableFile(atPath: reelpack) else {
            throw BenchUsage("\(reelpack) is missing: build it first (swift build -c release)")
        }
        let scratch = try TemporaryDirectory("reelpack-bench-throughput")
        defer { scratch.remove() }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        print("\(options.frames) frames \(options.width)×\(options.height) per reel; \(cores) cores; load average at start: \(load)")
        print("ffv1: ffmpeg -i reel_%07d.dpx -c:v ffv1 -level 3 -g 1 -slices 16 -slicecrc 1 (threads: ffmpeg's choice)")
        print("reelpack: compress SRC -o OUT --profile P \(options.compressArguments.joined(separator: " "))(codec auto, default jobs)")
        print("wall×ffv1 = wall / ffv1's wall; size×ffv1 = (Reelpack's ratio) / (ffv1's ratio); mem = peak RSS / frames in flight / frame's UInt16 bytes")
        var rows: [[String]] = []
        for bits in options.bits {
            for reel in options.reels {
                let folder = scratch.file("\(reel)-\(bits)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let made = Date()
                try makeReel(reel, bits: bits, options: options, into: folder)
                let sourceBytes = try listing(folder).reduce(0) { $0 + (try fileSize($1)) }
                print(String(format: "%@ %d-bit: %d frames, %.1f MB of DPX, made in %.1f s", reel, bits, options.frames,
                             Double(sourceBytes) / 1e6, Date().timeIntervalSince(made)))
                let frameSamples = options.width * options.height * 3 * 2
                let inFlight = min(cores, options.frames)

                // The reference: FFV1 through ffmpeg, the whole sequence in one process.
                let mkv = scratch.file("\(reel)-\(bits).mkv")
                let ff = try Child.run(["ffmpeg", "-v", "error", "-y", "-framerate", "24", "-start_number", "86400",
                                        "-i", folder.appendingPathComponent("reel_%07d.dpx").path,
                                        "-c:v", "ffv1", "-level", "3", "-g", "1", "-slices", "16", "-slicecrc", "1", mkv.path])
                let ffBytes = try fileSize(mkv)
                let pixFmt = (try? ExternalTool.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                                                     "stream=pix_fmt,nb_frames", "-count_frames", "-of", "csv=p=0", mkv.path]))
                    .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "?"
                try? FileManager.default.removeItem(at: mkv)
                let label = "\(reel) \(bits)b"
                rows.append([label, "ffv1 (\(pixFmt))", f(ff.wall, 1), f(ff.cpu, 1), f(Double(options.frames) / ff.wall, 2),
                             f(Double(sourceBytes) / Double(ffBytes), 3), "1.00", "1.000", f(ff.maxRSS / 1e6, 0), "-", "-"])
                for mode in options.modes {
                    let out = scratch.file("\(reel)-\(bits)-\(mode)")
                    let r = try Child.run([reelpack, "compress", folder.path, "-o", out.path, "--profile", mode]
                                          + options.compressArguments)
                    let summary = try Summary(out.appendingPathComponent("summary.json"))
                    try? FileManager.default.removeItem(at: out)
                    let codecs = summary.codecs.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                    rows.append([label, "reelpack \(mode)", f(r.wall, 1), f(r.cpu, 1), f(Double(options.frames) / r.wall, 2),
                                 f(Double(sourceBytes) / Double(summary.outputBytes), 3), f(r.wall / ff.wall, 2),
                                 f(Double(ffBytes) / Double(summary.outputBytes), 3),
                                 f(r.maxRSS / 1e6, 0), f(r.maxRSS / Double(inFlight) / Double(frameSamples), 2),
                                 "\(codecs); \(f(summary.meanIterations, 2)) enc/frame" + (summary.failed > 0 ? "; \(summary.failed) FAILED" : "")])
                }
                try? FileManager.default.removeItem(at: folder)
                printRows(rows.suffix(1 + options.modes.count))
            }
        }
        print("")
        print("all rows:")
        printRows(rows)
    }

    static func printRows(_ rows: some Collection<[String]>) {
        let header = ["reel", "tool", "wall s", "cpu s", "fps", "ratio", "wall×ffv1", "size×ffv1", "peak MB", "mem", "codecs"]
        CodecBench.printTable(header: header, rows: Array(rows))
    }

    private static func f(_ value: Double, _ digits: Int) -> String { CodecBench.format(value, digits) }

    // MARK: Reels

    /// Writes `options.frames` DPX frames `reel_0086400.dpx …` of `reel` at `bits` into `folder`.
    static func makeReel(_ reel: String, bits: Int, options: Options, into folder: URL) throws {
        let names = (0..<options.frames).map { SyntheticReel.fileName("reel", frame: 86400 + $0) }
        switch reel {
        case "grain":
            let synth = try SyntheticReel(width: options.width, height: options.height, bitDepth: bits, kind: .grain, seed: 1)
            try synth.write(names: names, start: 86400, to: folder)
        case "photos":
            let stems = ["Carrots", "Desk", "Cannon", "StillLife"]
            let photos = try stems.map { stem -> PixelBuffer in
                try ImageFile.read(contentsOf: Corpus.url("photos/\(stem)_\(bits == 10 ? "log10" : "709_12").dpx")).pixels
            }
            let perShot = max(1, (options.frames + photos.count - 1) / photos.count)
            let failure = FailureBox()
            DispatchQueue.concurrentPerform(iterations: options.frames) { k in
                do {
                    let photo = photos[min(k / perShot, photos.count - 1)]
                    let step = k % perShot
                    let pan = 8 * step
                    let cropWidth = photo.width - 8 * perShot, cropHeight = photo.height - 4 * perShot
                    let frame = try scaled(photo, x: pan, y: pan / 2, width: cropWidth, height: cropHeight,
                                           to: options.width, options.height)
                    try DPXWriter.write(frame).write(to: folder.appendingPathComponent(names[k]))
                } catch {
                    failure.set(error)
                }
            }
            if let error = failure.error { throw error }
        default:
            throw BenchUsage("unknown reel \(reel): grain or photos")
        }
    }

    /// The `width`×`height` window at (`x`, `y`) of `p`, scaled to `outWidth`×`outHeight`
    /// bilinearly (16-bit fixed-point weights, rounded).
    static func scaled(_ p: PixelBuffer, x: Int, y: Int, width: Int, height: Int,
                       to outWidth: Int, _ outHeight: Int) throws -> PixelBuffer {
        var out = try PixelBuffer(width: outWidth, height: outHeight, channels: p.channels, bitDepth: p.bitDepth)
        let sx = Double(width - 1) / Double(max(outWidth - 1, 1)), sy = Double(height - 1) / Double(max(outHeight - 1, 1))
        let xs: [(Int, Int)] = (0..<outWidth).map { ox in
            let fx = Double(ox) * sx, ix = min(Int(fx), width - 2)
            return (x + ix, Int(((fx - Double(ix)) * 65536).rounded()))
        }
        p.samples.withUnsafeBufferPointer { src in
            out.samples.withUnsafeMutableBufferPointer { dst in
                for c in 0..<p.channels {
                    let plane = c * p.width * p.height, outPlane = c * outWidth * outHeight
                    for oy in 0..<outHeight {
                        let fy = Double(oy) * sy, iy = min(Int(fy), height - 2)
                        let wy = Int(((fy - Double(iy)) * 65536).rounded())
                        let row0 = plane + (y + iy) * p.width, row1 = row0 + p.width
                        let o = outPlane + oy * outWidth
                        for ox in 0..<outWidth {
                            let (ix, wx) = xs[ox]
                            let top = Int(src[row0 + ix]) * (65536 - wx) + Int(src[row0 + ix + 1]) * wx
                            let bottom = Int(src[row1 + ix]) * (65536 - wx) + Int(src[row1 + ix + 1]) * wx
                            dst[o + ox] = UInt16((top * (65536 - wy) + bottom * wy + (1 << 31)) >> 32)
                        }
                    }
                }
            }
        }
        return out
    }

    private final class FailureBox: @unchecked Sendable {
        private let lock = NSLock()
        private var first: (any Error)?
        func set(_ e: any Error) { lock.withLock { if first == nil { first = e } } }
        var error: (any Error)? { lock.withLock { first } }
    }

    // MARK: Results

    /// What `summary.json` says of a run.
    struct Summary {
        var outputBytes: Int
        var failed: Int
        var codecs: [String: Int]
        var meanIterations: Double

        init(_ url: URL) throws {
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
            let summary = json["summary"] as? [String: Any] ?? [:]
            outputBytes = summary["outputBytes"] as? Int ?? 0
            failed = summary["failed"] as? Int ?? 0
            let frames = json["frames"] as? [[String: Any]] ?? []
            codecs = [:]
            var iterations = 0
            for frame in frames {
                codecs[(frame["codec"] as? String ?? "?") + ((frame["mode"] as? String).map { " \($0)" } ?? ""), default: 0] += 1
                iterations += frame["iterations"] as? Int ?? 0
            }
            meanIterations = Double(iterations) / Double(max(frames.count, 1))
            guard outputBytes > 0 else { throw BenchUsage("\(url.path) has no output bytes") }
        }
    }

    static func listing(_ folder: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
    }

    static func fileSize(_ url: URL) throws -> Int {
        try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
    }

    /// The path of `name` beside this benchmark's executable (the same build).
    static func siblingExecutable(_ name: String) -> String {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let path = me.deletingLastPathComponent().appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
        return ExternalTool.path(of: name) ?? path
    }
}

/// A child process timed on its own: wall time, its CPU time and its peak resident
/// memory, stdout discarded, stderr kept for the error message.
///
/// The peak is GNU time's (`/usr/bin/time -f %M`), which forks the program from its own
/// small process: Linux counts the memory a process held before `exec` in its maximum
/// RSS, so a child spawned straight from this benchmark (which holds the frames it made)
/// would report this process's peak instead of its own.
enum Child {
    struct Usage {
        var wall: Double
        var cpu: Double
        /// Bytes.
        var maxRSS: Double
    }

    static func run(_ arguments: [String]) throws -> Usage {
        let executable = arguments[0].contains("/") ? arguments[0] : (ExternalTool.path(of: arguments[0]) ?? arguments[0])
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("reelpack-bench-\(getpid())-stderr")
        defer { try? FileManager.default.removeItem(at: errors) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errors.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let peakFile = FileManager.default.temporaryDirectory.appendingPathComponent("reelpack-bench-\(getpid())-peak")
        defer { try? FileManager.default.removeItem(at: peakFile) }
        let timer = "/usr/bin/time"
        let viaTimer = FileManager.default.isExecutableFile(atPath: timer)
        let command = viaTimer ? [timer, "-f", "%M", "-o", peakFile.path, executable] : [executable]
        let argv: [UnsafeMutablePointer<CChar>?] = (command + arguments.dropFirst()).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid = pid_t()
        let start = DispatchTime.now().uptimeNanoseconds
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        guard spawned == 0 else { throw BenchUsage("cannot start \(executable): error \(spawned)") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let exited = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
        guard exited == 0 else {
            let text = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            throw BenchUsage("\(arguments.joined(separator: " ")) exited \(exited): \(text.suffix(2000))")
        }
        let cpu = [usage.ru_utime, usage.ru_stime].reduce(0.0) { $0 + Double($1.tv_sec) + Double($1.tv_usec) / 1e6 }
        let peakKB = viaTimer ? (try? String(contentsOf: peakFile, encoding: .utf8))
            .flatMap { Double($0.split(separator: "\n").last.map(String.init) ?? "") } : nil
        return Usage(wall: wall, cpu: cpu, maxRSS: (peakKB ?? Double(usage.ru_maxrss)) * 1024)
    }
}

/// A benchmark's arguments were not understood, or a tool it runs failed.
struct BenchUsage: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
