import Foundation
import ImageCore
import Testing
import TestSupport
@testable import Engine

/// H.265 coded as one stream per reel and decoded in one pass, and the settings cache the
/// searches share: neither may change a frame's pixels or its measurement.
@Suite("compare: one ffmpeg process per reel, and the settings cache")
struct CompareReelCodingTests {
    static let h265: H265Method? = CompareTools.locate().ffmpeg.flatMap { try? H265Method(ffmpeg: $0, threads: 2) }

    static func reelFrames(_ pixels: [PixelBuffer]) -> [ReelFrame] {
        pixels.enumerated().map { i, p in
            ReelFrame(name: "f\(i).dpx", pixels: p, sourceBytes: p.samples.count * 2,
                      analysis: CompareMeasurement.analyse(p), archiveFile: URL(fileURLWithPath: "f\(i).jph"),
                      archiveBytes: 0)
        }
    }

    @Test("the reel's stream is cut into one self-contained unit per frame, and one decode pass gives each frame's own pixels")
    func streamDecodesLikeFrameByFrame() throws {
        guard let h265 = Self.h265 else { return }
        let frames = try SyntheticFrames.reel(.grain, count: 3, width: 96, height: 64)
        let payloads = try h265.encodeReel(frames, knob: 51 - 28, jobs: 2).map { try $0.get() }
        #expect(payloads.count == 3)
        // Each unit opens with a video parameter set (repeat-headers), so it decodes alone.
        for p in payloads { #expect(H265Method.accessUnits(p).count == 1) }
        var streamed: [Int: PixelBuffer] = [:]
        h265.decodeReel(payloads, sources: frames) { i, r in
            streamed[i] = try? r.get()
            return true
        }
        #expect(streamed.count == 3)
        for i in frames.indices {
            let alone = try h265.decode(payloads[i], source: frames[i])
            #expect(streamed[i] == alone, "frame \(i): one pass and one process per frame decode differently")
            #expect(alone.width == 96 && alone.height == 64 && alone.channels == 3 && alone.bitDepth == 10)
        }
        // The same setting codes the same bytes again (so a cached setting is the setting).
        let again = try h265.encodeReel(frames, knob: 51 - 28, jobs: 2).map { try $0.get() }
        #expect(again == payloads)
    }

    @Test("a decode pass stops when asked, and frames of two sizes go through two streams")
    func stopsAndSplitsRuns() throws {
        guard let h265 = Self.h265 else { return }
        let frames = try SyntheticFrames.reel(.grain, count: 2, width: 96, height: 64)
            + SyntheticFrames.reel(.grain, count: 1, width: 64, height: 48)
        #expect(H265Method.runs(frames) == [0..<2, 2..<3])
        let payloads = try h265.encodeReel(frames, knob: 20, jobs: 2).map { try $0.get() }
        var seen: [Int] = []
        h265.decodeReel(payloads, sources: frames) { i, r in
            seen.append(i)
            return i < 1
        }
        #expect(seen == [0, 1])
        var sizes: [Int] = []
        h265.decodeReel(payloads, sources: frames) { _, r in
            sizes.append((try? r.get())?.width ?? 0)
            return true
        }
        #expect(sizes == [96, 96, 64])
    }

    @Test("H.265's fine setting is libx265's aq-strength at the CRF held: its middle leaves the pixels as they are, its ends move the size")
    func h265AQTuning() throws {
        guard let h265 = Self.h265 else { return }
        let frames = try SyntheticFrames.reel(.grain, count: 2, width: 96, height: 64)
        let knob = 51 - 30.0
        let tuning = try #require(h265.fineTuning(at: knob))
        #expect(tuning.setting(1.2) == "CRF 30.00, aq-strength 1.20")
        #expect(tuning.fineTuning(at: 1) == nil)
        func reel(_ m: any FixedMethod, _ k: Double) throws -> [Data] { try m.encodeReel(frames, knob: k, jobs: 1).map { try $0.get() } }
        let plain = try reel(h265, knob), middle = try reel(tuning, 1.0)
        for i in frames.indices {
            #expect(try h265.decode(plain[i], source: frames[i]) == tuning.decode(middle[i], source: frames[i]))
        }
        let low = try reel(tuning, 0.5).reduce(0) { $0 + $1.count }, high = try reel(tuning, 1.5).reduce(0) { $0 + $1.count }
        #expect(low != high)
    }

    @Test("an access unit is cut at each video parameter set, a 4-byte start code's zero going with it")
    func accessUnitCuts() {
        let vps: [UInt8] = [0, 0, 0, 1, 0x40, 0x01, 9], sps: [UInt8] = [0, 0, 1, 0x42, 0x01, 8], slice: [UInt8] = [0, 0, 1, 0x26, 0x01, 7, 7]
        let unit = vps + sps + slice
        let cut = H265Method.accessUnits(Data(unit + unit + unit))
        #expect(cut.map { [UInt8]($0) } == [unit, unit, unit])
        #expect(H265Method.accessUnits(Data()).isEmpty)
    }

    @Test("the cache and the order of work do not change a setting's measurements", arguments: [MethodID.j2k, .h265])
    func cacheKeepsResults(_ id: MethodID) throws {
        let method: any FixedMethod
        if id == .h265 {
            guard let h = Self.h265 else { return }
            method = h
        } else {
            method = try CodecMethod(id)
        }
        let pixels = try SyntheticFrames.reel(.grain, count: 3, width: 96, height: 64)
        let frames = Self.reelFrames(pixels)
        let knob = id == .h265 ? 51 - 30.0 : 10.0
        // Measured in pieces: first with the early exit (worst first), then completed, then
        // asked again from the cache; and once in one go by a fresh cache with no payload budget.
        let pieces = MethodTrials(method: method, frames: frames, jobs: 2, floor: Profile.c0.floor)
        pieces.measure(knob, stopOnFailure: true)
        pieces.measure(knob, stopOnFailure: false)
        pieces.measure(knob, stopOnFailure: false)
        let whole = MethodTrials(method: method, frames: frames, jobs: 1, floor: Profile.c0.floor, payloadBudget: 0)
        whole.measure(knob, stopOnFailure: false)
        let a = pieces.measured(knob), b = whole.measured(knob)
        #expect(a.count == 3)
        #expect(a.map(\.quality) == b.map(\.quality))
        #expect(a.map(\.bytes) == b.map(\.bytes))
        // And each equals an independent encode, decode and measurement of the reel.
        let payloads = try method.encodeReel(pixels, knob: knob, jobs: 1).map { try $0.get() }
        for m in a {
            let decoded = try method.decode(payloads[m.index], source: pixels[m.index])
            let q = try CompareMeasurement.measure(source: pixels[m.index], decoded: decoded,
                                                   sourceAnalysis: frames[m.index].analysis)
            #expect(m.quality == q)
            #expect(m.bytes == payloads[m.index].count)
        }
    }

    @Test("the safe search steps onto a cheap setting near its step, and still finds the threshold")
    func safeSearchUsesCheapSettings() {
        let resolution = log(1.03) / (log(2) / 6)
        var tested: [Double] = []
        let r = KnobSearch.loosestPassing(range: 0...51, logScale: false, slope: log(2) / 6, start: 30,
                                          cheap: [26.2, 20.1, 12]) { k in
            tested.append(k)
            return k >= 17.3
        }
        #expect(tested.contains(26.2) || tested.contains(20.1), "\(tested)")
        #expect(r.knob.map { $0 >= 17.3 && $0 < 17.3 + resolution } ?? false, "\(String(describing: r.knob))")
        // Without cheap settings the same threshold is found.
        let plain = KnobSearch.loosestPassing(range: 0...51, logScale: false, slope: log(2) / 6, start: 30) { $0 >= 17.3 }
        #expect(plain.knob.map { $0 >= 17.3 && $0 < 17.3 + resolution } ?? false)
    }

    @Test("a size that moves in steps is matched with the method's finer setting, and says so; without one the nearest is kept")
    func fineTuningMatchesAcrossSteps() throws {
        let frames = Self.reelFrames(try SyntheticFrames.reel(.grain, count: 2, width: 64, height: 48))
        // 10 % steps per whole knob; the target lies 5 % into a step.
        let target = Int(1000 * pow(1.1, 20) * 1.05)
        let fine = MethodTrials(method: Stepped(fine: true), frames: frames, jobs: 1, floor: Profile.c1.floor)
        let tuned = try #require(fine.compare(reelpackBytes: [target, target], tolerance: 0.01, progress: nil))
        #expect(tuned.matched)
        #expect(abs(Double(tuned.equalSize.bytes) / Double(2 * target) - 1) <= 0.01)
        #expect(tuned.equalSize.setting?.contains("fine") == true)
        #expect(tuned.matchNote?.contains("matched with") == true)
        let coarse = MethodTrials(method: Stepped(fine: false), frames: frames, jobs: 1, floor: Profile.c1.floor)
        let nearest = try #require(coarse.compare(reelpackBytes: [target, target], tolerance: 0.01, progress: nil))
        #expect(!nearest.matched)
        #expect(nearest.matchNote?.contains("the nearest is kept") == true)
        // Beyond the range's largest size there is no step to split: no finer search.
        let out = MethodTrials(method: Stepped(fine: true), frames: frames, jobs: 1, floor: Profile.c1.floor)
        let far = Int(1000 * pow(1.1, 60))
        let lines = Lines()
        let beyond = try #require(out.compare(reelpackBytes: [far, far], tolerance: 0.01) { lines.add($0) })
        #expect(!lines.all.contains { $0.contains("finer") }, "\(lines.all)")
        #expect(!beyond.matched)
        #expect(beyond.equalSize.setting?.contains("fine") == false)
        #expect(beyond.matchNote?.contains("no setting in the method's range") == true)
    }
}

/// A lossless stand-in whose size moves 10 % per whole knob, with a fine setting (0.9-1.1)
/// that scales it smoothly.
private struct Stepped: FixedMethod {
    var fine: Bool
    var held: Double? = nil
    var scale: Double = 1

