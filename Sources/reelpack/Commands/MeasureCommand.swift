import ArgumentParser

/// `reelpack measure` (placeholder until implemented).
struct MeasureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "measure", abstract: "Not available yet.")

    func run() throws {
        throw ValidationError("`measure` is not available yet")
    }
}
