import ImageCore

/// A cheap detector of text in a frame: title cards and burned-in subtitles
/// (DESIGN.md §1, "Analysis"; part of `FrameAnalyzer`).
///
/// It works on luma only, `(R + 2G + B) / 4` (the one channel of a grey frame), as a
/// fraction of full scale, point-sampled every `step` pixels in both directions
/// (`step` = width / 1024, at least 1: every second pixel of a 2K frame), so it costs
/// one pass over a quarter of one plane at 2K plus a scan of that grid.
///
/// A **title card** is a flat background filling the frame with a small share of
/// high-contrast strokes grouped in lines of text:
/// - at least 80 % of the samples near the median (the background): within 0.04 of full
///   scale or 4 σ of the grain, whichever is larger;
/// - 0.2 % … 25 % of the samples at least `contrast` (0.25 of full scale) from the median;
/// - few samples in between (at most the stroke share, or 2 %): strokes on a card have
///   sharp edges, where objects in a picture have shading;
/// - those strokes in short horizontal runs (mean run at most 6 % of the frame height:
///   letters, not blobs), at least 12 runs, at least 2.5 runs on average in a row that has
///   any (a line of letters, not scattered specks), in rows covering at most 60 % of the height.
///
/// **Subtitles** are bright strokes in a band near the bottom of a picture:
/// - a *stroke run* is a horizontal run of bright samples (luma ≥ 0.5 of full scale) at
///   most 3.5 % of the frame height long, with a sample at least `contrast` darker than
///   the run's brightest within 2 samples on both sides (an outline or dark picture);
/// - a *text row* has at least 4 stroke runs; text rows (gaps of one sample allowed)
///   group into lines, and a line 1.2 % … 12 % of the frame height tall lying in the
///   lowest 40 % of the frame is a subtitle candidate;
/// - its density (mean stroke runs per row) must be at least `4 + 3 U`, where U is the
///   mean per row in the top 60 % of the frame: text stands out from the picture;
/// - the strokes change from row to row (samples entering or leaving a stroke between
///   neighbouring rows, at least 0.15 per run edge): letters, not a fence or a blind
///   whose runs are the same in every row.
///
/// Scores: each case's score is the smallest ratio of a measurement to its limit (≥ 1
/// on the passing side of every limit), so a score of 1 or more means detected and the
/// score says how clearly; `Result.score` is the larger of the two. A title card wins
/// when both pass. The title score cannot exceed 1.25 (all samples flat, 80 % needed);
/// the subtitle score grows with the line's density and row-to-row variation.
///
/// Limits: burned-in text is assumed light (white, yellow) for subtitles; text near the
/// top of a picture, dark subtitles, and titles over a picture or a strongly vignetted background
/// are not found.
public enum TextDetector {
    /// Distance from the background (title cards) or darker neighbour (subtitles) that
    /// makes a stroke, as a fraction of full scale.
    public static let contrast: Float = 0.25
    /// Luma a subtitle stroke reaches at least, as a fraction of full scale (white and
    /// yellow text both do).
    public static let brightLevel: Float = 0.5

    /// What was found.
    public enum Kind: String, Sendable, Codable {
        case title, subtitles
    }

    /// The outcome for one frame.
    public struct Result: Sendable, Equatable {
        /// The text found, nil when neither case passes.
        public var kind: Kind?
        /// max(`titleScore`, `subtitleScore`): 1 or more when text was found.
        public var score: Double
        /// Title-card score (≥ 1: a title card).
        public var titleScore: Double
        /// Subtitle score (≥ 1: subtitles).
        public var subtitleScore: Double
        /// Rows holding the text found (the subtitle line, or the title's strokes), as
        /// fractions of the frame height; nil when nothing was found.
        public var band: TextBand?
    }

