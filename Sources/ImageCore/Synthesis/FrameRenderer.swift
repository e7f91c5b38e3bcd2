// Renders one synthetic frame row by row: scene, exposure, chart, grain, code values.
// A fast numeric kernel: rows live in one scratch allocation and loops run over raw
// buffers so they vectorise; every index stays inside the frame by construction.

/// Draws one frame of a `FilmSynthesizer` into planar samples.
struct FrameRenderer {
    let synthesizer: FilmSynthesizer
    let scene: SceneState
    let frameIndex: Int
    /// The chart's patches (`FilmSynthesizer.colorChart`), computed once per frame.
    private let chart: [FilmSynthesizer.Region]
    /// The frame's text (`FilmSynthesizer.text(ofFrame:)`), nil when it has none.
    private let text: (kind: FilmSynthesizer.TextKind, text: BurnedInText)?
    /// True when the text is drawn (false: the same frame without it).
    private let drawsText: Bool

    init(synthesizer: FilmSynthesizer, scene: SceneState, frameIndex: Int, drawsText: Bool = true) {
        self.synthesizer = synthesizer
        self.scene = scene
        self.frameIndex = frameIndex
        self.drawsText = drawsText
        chart = synthesizer.colorChart
        text = synthesizer.text(ofFrame: frameIndex)
    }

    private static let strokeWhite = SceneColor(0.97, 0.97, 0.96)
    private static let strokeYellow = SceneColor(0.96, 0.88, 0.16)
    private static let outlineDark = SceneColor(0.02, 0.02, 0.02)

    private static let chartColors: [SceneColor] = [
        SceneColor(0.80, 0.08, 0.07), SceneColor(0.10, 0.62, 0.15), SceneColor(0.07, 0.12, 0.72),
        SceneColor(0.08, 0.65, 0.78), SceneColor(0.78, 0.10, 0.60), SceneColor(0.92, 0.85, 0.08),
        SceneColor(0.92, 0.45, 0.06), SceneColor(0.35, 0.12, 0.60), SceneColor(0.78, 0.58, 0.48),
        SceneColor(0.45, 0.30, 0.22), SceneColor(0.92, 0.92, 0.90), SceneColor(0.03, 0.03, 0.03),
    ]

    /// Writes the frame's three planes into `out` (`width × height × 3` samples).
    func render(into out: UnsafeMutableBufferPointer<UInt16>) {
        let s = synthesizer
        let w = s.width, h = s.height, plane = w * h
        let monochrome = s.kind == .bw
        let sigma = Float(s.grainSigma)
        let hasGrain = sigma > 0

        // Scratch rows: r, g, b, horizon, noise shared/r/g/b, texture, lattice columns.
        let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: w * 10)
        defer { scratch.deallocate() }
        scratch.initialize(repeating: 0)
        func row(_ k: Int) -> UnsafeMutableBufferPointer<Float> {
            UnsafeMutableBufferPointer(rebasing: scratch[k * w ..< (k + 1) * w])
        }
        let r = row(0), g = row(1), b = row(2), horizon = row(3)
        let noise = [row(4), row(5), row(6), row(7)]
        let texture = row(8), lattice = row(9)

        if s.kind != .gradient { fillHorizon(horizon) }
        let titleCard = text?.kind == .title
        let layer = drawsText ? text.map { $0.text.layer(width: w, height: h) } : nil
        let stroke = s.yellowSubtitles(ofFrame: frameIndex) && text?.kind == .subtitles ? Self.strokeYellow : Self.strokeWhite

        let fieldCount = hasGrain ? (monochrome ? 1 : 4) : 0
        var fields = (0..<fieldCount).map { k in
            GrainField(width: w, seed: LatticeHash.seed(s.seed, UInt64(bitPattern: Int64(frameIndex)), UInt64(k + 1)))
        }

