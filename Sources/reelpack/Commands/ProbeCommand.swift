import ArgumentParser

/// `reelpack probe` (placeholder until implemented).
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "probe", abstract: "Not available yet.")

    func run() throws {
        throw ValidationError("`probe` is not available yet")
    }
}
