/// Text placed on a frame in the built-in `BitmapFont`: a title card's lines in the
/// middle of the frame, or subtitles near the bottom, optionally with a dark outline
/// (a border of `outline` pixels around every stroke, as subtitles are printed).
public struct BurnedInText: Sendable, Equatable {
    /// The lines of text, each centred on the widest.
    public var lines: [String]
    /// Pixels per font pixel: strokes are `scale` pixels wide, capitals `7 × scale` high.
    public var scale: Int
    /// Width of the dark border around the strokes, in pixels (0: none).
    public var outline: Int
    /// Top-left corner of the text block (strokes only, without the outline) in the frame.
    public var x: Int
    public var y: Int

    /// What a pixel of `layer(width:height:)` is.
    public enum Coverage: UInt8, Sendable {
        case picture = 0, outline = 1, stroke = 2
    }

    /// Text at an explicit place.
    public init(lines: [String], scale: Int, outline: Int = 0, x: Int, y: Int) {
        self.lines = lines
        self.scale = max(1, scale)
        self.outline = max(0, outline)
        self.x = x
        self.y = y
    }

    /// A title card's lines centred in a `width × height` frame, capitals about 7 % of the
    /// frame height (smaller when the text would not fit 90 % of the width), no outline.
    public static func titleCard(_ lines: [String], width: Int, height: Int) -> BurnedInText {
        let scale = fittingScale(lines, preferred: height * 7 / 700, width: width)
        let mask = BitmapFont.render(lines, scale: scale)
        return BurnedInText(lines: lines, scale: scale, x: (width - mask.width) / 2, y: (height - mask.height) / 2)
    }

    /// Subtitles centred horizontally with the last line's baseline at 92 % of the
    /// frame height, capitals about 4.5 % of the frame height (at least 2 pixels per
    /// font pixel, smaller only when the text would not fit), with a dark outline of
    /// half a stroke (at least 1 pixel).
    public static func subtitles(_ lines: [String], width: Int, height: Int) -> BurnedInText {
        let scale = fittingScale(lines, preferred: max(2, (height * 45 + 3500) / 7000), width: width)
        let mask = BitmapFont.render(lines, scale: scale)
        return BurnedInText(lines: lines, scale: scale, outline: max(1, scale / 2),
                            x: (width - mask.width) / 2, y: height * 92 / 100 - mask.height)
    }

    private static func fittingScale(_ lines: [String], preferred: Int, width: Int) -> Int {
        let columns = max(1, (lines.map(\.count).max() ?? 0) * BitmapFont.advance)
        return max(1, min(preferred, width * 9 / 10 / columns))
    }

    /// The text's coverage of a `width × height` frame, row-major (`Coverage` raw values):
    /// strokes, the outline around them, picture elsewhere. Parts outside the frame are cut off.
    public func layer(width: Int, height: Int) -> [UInt8] {
        var out = [UInt8](repeating: Coverage.picture.rawValue, count: max(0, width * height))
        guard width > 0, height > 0 else { return out }
        let mask = BitmapFont.render(lines, scale: scale)
        let r = outline
        if r > 0 {
            // Square dilation of the strokes by r: horizontal then vertical running maxima.
            let mw = mask.width + 2 * r, mh = mask.height + 2 * r
            var wide = [Bool](repeating: false, count: mw * mask.height)
            for my in 0..<mask.height {
                for mx in 0..<mask.width where mask[mx, my] {
                    for dx in 0...(2 * r) { wide[my * mw + mx + dx] = true }
                }
            }
            for oy in 0..<mh {
                let fy = y - r + oy
                guard fy >= 0, fy < height else { continue }
                for ox in 0..<mw {
                    let fx = x - r + ox
                    guard fx >= 0, fx < width else { continue }
                    var hit = false
                    for my in max(0, oy - 2 * r)...min(mask.height - 1, oy) where wide[my * mw + ox] { hit = true; break }
                    if hit { out[fy * width + fx] = Coverage.outline.rawValue }
                }
            }
        }
        for my in 0..<mask.height {
            let fy = y + my
            guard fy >= 0, fy < height else { continue }
            for mx in 0..<mask.width where mask[mx, my] {
                let fx = x + mx
                if fx >= 0, fx < width { out[fy * width + fx] = Coverage.stroke.rawValue }
            }
        }
        return out
    }

    /// Burns the text into `pixels`: stroke pixels take `fill`, outline pixels take
    /// `outlineCode` (code values per channel; missing channels repeat the last value,
    /// values above the depth's maximum are clamped).
    public func burn(into pixels: inout PixelBuffer, fill: [UInt16], outlineCode: [UInt16] = [0]) {
        let w = pixels.width, h = pixels.height, n = pixels.planeSize
        let coverage = layer(width: w, height: h)
        let top = UInt16(truncatingIfNeeded: pixels.maxValue)
        func value(_ codes: [UInt16], _ c: Int) -> UInt16 { min(codes.isEmpty ? 0 : codes[min(c, codes.count - 1)], top) }
        for i in 0..<n where coverage[i] != Coverage.picture.rawValue {
            let codes = coverage[i] == Coverage.stroke.rawValue ? fill : outlineCode
            for c in 0..<pixels.channels { pixels.samples[c * n + i] = value(codes, c) }
        }
    }
}
