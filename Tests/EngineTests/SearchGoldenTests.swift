import Foundation
import Testing
@testable import Engine

/// The search's decisions, pinned: on 72 synthetic frames (smooth and jittery fidelity
/// curves, linear and logarithmic knobs, cold, warm and prior starts, tight budgets,
/// seal overheads, frames where nothing or everything passes) every evaluated setting,
/// its verdict, the stop reason, the kept setting and the warm start handed on must
/// equal what `Fixtures/search-golden.txt` recorded. A change to the search that moves
/// any of them, even by 1e-9, fails here; rewrite the file only for a change meant to
/// move them (`REELPACK_WRITE_GOLDEN=1 swift test --filter SearchGolden`), and say why.
@Suite("The search's decisions are pinned on synthetic frames")
struct SearchGoldenTests {
    /// A frame: SSIM rises as `1 − exp(−slope·(p − offset) + jitter)` and the size as
    /// `scale·exp(sizeRate·p)`; `jitter` is a fixed wiggle of the given amplitude, like
    /// the tile floor's steps between nearby settings.
    struct Frame {
        var slope: Double
        var offset: Double
        var sizeRate: Double
        var scale: Double
        var jitter: Double

        func evaluate(_ p: Double) -> QualitySearch.Evaluation<Double> {
            let wiggle = jitter * sin(17 * p + offset)
            let ssim = 1 - min(1, exp(-slope * (p - offset) + wiggle - 1))
            let m = QualityMeasurement(ssim: ssim, ssimPerChannel: [ssim], tileFloor: ssim - 0.01, psnr: nil,
                                       identical: false, maxError: 10, mse: 1)
            return .init(bytes: Int(scale * exp(sizeRate * p)), measurement: m, payload: p)
        }
    }

    static func scenarios() -> [(name: String, run: () -> String)] {
        let floor = QualityFloor(ssim: 0.97, tileSSIM: 0.95)
        let frames: [(String, Frame)] = [
            ("smooth", Frame(slope: 0.9, offset: 1.5, sizeRate: 0.55, scale: 4000, jitter: 0)),
            ("jittery", Frame(slope: 0.9, offset: 1.5, sizeRate: 0.55, scale: 4000, jitter: 0.15)),
            ("steep", Frame(slope: 3.0, offset: 4.0, sizeRate: 0.3, scale: 90000, jitter: 0.05)),
            ("never", Frame(slope: 0.01, offset: 50, sizeRate: 0.5, scale: 1000, jitter: 0)),
            ("always", Frame(slope: 2, offset: -20, sizeRate: 0.5, scale: 1000, jitter: 0)),
            ("tiny", Frame(slope: 0.7, offset: 2.2, sizeRate: 0.6, scale: 60, jitter: 0.02)),
        ]
        let starts: [(String, QualitySearch.WarmStart?, QualitySearch.WarmStart?)] = [
            ("cold", nil, nil),
            ("warm", .init(parameter: 5.1, marginSlope: 0.9, logSizeSlope: 0.55), nil),
            ("warm-bare", .init(parameter: 4.0), nil),
            ("prior", nil, .init(parameter: 5.0, marginSlope: 1.0, logSizeSlope: 0.55)),
        ]
        var out: [(String, () -> String)] = []
        for (frameName, frame) in frames {
            for (startName, warm, prior) in starts {
                for (variant, make) in [
                    ("linear", { QualitySearch(floor: floor, range: 0...12) }),
                    ("budget3-overhead", { QualitySearch(floor: floor, range: 0...12, sizeTolerance: 0.03, maxIterations: 3, sizeOverhead: 5000) }),
                    ("log", { QualitySearch(floor: floor, range: 0.05...60, defaultStart: 3, logarithmic: true) }),
                ] as [(String, () -> QualitySearch)] {
                    let name = "\(frameName)/\(startName)/\(variant)"
                    out.append((name, {
                        let outcome = make().run(warm: warm, prior: prior) { frame.evaluate($0) }
                        return describe(outcome)
                    }))
                }
            }
        }
        return out
    }

    static func describe(_ o: QualitySearch.Outcome<Double>) -> String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.9f", $0) } ?? "-" }
        let steps = o.iterations.map { "\(f($0.parameter))\($0.pass ? "+" : "-")\($0.bytes)" }.joined(separator: " ")
        return "\(steps) | \(o.stopReason) | best \(f(o.best?.parameter)) | next \(f(o.next?.parameter)) \(f(o.next?.marginSlope)) \(f(o.next?.logSizeSlope))"
    }

    static var fixture: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/search-golden.txt")
    }

    @Test("every scenario evaluates, stops and hands on exactly as recorded")
    func pinned() throws {
        let lines = Self.scenarios().map { "\($0.name): \($0.run())" }
        #expect(lines.count == 72)
        if ProcessInfo.processInfo.environment["REELPACK_WRITE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: Self.fixture.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: Self.fixture)
        }
        let recorded = try String(contentsOf: Self.fixture, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(recorded.count == lines.count)
        for (got, want) in zip(lines, recorded) { #expect(got == want) }
    }
}
