import Foundation
import ImageCore
import TestSupport

/// `synth`: frames per second of `FilmSynthesizer` at 2048×1080 10-bit, one core and
/// all cores, against ffmpeg's lavfi generating the same number of noisy 10-bit RGB
/// frames (`testsrc2` + temporal `noise`) into the null muxer in the same run.
enum SynthBenchmark {
    static func run() throws {
        let frames = 24
        for kind in FilmSynthesizer.Kind.allCases {
            let synth = try FilmSynthesizer(width: 2048, height: 1080, bitDepth: 10, kind: kind, seed: 7)
            let start = Date()
            var checksum = 0
            for i in 0..<frames { checksum &+= Int(synth.frame(i).samples[4096]) }
            let single = Date().timeIntervalSince(start)
            print(String(format: "synth %@ %d frames 2048x1080x3 10-bit, 1 thread: %.2f s (%.1f fps)  [%d]",
                         kind.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0), frames, single, Double(frames) / single, checksum))
        }
        let synth = try FilmSynthesizer(width: 2048, height: 1080, bitDepth: 10, kind: .grain, seed: 7)
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let start = Date()
        DispatchQueue.concurrentPerform(iterations: frames) { i in _ = synth.frame(i) }
        let parallel = Date().timeIntervalSince(start)
        print(String(format: "synth grain    %d frames, %d threads: %.2f s (%.1f fps)", frames, threads, parallel,
                     Double(frames) / parallel))

        let ffStart = Date()
        try ExternalTool.run([
            "ffmpeg", "-v", "error", "-f", "lavfi", "-i",
            "testsrc2=size=2048x1080:rate=24,format=gbrp10le,noise=alls=12:allf=t",
            "-frames:v", "\(frames)", "-f", "null", "-",
        ])
        let ffmpeg = Date().timeIntervalSince(ffStart)
        print(String(format: "ffmpeg lavfi testsrc2+noise %d frames gbrp10: %.2f s (%.1f fps)", frames, ffmpeg,
                     Double(frames) / ffmpeg))
        print(String(format: "ratio synth(%d threads) / ffmpeg time: %.2f", threads, parallel / ffmpeg))
    }
}
