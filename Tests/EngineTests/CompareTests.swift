import Foundation
import Formats
import ImageCore
import Testing
import TestSupport
@testable import Engine

/// One small reel compared once, shared by the tests that read its report: two
/// 192×144 10-bit grain frames at C1, every fixed method (H.265 through the ffmpeg on PATH).
enum CompareFixture {
    struct Reel: Sendable {
        let folder: TemporaryDirectory
        let sources: URL
        let result: ComparisonRun.Result
    }

    static let reel = Task<Reel, any Error> {
        let folder = try TemporaryDirectory("reelpack-compare")
        let sources = folder.file("scans")
        try SyntheticFrames.writeDPXSequence(.grain, count: 2, to: sources, width: 192, height: 144, bitDepth: 10)
        let run = ComparisonRun(sources: [sources], output: folder.file("compare"),
                                settings: ComparisonSettings(profile: .c1, jobs: 2), toolVersion: "test")
        return Reel(folder: folder, sources: sources, result: try await run.run())
    }
}

@Suite("compare: equal size, safe setting, independent measurement")
struct CompareTests {
    @Test("every fixed method's reel is within 1 % of Reelpack's bytes, or says why not")
    func equalSizeWithinOnePercent() async throws {
        let r = try await CompareFixture.reel.value.result.report
        #expect(r.methods.count == MethodID.allCases.count - r.skipped.count)
        for m in r.methods {
            let off = Double(m.equalSize.bytes) / Double(m.targetBytes) - 1
            #expect(m.targetBytes == r.reelpack.bytes, "\(m.method): a frame failed")
            if m.method == .h265 {
                // libx265's intra frames take whole QP steps: the match holds or the note says so.
                #expect(m.matched == (abs(off) <= 0.01))
                #expect(m.matched || m.matchNote != nil)
            } else {
                #expect(abs(off) <= 0.01, "\(m.method): \(m.equalSize.bytes) bytes against \(m.targetBytes)")
                #expect(m.matched)
            }
            // The curve has 4-6 settings, ordered by size, and holds the equal-size point
            // (when a finer setting made the match, the curve's knob is the one it holds).
            #expect((4...6).contains(m.curve.count), "\(m.method): \(m.curve.count) points")
            if m.matchNote?.contains("matched with") == true {
                #expect(m.matched)
                #expect(m.curve.contains { $0.value == m.equalSize.value })
            } else {
                #expect(m.curve.contains { abs($0.ratio - m.equalSize.ratio) < 1e-9 })
            }
        }
    }

    @Test("the safe setting meets every floor on every frame")
    func safeSettingMeetsFloors() async throws {
        let r = try await CompareFixture.reel.value.result.report
        for m in r.methods {
            guard let safe = m.safe else { continue }
            #expect(safe.framesUnderFloors == 0, "\(m.method)")
            #expect(safe.ssimMin >= r.floors.ssim!)
            #expect(safe.psnrMin.map { $0 >= r.floors.psnr! } ?? true)
            #expect(safe.tileFloorMin >= r.floors.tileSSIM!)
        }
    }

    @Test("a method's SSIM and PSNR agree with scikit-image on its decoded frames")
    func agreesWithScikitImage() async throws {
        let reel = try await CompareFixture.reel.value
        let r = reel.result.report
        let j2k = try #require(r.methods.first { $0.method == .j2k })
        let method = try CodecMethod(.j2k)
        let knob = try #require(j2k.equalSize.value)   // JPEG 2000's value is the knob (rate %)
        let script = Corpus.packageRoot.appendingPathComponent("scripts/reference_metrics.py").path
        for row in j2k.frames {
            let source = try ImageFileReading.pixels(reel.sources.appendingPathComponent(row.frame))
            let payload = try method.encode(source, knob: knob)
            #expect(payload.count == row.bytes, "\(row.frame): not the file the report measured")
            let decoded = try method.decode(payload, source: source)
            let ref = reel.folder.file("\(row.frame).ref.u16"), test = reel.folder.file("\(row.frame).test.u16")
            try raw(source).write(to: ref)
            try raw(decoded).write(to: test)
            let out = try ExternalTool.run(["python3", script, "bench", ref.path, test.path, "\(source.width)",
                                            "\(source.height)", "\(source.channels)", "\(source.bitDepth)"])
            let reference = try JSONDecoder().decode(Reference.self, from: out)
            #expect(abs(reference.ssim - row.ssim) < 1e-4, "\(row.frame): SSIM \(row.ssim) vs scikit-image \(reference.ssim)")
            #expect(abs(reference.psnr - (row.psnr ?? .infinity)) < 0.01, "\(row.frame): PSNR \(String(describing: row.psnr)) vs \(reference.psnr)")
        }
    }

