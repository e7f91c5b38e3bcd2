import Foundation
import Testing
@testable import Engine

/// A codec stand-in whose size grows and whose fidelity improves monotonically with
/// the parameter `q` in 0…100, with known floor crossings.
struct MonotoneModel {
    var sizeScale = 1000.0
    func bytes(_ q: Double) -> Int { Int(sizeScale * exp(q / 20)) }
    func measurement(_ q: Double) -> QualityMeasurement {
        let ssim = 1 - 0.2 * exp(-q / 15)
        return QualityMeasurement(ssim: ssim, ssimPerChannel: [ssim, ssim, ssim], tileFloor: ssim - 0.02,
                                  psnr: 25 + 0.3 * q, identical: false, maxError: 10, mse: 1)
    }
    func evaluate(_ q: Double) -> QualitySearch.Evaluation<Double> {
        QualitySearch.Evaluation(bytes: bytes(q), measurement: measurement(q), payload: q)
    }
}

@Suite("The search finds the smallest passing setting")
struct QualitySearchTests {
    let model = MonotoneModel()

    /// C1: PSNR ≥ 39 dB binds at q = 46.67; SSIM ≥ 0.95 at q = 20.8.
    @Test("C1 boundary found within 2 % of the smallest passing size, in few iterations")
    func findsBoundary() throws {
        let search = QualitySearch(floor: Profile.c1.floor, range: 0...100)
        let outcome = search.run { model.evaluate($0) }
        let best = try #require(outcome.best)
        #expect(Profile.c1.floor.passes(best.evaluation.measurement))
        let smallest = Double(model.bytes(14.0 / 0.3))
        #expect(Double(best.evaluation.bytes) <= smallest * 1.02)
        #expect(Double(best.evaluation.bytes) >= smallest * 0.999)
        #expect(outcome.iterations.count <= 8)
        #expect(outcome.iterations.count == Set(outcome.iterations.map(\.parameter)).count)
        #expect(outcome.iterations.filter(\.pass).allSatisfy { Profile.c1.floor.passes(model.measurement($0.parameter)) })
    }

    @Test("each profile's binding floor is met with the smallest size", arguments: [Profile.c0, .c1, .c2])
    func everyProfile(profile: Profile) throws {
        let outcome = QualitySearch(floor: profile.floor, range: 0...100).run { model.evaluate($0) }
        let best = try #require(outcome.best)
        // Smallest passing q by dense scan.
        let qStar = try #require(stride(from: 0.0, through: 100, by: 0.001).first { profile.floor.passes(model.measurement($0)) })
        #expect(Double(best.evaluation.bytes) <= Double(model.bytes(qStar)) * 1.02 + 1)
        #expect(profile.floor.passes(best.evaluation.measurement))
    }

    @Test("a warm start from the previous frame's parameter takes fewer iterations")
    func warmStart() throws {
        let search = QualitySearch(floor: Profile.c1.floor, range: 0...100)
        let cold = search.run { model.evaluate($0) }
        let previous = try #require(cold.best).parameter
        // The next frame of the shot: slightly larger, same behaviour.
        let next = MonotoneModel(sizeScale: 1010)
        let warm = search.run(warmStart: previous) { next.evaluate($0) }
        #expect(warm.best != nil)
        #expect(warm.iterations.count < cold.iterations.count)
    }

