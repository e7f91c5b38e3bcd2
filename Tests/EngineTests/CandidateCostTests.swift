import Codecs
import Foundation
import ImageCore
import Metrics
import Testing
@testable import Engine

/// The work a frame's candidates are spared: the grain scanned once a frame, banding
/// and the restored digest measured only where they can matter, idle cores lent.
@Suite("What a candidate costs")
struct CandidateCostTests {
    /// A loaded frame as the load stage makes it for a lossy profile.
    private func loaded(_ pixels: PixelBuffer, monochromeAsOnePlane: Bool = true) throws -> LoadedFrame {
        let data = RawFrameFile.encode(pixels)
        let services = EngineServices(read: { d, name in try RawFrameFile.read(d, name: name) },
                                      rebuild: { p, r in try RawFrameFile.rebuild(p, record: r) },
                                      codec: EngineServices.standard.codec, measure: EngineServices.standard.measure)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reelpack-cost-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("f_0000001.raw")
        try data.write(to: file)
        let item = WorkItem(index: 0, source: file, name: file.lastPathComponent, sequenceNumber: 1)
        let loader = FrameLoader(services: services, keepsGrain: true, monochromeAsOnePlane: monochromeAsOnePlane,
                                 cores: CoreShare(cores: 2))
        return try loader.load(item)
    }

    @Test("the load stage scans the grain once: the analysis reads the same grain as a scan of its own")
    func grainScannedOnce() throws {
        let pixels = try SyntheticFrame.make(width: 192, height: 160, grain: 6)
        let frame = try loaded(pixels)
        let band = try #require(frame.grain)
        let alone = FrameAnalyzer.analyze(pixels)
        #expect(band.estimate.sigma > 1)
        #expect(frame.analysis.features == alone.features)
        #expect(band.estimate.sigma == GrainEstimate(pixels, threads: 1).sigma)
        #expect(band.channels == 3)
    }

    @Test("a black-and-white frame scanned as RGB keeps the band of the plane it stores")
    func monochromeKeepsOnePlane() throws {
        let pixels = try SyntheticFrame.make(width: 192, height: 160, grain: 6, monochrome: true)
        let frame = try loaded(pixels)
        #expect(frame.analysis.features.monochrome)
        #expect(try #require(frame.grain).channels == 1)
        let asRGB = try loaded(pixels, monochromeAsOnePlane: false)
        #expect(try #require(asRGB.grain).channels == 3)
    }

    /// A measure whose SSIM is what `ssim` says for the candidate (by its first sample).
    private func measure(_ pixels: PixelBuffer, ssim: @escaping @Sendable (PixelBuffer) -> Double) throws -> CandidateMeasure {
        let frame = try loaded(pixels)
        let services = EngineServices(read: EngineServices.standard.read, rebuild: EngineServices.standard.rebuild,
                                      codec: EngineServices.standard.codec) { _, test, _ in
            let s = ssim(test)
            return QualityMeasurement(ssim: s, ssimPerChannel: [s, s, s], tileFloor: s, psnr: 60, identical: false,
                                      maxError: 1, mse: 0.1)
        }
        let settings = CompressionSettings(profile: .c1, codec: .htj2k)
        let subject = try EncodeSubject(frame, features: frame.analysis.features, settings: settings, threads: 1)
        return CandidateMeasure(floor: Profile.c1.floor, services: services, cores: CoreShare(cores: 1), subject: subject,
                                sourceBanding: nil)
    }

    @Test("banding is not measured on a candidate another floor already fails; a passing one is, and only the smallest passing one so far can be kept")
    func bandingAndDigestOnlyWhereTheyMatter() throws {
        let pixels = try SyntheticFrame.make(width: 192, height: 160, grain: 0)
        // The candidate's first sample says what SSIM the stand-in reports.
        var m = try measure(pixels) { $0.samples[0] == 0 ? 0.5 : 0.999 }
        var failing = pixels
        failing.samples[0] = 0
        let failed = try m.measure(failing, bytes: 1000)
        #expect(!Profile.c1.floor.passes(failed))
        #expect(failed.banding == nil && m.sourceBanding == nil)
        #expect(!m.keepable)

        var passing = pixels
        passing.samples[0] = 1
        let kept = try m.measure(passing, bytes: 5000)
        #expect(kept.banding != nil && kept.bandingSource != nil)
        #expect(m.keepable)
        let larger = try m.measure(passing, bytes: 6000)
        #expect(larger.banding != nil)   // the banding floor decides whether it passes
        #expect(!m.keepable)              // but a larger passing candidate is never kept
        _ = try m.measure(passing, bytes: 4000)
        #expect(m.keepable)
    }

    @Test("a frame alone gets every core; frames in flight share them")
    func coresShared() async {
        let share = CoreShare(cores: 4)
        #expect(share.threads == 4)
        let one = await share.frame { share.threads }
        #expect(one == 4)
        let two = await share.frame { await share.frame { share.threads } }
        #expect(two == 2)
        let three = await share.frame { await share.frame { await share.frame { share.threads } } }
        #expect(three == 1)
        #expect(share.threads == 4)
        #expect(CoreShare(cores: 0).threads == 1)
    }
}