        let maxValue = Float((1 << s.bitDepth) - 1)
        let low = maxValue * Float(FilmSynthesizer.blackPoint)
        let span = maxValue * Float(FilmSynthesizer.whitePoint - FilmSynthesizer.blackPoint)
        let mix = Float(0.5), own = Float(0.866_025_4)   // channel grain: 1/4 shared variance

        for y in 0..<h {
            let rowStart = y * w
            if titleCard {
                for x in 0..<w { r[x] = 0; g[x] = 0; b[x] = 0 }
            } else {
                drawBackground(y: y, r: r, g: g, b: b, horizon: horizon, texture: texture, lattice: lattice)
                drawDiscs(y: y, r: r, g: g, b: b)
                applyExposure(r: r, g: g, b: b)
                drawChart(y: y, r: r, g: g, b: b)
            }
            if let layer {
                for x in 0..<w where layer[rowStart + x] != BurnedInText.Coverage.picture.rawValue {
                    let c = layer[rowStart + x] == BurnedInText.Coverage.stroke.rawValue ? stroke : Self.outlineDark
                    r[x] = c.r; g[x] = c.g; b[x] = c.b
                }
            }
            for k in 0..<fieldCount { fields[k].nextRow(into: noise[k]) }

            if monochrome {
                for x in 0..<w { r[x] = 0.2126 * r[x] + 0.7152 * g[x] + 0.0722 * b[x] }
                let n = noise[0]
                for x in 0..<w {
                    let v = min(max(r[x], 0), 1)
                    var code = low + v * span
                    if hasGrain { code += sigma * (0.5 + 2 * v * (1 - v)) * n[x] }
                    let q = UInt16(min(max(code, 0), maxValue) + 0.5)
                    out[rowStart + x] = q
                    out[plane + rowStart + x] = q
                    out[2 * plane + rowStart + x] = q
                }
            } else {
                for (c, channel) in [r, g, b].enumerated() {
                    let base = c * plane + rowStart
                    if hasGrain {
                        let shared = noise[0], mine = noise[c + 1]
                        for x in 0..<w {
                            let v = min(max(channel[x], 0), 1)
                            let n = mix * shared[x] + own * mine[x]
                            let code = low + v * span + sigma * (0.5 + 2 * v * (1 - v)) * n
                            out[base + x] = UInt16(min(max(code, 0), maxValue) + 0.5)
                        }
                    } else {
                        for x in 0..<w {
                            let v = min(max(channel[x], 0), 1)
                            out[base + x] = UInt16(low + v * span + 0.5)
                        }
                    }
                }
            }
        }
    }

    // MARK: Scene parts

    /// The hills' outline: the first ground row of each column (world coordinates).
    private func fillHorizon(_ horizon: UnsafeMutableBufferPointer<Float>) {
        let w = synthesizer.width, h = Float(synthesizer.height)
        let broad = max(w / 5, 2), fine = max(w / 37, 2)
        for x in 0..<horizon.count {
            let xw = x + scene.panX
            let n1 = Self.valueNoise1D(xw, cell: broad, seed: scene.terrainSeed)
            let n2 = Self.valueNoise1D(xw, cell: fine, seed: scene.terrainSeed ^ 0xABCD)
            horizon[x] = h * (0.50 + 0.10 * (n1 - 0.5) + 0.03 * (n2 - 0.5))
        }
    }

    private func drawBackground(y: Int, r: UnsafeMutableBufferPointer<Float>, g: UnsafeMutableBufferPointer<Float>,
                                b: UnsafeMutableBufferPointer<Float>, horizon: UnsafeMutableBufferPointer<Float>,
                                texture: UnsafeMutableBufferPointer<Float>, lattice: UnsafeMutableBufferPointer<Float>) {
        let s = synthesizer
        let w = s.width, hf = Float(s.height), yf = Float(y)
        let gradientOnly = s.kind == .gradient

        // Sky: eased vertical gradient from the top to the horizon (or the bottom).
        let skyHeight = gradientOnly ? hf : 0.5 * hf
        let ty = min(yf / skyHeight, 1)
        let sky = SceneColor.lerp(scene.skyTop, scene.skyHorizon, ty * (2 - ty))
        // A gentle left-right colour drift keeps the gradient two-dimensional.
        let drift = gradientOnly ? Float(0.08) / Float(w) : 0
        for x in 0..<w {
            let d = drift * (Float(x) - 0.5 * Float(w))
            r[x] = sky.r + d
            g[x] = sky.g
            b[x] = sky.b - d
        }
        for glow in scene.glows {
            let dy = yf - glow.centerY
            let r2 = glow.radius * glow.radius
            guard dy * dy < r2 else { continue }
            let halfWidth = (r2 - dy * dy).squareRoot()
            let x0 = max(0, Int((glow.centerX - halfWidth).rounded(.up)))
            let x1 = min(w - 1, Int((glow.centerX + halfWidth).rounded(.down)))
            guard x0 <= x1 else { continue }
            let inv = 1 / r2
            for x in x0...x1 {
                let dx = Float(x) - glow.centerX
                let u = 1 - (dx * dx + dy * dy) * inv
                let v = max(u, 0) * max(u, 0)
                r[x] += glow.amplitude.r * v
                g[x] += glow.amplitude.g * v
                b[x] += glow.amplitude.b * v
            }
        }
        guard !gradientOnly else { return }

        // Ground: below each column's horizon, hazier near it, with two octaves of
        // texture (grass, stones) and a fence of 7-pixel planks (fine moving edges).
        let depth = max(0, (yf - 0.5 * hf) / (0.5 * hf))
        let haze = 1.15 - 0.5 * depth
        let fenceTop = s.height * 60 / 100, fenceBottom = s.height * 66 / 100
        let inFence = y >= fenceTop && y < fenceBottom
        let seed = scene.terrainSeed
        guard (0..<w).contains(where: { yf >= horizon[$0] }) else { return }   // all sky
        if !inFence {
            for x in 0..<w { texture[x] = 0 }
            addValueNoiseRow(y: y, shift: 4, weight: 0.6, seed: seed, into: texture, lattice: lattice)
            addValueNoiseRow(y: y, shift: 2, weight: 0.4, seed: seed ^ 0x77, into: texture, lattice: lattice)
        }
        for x in 0..<w where yf >= horizon[x] {
            let xw = x + scene.panX
            if inFence {
                let plank = ((xw % 7) + 7) % 7 < 4
                r[x] = plank ? 0.62 : 0.10
                g[x] = plank ? 0.55 : 0.09
                b[x] = plank ? 0.45 : 0.08
            } else {
                let k = haze * (0.65 + 0.7 * texture[x])
                r[x] = scene.ground.r * k
                g[x] = scene.ground.g * k
                b[x] = scene.ground.b * k
            }
        }
    }

    private func drawDiscs(y: Int, r: UnsafeMutableBufferPointer<Float>, g: UnsafeMutableBufferPointer<Float>,
                           b: UnsafeMutableBufferPointer<Float>) {
        let w = synthesizer.width, yf = Float(y)
        for disc in scene.discs {
            let dy = yf - disc.centerY
            let r2 = disc.radius * disc.radius
            guard dy * dy < r2 else { continue }
            let halfWidth = (r2 - dy * dy).squareRoot()
            let x0 = max(0, Int((disc.centerX - halfWidth).rounded(.up)))
            let x1 = min(w - 1, Int((disc.centerX + halfWidth).rounded(.down)))
            guard x0 <= x1 else { continue }
            // Shaded like a lit ball, with a small specular highlight up and to the left.
            let hx = disc.centerX - 0.35 * disc.radius, hy = disc.centerY - 0.35 * disc.radius
            let hr2 = 0.0324 * r2
            let inv = 1 / r2
            for x in x0...x1 {
                let dx = Float(x) - disc.centerX
                let shade = 1 - 0.4 * (dx * dx + dy * dy) * inv
                let ex = Float(x) - hx, ey = yf - hy
                if ex * ex + ey * ey < hr2 {
                    r[x] = 0.97; g[x] = 0.97; b[x] = 0.96
                } else {
                    r[x] = disc.color.r * shade
                    g[x] = disc.color.g * shade
                    b[x] = disc.color.b * shade
                }
            }
        }
    }

    private func applyExposure(r: UnsafeMutableBufferPointer<Float>, g: UnsafeMutableBufferPointer<Float>,
                               b: UnsafeMutableBufferPointer<Float>) {
        let e = scene.exposure
        guard e.r != 1 || e.g != 1 || e.b != 1 else { return }
        for x in 0..<r.count {
            r[x] *= e.r
            g[x] *= e.g
            b[x] *= e.b
        }
    }

    /// The colour chart (12 saturated and skin patches) and the grey card, fixed on
    /// screen and unaffected by the shot's exposure.
    private func drawChart(y: Int, r: UnsafeMutableBufferPointer<Float>, g: UnsafeMutableBufferPointer<Float>,
                           b: UnsafeMutableBufferPointer<Float>) {
        let s = synthesizer
        guard s.kind != .gradient else { return }
        for (patch, color) in zip(chart, Self.chartColors) where y >= patch.y && y < patch.y + patch.height {
            for x in patch.x ..< min(patch.x + patch.width, s.width) {
                r[x] = color.r; g[x] = color.g; b[x] = color.b
            }
        }
        if let card = s.greyCard, y >= card.y, y < card.y + card.height {
            let grey = Float(FilmSynthesizer.greyCardSignal)
            for x in card.x ..< min(card.x + card.width, s.width) {
                r[x] = grey; g[x] = grey; b[x] = grey
            }
        }
    }

    // MARK: Value noise (hash lattice, smoothstep interpolation)

    @inline(__always)
    private static func smooth(_ t: Float) -> Float { t * t * (3 - 2 * t) }

    @inline(__always)
    private static func floorDiv(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func valueNoise1D(_ x: Int, cell: Int, seed: UInt64) -> Float {
        let c = floorDiv(x, cell)
        let f = smooth(Float(x - c * cell) / Float(cell))
        let a = LatticeHash.unit(c, 0, seed), b = LatticeHash.unit(c + 1, 0, seed)
        return a + (b - a) * f
    }

    /// Adds `weight ×` one octave of 2-D value noise (lattice cells of 2^`shift`
    /// pixels, world x) to a row: the lattice is interpolated vertically once per
    /// cell column into `lattice`, then horizontally per pixel.
    private func addValueNoiseRow(y: Int, shift: Int, weight: Float, seed: UInt64,
                                  into row: UnsafeMutableBufferPointer<Float>,
                                  lattice: UnsafeMutableBufferPointer<Float>) {
        let cell = 1 << shift
        let firstCell = scene.panX >> shift          // arithmetic shift: floor for negatives
        let cellCount = ((scene.panX + row.count - 1) >> shift) - firstCell + 2
        guard cellCount <= lattice.count else { return }
        let cy = y >> shift
        let fy = Self.smooth(Float(y & (cell - 1)) / Float(cell))
        for j in 0..<cellCount {
            let top = LatticeHash.unit(firstCell + j, cy, seed)
            let bottom = LatticeHash.unit(firstCell + j, cy + 1, seed)
            lattice[j] = top + (bottom - top) * fy
        }
        let invCell = 1 / Float(cell)
        for x in 0..<row.count {
            let xw = x + scene.panX
            let j = (xw >> shift) - firstCell
            let fx = Self.smooth(Float(xw & (cell - 1)) * invCell)
            let a = lattice[j], b = lattice[j + 1]
            row[x] += weight * (a + (b - a) * fx)
        }
    }
}