    @Test("H.265's colour conversion is measured on its own and is far above the floors")
    func colourRoundTripReported() async throws {
        let r = try await CompareFixture.reel.value.result.report
        guard r.methods.contains(where: { $0.method == .h265 }) else { return }
        let rt = try #require(r.colourRoundTrip)
        #expect(rt.frames == r.frames.count)
        #expect(rt.psnrMin! > 50)
    }

    @Test("a missing ffmpeg skips H.265 with a note; the other methods go on")
    func missingFFmpeg() async throws {
        let folder = try TemporaryDirectory("reelpack-compare-noffmpeg")
        defer { folder.remove() }
        let sources = folder.file("scans")
        try SyntheticFrames.writeDPXSequence(.grain, count: 2, to: sources, width: 160, height: 120, bitDepth: 10)
        let tools = CompareTools.locate(ffmpeg: folder.file("no-such-ffmpeg"))
        #expect(tools.ffmpeg == nil)
        #expect(CompareTools.locate(path: folder.url.path).ffmpeg == nil)
        let run = ComparisonRun(sources: [sources], output: folder.file("compare"),
                                settings: ComparisonSettings(profile: .c1, methods: [.h265, .j2k], jobs: 2),
                                tools: tools, toolVersion: "test")
        let result = try await run.run()
        #expect(result.report.methods.map(\.method) == [.j2k])
        let note = try #require(result.report.skipped.first { $0.method == .h265 })
        #expect(note.note.contains("ffmpeg was not found"))
        #expect(result.report.versions["ffmpeg"] == "not found")
    }

    @Test("the equal-size search stops within 1 % on a smooth size, and keeps the nearest across a step")
    func equalSizeSearch() {
        // Size doubling every 6 units (like a CRF), with the search's guess of the slope off by 2×.
        let smooth = KnobSearch.equalSize(target: 1_000_000, range: 0...51, logScale: false, slope: log(2) / 12,
                                          start: 10) { Int(10_000 * pow(2, $0 / 6)) }
        #expect(smooth.matched)
        #expect(abs(Double(smooth.bytes) / 1_000_000 - 1) <= 0.01)
        #expect(smooth.trials.count <= 8)
        // Whole steps of 10 %: the nearest of the two sizes around the target is kept.
        let stepped = KnobSearch.equalSize(target: 1_050_000, range: 0...51, logScale: false, slope: log(2) / 6,
                                           start: 10) { Int(1_000_000 * pow(1.1, ($0 - 20).rounded(.down))) }
        #expect(!stepped.matched)
        #expect(stepped.bytes == 1_000_000 || stepped.bytes == 1_100_000)
        #expect(stepped.trials.count <= 16)
    }

    @Test("the loosest passing setting is found to within the resolution")
    func loosestPassing() {
        let r = KnobSearch.loosestPassing(range: 0...51, logScale: false, slope: log(2) / 6, start: 30) { $0 >= 17.3 }
        #expect(r.knob.map { $0 >= 17.3 && $0 < 17.3 + log(1.03) / (log(2) / 6) } ?? false, "\(String(describing: r.knob))")
        #expect(KnobSearch.loosestPassing(range: 0...51, logScale: false, slope: 0.1, start: 30) { _ in false }.knob == nil)
    }

    struct Reference: Decodable { var ssim: Double; var psnr: Double }

    /// Planar little-endian UInt16 samples, as `reference_metrics.py bench` reads them.
    func raw(_ p: PixelBuffer) -> Data {
        var data = Data(capacity: p.samples.count * 2)
        for v in p.samples { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }
}

/// Reads a source frame's samples the way `compare` does.
enum ImageFileReading {
    static func pixels(_ url: URL) throws -> PixelBuffer {
        try EngineServices.standard.read(try Data(contentsOf: url), url.lastPathComponent).pixels
    }
}
