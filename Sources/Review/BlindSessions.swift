import Engine
import Foundation

/// Blind review sessions over a library: planned on first use by a reviewer, resumed
/// afterwards, scores written to the catalog of the output each one judges.
public final class BlindSessions: Sendable {
    /// The library the sessions cover.
    public let library: ReviewLibrary
    /// Frames a new session picks (`--frames`).
    public let frameCount: Int

    public init(library: ReviewLibrary, frameCount: Int = BlindPlan.defaultFrameCount) {
        self.library = library
        self.frameCount = max(1, frameCount)
    }

    /// A session with its plan and the items already scored.
    public struct State: Sendable {
        public var session: Catalog.ReviewSession
        public var plan: BlindPlan
        /// Indices of the items scored.
        public var done: Set<Int>
        /// Whether this call planned the session (false: resumed).
        public var isNew: Bool
    }

    /// The latest unfinished session of `reviewer` over these same folders, or a new one.
    /// - Parameter seed: the seed of a new session's draw (random when nil).
    /// - Throws: `ReviewError.badRequest` for an empty name; `CatalogError`.
    public func startOrResume(reviewer raw: String, seed: UInt64? = nil) throws -> State {
        let reviewer = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reviewer.isEmpty, reviewer.count <= 200 else {
            throw ReviewError(.badRequest, "reviewer", "a name of 1 to 200 characters is needed")
        }
        let names = library.outputs.map(\.name)
        for session in try library.outputs[0].catalog.reviewSessions().reversed() where session.reviewer == reviewer {
            guard let plan = try? BlindPlan.read(session.plan), plan.outputs == names else { continue }
            let done = try self.done(session.id)
            if done.count < plan.items.count { return State(session: session, plan: plan, done: done, isNew: false) }
        }
        let plan = BlindPlan.make(library: library, frameCount: frameCount, seed: seed ?? UInt64.random(in: 0...UInt64.max))
        guard !plan.items.isEmpty else {
            throw ReviewError(.notFound, "session", "no frame has an output in every folder to review")
        }
        let session = Catalog.ReviewSession(id: UUID().uuidString, reviewer: reviewer,
                                            startedAt: ISO8601DateFormatter().string(from: Date()), plan: try plan.json())
        for output in library.outputs { try output.catalog.saveReviewSession(session) }
        return State(session: session, plan: plan, done: [], isNew: true)
    }

    /// The stored session `id` and its plan.
    /// - Throws: `ReviewError.notFound` when no catalog holds it.
    public func session(_ id: String) throws -> (Catalog.ReviewSession, BlindPlan) {
        guard let session = try library.outputs[0].catalog.reviewSessions().first(where: { $0.id == id }) else {
            throw ReviewError(.notFound, "session \(id)", "no such review session")
        }
        return (session, try BlindPlan.read(session.plan))
    }

    /// Indices of the items of session `id` scored so far (in any catalog).
    public func done(_ id: String) throws -> Set<Int> {
        var done = Set<Int>()
        for output in library.outputs { done.formUnion(try output.catalog.reviewScores(session: id).map(\.item)) }
        return done
    }

    /// Records the score of item `item` of session `id` in the catalog of its output.
    /// - Throws: `ReviewError.notFound` for an unknown session or item, `.badRequest` for a
    ///   score outside 0...5 or a guess other than "A", "B" or nil; `CatalogError`.
    public func record(session id: String, item: Int, score: Int, originalGuess: String?, comment: String?) throws {
        let (session, plan) = try self.session(id)
        guard plan.items.indices.contains(item) else { throw ReviewError(.notFound, "item \(item)", "not in session \(id)") }
        guard (0...5).contains(score) else { throw ReviewError(.badRequest, "score", "a score is 0 to 5, not \(score)") }
        guard originalGuess.map({ $0 == "A" || $0 == "B" }) ?? true else {
            throw ReviewError(.badRequest, "original", "the original is \"A\" or \"B\"")
        }
        let entry = plan.items[item]
        guard let output = library.outputs.first(where: { $0.name == entry.output }) else {
            throw ReviewError(.notFound, entry.output, "output folder not under review")
        }
        let text = comment?.trimmingCharacters(in: .whitespacesAndNewlines)
        try output.catalog.recordReviewScore(Catalog.ReviewScore(
            sessionID: id, item: item, reviewer: session.reviewer, frame: entry.frame, sourceSide: entry.sourceSide,
            score: score, originalGuess: originalGuess, comment: text?.isEmpty == false ? String(text!.prefix(2000)) : nil))
    }

    /// The paper's Table 2 over every score in the library's catalogs.
    public func table(threshold: Int = ReviewTable.defaultThreshold) throws -> ReviewTable {
        ReviewTable(outputs: try library.outputs.map { ($0.name, $0.profile, try $0.catalog.reviewScores()) },
                    threshold: threshold)
    }
}
