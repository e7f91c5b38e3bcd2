import Foundation
import ImageCore
import TestSupport

/// `synth`: frames per second of `FilmSynthesizer` at 2048×1080 10-bit, one thread and
/// all cores, against ffmpeg's lavfi generating the same number of noisy 10-bit RGB
/// frames (`testsrc2` + temporal `noise`) into the null muxer in the same run. Wall
/// and CPU time are both printed: on a shared machine wall time alone misleads.
enum SynthBenchmark {
    static func run() throws {
        let frames = 24
        for kind in FilmSynthesizer.Kind.allCases {
            let synth = try FilmSynthesizer(width: 2048, height: 1080, bitDepth: 10, kind: kind, seed: 7)
            var checksum = 0
            let (wall, cpu) = measure {
                for i in 0..<frames { checksum &+= Int(synth.frame(i).samples[4096]) }
            }
            print(String(format: "synth %@ %d frames 2048x1080x3 10-bit, 1 thread: wall %.2f s (%.1f fps), CPU %.2f s  [%d]",
                         kind.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0), frames, wall,
                         Double(frames) / wall, cpu, checksum))
        }
        let synth = try FilmSynthesizer(width: 2048, height: 1080, bitDepth: 10, kind: .grain, seed: 7)
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let (wall, cpu) = measure {
            DispatchQueue.concurrentPerform(iterations: frames) { i in _ = synth.frame(i) }
        }
        print(String(format: "synth grain    %d frames, %d threads: wall %.2f s (%.1f fps), CPU %.2f s", frames, threads,
                     wall, Double(frames) / wall, cpu))

        let (ffWall, _) = try measureThrowing {
            try ExternalTool.run([
                "ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                "testsrc2=size=2048x1080:rate=24,format=gbrp10le,noise=alls=12:allf=t",
                "-frames:v", "\(frames)", "-f", "null", "-",
            ])
        }
        print(String(format: "ffmpeg lavfi testsrc2+noise %d frames gbrp10: wall %.2f s (%.1f fps)", frames, ffWall,
                     Double(frames) / ffWall))
        print(String(format: "ratio synth (%d threads) / ffmpeg wall time: %.2f", threads, wall / ffWall))
    }

    /// CPU time of the process, all threads.
    private static func cpuSeconds() -> Double {
        Double(clock()) / Double(CLOCKS_PER_SEC)
    }

    private static func measure(_ body: () -> Void) -> (wall: Double, cpu: Double) {
        let cpu0 = cpuSeconds(), start = Date()
        body()
        return (Date().timeIntervalSince(start), cpuSeconds() - cpu0)
    }

    private static func measureThrowing(_ body: () throws -> Void) throws -> (wall: Double, cpu: Double) {
        let cpu0 = cpuSeconds(), start = Date()
        try body()
        return (Date().timeIntervalSince(start), cpuSeconds() - cpu0)
    }
}
