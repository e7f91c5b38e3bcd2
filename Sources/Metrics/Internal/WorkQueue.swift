import Foundation

/// Hands out work indices 0..<count to concurrent workers, each exactly once.
final class WorkQueue: @unchecked Sendable {
    // `@unchecked Sendable`: `nextIndex` is only touched with `lock` held.
    private let lock = NSLock()
    private var nextIndex = 0
    private let count: Int

    init(count: Int) { self.count = count }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard nextIndex < count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }
}