    var id: MethodID { .h265 }
    var title: String { "stepped" }
    func knobRange(bitDepth: Int) -> ClosedRange<Double> { held == nil ? 0...51 : 0.9...1.1 }
    var logScale: Bool { false }
    var typicalSlope: Double { held == nil ? log(1.1) : 1 }
    func setting(_ knob: Double) -> String {
        held.map { String(format: "step %.0f, fine %.3f", $0.rounded(.down), knob) } ?? String(format: "step %.2f", knob)
    }
    func nativeValue(_ knob: Double) -> Double { held ?? knob }
    var versions: [String: String] { [:] }
    func encode(_ frame: PixelBuffer, knob: Double) throws -> Data {
        let step = (held ?? knob).rounded(.down), s = held == nil ? 1 : knob
        return Data(count: Int(1000 * pow(1.1, step) * s))
    }
    func decode(_ payload: Data, source: PixelBuffer) throws -> PixelBuffer { source }
    func fineTuning(at knob: Double) -> (any FixedMethod)? {
        fine && held == nil ? Stepped(fine: true, held: knob) : nil
    }
}

/// Progress lines collected from any thread.
// @unchecked Sendable: `lines` is read and written under `lock` only.
private final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ s: String) { lock.withLock { lines.append(s) } }
    var all: [String] { lock.withLock { lines } }
}
