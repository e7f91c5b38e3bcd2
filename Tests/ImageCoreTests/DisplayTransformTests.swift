import ImageCore
import Testing

@Suite struct DisplayTransformTests {
    /// Display values of a 10-bit Cineon frame at reference black and white: 0 and 1
    /// (the conversion is defined to hit them; 1e-9 allows for floating point only).
    @Test func cineonBlackAndWhitePointsMapToDisplayBlackAndWhite() {
        let t = DisplayTransform.cineonLog
        #expect(abs(t.displayValue(code: 95, bitDepth: 10)) < 1e-9)
        #expect(abs(t.displayValue(code: 685, bitDepth: 10) - 1) < 1e-9)
        // Below black and above white clip.
        #expect(t.displayValue(code: 0, bitDepth: 10) == 0)
        #expect(t.displayValue(code: 1023, bitDepth: 10) == 1)
        // 18 % grey of the Kodak conversion sits at code 470 (0.43 printing density below white):
        // linear ≈ 0.18, Rec.709 ≈ 0.41.
        let grey = t.displayValue(code: 470, bitDepth: 10)
        #expect(abs(grey - 0.41) < 0.01, "18 % grey shows as \(grey)")
    }

    @Test(arguments: DisplayTransform.Kind.allCases, [8, 10, 12, 16])
    func displayValuesRiseWithTheCode(kind: DisplayTransform.Kind, bitDepth: Int) {
        let table = DisplayTransform(kind).lookupTable(bitDepth: bitDepth)
        #expect(table.count == 1 << bitDepth)
        #expect(zip(table, table.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(table.first == 0 && table.last == 1)
        // Strictly rising where the picture is not clipped.
        let black = Int(Double(table.count - 1) * 95 / 1023) + 1, white = Int(Double(table.count - 1) * 685 / 1023)
        let range = kind == .cineonLog ? black..<white : 0..<(table.count - 1)
        #expect(range.allSatisfy { table[$0] < table[$0 + 1] })
    }

    /// One picture stored at 10, 12 and 16 bits (codes scaled by the depth's maximum,
    /// rounded) shows the same. Rounding to 12 bits moves a code by up to 1/8 of a 10-bit
    /// code, and the log curve's steepest slope (at white) is 0.0038 of display range a
    /// 10-bit code: 0.0005 at most, so 0.001 allows for that and nothing more.
    @Test(arguments: DisplayTransform.Kind.allCases)
    func bitDepthsOfOnePictureShowTheSame(kind: DisplayTransform.Kind) {
        let t = DisplayTransform(kind)
        var worst = 0.0
        for code10 in 0...1023 {
            let v10 = t.displayValue(code: code10, bitDepth: 10)
            for depth in [12, 16] {
                let code = Int((Double(code10) * Double((1 << depth) - 1) / 1023).rounded())
                worst = max(worst, abs(t.displayValue(code: code, bitDepth: depth) - v10))
            }
        }
        #expect(worst < 0.001, "largest difference \(worst)")
    }

    @Test func transferNamesChooseTheTransformAndAnOverrideWins() {
        var m = FrameMetadata()
        #expect(DisplayTransform.forFrame(metadata: nil) == .rec709)
        #expect(DisplayTransform.forFrame(metadata: m) == .rec709)
        for name in ["printing density", "logarithmic", "Cineon log"] {
            m.transfer = name
            #expect(DisplayTransform.forFrame(metadata: m) == .cineonLog, "\(name)")
        }
        for name in ["Rec. 709", "linear", "SMPTE 274M", "user-defined"] {
            m.transfer = name
            #expect(DisplayTransform.forFrame(metadata: m) == .rec709, "\(name)")
        }
        m.transfer = "printing density"
        #expect(DisplayTransform.forFrame(metadata: m, override: .rec709) == .rec709)
        #expect(DisplayTransform.cineonLog.name == "Cineon log → Rec.709")
        #expect(DisplayTransform.rec709.name == "Rec.709 as is")
    }

    /// The 8-bit fast path gives the rounded display values of the rectangle's pixels,
    /// and grey frames come out as R = G = B.
    @Test(arguments: [1, 3])
    func rgb8TilesAreTheRoundedDisplayValuesOfTheRectangle(channels: Int) throws {
        var frame = try PixelBuffer(width: 7, height: 5, channels: channels, bitDepth: 10)
        for i in frame.samples.indices { frame.samples[i] = UInt16((i * 37) % 1024) }
        let t = DisplayTransform.cineonLog
        let tile = t.renderRGB8(frame, x: 2, y: 1, width: 4, height: 3)
        #expect(tile.count == 4 * 3 * 3)
        for row in 0..<3 {
            for col in 0..<4 {
                for c in 0..<3 {
                    let code = frame[2 + col, 1 + row, channels == 1 ? 0 : c]
                    let expected = UInt8((t.displayValue(code: Int(code), bitDepth: 10) * 255).rounded())
                    #expect(tile[(row * 4 + col) * 3 + c] == expected)
                }
            }
        }
    }
}
