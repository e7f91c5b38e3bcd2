import Foundation

/// The cores a batch's frames share: each library call of a frame (a codec, a measure)
/// takes the cores divided by the frames in flight at that moment.
///
/// With `--jobs` frames in flight each gets its share, as a fixed count would give; but
/// while fewer are in flight (a run's first frame runs alone so the others start warm;
/// the last frames of a reel; a single frame) the idle cores go to the frames still
/// running, instead of waiting. Results do not depend on it: every measure gives the
/// same figures with any thread count.
final class CoreShare: @unchecked Sendable {
    /// The cores shared.
    let cores: Int
    private let lock = NSLock()
    private var inFlight = 0

    init(cores: Int) {
        self.cores = max(1, cores)
    }

    /// Threads a library call may use now: the cores over the frames in flight.
    var threads: Int {
        lock.withLock { max(1, cores / max(1, inFlight)) }
    }

    /// Counts a frame in flight until `body` returns.
    func frame<T>(_ body: () async throws -> T) async rethrows -> T {
        lock.withLock { inFlight += 1 }
        defer { lock.withLock { inFlight -= 1 } }
        return try await body()
    }
}
