import Dispatch
import Engine

/// Runs async work to completion from the benchmarks' synchronous entry points.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        done.signal()
    }
    done.wait()
    guard let result = box.result else { throw EngineError(.unavailable, "no result") }
    return try result.get()
}

/// `blocking` for work that cannot throw.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    try! blocking { () async throws -> T in await body() }
}

/// The result handed from the task to the waiting thread; the semaphore orders the
/// write before the read, so the unchecked Sendable is safe.
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
