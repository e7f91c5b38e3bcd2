import ImageCore
import TestSupport
import Testing

/// Statistics of a rectangle of one plane.
private struct RegionStats {
    var mean: Double
    var standardDeviation: Double
    /// Correlation of horizontally adjacent samples.
    var neighbourCorrelation: Double

    init(_ frame: PixelBuffer, _ region: FilmSynthesizer.Region, channel: Int) {
        var values: [[Double]] = []
        for y in region.y ..< region.y + region.height {
            values.append((region.x ..< region.x + region.width).map { Double(frame[$0, y, channel]) })
        }
        let all = values.flatMap { $0 }
        mean = all.reduce(0, +) / Double(all.count)
        let m = mean
        let variance = all.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(all.count)
        standardDeviation = variance.squareRoot()
        var covariance = 0.0, pairs = 0
        for row in values {
            for x in 1..<row.count {
                covariance += (row[x] - m) * (row[x - 1] - m)
                pairs += 1
            }
        }
        neighbourCorrelation = variance > 0 ? covariance / Double(pairs) / variance : 0
    }
}

/// Largest absolute difference between horizontally or vertically adjacent samples.
private func largestStep(_ frame: PixelBuffer) -> Int {
    var largest = 0
    for c in 0..<frame.channels {
        for y in 0..<frame.height {
            for x in 0..<frame.width {
                let v = Int(frame[x, y, c])
                if x > 0 { largest = max(largest, abs(v - Int(frame[x - 1, y, c]))) }
                if y > 0 { largest = max(largest, abs(v - Int(frame[x, y - 1, c]))) }
            }
        }
    }
    return largest
}

@Suite struct SynthTests {
    @Test(arguments: FilmSynthesizer.Kind.allCases)
    func sameSeedGivesTheSameSamplesAndAnotherSeedDoesNot(kind: FilmSynthesizer.Kind) throws {
        let a = try SyntheticFrames.frame(kind, index: 7, seed: 42)
        let b = try FilmSynthesizer(width: 160, height: 90, bitDepth: 10, kind: kind, seed: 42).frame(7)
        #expect(a == b)
        let other = try SyntheticFrames.frame(kind, index: 7, seed: 43)
        #expect(a != other)
    }

    /// Pins the exact samples: a reel made from a seed must be the same reel on every
    /// machine and in every later version (published test reels are referred to by seed).
    @Test func framesAreReproducibleBitForBit() throws {
        var hashes: [String: UInt64] = [:]
        for kind in FilmSynthesizer.Kind.allCases {
            let frame = try SyntheticFrames.frame(kind, index: 5, width: 96, height: 54, bitDepth: 12, seed: 2024)
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325   // FNV-1a over the samples, little-endian
            for sample in frame.samples {
                hash = (hash ^ UInt64(sample & 0xFF)) &* 0x100_0000_01B3
                hash = (hash ^ UInt64(sample >> 8)) &* 0x100_0000_01B3
            }
            hashes[kind.rawValue] = hash
        }
        #expect(hashes == Self.goldenHashes, "\(hashes)")
    }

    static let goldenHashes: [String: UInt64] = [
        "grain": 4_771_912_813_169_418_156,
        "bw": 10_550_987_845_352_382_459,
        "gradient": 5_693_579_041_265_393_961,
        "action": 5_509_378_836_314_852_802,
        "titles": 3_406_881_292_509_866_675,
    ]

    @Test(arguments: FilmSynthesizer.Kind.allCases, [8, 10, 12, 16])
    func samplesFitTheBitDepthAndUseItsRange(kind: FilmSynthesizer.Kind, bitDepth: Int) throws {
        let frame = try SyntheticFrames.frame(kind, index: 3, width: 128, height: 72, bitDepth: bitDepth)
        #expect(frame.bitDepth == bitDepth && frame.channels == 3)
        #expect(throws: Never.self) { try frame.validateSampleRange() }
        // The scene spans a good part of the range at every depth (no 10-bit codes in a 16-bit frame).
        let low = Int(frame.samples.min() ?? 0), high = Int(frame.samples.max() ?? 0)
        #expect(Double(high - low) > 0.25 * Double(frame.maxValue))
    }

