import Codecs
import Foundation
import Testing
import TestSupport
@testable import Engine

/// A codec stand-in for one frame of a shot: size grows and PSNR improves
/// monotonically with `q` in 0…100; `offset` moves the PSNR curve (a harder or easier
/// frame), so the C1 boundary (PSNR ≥ 39 dB) lies at q = (14 − offset) / 0.3.
private struct ShiftedModel {
    var offset = 0.0
    var sizeScale = 1000.0
    func bytes(_ q: Double) -> Int { Int(sizeScale * exp(q / 20)) }
    func measurement(_ q: Double) -> QualityMeasurement {
        let ssim = 1 - 0.05 * exp(-q / 15)
        return QualityMeasurement(ssim: ssim, ssimPerChannel: [ssim, ssim, ssim], tileFloor: ssim - 0.01,
                                  psnr: 25 + offset + 0.3 * q, identical: false, maxError: 10, mse: 1)
    }
    func evaluate(_ q: Double) -> QualitySearch.Evaluation<Double> {
        QualitySearch.Evaluation(bytes: bytes(q), measurement: measurement(q), payload: q)
    }
    /// The smallest passing size, by dense scan.
    func smallestPassingBytes(_ floor: QualityFloor) -> Int? {
        stride(from: 0.0, through: 100, by: 0.001).first { floor.passes(measurement($0)) }.map(bytes)
    }
}

@Suite("The warm-started search on a sequence")
struct SearchWarmStartTests {
    let floor = Profile.c1.floor
    let search = QualitySearch(floor: Profile.c1.floor, range: 0...100)

    /// The warm start the first frame of the shot leaves for the second.
    func firstFrame() throws -> QualitySearch.WarmStart {
        let outcome = search.run { ShiftedModel().evaluate($0) }
        let next = try #require(outcome.next)
        #expect(next.marginSlope != nil && next.logSizeSlope != nil)
        return next
    }

    @Test("when the predicted boundary lands, one evaluation suffices and the size is within 2 %",
          arguments: [0.0, 0.05, -0.05, 0.03])
    func oneIteration(offset: Double) throws {
        let warm = try firstFrame()
        let model = ShiftedModel(offset: offset, sizeScale: 1010)
        let outcome = search.run(warm: warm) { model.evaluate($0) }
        let best = try #require(outcome.best)
        #expect(outcome.iterations.count == 1, "\(outcome.iterations.map(\.parameter)) \(outcome.stopReason)")
        #expect(floor.passes(model.measurement(best.parameter)))
        let smallest = try #require(model.smallestPassingBytes(floor))
        #expect(Double(best.evaluation.bytes) <= Double(smallest) * 1.02)
    }

