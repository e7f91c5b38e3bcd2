import Foundation

/// One of N static shards of a run (DESIGN.md §8): shard K takes the K-th of N
/// contiguous blocks of the sorted frame list, so frames of a shot stay together and
/// start warm from the frame before them; only a block's first frame starts cold.
/// Block sizes differ by at most one frame. No server is needed: every shard computes
/// its block from the same listing, and `merge` checks that the blocks cover the reel.
public struct Shard: Sendable, Codable, Hashable, CustomStringConvertible {
    /// K, from 1 to `count`.
    public let index: Int
    /// N, the number of shards the reel is cut into.
    public let count: Int

    /// Shard `index` of `count`.
    /// - Throws: `EngineError.usage` unless 1 ≤ index ≤ count.
    public init(index: Int, count: Int) throws {
        guard count >= 1 else { throw EngineError(.usage, "a reel is cut into at least 1 shard (asked: \(count))") }
        guard (1...count).contains(index) else {
            throw EngineError(.usage, "shard \(index) of \(count) does not exist: K runs from 1 to \(count)")
        }
        self.index = index
        self.count = count
    }

    /// `K/N`, as `--shard` takes it.
    public var description: String { "\(index)/\(count)" }

    /// The catalog's file name under OUT/shards: `shard-0003-of-0008.sqlite` (zero-padded,
    /// so the shards of a reel sort in order).
    public var catalogName: String { String(format: "shard-%04d-of-%04d.sqlite", index, count) }

    /// The positions (0-based, in the sorted frame list) of this shard's block of a
    /// reel of `total` frames: the first `total % count` blocks hold one frame more.
    /// Empty when the reel has fewer frames than shards and this is a later one.
    public func block(of total: Int) -> Range<Int> {
        let base = total / count, extra = total % count
        let start = (index - 1) * base + min(index - 1, extra)
        return start..<(start + base + (index - 1 < extra ? 1 : 0))
    }

    /// The shard whose block holds `position` in a reel of `total` frames cut into `count`.
    public static func owner(of position: Int, total: Int, count: Int) -> Int {
        let base = total / count, extra = total % count
        let big = extra * (base + 1)   // positions held by the blocks one frame larger
        return position < big ? position / (base + 1) + 1 : extra + (position - big) / max(base, 1) + 1
    }

    /// Parses `K/N`.
    /// - Throws: `EngineError.usage` saying what the form is.
    public static func parse(_ text: String) throws -> Shard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let n = Int(parts[1].trimmingCharacters(in: .whitespaces)) else {
            throw EngineError(.usage, "--shard takes K/N (for example 3/8: the third of eight blocks) or auto (asked: \(text))")
        }
        return try Shard(index: k, count: n)
    }

    /// Where `--shard auto` found its index: the variable and its value.
    public struct Origin: Sendable, Equatable, CustomStringConvertible {
        /// The scheduler, as a user names it: Slurm, Kubernetes, AWS Batch.
        public var scheduler: String
        /// The variables read, `NAME=value`.
        public var variables: [String]
        public var description: String { "\(scheduler): \(variables.joined(separator: " "))" }
    }

    /// The array variables `--shard auto` reads, in the order it tries them.
    public static let environmentVariables = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"]

    /// The shard of this array task, from the scheduler's environment:
    /// - Slurm: `SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` + 1 of `SLURM_ARRAY_TASK_COUNT`
    ///   (an array `--array=0-7` or `1-8`, without a step); `count`, when given, must agree;
    /// - Kubernetes Indexed Jobs: `JOB_COMPLETION_INDEX` (0-based) + 1 of `count`;
    /// - AWS Batch array jobs: `AWS_BATCH_JOB_ARRAY_INDEX` (0-based) + 1 of `count`.
    /// Kubernetes and AWS Batch do not tell a task the array's size, so `count`
    /// (`--shards N`) is needed there.
    /// - Throws: `EngineError.usage` naming the variable when none is set, one is not a
    ///   number, the count is missing or disagrees, or the index falls outside the array.
    public static func fromEnvironment(_ environment: [String: String], count: Int?) throws -> (Shard, Origin) {
        func number(_ name: String) throws -> Int? {
            guard let text = environment[name] else { return nil }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw EngineError(.usage, "--shard auto: \(name)=\(text) is not a whole number")
            }
            return value
        }
        if let id = try number("SLURM_ARRAY_TASK_ID") {
            guard let min = try number("SLURM_ARRAY_TASK_MIN"), let n = try number("SLURM_ARRAY_TASK_COUNT") else {
                throw EngineError(.usage, "--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_MIN or SLURM_ARRAY_TASK_COUNT is not (submit with sbatch --array)")
            }
            let origin = Origin(scheduler: "Slurm", variables: ["SLURM_ARRAY_TASK_ID=\(id)", "SLURM_ARRAY_TASK_MIN=\(min)",
                                                                "SLURM_ARRAY_TASK_COUNT=\(n)"])
            if let count, count != n {
                throw EngineError(.usage, "--shards \(count) but the Slurm array has \(n) tasks (\(origin)): submit --array with \(count) tasks, or drop --shards")
            }
            guard n >= 1, (1...n).contains(id - min + 1) else {
                throw EngineError(.usage, "--shard auto: task \(id) is not in a contiguous array of \(n) from \(min) (\(origin)): submit --array=0-\(n - 1) or 1-\(n), without a step")
            }
            return (try Shard(index: id - min + 1, count: n), origin)
        }
        for (name, scheduler) in [("JOB_COMPLETION_INDEX", "Kubernetes"), ("AWS_BATCH_JOB_ARRAY_INDEX", "AWS Batch")] {
            guard let index = try number(name) else { continue }
            let origin = Origin(scheduler: scheduler, variables: ["\(name)=\(index)"])
            guard let count else {
                throw EngineError(.usage, "--shard auto under \(scheduler) (\(name)=\(index)) needs --shards N: the number of shards (the job's completions or array size)")
            }
            guard index >= 0, index < count else {
                throw EngineError(.usage, "--shard auto: \(name)=\(index) is outside 0…\(count - 1) for --shards \(count)")
            }
            return (try Shard(index: index + 1, count: count), origin)
        }
        throw EngineError(.usage, "--shard auto found no array index in the environment (\(environmentVariables.joined(separator: ", "))): run it as a Slurm array task, a Kubernetes Indexed Job or an AWS Batch array job, or pass --shard K/N")
    }
}

extension Shard {
    /// The block a shard takes of a reel: which frames, by position and name.
    public struct Block: Sendable, Codable, Equatable, CustomStringConvertible {
        public var shard: Shard
        /// Positions in the sorted listing (0-based).
        public var positions: Range<Int>
        /// Frames in the whole listing.
        public var total: Int
        /// The block's first and last source file names (nil for an empty block).
        public var first: String?
        public var last: String?

        /// `shard 2/3: frames 5-8 of 12 (reel_0005.dpx … reel_0008.dpx)`, 1-based as a user counts.
        public var description: String {
            guard let first, let last else {
                return "shard \(shard): no frames (the reel has \(total), fewer than \(shard.count) shards)"
            }
            return "shard \(shard): frames \(positions.lowerBound + 1)-\(positions.upperBound) of \(total) (\(first) … \(last))"
        }
    }

    /// This shard's block of `items` (the whole sorted listing).
    public func block(of items: [WorkItem]) -> Block {
        let positions = block(of: items.count)
        return Block(shard: self, positions: positions, total: items.count,
                     first: positions.isEmpty ? nil : items[positions.lowerBound].name,
                     last: positions.isEmpty ? nil : items[positions.upperBound - 1].name)
    }
}
