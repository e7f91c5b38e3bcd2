import Foundation

/// One frame to process: the unit of parallel and distributed work.
public struct WorkItem: Sendable, Hashable {
    /// Position in the run's ordered list of frames (sequence order).
    public var index: Int
    /// The source file.
    public var source: URL
    /// The source file's name (unique within a run; the catalog's key).
    public var name: String
    /// The frame number parsed from the name (`reel_0086400.dpx` → 86400), if any.
    public var sequenceNumber: Int?

    public init(index: Int, source: URL, name: String, sequenceNumber: Int?) {
        self.index = index
        self.source = source
        self.name = name
        self.sequenceNumber = sequenceNumber
    }
}

/// Where frames come from and where their outcomes go. A local run hands out a
/// list; a distributed run leases frames from a shared database and returns them
/// when the lease expires (DESIGN.md §8).
public protocol WorkSource: Sendable {
    /// The next frame to process, or nil when there is none left.
    func next() async throws -> WorkItem?
    /// Marks `item` done with its report.
    func complete(_ item: WorkItem, report: FrameReport) async throws
    /// Marks `item` failed with its report (whose `error` says why).
    func fail(_ item: WorkItem, report: FrameReport) async throws
}

/// The work of one process: a fixed list handed out in order.
public actor LocalWorkSource: WorkSource {
    private var pending: [WorkItem]
    private var position = 0
    /// Reports of completed and failed frames, by item index.
    public private(set) var reports: [Int: FrameReport] = [:]

    /// A source over `items`, handed out in order.
    public init(items: [WorkItem]) { pending = items }

    public func next() -> WorkItem? {
        guard position < pending.count else { return nil }
        defer { position += 1 }
        return pending[position]
    }

    public func complete(_ item: WorkItem, report: FrameReport) { reports[item.index] = report }

    public func fail(_ item: WorkItem, report: FrameReport) { reports[item.index] = report }
}
