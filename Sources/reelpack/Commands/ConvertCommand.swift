import ArgumentParser

/// `reelpack convert` (placeholder until implemented).
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "convert", abstract: "Not available yet.")

    func run() throws {
        throw ValidationError("`convert` is not available yet")
    }
}
