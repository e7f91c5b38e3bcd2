import Engine
import Foundation

/// The plan of a blind review session: which frames, and for each the pairs of source
/// and output shown in a random order, each with the source on a random side.
///
/// Stored as JSON in every catalog the session covers (`Catalog.ReviewSession.plan`),
/// so the order and sides a reviewer saw are on record and a score maps back to its
/// output, and so the session can be resumed.
public struct BlindPlan: Sendable, Codable, Equatable {
    /// One pair shown: a frame's source against one output folder's output of it.
    public struct Item: Sendable, Codable, Equatable {
        /// The source frame's file name.
        public var frame: String
        /// The output folder's name.
        public var output: String
        /// Where the source is shown: "A" (left) or "B" (right).
        public var sourceSide: String
        /// Why the frame was picked ("worst SSIM", "smooth gradients", "random", …).
        public var reason: String
    }

    /// The output folders the session covers, by name.
    public var outputs: [String]
    /// The pairs, in the order shown.
    public var items: [Item]
    /// The random seed the order and sides were drawn with.
    public var seed: UInt64

    /// Frames picked when `--frames` is not given.
    public static let defaultFrameCount = 12

    /// Picks up to `frameCount` key frames of `library` and plans their pairs.
    ///
    /// In this order, each frame once: for every metric the worst frame of any folder
    /// (lowest SSIM, tile floor, PSNR, grain kept; highest banding); the frame with the
    /// most smooth gradients (where banding shows) and the one with the most detail
    /// (where grain and texture go); title cards and subtitles; then frames drawn at
    /// random. Every picked frame is paired with each folder's output; the pairs are
    /// shuffled and the source put on a random side.
    public static func make(library: ReviewLibrary, frameCount: Int, seed: UInt64) -> BlindPlan {
        var random = SplitMix64(seed: seed)
        let usable = library.frames.filter { frame in
            library.outputs.allSatisfy { ($0.reports[frame.name].map { $0.status != .failed && $0.output != nil }) ?? false }
        }
        var picked: [(String, String)] = []
        func pick(_ frame: ReviewLibrary.Frame?, _ reason: String) {
            guard let frame, picked.count < frameCount, !picked.contains(where: { $0.0 == frame.name }) else { return }
            picked.append((frame.name, reason))
        }
        func worst(_ value: (FrameReport) -> Double?, highest: Bool = false) -> ReviewLibrary.Frame? {
            let scored = usable.compactMap { frame -> (ReviewLibrary.Frame, Double)? in
                let values = library.outputs.compactMap { $0.reports[frame.name].flatMap(value) }
                guard let v = highest ? values.max() : values.min() else { return nil }
                return (frame, v)
            }
            return (highest ? scored.max { $0.1 < $1.1 } : scored.min { $0.1 < $1.1 })?.0
        }
        pick(worst { $0.identical == true ? nil : $0.ssim }, "worst SSIM")
        pick(worst { $0.identical == true ? nil : $0.tileFloor }, "worst tile floor")
        pick(worst { $0.identical == true ? nil : $0.psnr }, "worst PSNR")
        pick(worst { $0.grainRetention }, "least grain kept")
        pick(worst({ $0.banding }, highest: true), "most banding")
        pick(usable.filter { ($0.features?.smoothShare ?? 0) > 0 }.max { ($0.features?.smoothShare ?? 0) < ($1.features?.smoothShare ?? 0) },
             "smooth gradients")
        pick(usable.filter { $0.features != nil }.max { ($0.features?.texture ?? 0) < ($1.features?.texture ?? 0) },
             "high detail")
        for frame in usable where frame.features?.textKind != nil { pick(frame, frame.features?.textKind ?? "text") }
        var rest = usable.filter { frame in !picked.contains { $0.0 == frame.name } }
        random.shuffle(&rest)
        for frame in rest { pick(frame, "random") }

        var items: [Item] = []
        for (frame, reason) in picked {
            for output in library.outputs {
                items.append(Item(frame: frame, output: output.name, sourceSide: random.next() & 1 == 0 ? "A" : "B",
                                  reason: reason))
            }
        }
        random.shuffle(&items)
        return BlindPlan(outputs: library.outputs.map(\.name), items: items, seed: seed)
    }

    /// The plan as stored.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// A stored plan read back.
    public static func read(_ json: String) throws -> BlindPlan {
        try JSONDecoder().decode(BlindPlan.self, from: Data(json.utf8))
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small seeded generator, so a session's
/// order and sides follow from the seed it records.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func shuffle<T>(_ array: inout [T]) {
        array.shuffle(using: &self)
    }
}
