import Foundation
import Formats
import ImageCore
import TestSupport
import Testing
@testable import Engine

@Suite("Analysis finds title cards and subtitles")
struct TextDetectorTests {
    /// A `titles` reel: frames 0–7 are a title card, 8–15 white subtitles, 16–23 no
    /// text, 32–39 yellow subtitles.
    static func reel(width: Int = 480, height: Int = 270, bitDepth: Int = 10, seed: UInt64 = 3) throws -> FilmSynthesizer {
        try FilmSynthesizer(width: width, height: height, bitDepth: bitDepth, kind: .titles, seed: seed)
    }

    @Test("a synthetic title card reads \"title\"; the same card without text reads none",
          arguments: [(480, 270, 10), (1024, 540, 12), (320, 240, 16)])
    func titleCards(width: Int, height: Int, bitDepth: Int) throws {
        let synth = try Self.reel(width: width, height: height, bitDepth: bitDepth)
        #expect(synth.text(ofFrame: 3)?.kind == .title)
        let card = FrameAnalyzer.analyze(synth.frame(3)).features
        #expect(card.textKind == "title", "score \(card.textScore ?? -1)")
        #expect(card.contentType == "colour+title")
        let band = try #require(card.textBand)
        #expect(band.top > 0.3 && band.bottom < 0.7, "\(band)")   // centred lines
        let blank = FrameAnalyzer.analyze(synth.frame(3, withText: false)).features
        #expect(blank.textKind == nil, "score \(blank.textScore ?? -1)")
        #expect(blank.contentType == "colour")
    }

    @Test("synthetic subtitles (white and yellow) read \"subtitles\" in the lower part; the same picture without them reads none",
          arguments: [(8, 10), (13, 12), (33, 10)])
    func subtitles(index: Int, bitDepth: Int) throws {
        let synth = try Self.reel(bitDepth: bitDepth)
        #expect(synth.text(ofFrame: index)?.kind == .subtitles)
        let with = FrameAnalyzer.analyze(synth.frame(index)).features
        #expect(with.textKind == "subtitles", "score \(with.textScore ?? -1)")
        #expect(with.contentType == "colour+subtitles")
        let band = try #require(with.textBand)
        #expect(band.top > 0.7 && band.bottom <= 0.95, "\(band)")
        let without = FrameAnalyzer.analyze(synth.frame(index, withText: false)).features
        #expect(without.textKind == nil, "score \(without.textScore ?? -1)")
        #expect(try #require(without.textScore) < 1)
    }

    @Test("the plain shots of a titles reel read no text", arguments: [16, 20, 40])
    func plainShots(index: Int) throws {
        let synth = try Self.reel()
        #expect(synth.text(ofFrame: index) == nil)
        let f = FrameAnalyzer.analyze(synth.frame(index)).features
        #expect(f.textKind == nil, "score \(f.textScore ?? -1)")
    }

    @Test("no text in the other synthetic kinds", arguments: [FilmSynthesizer.Kind.grain, .bw, .gradient, .action])
    func otherKinds(kind: FilmSynthesizer.Kind) throws {
        let synth = try FilmSynthesizer(width: 480, height: 270, bitDepth: 10, kind: kind, seed: 7)
        for index in [0, 5, 9] {
            let f = FrameAnalyzer.analyze(synth.frame(index)).features
            #expect(f.textKind == nil, "\(kind) frame \(index): score \(f.textScore ?? -1)")
            #expect(f.contentType == (kind == .bw ? "bw" : "colour"))
        }
    }

    static let corpusFrames = Corpus.files(in: "photos", suffix: ".dpx") + Corpus.files(in: "photos", suffix: ".tif")
        + Corpus.files(in: "sequence", suffix: ".dpx")

    @Test("no text in any real corpus photo or sequence frame", arguments: corpusFrames)
    func noFalsePositivesOnTheCorpus(file: String) throws {
        let pixels = try ImageFile.read(contentsOf: Corpus.url(file)).pixels
        let result = TextDetector.detect(pixels, noiseSigma: FrameAnalyzer.analyze(pixels).features.noiseSigma)
        #expect(result.kind == nil, "\(file): score \(result.score)")
        #expect(result.score < 1)
    }

    @Test("the corpus is there (the false-positive test is not empty)")
    func corpusPresent() {
        #expect(Self.corpusFrames.count >= 20)
    }

