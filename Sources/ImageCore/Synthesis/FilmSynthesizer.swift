/// Film-like frames made from a seed: the demo reel and a test source that behaves
/// like a scan (moving content, grain, smooth skies, saturated colour, fine edges).
///
/// A frame depends only on the synthesizer's settings and its index: the same seed
/// gives the same samples on every run and every machine (integer random numbers,
/// basic floating-point operations only, no system randomness or `libm` calls).
///
/// The scene is composed in a normalised signal `0 … 1` per channel, mapped to code
/// values `0.04 … 0.96` of the depth's range (like a scan's black and white points,
/// leaving room for grain), then grain is added in code values:
/// `grainSigma × (0.5 + 2·v·(1 − v))` at signal `v`, so exactly `grainSigma` at mid grey
/// and half that in deep shadows and highlights.
///
/// Kinds:
/// - `grain`: a colour landscape (sky, hills, textured ground, a fence of fine
///   edges), moving discs, a slow camera pan, a colour chart and a grey card, with grain.
/// - `bw`: the same scene as luminance, stored R = G = B, with heavier grain.
/// - `gradient`: a sky of smooth gradients and soft glows only, very little grain
///   (where an encoder bands).
/// - `action`: fast pans and motion, and a cut every `shotLength` frames to a scene of
///   very different exposure and colour (something for a scene-change detector).
/// - `titles`: text in the built-in `BitmapFont` (something for a text detector), in
///   shots of `shotLength` frames that cycle: a title card (white capitals on black,
///   with grain), the `grain` scene with subtitles burned in near the bottom (white or
///   yellow with a dark outline), the same scene without text. No chart or grey card.
public struct FilmSynthesizer: Sendable {
    /// What the reel shows.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case grain, bw, gradient, action, titles
    }

    /// A rectangle of pixels.
    public struct Region: Sendable, Equatable, Codable {
        public var x: Int
        public var y: Int
        public var width: Int
        public var height: Int

        public init(x: Int, y: Int, width: Int, height: Int) {
            self.x = x; self.y = y; self.width = width; self.height = height
        }
    }

    /// Frame width and height in pixels.
    public let width: Int
    public let height: Int
    /// Bits per sample: 8, 10, 12 or 16.
    public let bitDepth: Int
    public let kind: Kind
    /// The seed every random choice derives from.
    public let seed: UInt64
    /// Standard deviation of the grain at mid grey, in code values at `bitDepth`.
    public let grainSigma: Double

    /// Bit depths the synthesizer makes.
    public static let supportedBitDepths = [8, 10, 12, 16]
    /// Smallest frame accepted (the chart and the scene need some room).
    public static let minimumWidth = 64
    public static let minimumHeight = 32
    /// Signal of the grey card (mid grey, before grain), in `0 … 1`.
    public static let greyCardSignal = 0.5
    /// Black and white points of the scene signal, as fractions of the code range.
    static let blackPoint = 0.04
    static let whitePoint = 0.96

    /// A synthesizer for frames of the given geometry and kind.
    /// - Parameters:
    ///   - grainSigma: grain at mid grey in code values at `bitDepth`; nil for the
    ///     kind's default (`defaultGrainSigma(for:bitDepth:)`).
    /// - Throws: `FilmSynthesizerError` when the size, depth or grain is out of range.
    public init(width: Int = 2048, height: Int = 1080, bitDepth: Int = 10, kind: Kind = .grain,
                seed: UInt64 = 1, grainSigma: Double? = nil) throws(FilmSynthesizerError) {
        guard Self.supportedBitDepths.contains(bitDepth) else { throw .unsupportedBitDepth(bitDepth) }
        guard width >= Self.minimumWidth, height >= Self.minimumHeight else {
            throw .tooSmall(width: width, height: height)
        }
        do {
            try PixelBuffer.validate(width: width, height: height, channels: 3, bitDepth: bitDepth)
        } catch {
            throw .pixelBuffer(error)
        }
        let sigma = grainSigma ?? Self.defaultGrainSigma(for: kind, bitDepth: bitDepth)
        let maxValue = Double((1 << bitDepth) - 1)
        guard sigma.isFinite, sigma >= 0, sigma <= maxValue / 8 else {
            throw .badGrain(sigma, limit: maxValue / 8)
        }
        self.width = width
        self.height = height
        self.bitDepth = bitDepth
        self.kind = kind
        self.seed = seed
        self.grainSigma = sigma
    }

    /// The grain a kind has unless told otherwise, in code values at `bitDepth`:
    /// 10-bit figures of 6 (`grain`, `titles`), 8 (`bw`), 0.8 (`gradient`) and 5 (`action`),
    /// scaled by 2^(bitDepth − 10), like a real scan's grain measured at another depth.
    public static func defaultGrainSigma(for kind: Kind, bitDepth: Int) -> Double {
        let tenBit: Double = switch kind {
        case .grain: 6
        case .bw: 8
        case .gradient: 0.8
        case .action: 5
        case .titles: 6
        }
        return tenBit * Double(1 << max(0, min(bitDepth, 16))) / 1024
    }

    /// Frames per shot: `action` cuts to a new scene every 6 frames, `titles` every 8;
    /// the other kinds are one continuous shot (0).
    public var shotLength: Int {
        switch kind {
        case .action: 6
        case .titles: 8
        default: 0
        }
    }

    /// The shot frame `index` belongs to (always 0 for kinds without cuts).
    public func shot(ofFrame index: Int) -> Int {
        guard shotLength > 0 else { return 0 }
        return index >= 0 ? index / shotLength : -((-index - 1) / shotLength) - 1
    }

    /// The grey card: a screen-fixed rectangle at `greyCardSignal` in every channel
    /// before grain, so its spread is the grain alone. Nil for `gradient` and `titles` (no card).
    public var greyCard: Region? {
        guard kind != .gradient, kind != .titles else { return nil }
        return Region(x: width * 30 / 100, y: height * 74 / 100, width: max(width / 10, 2), height: max(height / 6, 2))
    }

    /// The colour chart's twelve patches, screen-fixed and flat before grain, row by row:
    /// red, green, blue, cyan, magenta, yellow; orange, purple, light skin, dark skin,
    /// white, black. Empty for `gradient` and `titles` (no chart).
    public var colorChart: [Region] {
        guard kind != .gradient, kind != .titles else { return [] }
        let patchWidth = max(width / 26, 1), patchHeight = max(height / 14, 1)
        let chartX = width * 3 / 100, chartY = height * 76 / 100
        return (0..<12).map { i in
            Region(x: chartX + (i % 6) * patchWidth, y: chartY + (i / 6) * patchHeight,
                   width: patchWidth, height: patchHeight)
        }
    }

    /// The code value of mid grey (`greyCardSignal`) at `bitDepth`, before rounding.
    public var greyCardCode: Double { codeValue(signal: Self.greyCardSignal) }

    /// Code value (unrounded) for a scene signal in `0 … 1`.
    func codeValue(signal: Double) -> Double {
        let maxValue = Double((1 << bitDepth) - 1)
        return maxValue * (Self.blackPoint + signal * (Self.whitePoint - Self.blackPoint))
    }

    /// Frame `index` of the reel (0 is the first; any index gives a frame).
    /// Three channels (R, G, B) at `bitDepth`; `bw` frames have R = G = B.
    public func frame(_ index: Int) -> PixelBuffer { frame(index, withText: true) }

    /// Frame `index`, with its burned-in text (`titles`) or without it: the same
    /// picture and grain, where a title card without text is black with grain.
    public func frame(_ index: Int, withText: Bool) -> PixelBuffer {
        let scene = SceneState(synthesizer: self, frameIndex: index)
        var samples = [UInt16](repeating: 0, count: width * height * 3)
        samples.withUnsafeMutableBufferPointer { out in
            FrameRenderer(synthesizer: self, scene: scene, frameIndex: index, drawsText: withText).render(into: out)
        }
        do {
            return try PixelBuffer(width: width, height: height, channels: 3, bitDepth: bitDepth, samples: samples)
        } catch {
            // init validated this geometry and the sample count matches it by construction.
            preconditionFailure("FilmSynthesizer: a validated geometry was refused: \(error)")
        }
    }
}

