import Codecs
import Dispatch
import Engine
import Foundation
import Formats
import ImageCore
import Metrics
import TestSupport

/// `reelpack-bench stages [--bits 10,12] [--reels grain,photos] [--threads N]`: what each
/// step of a frame's way through `compress` costs on one 4096×2160 frame, each step timed
/// alone (best of 2, wall seconds) with the library threads a frame gets when two frames
/// run at once on two cores (1; `--threads` to change it): read the file, hash it,
/// decode the DPX, analyse; per codec, encode and decode lossless (and the lossless
/// ratio); HTJ2K lossy at a C1-like step; the measures (SSIM + tile floor + PSNR, the
/// source's grain band, grain retention, CAMBI); the digest of decoded samples; seal
/// and wrap; the atomic write; the re-read with its digest; the DPX rebuild and its
/// digest. The frames are the first of `throughput`'s reels.
enum StageBench {
    static func run() throws {
        var bits = [10, 12], reels = ["grain", "photos"], threads = 1
        var i = 0
        let arguments = benchArguments
        while i < arguments.count {
            let value = i + 1 < arguments.count ? arguments[i + 1] : ""
            switch arguments[i] {
            case "--bits": bits = value.split(separator: ",").compactMap { Int($0) }
            case "--reels": reels = value.split(separator: ",").map(String.init)
            case "--threads": threads = Int(value) ?? 1
            default: throw BenchUsage("unknown option \(arguments[i])")
            }
            i += 2
        }
        let scratch = try TemporaryDirectory("reelpack-bench-stages")
        defer { scratch.remove() }
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
        print("one 4096×2160 frame per reel; library threads \(threads); best of 2 wall seconds; load average at start: \(load)")
        var options = ThroughputBench.Options()
        options.frames = 1
        for b in bits {
            for reel in reels {
                let folder = scratch.file("\(reel)-\(b)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try ThroughputBench.makeReel(reel, bits: b, options: options, into: folder)
                let file = folder.appendingPathComponent(SyntheticReel.fileName("reel", frame: 86400))
                print("")
                print("== \(reel) \(b)-bit (\(try ThroughputBench.fileSize(file)) bytes)")
                try profile(file, threads: threads, scratch: scratch)
            }
        }
    }

    static func profile(_ file: URL, threads: Int, scratch: TemporaryDirectory) throws {
        var rows: [(String, Double, String)] = []
        func time(_ name: String, _ note: String = "", _ body: () throws -> Void) rethrows {
            var fastest = Double.infinity
            for _ in 0..<2 {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            rows.append((name, fastest, note))
            print(String(format: "  %-44@ %7.3f s  %@", name as NSString, fastest, note as NSString))
        }
        var data = Data()
        try time("read the file") { data = try Data(contentsOf: file, options: .mappedIfSafe); _ = data.withUnsafeBytes { $0.reduce(0, &+) } }
        time("SHA-256 of the file") { _ = Digest.sha256(data) }
        var frame: SourceFrame?
        try time("decode the DPX") { frame = try ImageFile.read(data, name: file.lastPathComponent) }
        guard let frame else { return }
        let pixels = frame.pixels
        time("analyse") { _ = FrameAnalyzer.analyze(pixels) }
        time("SHA-256 of the samples") { _ = Digest.sha256(samples: pixels) }
        time("compare samples (==)") { _ = pixels == pixels }

        let codecs: [(String, any Codec)] = [
            ("htj2k", HTJ2KCodec()), ("j2k", JPEG2000Codec(threads: threads)),
            ("jxl e1", JPEGXLCodec(losslessEffort: 1, threads: threads)),
            ("jxl e2", JPEGXLCodec(losslessEffort: 2, threads: threads)),
            ("jxl e3", JPEGXLCodec(losslessEffort: 3, threads: threads)),
        ]
        var htPayload = Data()
        for (name, codec) in codecs {
            var payload = Data()
            try time("\(name) lossless encode") { payload = try codec.encode(pixels, mode: .lossless) }
            var decoded: PixelBuffer?
            try time("\(name) lossless decode") { decoded = try codec.decode(payload).pixels }
            rows[rows.count - 1].2 = String(format: "ratio %.3f, exact %@", Double(data.count) / Double(payload.count),
                                            decoded == pixels ? "yes" : "NO")
            print("    \(rows[rows.count - 1].2)")
            if name == "htj2k" { htPayload = payload }
        }
        // C1 with HTJ2K: a step where the grain floor of C1 binds on grain reels.
        let ht = HTJ2KCodec()
        var lossy = Data()
        try time("htj2k lossy encode (quality 9)") { lossy = try ht.encode(pixels, mode: .lossy(quality: 9)) }
        var candidate = pixels
        try time("htj2k lossy decode") { candidate = try ht.decode(lossy).pixels }
        try time("SSIM + tile floor + PSNR") { _ = try QualityMetrics.measure(reference: pixels, test: candidate, threads: threads) }
        var grain: GrainReference?
        time("source grain band (once a frame)") { grain = GrainReference(source: pixels, threads: threads) }
        try time("grain retention") { _ = try grain?.retention(decoded: candidate, threads: threads) }
        time("CAMBI (source once a frame; each candidate)") { _ = CAMBI.measure(candidate, threads: threads) }

        // Seal, write, re-read, rebuild: as the write stage does them.
        let seal = Data(repeating: 0x20, count: 6000)
        var wrapped = Data()
        try time("wrap with a 6 kB seal (htj2k lossless)") { wrapped = try ht.wrap(payload: htPayload, seal: seal) }
        let out = scratch.file("out.jph")
        try time("write (temp + rename)") {
            let temp = scratch.file(".out.tmp")
            try wrapped.write(to: temp)
            guard rename(temp.path, out.path) == 0 else { throw BenchUsage("cannot rename \(temp.path)") }
        }
        time("SHA-256 of the written file") { _ = Digest.sha256(wrapped) }
        try time("re-read the written file") { _ = try Data(contentsOf: out) }
        var rebuilt = Data()
        try time("rebuild the DPX from the samples") { rebuilt = try ImageFile.rebuild(pixels: pixels, record: frame.rebuildRecord) }
        time("SHA-256 of the rebuilt DPX") { _ = Digest.sha256(rebuilt) }
    }
}