    @Test(arguments: 0..<6)
    func blackAndWhiteFramesHaveEqualRGBEverywhere(index: Int) throws {
        let frame = try SyntheticFrames.frame(.bw, index: index * 5, bitDepth: 12)
        #expect(frame.isMonochrome)
        #expect(!(try SyntheticFrames.frame(.grain, index: index * 5)).isMonochrome)
    }

    @Test(arguments: [(FilmSynthesizer.Kind.grain, 10), (.grain, 12), (.grain, 16), (.bw, 10), (.action, 12)])
    func greyCardSpreadIsTheRequestedGrain(kind: FilmSynthesizer.Kind, bitDepth: Int) throws {
        let synth = try FilmSynthesizer(width: 320, height: 180, bitDepth: bitDepth, kind: kind, seed: 9)
        let card = try #require(synth.greyCard)
        var sigmas: [Double] = [], correlations: [Double] = [], means: [Double] = []
        for index in 0..<3 {
            let frame = synth.frame(index)
            for c in 0..<3 {
                let stats = RegionStats(frame, card, channel: c)
                sigmas.append(stats.standardDeviation)
                correlations.append(stats.neighbourCorrelation)
                means.append(stats.mean)
            }
        }
        let sigma = sigmas.reduce(0, +) / Double(sigmas.count)
        let correlation = correlations.reduce(0, +) / Double(correlations.count)
        let mean = means.reduce(0, +) / Double(means.count)
        #expect(abs(sigma / synth.grainSigma - 1) < 0.12, "measured \(sigma), asked \(synth.grainSigma)")
        // Grain is spatially correlated like film grain (2/3 by construction), not white.
        #expect(correlation > 0.5 && correlation < 0.8, "neighbour correlation \(correlation)")
        #expect(abs(mean - synth.greyCardCode) < 0.2 * synth.grainSigma)
    }

    @Test(arguments: [0.0, 2.0, 12.0])
    func grainAmountIsConfigurable(requested: Double) throws {
        let synth = try FilmSynthesizer(width: 320, height: 180, bitDepth: 10, kind: .grain, seed: 4,
                                        grainSigma: requested)
        let card = try #require(synth.greyCard)
        let stats = RegionStats(synth.frame(0), card, channel: 1)
        if requested == 0 {
            #expect(stats.standardDeviation == 0)
        } else {
            #expect(abs(stats.standardDeviation / requested - 1) < 0.15, "measured \(stats.standardDeviation)")
        }
    }

    @Test func gradientKindIsSmoothWhereTheSceneKindHasEdges() throws {
        let width = 192, height = 108
        let gradient = try SyntheticFrames.frame(.gradient, index: 4, width: width, height: height, grainSigma: 0)
        let scene = try SyntheticFrames.frame(.grain, index: 4, width: width, height: height, grainSigma: 0)
        // Steepest step, in full code ranges per short side of the frame.
        func steepness(_ f: PixelBuffer) -> Double {
            Double(largestStep(f)) * Double(min(width, height)) / Double(f.maxValue)
        }
        #expect(steepness(gradient) < 4, "gradient has a step of \(largestStep(gradient)) codes")
        #expect(steepness(scene) > 20)
        // A broad range of slowly changing codes: where an encoder would band.
        let codes = Set(gradient.samples[gradient.planeRange(0)])
        #expect(codes.count > 200)
        // And little grain by default.
        #expect(try FilmSynthesizer(kind: .gradient).grainSigma < 1)
    }

    @Test(arguments: [FilmSynthesizer.Kind.grain, .bw, .gradient, .action])
    func contentMovesFromFrameToFrame(kind: FilmSynthesizer.Kind) throws {
        let reel = try SyntheticFrames.reel(kind, count: 2, grainSigma: 0)
        let changed = zip(reel[0].samples, reel[1].samples).filter { $0 != $1 }.count
        #expect(Double(changed) > 0.01 * Double(reel[0].samples.count))
    }

