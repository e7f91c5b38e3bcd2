import Foundation

/// Everything a run's report shows, gathered from the catalog: the settings, one
/// `FrameReport` per frame, the provenance events and the worst frames with their previews.
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
        public var grainRetention: Double?
        public var banding: Double? = nil
        public var ssimulacra2: Double? = nil

        public init(ssim: Double? = nil, psnr: Double? = nil, tileFloor: Double? = nil, grainRetention: Double? = nil,
                    banding: Double? = nil, ssimulacra2: Double? = nil) {
            self.ssim = ssim; self.psnr = psnr; self.tileFloor = tileFloor; self.grainRetention = grainRetention
            self.banding = banding; self.ssimulacra2 = ssimulacra2
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
        /// The difference, in code values, shown as white in the heat map.
        public var heatMapScale: Double
        /// Grain retention per 64×64 tile (`Preview.grainMap`); nil when the source has
        /// no measurable grain.
        public var grainMap: [UInt8]? = nil
        /// CAMBI banding per 64×64 tile of the output (`Preview.bandingMap`).
        public var bandingMap: [UInt8]? = nil

        public init(name: String, source: [UInt8], output: [UInt8], heatMap: [UInt8], heatMapScale: Double,
                    grainMap: [UInt8]? = nil, bandingMap: [UInt8]? = nil) {
            self.name = name; self.source = source; self.output = output; self.heatMap = heatMap
            self.heatMapScale = heatMapScale; self.grainMap = grainMap; self.bandingMap = bandingMap
        }
    }

    public var settings: Settings
    /// One row per frame, in reel order (as `compress --json` prints them).
    public var frames: [FrameReport]
    public var events: [Event]
    public var worst: [WorstFrame]
    /// Wall time the run took, in seconds (0 when unknown).
    public var seconds: Double
    /// What the latest run's source scan reported (gaps, mixed sizes, skipped files).
    public var warnings: [String]
    /// Blind review scores of this folder's outputs (`reelpack review`), nil when none.
    public var review: ReviewTable? = nil

    public init(settings: Settings, frames: [FrameReport], events: [Event] = [], worst: [WorstFrame] = [],
                seconds: Double = 0, warnings: [String] = []) {
        self.settings = settings; self.frames = frames; self.events = events; self.worst = worst
        self.seconds = seconds; self.warnings = warnings
    }

    /// The run's totals (the same figures `compress` prints).
    public var summary: RunSummary { RunSummary(reports: frames, seconds: seconds) }
}

extension FrameReport {
    /// The source's file name.
    public var name: String { URL(fileURLWithPath: source).lastPathComponent }
}
