import Foundation

/// How one output fared in `verify` or `restore` (the JSON and text say the raw value).
public enum CheckStatus: String, Sendable, Codable {
    /// Every check passed (verify), or the frame was restored (restore).
    case ok
    /// A check failed, or the frame could not be restored.
    case failed
    /// A check could not run (the machine's resources, a library that would not start):
    /// the output is neither passed nor failed.
    case notChecked = "not checked"
}
