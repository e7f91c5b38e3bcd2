import ArgumentParser

/// `reelpack synth` (placeholder until implemented).
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "synth", abstract: "Not available yet.")

    func run() throws {
        throw ValidationError("`synth` is not available yet")
    }
}
