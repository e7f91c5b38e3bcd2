import Foundation
import ImageCore

/// Film-like grain to add to real frames in tests and benchmarks: Gaussian noise
/// clumped by a Gaussian blur of `clump` pixels, stronger in the mid-tones than in
/// the shadows and highlights (grain in a scan depends on density), and correlated
/// across the colour channels (the dye clouds of the three layers overlap).
public struct FilmGrain: Sendable {
    /// Deviation of the grain in the mid-tones, in code values of a 10-bit frame
    /// (scaled to the frame's depth when added).
    public var sigma10: Double
    /// Deviation of the Gaussian that clumps the grain, in pixels (0: white grain).
    public var clump: Double
    /// Share of the grain's variance common to every colour channel (0...1).
    public var channelCorrelation: Double
    /// Grain at the darkest and brightest codes, as a fraction of the mid-tones'.
    public var edgeTones: Double
    public var seed: UInt64

    public init(sigma10: Double, clump: Double = 0.8, channelCorrelation: Double = 0.6, edgeTones: Double = 0.5,
                seed: UInt64 = 1) {
        self.sigma10 = sigma10
        self.clump = clump
        self.channelCorrelation = channelCorrelation
        self.edgeTones = edgeTones
        self.seed = seed
    }

    /// `frame` with this grain added (clipped to the frame's range). Alpha is left alone.
    public func add(to frame: PixelBuffer) -> PixelBuffer {
        let w = frame.width, h = frame.height, n = frame.planeSize
        let colour = min(3, frame.channels == 2 ? 1 : frame.channels)
        let mono = frame.isMonochrome
        var rng = SeededRandom(seed: seed)
        let common = Self.field(w, h, clump: clump, &rng)
        let own = (0..<colour).map { _ in mono ? common : Self.field(w, h, clump: clump, &rng) }
        let a = Float(channelCorrelation.squareRoot()), b = Float((1 - channelCorrelation).squareRoot())
        let top = Float(frame.maxValue)
        let scale = Float(sigma10) * top / 1023
        let edge = Float(edgeTones)
        var out = frame
        out.samples.withUnsafeMutableBufferPointer { o in
            frame.samples.withUnsafeBufferPointer { src in
                for c in 0..<colour {
                    own[c].withUnsafeBufferPointer { mine in
                        common.withUnsafeBufferPointer { shared in
                            for i in 0..<n {
                                let v = Float(src[c * n + i])
                                let t = v / top
                                let tone = edge + (1 - edge) * 4 * t * (1 - t)
                                let g = mono ? shared[i] : a * shared[i] + b * mine[i]
                                o[c * n + i] = UInt16(min(top, max(0, (v + scale * tone * g).rounded())))
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// A plane of unit-variance noise clumped by a Gaussian of `clump` pixels.
    private static func field(_ w: Int, _ h: Int, clump: Double, _ rng: inout SeededRandom) -> [Float] {
        // Approximately Gaussian: the sum of four uniforms, centred, unit variance.
        var plane = [Float](repeating: 0, count: w * h)
        plane.withUnsafeMutableBufferPointer { p in
            for i in 0..<(w * h) {
                let r = rng.next()
                let sum = Float(r & 0xFFFF) + Float((r >> 16) & 0xFFFF) + Float((r >> 32) & 0xFFFF) + Float(r >> 48)
                p[i] = (sum / 65535 - 2) * 1.7320508   // 4 uniforms on 0...1: variance 1/3
            }
        }
        guard clump > 0 else { return plane }
        let radius = max(1, Int((3 * clump).rounded(.up)))
        var kernel = (-radius...radius).map { Float(exp(-Double($0 * $0) / (2 * clump * clump))) }
        let sum = kernel.reduce(0, +)
        kernel = kernel.map { $0 / sum }
        // Separable blur with clamped edges; then back to unit variance: the 2-D
        // kernel's squares sum to (Σk²)², so the deviation shrinks by Σk².
        let norm = 1 / kernel.map { $0 * $0 }.reduce(0, +)
        var tmp = plane
        kernel.withUnsafeBufferPointer { k in
            plane.withUnsafeMutableBufferPointer { p in
                tmp.withUnsafeMutableBufferPointer { t in
                    for y in 0..<h {
                        for x in 0..<w {
                            var acc: Float = 0
                            for j in 0..<k.count { acc += k[j] * p[y * w + min(w - 1, max(0, x + j - radius))] }
                            t[y * w + x] = acc
                        }
                    }
                    for y in 0..<h {
                        for x in 0..<w {
                            var acc: Float = 0
                            for j in 0..<k.count { acc += k[j] * t[min(h - 1, max(0, y + j - radius)) * w + x] }
                            p[y * w + x] = acc * norm
                        }
                    }
                }
            }
        }
        return plane
    }
}