    @Test func actionCutsChangeTheFrameMeanFarMoreThanMotionWithinAShot() throws {
        let synth = try FilmSynthesizer(width: 160, height: 90, bitDepth: 10, kind: .action, seed: 11)
        let means = (0..<24).map { SyntheticFrames.mean(synth.frame($0)) }
        var atCuts: [Double] = [], withinShots: [Double] = []
        for i in 1..<means.count {
            let step = abs(means[i] - means[i - 1])
            if synth.shot(ofFrame: i) != synth.shot(ofFrame: i - 1) { atCuts.append(step) } else { withinShots.append(step) }
        }
        #expect(atCuts.count == 3)   // cuts at frames 6, 12, 18
        let smallestCut = atCuts.min() ?? 0, largestMotion = withinShots.max() ?? .infinity
        #expect(smallestCut > 4 * largestMotion, "cuts \(atCuts), within shots up to \(largestMotion)")
        #expect(smallestCut > 0.1 * 1023)
    }

    @Test func shotsAreNumberedByShotLength() throws {
        let action = try FilmSynthesizer(kind: .action)
        #expect(action.shotLength == 6)
        #expect([0, 5, 6, 11, 12, -1].map(action.shot(ofFrame:)) == [0, 0, 1, 1, 2, -1])
        #expect(try FilmSynthesizer(kind: .grain).shot(ofFrame: 100) == 0)
    }

    @Test func settingsOutOfRangeAreRefusedWithAReason() {
        #expect(throws: FilmSynthesizerError.unsupportedBitDepth(9)) { _ = try FilmSynthesizer(bitDepth: 9) }
        #expect(throws: FilmSynthesizerError.tooSmall(width: 16, height: 16)) {
            _ = try FilmSynthesizer(width: 16, height: 16)
        }
        #expect(throws: FilmSynthesizerError.self) { _ = try FilmSynthesizer(grainSigma: -1) }
        #expect(throws: FilmSynthesizerError.self) { _ = try FilmSynthesizer(grainSigma: .nan) }
        #expect(FilmSynthesizerError.unsupportedBitDepth(9).description.contains("8, 10, 12 or 16"))
    }

    @Test func defaultGrainScalesWithBitDepth() {
        #expect(FilmSynthesizer.defaultGrainSigma(for: .grain, bitDepth: 10) == 6)
        #expect(FilmSynthesizer.defaultGrainSigma(for: .grain, bitDepth: 12) == 24)
        #expect(FilmSynthesizer.defaultGrainSigma(for: .grain, bitDepth: 16) == 384)
    }

    @Test(arguments: [(86400, "01:00:00:00"), (86423, "01:00:00:23"), (86424, "01:00:01:00"), (0, "00:00:00:00"),
                      (24 * 3600 * 24 + 25, "00:00:01:01"), (24 * (3600 * 10 + 60 * 59 + 59) + 23, "10:59:59:23")])
    func timecodeCountsFramesAt24fps(frame: Int, timecode: String) {
        #expect(FilmSynthesizer.timecode(frameNumber: frame) == timecode)
    }

    @Test func headerFieldsDescribeTheReel() throws {
        let ten = try FilmSynthesizer(bitDepth: 10, kind: .bw, seed: 3).metadata(frameNumber: 86401, position: 2, length: 24)
        #expect(ten.timecode == "01:00:00:01" && ten.frameRate == 24)
        #expect(ten.framePosition == 2 && ten.sequenceLength == 24)
        #expect(ten.creator == "Reelpack synth" && ten.transfer == "printing density")
        #expect(ten.project?.contains("kind bw, seed 3") == true)
        let sixteen = try FilmSynthesizer(bitDepth: 16).metadata(frameNumber: 1, position: 1, length: 1)
        #expect(sixteen.transfer == "linear")
    }

    /// Film grain is signal-dependent: weaker in deep shadows than at mid grey.
    @Test func grainIsWeakerInShadowsThanAtMidGrey() throws {
        let synth = try FilmSynthesizer(width: 640, height: 360, bitDepth: 12, kind: .grain, seed: 5)
        let frame = synth.frame(0)
        let black = try #require(synth.colorChart.last)    // signal 0.03: grain × 0.56
        let card = try #require(synth.greyCard)            // signal 0.5: grain × 1
        let shadow = RegionStats(frame, black, channel: 1).standardDeviation
        let mid = RegionStats(frame, card, channel: 1).standardDeviation
        #expect(abs(shadow / mid - 0.558) < 0.12, "shadow \(shadow), mid grey \(mid)")
    }

    @Test func chartPatchesAreSaturated() throws {
        let synth = try FilmSynthesizer(width: 320, height: 180, bitDepth: 10, kind: .grain, seed: 5, grainSigma: 0)
        let frame = synth.frame(0)
        let red = try #require(synth.colorChart.first)
        let mean = (0..<3).map { RegionStats(frame, red, channel: $0).mean }
        #expect(mean[0] > 3 * mean[1] && mean[0] > 3 * mean[2], "red patch \(mean)")
        #expect(try FilmSynthesizer(kind: .gradient).colorChart.isEmpty)
    }
}

