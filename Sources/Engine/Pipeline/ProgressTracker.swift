import Foundation

/// Running totals for the progress display.
actor ProgressTracker {
    private var state: CompressionRun.Progress
    private let start: Date
    private let callback: (@Sendable (CompressionRun.Progress) -> Void)?

    init(total: Int, kept: [FrameReport], start: Date, callback: (@Sendable (CompressionRun.Progress) -> Void)?) {
        state = .init(total: total, done: 0, failed: 0, kept: kept.count, elapsed: 0,
                      sourceBytes: kept.reduce(0) { $0 + ($1.sourceBytes ?? 0) },
                      outputBytes: kept.reduce(0) { $0 + ($1.outputBytes ?? 0) },
                      ssimSum: kept.reduce(0) { $0 + ($1.ssim ?? 0) }, ssimCount: kept.filter { $0.ssim != nil }.count)
        self.start = start
        self.callback = callback
    }

    /// Reports of the frames this run processed, by item index.
    private(set) var reports: [Int: FrameReport] = [:]

    func add(_ report: FrameReport, index: Int) {
        reports[index] = report
        if report.status == .failed {
            state.failed += 1
        } else {
            state.done += 1
            state.sourceBytes += report.sourceBytes ?? 0
            state.outputBytes += report.outputBytes ?? 0
            if let s = report.ssim { state.ssimSum += s; state.ssimCount += 1 }
        }
        state.elapsed = Date().timeIntervalSince(start)
        state.last = report
        callback?(state)
    }
}