    /// Looks for a title card or subtitles in `pixels`. `noiseSigma` is the frame's
    /// estimated grain in code values (`FrameFeatures.noiseSigma`), used to widen the
    /// background's tolerance on grainy cards.
    public static func detect(_ pixels: PixelBuffer, noiseSigma: Double = 0) -> Result {
        let none = Result(kind: nil, score: 0, titleScore: 0, subtitleScore: 0, band: nil)
        guard pixels.width >= 16, pixels.height >= 16, pixels.channels >= 1 else { return none }
        let step = max(1, pixels.width / 1024)
        let gw = pixels.width / step, gh = pixels.height / step
        let luma = lumaGrid(pixels, step: step, gw: gw, gh: gh)
        let title = titleCard(luma, gw: gw, gh: gh, sigma: Float(noiseSigma / Double(pixels.maxValue)))
        let subs = subtitles(luma, gw: gw, gh: gh)
        var result = Result(kind: nil, score: max(title.score, subs.score), titleScore: title.score,
                            subtitleScore: subs.score, band: nil)
        if title.score >= 1 {
            result.kind = .title
            result.band = title.band
        } else if subs.score >= 1 {
            result.kind = .subtitles
            result.band = subs.band
        }
        return result
    }

    // MARK: Luma

    /// Luma as a fraction of full scale, sampled every `step` pixels, `gw × gh` row-major.
    static func lumaGrid(_ pixels: PixelBuffer, step: Int, gw: Int, gh: Int) -> [Float] {
        var grid = [Float](repeating: 0, count: gw * gh)
        let w = pixels.width, n = pixels.planeSize
        let colour = pixels.channels >= 3
        let scale = 1 / Float(pixels.maxValue) / (colour ? 4 : 1)
        pixels.samples.withUnsafeBufferPointer { s in
            grid.withUnsafeMutableBufferPointer { g in
                for gy in 0..<gh {
                    let row = gy * step * w
                    for gx in 0..<gw {
                        let i = row + gx * step
                        let v = colour ? Int(s[i]) + 2 * Int(s[n + i]) + Int(s[2 * n + i]) : Int(s[i])
                        g[gy * gw + gx] = Float(v) * scale
                    }
                }
            }
        }
        return grid
    }

    // MARK: Title cards

    struct Finding {
        var score: Double
        var band: TextBand?
    }

    static func titleCard(_ luma: [Float], gw: Int, gh: Int, sigma: Float) -> Finding {
        // Median from a 1024-bin histogram.
        var hist = [Int](repeating: 0, count: 1024)
        for v in luma { hist[min(1023, max(0, Int(v * 1023 + 0.5)))] += 1 }
        var cumulative = 0, medianBin = 0
        for (b, c) in hist.enumerated() {
            cumulative += c
            if cumulative * 2 >= luma.count { medianBin = b; break }
        }
        let background = Float(medianBin) / 1023
        let tolerance = max(0.04, 4 * sigma)

        var flat = 0, strokes = 0, runs = 0, runLength = 0, strokeRows = 0
        var firstRow = -1, lastRow = -1
        luma.withUnsafeBufferPointer { l in
            for y in 0..<gh {
                var inRun = false, rowRuns = 0
                for x in 0..<gw {
                    let d = abs(l[y * gw + x] - background)
                    if d <= tolerance { flat += 1 }
                    let isStroke = d >= contrast
                    if isStroke {
                        strokes += 1
                        if !inRun { rowRuns += 1 }
                    }
                    inRun = isStroke
                }
                if rowRuns > 0 {
                    strokeRows += 1
                    runs += rowRuns
                    if firstRow < 0 { firstRow = y }
                    lastRow = y
                }
            }
        }
        runLength = strokes
        let total = Double(luma.count)
        let flatShare = Double(flat) / total, strokeShare = Double(strokes) / total
        let between = max(0, 1 - flatShare - strokeShare)   // neither background nor stroke
        guard runs > 0 else { return Finding(score: min(flatShare / 0.8, 0), band: nil) }
        let meanRun = Double(runLength) / Double(runs)
        let runsPerRow = Double(runs) / Double(strokeRows)
        let rowShare = Double(strokeRows) / Double(gh)
        let terms = [
            flatShare / 0.8,
            strokeShare / 0.002, 0.25 / strokeShare,
            max(0.02, strokeShare) / max(between, 1e-9),
            0.06 * Double(gh) / max(meanRun, 1e-9),
            Double(runs) / 12,
            runsPerRow / 2.5,
            0.6 / max(rowShare, 1e-9),
        ]
        let score = terms.min() ?? 0
        return Finding(score: score, band: TextBand(top: Double(firstRow) / Double(gh),
                                                    bottom: Double(lastRow + 1) / Double(gh)))
    }

