import Foundation

/// The paper's Table 2 from blind review scores: per profile, how many judgements were
/// at or under the acceptance threshold, the mean score, and how often reviewers told
/// the original from the output (50 % is chance: they could not).
public struct ReviewTable: Sendable, Codable, Equatable {
    /// Scores at or under this count as accepted (default 1, "not noticeable").
    public var threshold: Int
    /// One row per output folder, in the order given.
    public var profiles: [Row]

    /// One output folder's judgements.
    public struct Row: Sendable, Codable, Equatable {
        /// The output folder's name.
        public var output: String
        /// The profile it was compressed with ("C0", "C1", …; "unknown" without a run).
        public var profile: String
        /// Number of scores.
        public var scores: Int
        /// Reviewers who scored.
        public var reviewers: Int
        /// Share of scores ≤ threshold, 0…1; nil without scores.
        public var acceptance: Double?
        /// Mean score, 0…5; nil without scores.
        public var meanScore: Double?
        /// Judgements where the reviewer named a side as the original.
        public var originalGuesses: Int
        /// Share of those that named the source, 0…1; nil when nobody guessed.
        public var originalPicked: Double?
        /// Count of each score 0…5.
        public var histogram: [Int]
        /// The comments given, in session order.
        public var comments: [Comment]
    }

    /// A comment with what it was about.
    public struct Comment: Sendable, Codable, Equatable {
        public var reviewer: String
        public var frame: String
        public var score: Int
        public var text: String

        public init(reviewer: String, frame: String, score: Int, text: String) {
            self.reviewer = reviewer; self.frame = frame; self.score = score; self.text = text
        }
    }

    /// The acceptance threshold used when none is given.
    public static let defaultThreshold = 1

    /// The table for `outputs` (name, profile, its catalog's scores), in that order.
    public init(outputs: [(name: String, profile: String, scores: [Catalog.ReviewScore])],
                threshold: Int = ReviewTable.defaultThreshold) {
        self.threshold = threshold
        profiles = outputs.map { output in
            let s = output.scores
            let guesses = s.compactMap(\.pickedOriginal)
            var histogram = [Int](repeating: 0, count: 6)
            for score in s where (0...5).contains(score.score) { histogram[score.score] += 1 }
            return Row(output: output.name, profile: output.profile, scores: s.count,
                       reviewers: Set(s.map(\.reviewer)).count,
                       acceptance: s.isEmpty ? nil : Double(s.filter { $0.score <= threshold }.count) / Double(s.count),
                       meanScore: s.isEmpty ? nil : Double(s.map(\.score).reduce(0, +)) / Double(s.count),
                       originalGuesses: guesses.count,
                       originalPicked: guesses.isEmpty ? nil : Double(guesses.filter { $0 }.count) / Double(guesses.count),
                       histogram: histogram,
                       comments: s.compactMap { score in
                           guard let text = score.comment, !text.isEmpty else { return nil }
                           return Comment(reviewer: score.reviewer, frame: score.frame, score: score.score, text: text)
                       })
        }
    }

    /// True when some output has scores.
    public var hasScores: Bool { profiles.contains { $0.scores > 0 } }

    /// The table as aligned text for a terminal, comments after it.
    public var text: String {
        var lines = ["profile  output                    scores  accepted (≤\(threshold))  mean   original picked (chance 50 %)"]
        for r in profiles {
            let accepted = r.acceptance.map { String(format: "%5.1f %%", $0 * 100) } ?? "    –  "
            let mean = r.meanScore.map { String(format: "%4.2f", $0) } ?? "  – "
            let picked = r.originalPicked.map { String(format: "%5.1f %% of %d", $0 * 100, r.originalGuesses) } ?? "–"
            lines.append("\(r.profile.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                         + "\(r.output.padding(toLength: 25, withPad: " ", startingAt: 0)) "
                         + "\(String(r.scores).leftPad(6))  \(accepted.leftPad(15))  \(mean)   \(picked)")
        }
        for r in profiles where !r.comments.isEmpty {
            lines.append("")
            lines.append("comments on \(r.output) (\(r.profile)):")
            for c in r.comments { lines.append("  \(c.frame), score \(c.score), \(c.reviewer): \(c.text)") }
        }
        return lines.joined(separator: "\n")
    }

    /// The table as an HTML section for report.html.
    public var html: String {
        var page = "<section><h2>Blind review (the paper's Table 2)</h2><table class=\"grid\"><thead><tr><th>Profile</th><th>Output</th><th>Scores</th><th>Reviewers</th><th>Accepted (score ≤ \(threshold))</th><th>Mean score (0–5)</th><th>Original picked (chance 50 %)</th></tr></thead><tbody>"
        for r in profiles {
            page += "<tr><td>\(HTML.escape(r.profile))</td><td>\(HTML.escape(r.output))</td><td>\(r.scores)</td><td>\(r.reviewers)</td>"
            page += "<td>\(r.acceptance.map { String(format: "%.1f %%", $0 * 100) } ?? "–")</td>"
            page += "<td>\(r.meanScore.map { String(format: "%.2f", $0) } ?? "–")</td>"
            page += "<td>\(r.originalPicked.map { String(format: "%.1f %% of %d", $0 * 100, r.originalGuesses) } ?? "–")</td></tr>"
        }
        page += "</tbody></table>"
        let comments = profiles.flatMap(\.comments)
        if !comments.isEmpty {
            page += "<h3>Comments</h3><ul>"
            for c in comments {
                page += "<li><b>\(HTML.escape(c.frame))</b> (score \(c.score), \(HTML.escape(c.reviewer))): \(HTML.escape(c.text))</li>"
            }
            page += "</ul>"
        }
        page += "<p class=\"hint\">Scores are perceived differences between the source and the output shown blind, side by side: 0 none, 1 not noticeable, 5 very annoying.</p></section>"
        return page
    }
}

private extension String {
    func leftPad(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
