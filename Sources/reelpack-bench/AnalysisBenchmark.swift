import Codecs
import Engine
import Foundation
import Formats
import ImageCore
import Metrics
import TestSupport

/// `analysis`: time of `FrameAnalyzer.analyze` on 2K frames, with and without the text
/// detector (`TextDetector.detect` timed alone and subtracted), against one lossless
/// HTJ2K encode of the same frame in the same run (analysis should cost a fraction of it).
/// Also the grain estimate alone (`noiseSigma` on every colour channel), which the
/// engine runs on every decoded candidate for grain retention, against one HTJ2K
/// decode of a mid lossy encode (a candidate's decode).
enum AnalysisBenchmark {
    static func run() throws {
        let titles = try FilmSynthesizer(width: 2048, height: 1080, bitDepth: 10, kind: .titles, seed: 7)
        let grain = try FilmSynthesizer(width: 2048, height: 1080, bitDepth: 10, kind: .grain, seed: 7)
        var inputs: [(String, PixelBuffer)] = [
            ("titles card 2048x1080", titles.frame(0)), ("titles subtitles 2048x1080", titles.frame(8)),
            ("titles plain 2048x1080", titles.frame(16)), ("grain 2048x1080", grain.frame(0)),
        ]
        if let beachball = try? ImageFile.read(contentsOf: Corpus.url("sequence/beachball_0001.dpx")).pixels {
            inputs.append(("beachball_0001 2048x1556", beachball))
        }
        let codec = try CodecRegistry.codec(.htj2k)
        print("frame                        text        score  analyze s  text s  without text s  text share  htj2k lossless s  analyze/encode  grain s  htj2k decode s  grain/decode")
        for (name, pixels) in inputs {
            var features: FrameFeatures?
            let analyze = best { features = FrameAnalyzer.analyze(pixels).features }
            let noise = features?.noiseSigma ?? 0
            let detect = best { _ = TextDetector.detect(pixels, noiseSigma: noise) }
            var bytes = 0
            let encode = try bestThrowing { bytes = try codec.encode(pixels, mode: .lossless).count }
            let grain = best { _ = GrainEstimate(pixels, threads: 1) }
            let lossy = try codec.encode(pixels, mode: .lossy(quality: 5))
            let decode = try bestThrowing { _ = try codec.decode(lossy) }
            print(String(format: "%@ %@ %6.2f  %9.3f  %6.3f  %14.3f  %9.1f %%  %16.3f  %14.2f  %7.3f  %14.3f  %12.2f  [%d]",
                         name.padding(toLength: 28, withPad: " ", startingAt: 0),
                         (features?.textKind ?? "-").padding(toLength: 10, withPad: " ", startingAt: 0),
                         features?.textScore ?? 0, analyze, detect, analyze - detect, 100 * detect / analyze,
                         encode, analyze / encode, grain, decode, grain / decode, bytes))
        }
    }

    /// Best wall time of three runs, in seconds.
    private static func best(_ body: () -> Void) -> Double {
        var fastest = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return fastest
    }

    private static func bestThrowing(_ body: () throws -> Void) throws -> Double {
        var fastest = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return fastest
    }
}
