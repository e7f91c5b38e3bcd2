import Foundation

/// Everything a run's report shows, gathered from the catalog: the settings, one
/// row per frame, the provenance events and the worst frames with their previews.
/// `ReportPage` renders it as HTML; `ReportFiles` writes it as CSV and JSON.
public struct ReportModel: Sendable, Codable {
    /// How the run was set up.
    public struct Settings: Sendable, Codable {
        public var title: String
        public var profile: String
        public var codec: String
        public var floors: Floors
        public var tool: String
        public var started: String?
        public var finished: String?
        public var notes: [String]

        public init(title: String, profile: String, codec: String, floors: Floors, tool: String,
                    started: String? = nil, finished: String? = nil, notes: [String] = []) {
            self.title = title; self.profile = profile; self.codec = codec; self.floors = floors
            self.tool = tool; self.started = started; self.finished = finished; self.notes = notes
        }
    }

    /// The quality floors drawn on the plots (nil: none, as for lossless).
    public struct Floors: Sendable, Codable, Equatable {
        public var ssim: Double?
        public var psnr: Double?
        public var tileFloor: Double?

        public init(ssim: Double? = nil, psnr: Double? = nil, tileFloor: Double? = nil) {
            self.ssim = ssim; self.psnr = psnr; self.tileFloor = tileFloor
        }
    }

    /// One frame's outcome.
    public struct Frame: Sendable, Codable {
        public var name: String
        public var sourceBytes: Int
        public var outputBytes: Int?
        public var ssim: Double?
        public var tileFloor: Double?
        /// nil with `identical` true for a bit-exact frame; nil alone when unknown.
        public var psnr: Double?
        public var identical: Bool
        public var iterations: Int
        /// "done", "fallback" (no lossy setting passed: stored lossless) or "failed".
        public var status: String
        public var error: String?

        public init(name: String, sourceBytes: Int, outputBytes: Int?, ssim: Double?, tileFloor: Double?,
                    psnr: Double?, identical: Bool, iterations: Int, status: String, error: String? = nil) {
            self.name = name; self.sourceBytes = sourceBytes; self.outputBytes = outputBytes; self.ssim = ssim
            self.tileFloor = tileFloor; self.psnr = psnr; self.identical = identical; self.iterations = iterations
            self.status = status; self.error = error
        }

        /// Source bytes over output bytes, when written.
        public var ratio: Double? {
            guard let outputBytes, outputBytes > 0 else { return nil }
            return Double(sourceBytes) / Double(outputBytes)
        }
    }

    /// A provenance event (PREMIS-style): what was done, when, by what, and how it went.
    public struct Event: Sendable, Codable {
        public var date: String
        public var type: String
        public var outcome: String
        public var detail: String
        public var agent: String

        public init(date: String, type: String, outcome: String, detail: String, agent: String) {
            self.date = date; self.type = type; self.outcome = outcome; self.detail = detail; self.agent = agent
        }
    }

    /// A frame shown in the worst-frames table with its previews (PNG bytes).
    public struct WorstFrame: Sendable, Codable {
        public var name: String
        public var source: [UInt8]
        public var output: [UInt8]
        public var heatMap: [UInt8]

        public init(name: String, source: [UInt8], output: [UInt8], heatMap: [UInt8]) {
            self.name = name; self.source = source; self.output = output; self.heatMap = heatMap
        }
    }

    public var settings: Settings
    public var frames: [Frame]
    public var events: [Event]
    public var worst: [WorstFrame]

    public init(settings: Settings, frames: [Frame], events: [Event] = [], worst: [WorstFrame] = []) {
        self.settings = settings; self.frames = frames; self.events = events; self.worst = worst
    }

    /// Totals over the frames that were written.
    public struct Totals: Sendable, Codable, Equatable {
        public var frameCount: Int
        public var failed: Int
        public var fallbacks: Int
        public var sourceBytes: Int
        public var outputBytes: Int
        /// Source over output bytes of the written frames (nil when none).
        public var ratio: Double?
        /// 1 − output/source (nil when none written).
        public var storageReduction: Double?
        public var ssimMin: Double?
        public var ssimMean: Double?
        public var tileFloorMin: Double?
        public var psnrMin: Double?
        public var psnrMean: Double?
        public var identicalFrames: Int
        public var iterationsMean: Double?
    }

    /// Totals over `frames`. Failed frames count in `failed` but not in the bytes.
    public var totals: Totals {
        let written = frames.filter { $0.outputBytes != nil && $0.status != "failed" }
        let source = written.reduce(0) { $0 + $1.sourceBytes }
        let output = written.reduce(0) { $0 + ($1.outputBytes ?? 0) }
        let ssims = written.compactMap(\.ssim)
        let tiles = written.compactMap(\.tileFloor)
        let psnrs = written.compactMap(\.psnr)
        func mean(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count) }
        return Totals(
            frameCount: frames.count,
            failed: frames.count - written.count,
            fallbacks: frames.filter { $0.status == "fallback" }.count,
            sourceBytes: source, outputBytes: output,
            ratio: output > 0 ? Double(source) / Double(output) : nil,
            storageReduction: source > 0 && output > 0 ? 1 - Double(output) / Double(source) : nil,
            ssimMin: ssims.min(), ssimMean: mean(ssims), tileFloorMin: tiles.min(),
            psnrMin: psnrs.min(), psnrMean: mean(psnrs),
            identicalFrames: written.filter(\.identical).count,
            iterationsMean: mean(written.map { Double($0.iterations) }))
    }
}