@Suite struct TitlesKindTests {
    @Test func theFontDrawsCapitalsDigitsAndPunctuationAtScale() {
        let a = BitmapFont.render(["A"], scale: 3)
        #expect(a.width == 15 && a.height == 21)
        #expect(!a[0, 0] && a[3, 0] && a[0, 3])                       // ".###." then "#...#"
        #expect(BitmapFont.render(["a"], scale: 1) == BitmapFont.render(["A"], scale: 1))
        #expect(BitmapFont.render(["~"], scale: 1) == BitmapFont.render(["?"], scale: 1))   // missing: "?"
        let two = BitmapFont.render(["AB", "C"], scale: 2)
        #expect(two.width == (2 * 6 - 1) * 2 && two.height == (10 + 7) * 2)
        for character in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?'-:\"&" {
            #expect(BitmapFont.render([String(character)], scale: 1).bits.contains(true), "\(character)")
        }
        #expect(Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".map { BitmapFont.render([String($0)], scale: 1) }).count == 36)
    }

    @Test func shotsCycleThroughTitleCardSubtitlesAndPlainPicture() throws {
        let synth = try FilmSynthesizer(width: 480, height: 270, bitDepth: 10, kind: .titles, seed: 2)
        #expect(synth.shotLength == 8)
        #expect((0..<8).allSatisfy { synth.text(ofFrame: $0)?.kind == .title })
        #expect((8..<16).allSatisfy { synth.text(ofFrame: $0)?.kind == .subtitles })
        #expect((16..<24).allSatisfy { synth.text(ofFrame: $0) == nil })
        #expect(synth.text(ofFrame: 24)?.kind == .title)
        #expect(synth.greyCard == nil && synth.colorChart.isEmpty)
        #expect(try FilmSynthesizer(kind: .grain).text(ofFrame: 0) == nil)
    }

    /// The text is burned in: only the pixels it covers change, strokes bright, the outline dark.
    @Test(arguments: [3, 9, 33])
    func textChangesOnlyThePixelsItCovers(index: Int) throws {
        let synth = try FilmSynthesizer(width: 480, height: 270, bitDepth: 10, kind: .titles, seed: 2)
        let with = synth.frame(index), without = synth.frame(index, withText: false)
        let text = try #require(synth.text(ofFrame: index))
        let layer = text.text.layer(width: 480, height: 270)
        var strokes = 0, outline = 0
        for i in 0..<with.planeSize {
            let luma = (0..<3).map { Int(with.samples[$0 * with.planeSize + i]) }.reduce(0, +) / 3
            switch BurnedInText.Coverage(rawValue: layer[i]) {
            case .stroke:
                strokes += 1
                #expect(luma > 600, "stroke at \(i): \(luma)")
            case .outline:
                outline += 1
                #expect(luma < 120, "outline at \(i): \(luma)")
            default:
                #expect((0..<3).allSatisfy { with.samples[$0 * with.planeSize + i] == without.samples[$0 * with.planeSize + i] })
            }
        }
        #expect(strokes > 200)
        #expect(text.kind == .title ? outline == 0 : outline > strokes / 2)
        if text.kind == .subtitles {
            #expect(text.text.y > 270 * 7 / 10 && text.text.y + 7 * text.text.scale <= 270 * 92 / 100)
        }
    }
}
