// reelpack-bench: performance measured against reference tools in the same run.
// Each benchmark prints its own figures and its ratio to the reference.
import Foundation

let benchmarks: [String: () throws -> Void] = [
    "tiff": tiffBenchmark,
    "dpx": DPXBench.run,
    "metrics": MetricsBench.run,
    "synth": SynthBenchmark.run,
    "codecs": CodecBench.run,
    "engine": EngineBench.run,
    "jxl": JPEGXLBenchmark.run,
    "analysis": AnalysisBenchmark.run,
    "cambi": CAMBIBench.run,
    "ssimulacra2": SSIMULACRA2Bench.run,
    "compare": CompareBench.run,
    "floors": FloorsBench.run,
    "review": ReviewBench.run,
    "queue": QueueBench.run,
    "throughput": ThroughputBench.run,
    "stages": StageBench.run,
    "cold": ColdStartBench.run,
]

// `reelpack-bench NAME... [--option value ...]`: options after the names go to the
// benchmarks that take them (`throughput`, `stages`).
let requested = Array(CommandLine.arguments.dropFirst())
let firstOption = requested.firstIndex { $0.hasPrefix("--") } ?? requested.endIndex
let benchArguments = Array(requested[firstOption...])
let names = firstOption == 0 ? benchmarks.keys.sorted().filter { !["throughput", "stages", "cold"].contains($0) }
    : Array(requested[..<firstOption])
for name in names {
    guard let run = benchmarks[name] else {
        FileHandle.standardError.write(Data("unknown benchmark \(name); known: \(benchmarks.keys.sorted())\n".utf8))
        exit(2)
    }
    print("== \(name)")
    try run()
}
