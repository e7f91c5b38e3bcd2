// What a frame shows: the shot's look and where everything is at this frame.
// Pure arithmetic on the seed and the frame index.

/// An RGB triple in scene signal (0 … 1 nominal).
struct SceneColor {
    var r: Float, g: Float, b: Float

    init(_ r: Float, _ g: Float, _ b: Float) { self.r = r; self.g = g; self.b = b }

    static func lerp(_ a: SceneColor, _ b: SceneColor, _ t: Float) -> SceneColor {
        SceneColor(a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t)
    }
}

/// A moving disc (a ball, a car's lamp, a face in a crowd: an object with an edge).
struct MovingDisc {
    var centerX: Float
    var centerY: Float
    var radius: Float
    var color: SceneColor
}

/// A soft round glow (the sun, a cloud): `amplitude · (1 − d²/R²)²` inside radius R.
struct Glow {
    var centerX: Float
    var centerY: Float
    var radius: Float
    var amplitude: SceneColor
}

/// The scene of one frame.
struct SceneState {
    /// Camera pan: world x of the frame's left column, in whole pixels.
    var panX: Int
    /// Exposure and tint of the shot, multiplying everything but the chart.
    var exposure: SceneColor
    /// Sky from top to horizon.
    var skyTop: SceneColor
    var skyHorizon: SceneColor
    var ground: SceneColor
    var glows: [Glow]
    var discs: [MovingDisc]
    /// Seeds of the hills' outline and the ground texture (per shot).
    var terrainSeed: UInt64

    init(synthesizer s: FilmSynthesizer, frameIndex: Int) {
        let w = Float(s.width), h = Float(s.height)
        let shot = s.shot(ofFrame: frameIndex)
        let t = Float(s.shotLength > 0 ? frameIndex - shot * s.shotLength : frameIndex)
        var rng = Xoshiro256StarStar(seed: LatticeHash.seed(s.seed, UInt64(bitPattern: Int64(shot)), 0x5107))
        terrainSeed = rng.next()

        let fast = s.kind == .action
        // Pan speed in pixels per frame: slow and steady, or a fast whip in either direction.
        let panSpeed: Float = fast
            ? (rng.nextUnit() < 0.5 ? -1 : 1) * rng.next(in: 0.015...0.03) * w
            : 0.002 * w
        let panOrigin = Int(rng.next(in: 0...1) * w * 4)
        panX = panOrigin + Int((panSpeed * t).rounded(.down))

        if fast {
            // Alternate bright and dark shots so every cut moves the frame mean a lot.
            let bright = shot % 2 == 0
            let level: Float = bright ? rng.next(in: 0.95...1.1) : rng.next(in: 0.28...0.38)
            exposure = SceneColor(level * rng.next(in: 0.8...1.2), level * rng.next(in: 0.8...1.2),
                                  level * rng.next(in: 0.8...1.2))
        } else {
            exposure = SceneColor(1, 1, 1)
        }

        switch s.kind {
        case .gradient:
            skyTop = SceneColor(0.10, 0.17, 0.42)
            skyHorizon = SceneColor(0.86, 0.62, 0.40)
        default:
            skyTop = SceneColor(0.22, 0.38, 0.72)
            skyHorizon = SceneColor(0.80, 0.74, 0.64)
        }
        ground = SceneColor(0.30, 0.36, 0.17)

        // The sun drifts slowly; in `gradient` a second soft glow (a lit cloud) crosses.
        let sunX = w * rng.next(in: 0.55...0.85) - 0.0015 * w * t
        let sunY = h * rng.next(in: 0.12...0.30) + 0.0008 * h * t
        var glows = [Glow(centerX: sunX, centerY: sunY, radius: 0.40 * w,
                          amplitude: SceneColor(0.26, 0.20, 0.10))]
        if s.kind == .gradient {
            glows.append(Glow(centerX: w * 0.2 + 0.004 * w * t, centerY: h * 0.55, radius: 0.22 * w,
                              amplitude: SceneColor(0.10, 0.09, 0.11)))
        }
        self.glows = glows

        // Discs move across the screen and wrap around; `gradient` has none (no edges).
        var discs: [MovingDisc] = []
        if s.kind != .gradient {
            let palette = [SceneColor(0.85, 0.10, 0.06), SceneColor(0.95, 0.82, 0.08),
                           SceneColor(0.08, 0.20, 0.85), SceneColor(0.80, 0.12, 0.70),
                           SceneColor(0.10, 0.70, 0.20)]
            let count = fast ? 5 : 3
            for i in 0..<count {
                let radius = h * rng.next(in: 0.05...0.11)
                let speed = (rng.nextUnit() < 0.5 ? -1 : 1) * w * (fast ? rng.next(in: 0.02...0.05) : rng.next(in: 0.003...0.008))
                let x0 = rng.next(in: 0...1) * w
                let y0 = h * rng.next(in: 0.35...0.70)
                let bob = h * 0.004 * (fast ? 4 : 1)
                let span = w + 2 * radius
                var x = (x0 + speed * t + radius).truncatingRemainder(dividingBy: span)
                if x < 0 { x += span }
                let phase = (t * 0.25 + Float(i)).truncatingRemainder(dividingBy: 4) / 4   // 0 ..< 1
                let tri = 4 * abs(phase - 0.5) - 1                                            // triangle −1 … 1
                discs.append(MovingDisc(centerX: x - radius, centerY: y0 + bob * tri, radius: radius,
                                        color: palette[i % palette.count]))
            }
        }
        self.discs = discs
    }
}