    @Test("subtitles burned into a real photo read \"subtitles\"; the photo itself reads none",
          arguments: ["photos/StillLife_log10.dpx", "photos/Cannon_log10.dpx", "photos/Carrots_bw_log10.dpx"])
    func subtitlesOnARealPhoto(file: String) throws {
        var pixels = try ImageFile.read(contentsOf: Corpus.url(file)).pixels
        #expect(FrameAnalyzer.analyze(pixels).features.textKind == nil)
        let text = BurnedInText.subtitles(["I TOLD YOU, NOT TODAY."], width: pixels.width, height: pixels.height)
        let white = UInt16(pixels.maxValue * 92 / 100), dark = UInt16(pixels.maxValue * 6 / 100)
        text.burn(into: &pixels, fill: [white], outlineCode: [dark])
        let f = FrameAnalyzer.analyze(pixels).features
        #expect(f.textKind == "subtitles", "score \(f.textScore ?? -1)")
        #expect(f.contentType == (f.monochrome ? "bw+subtitles" : "colour+subtitles"))
    }

    @Test("a title card of dark text on a light background reads \"title\"")
    func darkOnLight() throws {
        var pixels = try PixelBuffer(width: 640, height: 360, channels: 1, bitDepth: 10)
        var rng = SeededRandom(seed: 5)
        for i in 0..<pixels.samples.count { pixels.samples[i] = UInt16(820 + Int(rng.next() % 9)) }
        BurnedInText.titleCard(["THE END"], width: 640, height: 360).burn(into: &pixels, fill: [90])
        let f = FrameAnalyzer.analyze(pixels).features
        #expect(f.textKind == "title", "score \(f.textScore ?? -1)")
        #expect(f.contentType == "bw+title")
    }

    @Test("features recorded before text was looked for still decode, with no text")
    func olderFeaturesDecode() throws {
        let f = FrameAnalyzer.analyze(try Self.reel().frame(3)).features
        #expect(f.textKind != nil)
        var object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(f)) as? [String: Any])
        for key in ["textKind", "textScore", "textBand"] { #expect(object.removeValue(forKey: key) != nil) }
        let old = try JSONDecoder().decode(FrameFeatures.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.textKind == nil && old.textScore == nil && old.textBand == nil)
        #expect(old.contentType == "colour")
        #expect(old.noiseSigma == f.noiseSigma && old.bitsUsed == f.bitsUsed)
        // And the new keys round-trip.
        #expect(try JSONDecoder().decode(FrameFeatures.self, from: JSONEncoder().encode(f)) == f)
    }

    @Test("the catalog records each frame's content type with the text found")
    func catalogContentType() throws {
        let dir = try TemporaryDirectory("text-catalog"); defer { dir.remove() }
        let catalog = try Catalog(url: dir.url.appendingPathComponent("reelpack.sqlite"))
        let run = try catalog.beginRun(settings: "{}", note: nil, toolVersion: "test")
        let synth = try Self.reel()
        for (index, name) in [(2, "card.dpx"), (9, "subtitled.dpx"), (17, "plain.dpx")] {
            let frame = synth.frame(index)
            let id = try catalog.registerFrame(.init(name: name, sequenceNumber: index, sourcePath: name), runID: run)
            let info = FrameSourceInfo(sourceBytes: 1, sourceSHA256: "", format: "dpx", width: frame.width,
                                       height: frame.height, channels: 3, bitDepth: 10, metadata: FrameMetadata())
            try catalog.recordSource(frameID: id, report: info, features: FrameAnalyzer.analyze(frame).features)
        }
        #expect(try catalog.count("frames", where: "name = 'card.dpx' AND contentType = 'colour+title'") == 1)
        #expect(try catalog.count("frames", where: "name = 'subtitled.dpx' AND contentType = 'colour+subtitles'") == 1)
        #expect(try catalog.count("frames", where: "name = 'plain.dpx' AND contentType = 'colour'") == 1)
    }

    @Test("black leader with grain, dust specks and a scratch is not a title card")
    func dustOnBlack() throws {
        var pixels = try PixelBuffer(width: 640, height: 360, channels: 3, bitDepth: 10)
        var rng = SeededRandom(seed: 11)
        let n = pixels.planeSize
        for i in 0..<pixels.samples.count { pixels.samples[i] = UInt16(60 + Int(rng.next() % 7)) }
        for _ in 0..<40 {   // specks of 1–4 pixels
            let x = Int(rng.next() % 630), y = Int(rng.next() % 350), size = 1 + Int(rng.next() % 4)
            for dy in 0..<size { for dx in 0..<size { for c in 0..<3 { pixels.samples[c * n + (y + dy) * 640 + x + dx] = 900 } } }
        }
        for y in 0..<360 { for c in 0..<3 { pixels.samples[c * n + y * 640 + 417] = 800 } }   // a scratch down the frame
        let f = FrameAnalyzer.analyze(pixels).features
        #expect(f.textKind == nil, "score \(f.textScore ?? -1)")
    }
}