/// Why a `FilmSynthesizer` could not be made.
public enum FilmSynthesizerError: Error, Equatable, Sendable, CustomStringConvertible {
    case unsupportedBitDepth(Int)
    case tooSmall(width: Int, height: Int)
    case pixelBuffer(PixelBufferError)
    case badGrain(Double, limit: Double)

    public var description: String {
        switch self {
        case let .unsupportedBitDepth(b):
            "\(b)-bit frames are not synthesized (choose 8, 10, 12 or 16)"
        case let .tooSmall(w, h):
            "\(w)×\(h) is too small to hold the scene (at least \(FilmSynthesizer.minimumWidth)×\(FilmSynthesizer.minimumHeight))"
        case let .pixelBuffer(e): e.description
        case let .badGrain(s, limit):
            "grain \(s) is out of range (0 … \(limit) code values)"
        }
    }
}

extension FilmSynthesizer {
    /// What text a frame carries.
    public enum TextKind: String, Sendable, Codable {
        /// A title card: text on a black background filling the frame.
        case title
        /// Subtitles burned into the picture near the bottom.
        case subtitles
    }

    /// The text of frame `index` and where it is, nil when the frame has none (every
    /// kind but `titles`, and the plain shots of `titles`).
    public func text(ofFrame index: Int) -> (kind: TextKind, text: BurnedInText)? {
        guard kind == .titles else { return nil }
        let s = shot(ofFrame: index)
        let pick = Int(LatticeHash.seed(seed, UInt64(bitPattern: Int64(s)), 0x7E47) >> 33)
        switch ((s % 3) + 3) % 3 {
        case 0:
            let lines = Self.titleTexts[pick % Self.titleTexts.count]
            return (.title, BurnedInText.titleCard(lines, width: width, height: height))
        case 1:
            let lines = Self.subtitleTexts[pick % Self.subtitleTexts.count]
            return (.subtitles, BurnedInText.subtitles(lines, width: width, height: height))
        default:
            return nil
        }
    }

    /// True when the subtitles of frame `index` are yellow rather than white.
    func yellowSubtitles(ofFrame index: Int) -> Bool { ((shot(ofFrame: index) / 3) % 2 + 2) % 2 == 1 }

    static let titleTexts: [[String]] = [
        ["THE LONG SUMMER"], ["PART ONE"], ["A FILM BY", "ANNA KERN"], ["THE END"],
        ["CHAPTER 3:", "THE HARBOUR"], ["NORTH SEA, 1958"],
    ]
    static let subtitleTexts: [[String]] = [
        ["WHERE ARE YOU GOING?"], ["I TOLD YOU, NOT TODAY."], ["THE BOAT LEAVES AT SIX.", "DON'T BE LATE."],
        ["HE NEVER CAME BACK."], ["LOOK AT THE SKY!"], ["WE HAVE 20 MINUTES - RUN!"],
    ]
}