    @Test("the tolerance is on file sizes: a seal that outweighs the payload stops the search sooner, within 2 % of the smallest file")
    func toleranceOnFileSize() throws {
        // Tiny payloads (7–150 bytes over the range) beside a 7 kB seal.
        let tiny = MonotoneModel(sizeScale: 7)
        let qStar = 14.0 / 0.3
        let smallest = tiny.bytes(qStar)
        let overhead = 7000
        for (warm, prior) in [(nil, nil), (QualitySearch.WarmStart(parameter: qStar - 3, marginSlope: 0.05, logSizeSlope: 0.05), nil),
                              (nil, QualitySearch.WarmStart(parameter: 60, marginSlope: 0.05, logSizeSlope: 0.05))] {
            let plain = QualitySearch(floor: Profile.c1.floor, range: 0...100).run(warm: warm, prior: prior) { tiny.evaluate($0) }
            let sealed = QualitySearch(floor: Profile.c1.floor, range: 0...100, sizeOverhead: overhead)
                .run(warm: warm, prior: prior) { tiny.evaluate($0) }
            let best = try #require(sealed.best)
            #expect(Profile.c1.floor.passes(best.evaluation.measurement))
            #expect(Double(best.evaluation.bytes + overhead) <= Double(smallest + overhead) * 1.02)
            #expect(sealed.iterations.count < plain.iterations.count,
                    "\(sealed.iterations.count) evaluations with the seal counted, \(plain.iterations.count) without")
        }
    }

    @Test("a margin that bends across the bracket does not make the search creep from the failing end")
    func convexMarginDoesNotCreep() throws {
        // PSNR rising with the fourth power of the knob: the margin is convex, so slopes taken
        // from the prior (or from far above the boundary) put the boundary too low, below
        // a setting already measured to fail.
        let floor = QualityFloor(psnr: 42)
        func evaluate(_ q: Double) -> QualitySearch.Evaluation<Double> {
            let psnr = 30 + 12 * pow(q / 60, 4)
            let m = QualityMeasurement(ssim: 0.99, ssimPerChannel: [0.99], tileFloor: 0.99, psnr: psnr,
                                       identical: false, maxError: 10, mse: 1)
            return .init(bytes: Int(1000 * exp(q / 20)), measurement: m, payload: q)
        }
        let prior = QualitySearch.WarmStart(parameter: 90, marginSlope: 0.05, logSizeSlope: 0.05)
        let outcome = QualitySearch(floor: floor, range: 0...100).run(prior: prior, evaluate: evaluate)
        let best = try #require(outcome.best)
        let boundary = 60.0
        #expect(best.parameter >= boundary)
        #expect(Double(best.evaluation.bytes) <= Double(evaluate(boundary).bytes) * 1.02)
        // Stepping a tenth of the bracket at a time from the failing end took 11 here.
        #expect(outcome.iterations.count <= 9, "\(outcome.iterations.map { String(format: "%.2f%@", $0.parameter, $0.pass ? "+" : "-") })")
    }

    @Test("no lossy setting passes: the outcome falls back to lossless and says why")
    func fallback() {
        let strict = QualityFloor(ssim: 0.9999, psnr: 90, tileSSIM: 0.999)
        let outcome = QualitySearch(floor: strict, range: 0...100).run { model.evaluate($0) }
        #expect(outcome.fallbackToLossless)
        #expect(outcome.best == nil)
        #expect(outcome.iterations.allSatisfy { !$0.pass })
        #expect(outcome.iterations.contains { $0.parameter == 100 })
        #expect(outcome.stopReason.contains("PSNR"))
    }

    @Test("when the lowest setting passes, it is kept")
    func lowestPasses() throws {
        let loose = QualityFloor(ssim: 0.5, psnr: 10, tileSSIM: 0.5)
        let outcome = QualitySearch(floor: loose, range: 0...100).run { model.evaluate($0) }
        #expect(try #require(outcome.best).parameter == 0)
    }

    @Test("the iteration cap holds and the kept candidate still passes")
    func cap() throws {
        let outcome = QualitySearch(floor: Profile.c1.floor, range: 0...100, sizeTolerance: 0, maxIterations: 4)
            .run { model.evaluate($0) }
        #expect(outcome.iterations.count <= 4)
        if let best = outcome.best { #expect(Profile.c1.floor.passes(best.evaluation.measurement)) }
    }

    @Test("a stepwise (quantised) codec still ends with a passing candidate")
    func quantisedKnob() throws {
        let outcome = QualitySearch(floor: Profile.c0.floor, range: 0...100)
            .run { model.evaluate(($0 / 5).rounded(.down) * 5) }
        let best = try #require(outcome.best)
        #expect(Profile.c0.floor.passes(best.evaluation.measurement))
        #expect(outcome.iterations.count <= 12)
    }
}

