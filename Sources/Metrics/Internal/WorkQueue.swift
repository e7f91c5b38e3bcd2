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

extension WorkQueue {
    /// Runs `body(i)` for every `i` in `0..<count` on at most `workers` threads, each
    /// index exactly once; returns when all are done.
    static func forEach(count: Int, workers: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let threads = min(max(1, workers), count)
        if threads <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        let queue = WorkQueue(count: count)
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while let i = queue.next() { body(i) }
        }
    }
}
