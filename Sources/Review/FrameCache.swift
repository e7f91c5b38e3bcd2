import Foundation
import ImageCore

/// A small least-recently-used cache of decoded frames, so that panning across a 4K
/// frame or flicking between views decodes each file once.
///
/// Bounded by bytes (a 4K 3-channel frame is 53 MB of samples), not entries. Two
/// requests for a frame being decoded wait for the one decode. Decoding runs on a
/// Dispatch queue, off the cooperative pool, since codec calls block.
public actor FrameCache {
    /// What a frame is cached under: the source of a frame, or its output in one folder.
    public enum Key: Hashable, Sendable {
        case source(frame: Int)
        case output(frame: Int, output: Int)
    }

    /// Largest total of cached samples, in bytes.
    public let capacity: Int
    private var entries: [Key: (frame: DecodedFrame, used: UInt64)] = [:]
    private var inFlight: [Key: Task<DecodedFrame, any Error>] = [:]
    private var clock: UInt64 = 0
    /// Number of decodes run (for tests and the benchmark: a hit runs none).
    public private(set) var decodes = 0

    /// A cache holding at most `capacity` bytes of samples (default 1 GiB: about 18
    /// decoded 4K 12-bit RGB frames, or 6 source/output pairs of 3 folders).
    public init(capacity: Int = 1 << 30) { self.capacity = capacity }

    /// The frame under `key`, decoded by `load` when not cached.
    public func frame(_ key: Key, load: @escaping @Sendable () throws -> DecodedFrame) async throws -> DecodedFrame {
        clock += 1
        if let hit = entries[key] {
            entries[key]?.used = clock
            return hit.frame
        }
        if let running = inFlight[key] { return try await running.value }
        decodes += 1
        let task = Task<DecodedFrame, any Error> {
            try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global(qos: .userInitiated).async {
                    continuation.resume(with: Result { try load() })
                }
            }
        }
        inFlight[key] = task
        defer { inFlight[key] = nil }
        let frame = try await task.value
        clock += 1
        entries[key] = (frame, clock)
        evict()
        return frame
    }

    /// Drops the least recently used frames until the total fits (the newest always stays).
    private func evict() {
        var total = entries.values.reduce(0) { $0 + $1.frame.pixels.samples.count * 2 }
        while total > capacity, entries.count > 1,
              let oldest = entries.min(by: { $0.value.used < $1.value.used }) {
            total -= oldest.value.frame.pixels.samples.count * 2
            entries[oldest.key] = nil
        }
    }

    /// Keys cached now (for tests).
    public var cachedKeys: Set<Key> { Set(entries.keys) }
}