    @Test("after a scene cut, a prior from the run (its boundary and slopes) finds the boundary in fewer evaluations than a blind search",
          arguments: [6.0, -6.0, 2.0])
    func priorAfterCut(offset: Double) throws {
        let prior = try firstFrame()
        let model = ShiftedModel(offset: offset)
        let blind = search.run { model.evaluate($0) }
        let informed = search.run(prior: prior) { model.evaluate($0) }
        let best = try #require(informed.best)
        #expect(informed.iterations.count < blind.iterations.count,
                "\(informed.iterations.map(\.parameter)) vs \(blind.iterations.map(\.parameter))")
        #expect(informed.iterations.count <= 4, "\(informed.iterations.map(\.parameter)) \(informed.stopReason)")
        #expect(floor.passes(model.measurement(best.parameter)))
        let smallest = try #require(model.smallestPassingBytes(floor))
        #expect(Double(best.evaluation.bytes) <= Double(smallest) * 1.02)
    }

    @Test("a prior is only a place to start: its slopes are ignored when a warm start carries its own")
    func warmWins() throws {
        let warm = try firstFrame()
        let misleading = QualitySearch.WarmStart(parameter: 90, marginSlope: 50, logSizeSlope: 0.001)
        let model = ShiftedModel(offset: 0.02)
        let withPrior = search.run(warm: warm, prior: misleading) { model.evaluate($0) }
        let without = search.run(warm: warm) { model.evaluate($0) }
        #expect(withPrior.iterations == without.iterations)
    }

    @Test("when the frame changed more, the secant step brackets in a few evaluations",
          arguments: [1.5, -1.5, 3.0, -3.0])
    func bracketing(offset: Double) throws {
        let warm = try firstFrame()
        let model = ShiftedModel(offset: offset)
        let outcome = search.run(warm: warm) { model.evaluate($0) }
        let best = try #require(outcome.best)
        #expect(outcome.iterations.count >= 2 && outcome.iterations.count <= 3,
                "\(outcome.iterations.map(\.parameter)) \(outcome.stopReason)")
        #expect(floor.passes(model.measurement(best.parameter)))
        let smallest = try #require(model.smallestPassingBytes(floor))
        #expect(Double(best.evaluation.bytes) <= Double(smallest) * 1.02)
    }

    @Test("whatever the warm start, the kept candidate was measured and passes",
          arguments: [-15.0, -8.0, -0.5, 0.0, 0.5, 8.0, 13.0])
    func neverFails(offset: Double) throws {
        let model = ShiftedModel(offset: offset)
        for warm in [try firstFrame(), .init(parameter: 2, marginSlope: 5, logSizeSlope: 0.01),
                     .init(parameter: 98, marginSlope: 0.0001, logSizeSlope: 3)] {
            let outcome = search.run(warm: warm) { model.evaluate($0) }
            let best = try #require(outcome.best)
            #expect(floor.passes(model.measurement(best.parameter)))
            #expect(outcome.iterations.contains { $0.parameter == best.parameter && $0.pass })
        }
    }

    @Test("with a warm start, a frame no lossy setting can satisfy still falls back to lossless")
    func fallback() throws {
        let warm = try firstFrame()
        let strict = QualityFloor(ssim: 0.9999, psnr: 90, tileSSIM: 0.999)
        let outcome = QualitySearch(floor: strict, range: 0...100).run(warm: warm) { ShiftedModel().evaluate($0) }
        #expect(outcome.fallbackToLossless)
        #expect(outcome.iterations.allSatisfy { !$0.pass })
        #expect(outcome.stopReason.contains("PSNR"))
    }

    @Test("a logarithmic search carries its warm start in parameter units")
    func logarithmic() throws {
        let log = QualitySearch(floor: floor, range: 0.25...75, logarithmic: true)
        // PSNR grows with ln(q): boundary at q = e^2 ≈ 7.39.
        func evaluate(_ q: Double, _ offset: Double) -> QualitySearch.Evaluation<Void> {
            let psnr = 35 + offset + 2 * Foundation.log(q)
            return .init(bytes: Int(10_000 * q), measurement: QualityMeasurement(
                ssim: 0.99, ssimPerChannel: [0.99], tileFloor: 0.98, psnr: psnr, identical: false, maxError: 1, mse: 1), payload: ())
        }
        let first = log.run { evaluate($0, 0) }
        let next = try #require(first.next)
        #expect(abs(next.parameter - exp(2)) < 0.2)
        let second = log.run(warm: next) { evaluate($0, 0.01) }
        let best = try #require(second.best)
        #expect(second.iterations.count == 1)
        #expect(best.parameter >= exp(2 - 0.01) && best.parameter <= exp(2) * 1.03)
    }

    @Test("a real-codec sequence: after the first frame, frames of the shot take at most 2 evaluations",
          arguments: [CodecChoice.htj2k, .j2k])
    func realSequence(choice: CodecChoice) async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = dir.file("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        for i in 0..<5 {
            // One shot: the same scene, fresh grain and a slow drift in level.
            let frame = try SyntheticFrame.make(width: 96, height: 72, bitDepth: 10, grain: 4, seed: UInt64(i + 3),
                                                shift: 0.004 * Double(i))
            try RawFrameFile.encode(frame).write(to: src.appendingPathComponent(String(format: "shot_%04d.dpx", i + 1)))
        }
        // Warm starts on the SSIM/PSNR floors: on these 96×72 frames (two 64×64 tiles)
        // the worst-tile grain retention jitters by more than the size tolerance.
        let settings = CompressionSettings(profile: .c1, floor: Profile.c1.floor(grainRetention: 0), codec: choice, jobs: 1)
        let result = try await CompressionRun(sources: [src], output: dir.file("out"), settings: settings,
                                              services: .rawFilesRealCodecs, toolVersion: "t").run()
        let its = result.frames.map(\.iterations)
        #expect(result.frames.allSatisfy { $0.status == .done && $0.mode == .lossy })
        let codec = try EngineServices.standard.codec(try #require(choice.codecID), 1)
        var traces: [String] = []
        for report in result.frames {
            let output = try #require(report.output)
            let decoded = try codec.decode(try Data(contentsOf: dir.file("out").appendingPathComponent(output)))
            let seal = try Seal.decode(try #require(decoded.seal))
            traces.append("\(seal.searchTrace.map { String(format: "%.3f%@%d", $0.parameter, $0.pass ? "+" : "-", $0.bytes) }) \(seal.searchStopReason ?? "")")
        }
        #expect(its.dropFirst().allSatisfy { $0 <= 2 }, "\(its) \(traces)")
    }
}