    // MARK: Subtitles

    static func subtitles(_ luma: [Float], gw: Int, gh: Int) -> Finding {
        let maxRun = max(2, Int(0.035 * Double(gh)))
        var perRow = [Int](repeating: 0, count: gh)
        // Samples inside stroke runs, to see whether the strokes change from row to row.
        var inStroke = [Bool](repeating: false, count: gw * gh)
        luma.withUnsafeBufferPointer { l in
            for y in 0..<gh {
                let row = y * gw
                var x = 0, count = 0
                while x < gw {
                    guard l[row + x] >= brightLevel else { x += 1; continue }
                    let start = x
                    var peak: Float = 0
                    while x < gw, l[row + x] >= brightLevel { peak = max(peak, l[row + x]); x += 1 }
                    guard x - start <= maxRun, start >= 1, x < gw else { continue }
                    let floor = peak - contrast
                    let before = min(l[row + start - 1], start >= 2 ? l[row + start - 2] : 1)
                    let after = min(l[row + x], x + 1 < gw ? l[row + x + 1] : 1)
                    if before <= floor, after <= floor {
                        count += 1
                        for i in start..<x { inStroke[row + i] = true }
                    }
                }
                perRow[y] = count
            }
        }
        let upperRows = gh * 6 / 10
        let upper = Double(perRow[0..<max(1, upperRows)].reduce(0, +)) / Double(max(1, upperRows))
        let needed = 4 + 3 * upper
        let minHeight = max(2, Int(0.012 * Double(gh))), maxHeight = max(minHeight, Int(0.12 * Double(gh)))

        // Lines of text rows in the lowest 40 %, one-row gaps allowed.
        var best = Finding(score: 0, band: nil)
        var y = upperRows
        while y < gh {
            guard perRow[y] >= 4 else { y += 1; continue }
            let top = y
            var last = y, sum = 0
            while y < gh, perRow[y] >= 4 || (y + 1 < gh && perRow[y + 1] >= 4 && y - last <= 1) {
                if perRow[y] >= 4 { last = y }
                sum += perRow[y]
                y += 1
            }
            let height = last + 1 - top
            guard height >= minHeight, height <= maxHeight else { continue }
            // Letters change shape down the line; a fence or blind has the same runs in every row.
            var changes = 0
            for r in (top + 1)...max(top + 1, last) where r <= last {
                for x in 0..<gw where inStroke[r * gw + x] != inStroke[(r - 1) * gw + x] { changes += 1 }
            }
            let variation = Double(changes) / Double(max(1, 2 * sum))
            let density = Double(sum) / Double(y - top)
            let terms = [density / needed, variation / 0.15]
            let score = terms.min() ?? 0
            if score > best.score {
                best = Finding(score: score, band: TextBand(top: Double(top) / Double(gh),
                                                            bottom: Double(last + 1) / Double(gh)))
            }
        }
        return best
    }
}

/// Rows of a frame holding text, as fractions of the frame height (0 top, 1 bottom).
public struct TextBand: Sendable, Codable, Equatable {
    public var top: Double
    public var bottom: Double

    public init(top: Double, bottom: Double) {
        self.top = top
        self.bottom = bottom
    }
}
