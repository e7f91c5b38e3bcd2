import ArgumentParser
import Engine
import Foundation

/// `reelpack compare SRC... -o DIR --profile P`: Reelpack against fixed settings of
/// JPEG 2000, HTJ2K, H.265 and JPEG XL at equal size (the paper's Tables 1 and 3).
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare Reelpack with one fixed setting of JPEG 2000, HTJ2K, H.265 and JPEG XL at equal size.",
        discussion: """
            Runs compress on the reel at the profile (into DIR/reelpack), or reads an existing
            output folder (--archive OUT). Then, for each fixed method, it finds by bisection the
            one setting for the whole reel whose total bytes equal Reelpack's within 1 %, and
            the safe setting: the loosest single setting that meets the profile's floors on
            every frame. Every decoded frame of every method is measured against its source
            with Reelpack's metrics.

            Methods: j2k (JPEG 2000 Part 1, 9/7, one rate, OpenJPEG), htj2k (one quantisation
            step, OpenJPH), h265 (intra-only 4:4:4 at the source's depth, one CRF, through
            ffmpeg and libx265, the reel coded as one stream; when whole CRF steps miss the
            1 % match, libx265's aq-strength at the nearest CRF; skipped with a note when
            ffmpeg is missing), jxl (one distance, libjxl).

            DIR receives compare.json, compare.csv and compare.html (self-contained).
            Exit status: 0 done, 1 the comparison failed, 2 usage error.
            """)

    @Argument(help: "Source folders (image sequences) or DPX/TIFF files.")
    var sources: [String]

    @Option(name: [.short, .customLong("output")], help: "Folder for the comparison (must not be inside a source folder).")
    var output: String

    @Option(help: "C0, C1 or C2.")
    var profile: Profile

    @Option(help: "An existing Reelpack output folder of these sources (otherwise compress runs into DIR/reelpack).")
    var archive: String?

    @Option(help: "Fixed methods, comma-separated: j2k,htj2k,h265,jxl (default: all).")
    var methods: String = "j2k,htj2k,h265,jxl"

    @Option(help: "Codec of the compress run: auto, j2k, htj2k or jxl.")
    var codec: CodecChoice = .auto

    @OptionGroup var floors: FloorOptions

    @Option(name: .customLong("feature-frames"), help: "Frames of the feature the storage table extrapolates to.")
    var featureFrames: Int = 150_000

    @Option(help: "The ffmpeg executable for H.265 (default: ffmpeg on PATH).")
    var ffmpeg: String?

    @OptionGroup var jobs: JobOptions

    @Flag(help: "Print compare.json on stdout.")
    var json = false

    func validate() throws {
        if profile.isLossless {
            throw ValidationError("--profile must be C0, C1 or C2 (a lossless archive has nothing to compare at equal quality)")
        }
        if featureFrames < 1 { throw ValidationError("--feature-frames must be at least 1") }
    }

    func run() async throws {
        var ids: [MethodID] = []
        for name in methods.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !name.isEmpty {
            guard let id = MethodID(rawValue: name) else {
                Output.error("unknown method \(name): use j2k, htj2k, h265 or jxl")
                throw ExitCode(2)
            }
            if !ids.contains(id) { ids.append(id) }
        }
        do {
            try floors.check()
        } catch {
            Output.error(error.message)
            throw ExitCode(2)
        }
        let settings = ComparisonSettings(profile: profile, floor: floors.floor(for: profile),
                                          methods: ids, codec: codec, jobs: jobs.count,
                                          featureFrames: featureFrames)
        let outURL = URL(fileURLWithPath: output)
        let comparison = ComparisonRun(sources: sources.map { URL(fileURLWithPath: $0) }, output: outURL,
                                       archive: archive.map { URL(fileURLWithPath: $0) }, settings: settings,
                                       tools: .locate(ffmpeg: ffmpeg.map { URL(fileURLWithPath: $0) }),
                                       toolVersion: ReelpackVersion.string)
        let result: ComparisonRun.Result
        do {
            result = try await comparison.run { Output.note($0) }
            try result.write(to: outURL)
        } catch let error as EngineError where error.kind == .usage {
            Output.error(error.description)
            throw ExitCode(2)
        } catch {
            Output.error(String(describing: error))
            throw ExitCode(1)
        }
        if json {
            FileHandle.standardOutput.write(try result.report.json())
            FileHandle.standardOutput.write(Data("\n".utf8))
        } else {
            print(Self.table(result.report))
        }
    }

    /// The equal-size and safe-setting tables, as printed at the end.
    static func table(_ r: CompareReport) -> String {
        func f(_ v: Double?, _ d: Int) -> String { v.map { String(format: "%.\(d)f", $0) } ?? "–" }
        func line(_ s: MethodSummary) -> String {
            let name = s.method.padding(toLength: 9, withPad: " ", startingAt: 0)
            return "\(name) \(f(s.ratio, 2).leftPad(7)):1  SSIM \(f(s.ssimMean, 4)) / \(f(s.ssimMin, 4))  PSNR \(f(s.psnrMean, 2)) / \(f(s.psnrMin, 2))  tile \(f(s.tileFloorMin, 4))  grain \(f(s.grainRetentionMean, 2))  under floors \(s.framesUnderFloors)/\(s.frames)  \(s.setting ?? "per frame")"
        }
        var out = "at equal size (ratio, SSIM mean / min, PSNR mean / min, tile floor min, grain kept, frames under \(r.profile)'s floors):\n"
        out += line(r.reelpack) + "\n"
        for m in r.methods { out += line(m.equalSize) + (m.matched ? "" : "\n          size not matched: \(m.matchNote ?? "")") + "\n" }
        out += "safe settings (one setting meeting every floor on every frame):\n"
        for m in r.methods { out += m.safe.map(line) ?? "\(m.method.rawValue): \(m.safeNote ?? "none")" ; out += "\n" }
        if let rt = r.colourRoundTrip {
            out += "H.265 colour conversion alone: SSIM \(f(rt.ssimMean, 5)) / \(f(rt.ssimMin, 5))  PSNR \(f(rt.psnrMean, 2)) / \(f(rt.psnrMin, 2)) dB\n"
        }
        for s in r.skipped { out += "skipped: \(s.note)\n" }
        out += "time: " + (r.compressSeconds.map { String(format: "compress %.1f s, ", $0) } ?? "")
            + r.methods.map { String(format: "%@ %.1f s", $0.method.rawValue, $0.seconds) }.joined(separator: ", ")
            + String(format: "; %.1f s in all\n", r.seconds)
        return out + "written: compare.json, compare.csv, compare.html"
    }
}

private extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
