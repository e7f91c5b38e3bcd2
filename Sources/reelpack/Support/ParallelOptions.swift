import ArgumentParser
import Engine
import Foundation

/// `--jobs`: how many frames a command works on at once.
struct JobOptions: ParsableArguments {
    @Option(help: "Frames worked on at once, at most \(ThreadOption.maximum) (default: the number of cores).")
    var jobs: Int?

    func validate() throws { try ThreadOption.validate(jobs, name: "--jobs") }

    /// The jobs asked for, or the number of cores.
    var count: Int { jobs ?? ProcessInfo.processInfo.activeProcessorCount }
}

/// `--threads`: the library threads a command uses in all, shared by its jobs.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Library threads in all, shared by the frames worked on at once, at most \(ThreadOption.maximum) (default: the number of cores).")
    var threads: Int?

    func validate() throws { try ThreadOption.validate(threads) }

    /// The threads asked for, or the number of cores.
    var count: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }
}

/// `--profile` takes a profile's name in any case (`c1` is `C1`).
extension Profile: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
}

/// `--codec` takes `auto` or a codec's name in any case.
extension CodecChoice: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}
