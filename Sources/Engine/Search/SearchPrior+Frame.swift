import Codecs
import Foundation
import Metrics

extension SearchPrior {
    /// What the prior of a frame reads of its analysis (`FrameFeatures`).
    public struct FrameCues: Sendable, Equatable {
        /// The source's bit depth: a log2-step knob's step is relative to 2^bitDepth.
        public var bitDepth: Int
        /// `FrameFeatures.noiseSigma`: the grain, in code values at `bitDepth` (whether
        /// a grain floor applies to the frame, `GrainEstimate.exemptBelow`).
        public var grain: Double
        /// The least grainy colour channel's grain (`noiseSigmaPerChannel`), code values:
        /// the worst tile binds a grain floor, and it lies in that channel.
        public var faintestGrain: Double

        /// Cues from their parts (`faintestGrain` defaults to `grain`).
        public init(bitDepth: Int, grain: Double, faintestGrain: Double? = nil) {
            self.bitDepth = bitDepth
            self.grain = grain
            self.faintestGrain = faintestGrain ?? grain
        }

        /// The cues of an analysed frame.
        public init(_ features: FrameFeatures) {
            self.init(bitDepth: features.bitDepth, grain: features.noiseSigma,
                      faintestGrain: features.noiseSigmaPerChannel.min())
        }
    }

    /// Where a frame's search should start when nothing earlier in its run speaks for
    /// it, predicted from the frame's own analysis; nil where no model holds, and the
    /// search then starts from the codec's general prior: the codec's knob is not a
    /// quantisation step, the profile is lossless, or no grain floor applies to the
    /// frame (no floor set, or grain under `GrainEstimate.exemptBelow`).
    ///
    /// On a log2-step knob (HTJ2K: −log2 of the step over 2^bitDepth) a grain floor
    /// binds where the step reaches a fixed share of the grain, in the tiles of the
    /// least grainy channel: the frame starts at
    /// `bitDepth − log2(faintestGrain) − grainStep(retention)`.
    ///
    /// Constants fitted on 31 frames (the 16 corpus photos and 15 single 2048×1080
    /// synthetic frames: grain at 2, 6, 16 codes of a 10-bit frame and black and white,
    /// at 10, 12 and 16 bits; smooth gradients), each searched cold at C1 and C0 with
    /// HTJ2K: medians, over the frames the grain floor applies to, of log2(step/grain)
    /// at the kept setting and of the slopes fitted to the trace within 1.6 of it
    /// (BENCHMARKS.md, "cold: a cold frame's first guess"). A PSNR term for frames
    /// without grain (boundary ≈ psnr/6.02 + log2(texture) + 4.3 on 7 searches) was
    /// measured too and left out: too few frames to trust, and on a frame held under
    /// another codec's ceiling (`auto`) it moved JPEG 2000's result.
    public static func forFrame(_ cues: FrameCues, floor: QualityFloor, codec: CodecID) -> QualitySearch.WarmStart? {
        let knob = codec.knob
        guard knob.isLog2Step, !floor.requiresIdentical, let retention = floor.grainRetention,
              cues.grain.isFinite, cues.faintestGrain.isFinite, cues.faintestGrain > 0,
              cues.grain >= GrainEstimate.exemptBelow(bitDepth: cues.bitDepth) else { return nil }
        let slopes = grainSlopes(retention: retention)
        let p = Double(cues.bitDepth) - log2(cues.faintestGrain) - grainStep(retention: retention)
        return .init(parameter: min(max(p, knob.range.lowerBound), knob.range.upperBound),
                     marginSlope: slopes.margin, logSizeSlope: slopes.logSize)
    }

    /// At a grain floor's boundary, per retention floor measured: log2(step / faintest
    /// channel's grain) and the slopes of the floors' margin and of ln(bytes) per unit
    /// of the knob (the margin moves less at 0.9, where retention nears 1).
    /// Retention 0.7 (C1): medians over 24 frames (standard deviation of log2(step /
    /// grain) 0.67); 0.9 (C0): 25 frames (0.61). Interpolated linearly between, held beyond (a looser floor,
    /// C2's 0.4, starts as 0.7 does: above its boundary, where the search steps down).
    static let grainTable: [(retention: Double, log2StepOverGrain: Double, margin: Double, logSize: Double)] = [
        (0.7, -0.54, 0.66, 0.51),
        (0.9, -1.63, 0.18, 0.40),
    ]

    /// log2(step / faintest grain) at the boundary of grain floor `retention`.
    static func grainStep(retention: Double) -> Double {
        interpolate(retention) { $0.log2StepOverGrain }
    }

    /// The margin and size slopes at the boundary of grain floor `retention`.
    static func grainSlopes(retention: Double) -> (margin: Double, logSize: Double) {
        (interpolate(retention) { $0.margin }, interpolate(retention) { $0.logSize })
    }

    private static func interpolate(_ retention: Double,
                                    _ value: ((retention: Double, log2StepOverGrain: Double, margin: Double, logSize: Double)) -> Double) -> Double {
        let t = grainTable
        guard let first = t.first, let last = t.last else { return 0 }
        if !(retention > first.retention) { return value(first) }
        if retention >= last.retention { return value(last) }
        for (a, b) in zip(t, t.dropFirst()) where retention <= b.retention {
            let w = (retention - a.retention) / (b.retention - a.retention)
            return value(a) + w * (value(b) - value(a))
        }
        return value(last)
    }
}
