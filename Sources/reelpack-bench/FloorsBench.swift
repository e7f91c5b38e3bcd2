import Codecs
import Dispatch
import Foundation
import ImageCore
import Metrics
import TestSupport

/// `reelpack-bench floors`: what measuring one candidate against every floor costs, next
/// to one HTJ2K encode + decode of the same 4K 12-bit frame, in one run: SSIM + tile floor
/// + PSNR, grain retention (per tile, against the source's kept band), CAMBI of the
/// candidate, and SSIMULACRA 2 (only when asked for). Best of three, with 1 and 2 threads.
/// The once-a-frame work (the source's grain band and its CAMBI) is timed too.
enum FloorsBench {
    static func run() throws {
        let width = 4096, height = 2160
        let synth = try FilmSynthesizer(width: width, height: height, bitDepth: 12, kind: .grain, seed: 11)
        let source = synth.frame(0)
        let codec = HTJ2KCodec()
        let quality = 9.0   // about where C1 with its grain floor lands on this reel
        var decoded = source
        let codecSeconds = best {
            decoded = try! codec.decode(try! codec.encode(source, mode: .lossy(quality: quality))).pixels
        }
        print(String(format: "4096×2160×3 12-bit grain frame; HTJ2K encode + decode at quality %.0f: %.3f s (the unit below)",
                     quality, codecSeconds))
        for threads in [1, 2] {
            var reference: GrainReference?
            let referenceSeconds = best { reference = GrainReference(source: source, threads: threads) }
            let sourceCAMBI = best { _ = CAMBI.measure(source, threads: threads) }
            let ssim = best { _ = try! QualityMetrics.measure(reference: source, test: decoded, threads: threads) }
            let grain = best { _ = try! reference!.retention(decoded: decoded, threads: threads) }
            let cambi = best { _ = CAMBI.measure(decoded, threads: threads) }
            let ssimulacra2 = best {
                _ = try! SSIMULACRA2.score(reference: source, test: decoded, transform: .rec709, threads: threads)
            }
            let perCandidate = ssim + grain + cambi
            print(String(format: "%d thread(s): SSIM+tile+PSNR %.3f s, grain retention %.3f s, CAMBI %.3f s: %.3f s a candidate = %.2f× the encode + decode",
                         threads, ssim, grain, cambi, perCandidate, perCandidate / codecSeconds))
            print(String(format: "             once a frame: source grain band %.3f s, source CAMBI %.3f s; SSIMULACRA 2 (when a floor) %.3f s",
                         referenceSeconds, sourceCAMBI, ssimulacra2))
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
}
