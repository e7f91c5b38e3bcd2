import Dispatch
import Foundation

/// Blocking per-frame work (decode, measure, write) over many items, a bounded number
/// at a time, for `verify` and `restore`: each job holds a frame or two in memory, so
/// `jobs` bounds the memory as well as the threads.
enum ParallelWork {
    /// `body` applied to every item, at most `jobs` at once, results in the items'
    /// order. `progress` is called after each item with (done, total), one call at a
    /// time (never concurrently), from the worker threads.
    static func map<Item: Sendable, Output: Sendable>(_ items: [Item], jobs: Int,
                                                      progress: ((Int, Int) -> Void)? = nil,
                                                      _ body: @escaping @Sendable (Item) -> Output) -> [Output] {
        let state = State<Output>(count: items.count, progress: progress)
        DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, items.count))) { _ in
            while let i = state.next() {
                state.finish(i, body(items[i]))
            }
        }
        return state.results
    }

    /// Library threads for each job when `threads` in all are shared by the jobs that
    /// actually run on `items` items (at least one).
    static func threadsPerJob(_ threads: Int, jobs: Int, items: Int) -> Int {
        min(maximumThreads, max(1, threads / max(1, min(jobs, items))))
    }

    /// Most library threads or jobs a command takes: the codec libraries' thread pools
    /// fail to start far beyond it (`--threads 100000`), which is a resource error, not
    /// a verdict on a frame.
    static let maximumThreads = 256

    /// The items still to take and the results so far, shared by the jobs.
    // @unchecked Sendable: every mutable property is read and written under `lock`
    // only, and the caller's `progress` is called under it too (one call at a time).
    private final class State<Output>: @unchecked Sendable {
        private let lock = NSLock()
        private var nextIndex = 0
        private var done = 0
        private let count: Int
        private let progress: ((Int, Int) -> Void)?
        private var stored: [Output?]

        init(count: Int, progress: ((Int, Int) -> Void)?) {
            self.count = count
            self.progress = progress
            stored = Array(repeating: nil, count: count)
        }

        /// Every result, in order (read once all jobs have finished).
        var results: [Output] { lock.withLock { stored.map { $0! } } }

        /// The next item to work on, or nil when all are taken.
        func next() -> Int? {
            lock.withLock {
                guard nextIndex < count else { return nil }
                defer { nextIndex += 1 }
                return nextIndex
            }
        }

        /// Stores item `i`'s result and reports progress.
        func finish(_ i: Int, _ output: Output) {
            lock.withLock {
                stored[i] = output
                done += 1
                progress?(done, count)
            }
        }
    }
}