@Suite("Profiles and floors")
struct ProfileTests {
    @Test("the profiles carry DESIGN §4 floors")
    func floors() {
        #expect(Profile.c0.floor == QualityFloor(ssim: 0.99, psnr: 42, tileSSIM: 0.97, grainRetention: 0.9,
                                                 banding: 3, bandingRise: 1))
        #expect(Profile.c1.floor == QualityFloor(ssim: 0.95, psnr: 39, tileSSIM: 0.90, grainRetention: 0.7,
                                                 banding: 6, bandingRise: 2))
        #expect(Profile.c2.floor == QualityFloor(ssim: 0.90, psnr: 33, tileSSIM: 0.80, grainRetention: 0.4))
        #expect(Profile.c1.floor(grainRetention: 0).grainRetention == nil)   // 0 turns the grain floor off
        #expect(Profile.lossless.floor.requiresIdentical)
        #expect(Profile(name: "c2") == .c2)
    }

    @Test("every floor can be overridden, and grain retention is an optional floor")
    func overrides() {
        let f = Profile.c1.floor(ssim: 0.97, psnr: 40, tileSSIM: 0.93, grainRetention: 0.8)
        #expect(f == QualityFloor(ssim: 0.97, psnr: 40, tileSSIM: 0.93, grainRetention: 0.8, banding: 6, bandingRise: 2))
        var m = QualityMeasurement(ssim: 0.98, ssimPerChannel: [0.98], tileFloor: 0.95, psnr: 41, identical: false,
                                   maxError: 3, mse: 1, grainRetention: 0.7)
        #expect(f.failures(m).count == 1)
        m.grainRetention = nil   // a clean source: the grain floor does not apply
        #expect(f.passes(m))
        m.psnr = 39.5
        #expect(f.failures(m).first?.contains("PSNR") == true)
    }

    @Test("the margin is the log of allowed over measured distortion of the most binding floor, zero on the floor")
    func margin() {
        let f = Profile.c1.floor   // SSIM 0.95, PSNR 39, tile 0.90
        func m(ssim: Double, tile: Double, psnr: Double) -> QualityMeasurement {
            QualityMeasurement(ssim: ssim, ssimPerChannel: [ssim], tileFloor: tile, psnr: psnr, identical: false, maxError: 9, mse: 1)
        }
        // Half the SSIM distortion the floor allows (0.025 of 0.05), the others looser: ln 2.
        #expect(abs(f.margin(m(ssim: 0.975, tile: 0.99, psnr: 60)) - log(2)) < 1e-12)
        // PSNR binding 3 dB under the floor: MSE twice the allowed, −ln(10^0.3).
        #expect(abs(f.margin(m(ssim: 0.99, tile: 0.99, psnr: 36)) + 0.3 * log(10)) < 1e-12)
        // The tile floor exactly met: zero, and passing.
        #expect(abs(f.margin(m(ssim: 0.99, tile: 0.90, psnr: 60))) < 1e-12 && f.passes(m(ssim: 0.99, tile: 0.90, psnr: 60)))
        // Sign agrees with pass/fail on either side of every floor.
        for probe in [m(ssim: 0.949, tile: 0.95, psnr: 45), m(ssim: 0.96, tile: 0.899, psnr: 45), m(ssim: 0.96, tile: 0.95, psnr: 38.9),
                      m(ssim: 0.951, tile: 0.901, psnr: 39.1)] {
            #expect((f.margin(probe) >= 0) == f.passes(probe))
        }
        #expect(f.margin(.identical(channels: 3)) > 10)
    }

    @Test("lossless passes only identical samples")
    func lossless() {
        let f = Profile.lossless.floor(ssim: 0.5)
        #expect(f.passes(.identical(channels: 3)))
        let nearly = QualityMeasurement(ssim: 1, ssimPerChannel: [1], tileFloor: 1, psnr: 90, identical: false, maxError: 1, mse: 0.001)
        #expect(!f.passes(nearly))
    }
}

@Suite("The search on a logarithmic knob")
struct LogarithmicSearchTests {
    /// A size-targeted knob (percent of the uncompressed size, 0.25…75): fidelity
    /// grows with the logarithm of the size.
    func evaluate(_ pct: Double) -> QualitySearch.Evaluation<Double> {
        let q = 20 * log(pct / 0.25) / log(300.0) * 5   // 0…100 over the range
        return MonotoneModel().evaluate(q).withBytes(Int(pct * 1000))
    }

    @Test("a size-percentage knob is searched in log space and the result is reported in the codec's units")
    func logKnob() throws {
        let search = QualitySearch(floor: Profile.c1.floor, range: 0.25...75, logarithmic: true)
        let outcome = search.run { evaluate($0) }
        let best = try #require(outcome.best)
        #expect((0.25...75).contains(best.parameter))
        #expect(outcome.iterations.allSatisfy { (0.25...75).contains($0.parameter) })
        #expect(Profile.c1.floor.passes(evaluate(best.parameter).measurement))
        // Boundary: PSNR 39 dB at q = 46.67.
        let pStar = 0.25 * exp(46.666_667 / 100 * log(300.0))
        #expect(best.parameter <= pStar * 1.02 + 0.001)
        #expect(outcome.iterations.count <= 10)
    }
}

extension QualitySearch.Evaluation {
    func withBytes(_ b: Int) -> Self { var c = self; c.bytes = b; return c }
}
