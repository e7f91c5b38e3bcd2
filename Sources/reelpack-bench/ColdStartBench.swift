import Codecs
import Dispatch
import Engine
import Foundation
import Formats
import ImageCore
import TestSupport

/// `reelpack-bench cold`: encodes per cold frame (a frame without a warm start and
/// without earlier frames in its run) with the prior its own analysis predicts
/// (`SearchPrior.forFrame`) against the codec's general prior it started from before,
/// through the whole pipeline (`CompressionRun`, as `reelpack compress` runs it), each
/// frame alone in its own run. Frames: the corpus photos, and single frames of
/// synthetic reels (grain at three levels per depth, black and white, smooth gradients;
/// 10, 12 and 16 bits). Also the kept file sizes: the prior moves where the search
/// starts, never how far it goes, so they must stay within the size tolerance.
///
/// Environment: `REELPACK_BENCH_COLD_SETS` (`photos,synth`), `REELPACK_BENCH_COLD_SIZE`
/// (synthetic frames, default `2048x1080`), `REELPACK_BENCH_PROFILES` (`C1,C0`),
/// `REELPACK_BENCH_CODECS` (`htj2k,auto`), `REELPACK_BENCH_TRACE=1` (one line per frame),
/// `REELPACK_BENCH_COLD_ONLY` (synthetic frames by name, e.g. `grain-10b-g6`).
enum ColdStartBench {
    /// One frame file and what it is.
    private struct Frame {
        var set: String
        var name: String
        var url: URL
    }

    static func run() throws {
        let env = ProcessInfo.processInfo.environment
        let sets = env["REELPACK_BENCH_COLD_SETS"].map { $0.split(separator: ",").map(String.init) } ?? ["photos", "synth"]
        let profiles = env["REELPACK_BENCH_PROFILES"].map { $0.split(separator: ",").compactMap { Profile(name: String($0)) } }
            ?? [.c1, .c0]
        let codecs = env["REELPACK_BENCH_CODECS"].map { $0.split(separator: ",").compactMap { CodecChoice(rawValue: String($0)) } }
            ?? [.htj2k, .auto]
        let size = (env["REELPACK_BENCH_COLD_SIZE"] ?? "2048x1080").split(separator: "x").compactMap { Int($0) }
        guard size.count == 2 else { throw EngineError(.usage, "REELPACK_BENCH_COLD_SIZE must be WIDTHxHEIGHT") }
        let trace = env["REELPACK_BENCH_TRACE"] != nil
        // REELPACK_BENCH_COLD_ONLY=grain-10b-g6: only the synthetic frames named so (kind, depth, 10-bit grain).
        let only = env["REELPACK_BENCH_COLD_ONLY"].map { $0.split(separator: ",").map(String.init) }
        let scratch = try TemporaryDirectory("reelpack-bench-cold")
        defer { scratch.remove() }

        var frames: [Frame] = []
        if sets.contains("photos") {
            frames += Corpus.files(in: "photos", suffix: "").map {
                Frame(set: "photos", name: ($0 as NSString).lastPathComponent, url: Corpus.url($0))
            }
        }
        if sets.contains("synth") {
            let folder = scratch.file("synth")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            // Grain at 2, 6 and 16 codes of a 10-bit frame (scaled to the depth, as a scan's
            // grain measured at another depth), then the other kinds at their own grain.
            var specs: [(SyntheticReel.Kind, Int, Double?)] = []
            for bits in [10, 12, 16] {
                for tenBit in [2.0, 6, 16] { specs.append((.grain, bits, tenBit * pow(2, Double(bits - 10)))) }
                specs.append((.bw, bits, nil))
                specs.append((.gradient, bits, nil))
            }
            for (k, (kind, bits, grain)) in specs.enumerated() {
                let tenBit = (grain ?? FilmSynthesizer.defaultGrainSigma(for: FilmSynthesizer.Kind(rawValue: kind.rawValue) ?? .grain, bitDepth: bits)) / pow(2, Double(bits - 10))
                if let only, !only.contains(String(format: "%@-%db-g%g", kind.rawValue, bits, tenBit)) { continue }
                let reel = try SyntheticReel(width: size[0], height: size[1], bitDepth: bits, kind: kind, seed: 40 + UInt64(k),
                                             grainSigma: grain)
                let name = String(format: "%@-%db-g%g", kind.rawValue, bits, reel.grainSigma)
                try reel.write(names: ["\(name).dpx"], start: 86400, to: folder)
                frames.append(Frame(set: "synth", name: name, url: folder.appendingPathComponent("\(name).dpx")))
            }
        }
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        print("cold frames: \(frames.count) (\(sets.joined(separator: ", ")); synthetic \(size[0])x\(size[1])), each alone in its run;"
              + " release, jobs 1; load average at start: \(load)")
        print("set     profile codec  frames  encodes/frame before → after   change   bytes after/before (total, worst frame)")
        var run = 0
        for profile in profiles {
            for codec in codecs {
                for set in sets {
                    let group = frames.filter { $0.set == set }
                    guard !group.isEmpty else { continue }
                    var before = 0, after = 0, bytesBefore = 0, bytesAfter = 0, worst = -Double.infinity, failures = 0
                    for frame in group {
                        var reports: [FrameReport] = []
                        for featurePrior in [false, true] {
                            run += 1
                            var services = EngineServices.standard
                            services.frameFeaturePrior = featurePrior
                            let settings = CompressionSettings(profile: profile, codec: codec, jobs: 1)
                            let out = scratch.file("out-\(run)")
                            let compression = CompressionRun(sources: [frame.url], output: out, settings: settings,
                                                             services: services, toolVersion: "bench")
                            let result = try blocking { try await compression.run() }
                            try? FileManager.default.removeItem(at: out)
                            guard let report = result.frames.first else { throw EngineError(.unavailable, "\(frame.name): no report") }
                            reports.append(report)
                        }
                        // A frame that fails with either prior is left out of the totals, and said.
                        if let failed = reports.first(where: { $0.status == .failed }) {
                            failures += 1
                            print("    \(frame.name): failed (\(reports.map { $0.status == .failed ? "failed" : "done" }.joined(separator: ", ")) "
                                  + "before, after): \(failed.error ?? "")")
                            continue
                        }
                        let (old, new) = (reports[0], reports[1])
                        before += old.iterations
                        after += new.iterations
                        bytesBefore += old.outputBytes ?? 0
                        bytesAfter += new.outputBytes ?? 0
                        let change = Double(new.outputBytes ?? 0) / Double(max(1, old.outputBytes ?? 0)) - 1
                        worst = max(worst, change)
                        if trace {
                            func kept(_ r: FrameReport) -> String {
                                "\(r.codec?.rawValue ?? "?") " + (r.parameter.map { String(format: "%.3f", $0) } ?? "lossless")
                            }
                            print(String(format: "    %-26@ %2d → %2d encodes, kept %@ → %@, bytes %+.2f %%", frame.name as NSString,
                                         old.iterations, new.iterations, kept(old) as NSString, kept(new) as NSString, change * 100))
                        }
                    }
                    let n = Double(max(1, group.count - failures))
                    print(String(format: "%-7@ %-7@ %-6@ %-7d %5.2f → %-5.2f               %+6.1f %%  %+.2f %%, %+.2f %%",
                                 set as NSString, profile.rawValue as NSString, codec.rawValue as NSString, group.count - failures,
                                 Double(before) / n, Double(after) / n, (Double(after) / Double(max(1, before)) - 1) * 100,
                                 (Double(bytesAfter) / Double(max(1, bytesBefore)) - 1) * 100, worst * 100))
                }
            }
        }
    }


}
