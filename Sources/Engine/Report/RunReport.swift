import Codecs
import Foundation
import Formats
import ImageCore
import Metrics

/// Builds and writes the report of a compression output folder from its catalog
/// (`reelpack report OUT`).
public enum RunReport {
    /// Events listed on the page at most (the catalog keeps them all).
    public static let maxEventsShown = 1000

    /// Reads OUT's catalog and builds the report, with previews of the `worstCount`
    /// frames of lowest tile floor (source, decoded output, error heat map). A source
    /// that can no longer be read leaves its previews out and says so in `notes`.
    /// - Throws: `EngineError(.usage)` when OUT holds no catalog; `CatalogError`.
    public static func model(output: URL, worstCount: Int = 4, services: EngineServices = .standard) throws -> (ReportModel, notes: [String]) {
        let catalogURL = output.appendingPathComponent(Catalog.fileName)
        guard FileManager.default.fileExists(atPath: catalogURL.path) else {
            throw EngineError(.usage, file: output.path, "no \(Catalog.fileName) here: not a reelpack output folder")
        }
        let catalog = try Catalog(url: catalogURL)
        let history = try catalog.runHistory()
        let frames = try catalog.frameReports()
        let settings = history.latestSettings
        let floor = settings?.floor
        let codecs = Set(frames.compactMap { $0.codec?.rawValue }).sorted()
        let tool = "reelpack \(history.toolVersion ?? "")".trimmingCharacters(in: .whitespaces)
        var notes: [String] = []

        let stored = try catalog.events()
        if stored.count > maxEventsShown {
            notes.append("showing the last \(maxEventsShown) of \(stored.count) events; all are in \(Catalog.fileName)")
        }
        let events = stored.suffix(maxEventsShown).map { e in
            ReportModel.Event(date: e.eventDateTime, type: e.eventType, outcome: e.outcome,
                              detail: [e.frame, e.detail].compactMap { $0 }.joined(separator: ": "), agent: e.agent)
        }

        var worst: [ReportModel.WorstFrame] = []
        let candidates = frames.filter { $0.status != .failed && $0.identical != true && $0.tileFloor != nil }
            .sorted { ($0.tileFloor ?? 1) < ($1.tileFloor ?? 1) }
            .prefix(worstCount)
        for frame in candidates {
            do {
                worst.append(try previews(of: frame, output: output, services: services))
            } catch {
                notes.append("no previews for \(frame.name): \(error)")
            }
        }

        // The scan's warnings are kept only in the summary the latest run wrote.
        let warnings = (try? Data(contentsOf: output.appendingPathComponent(ReportFiles.summary)))
            .flatMap { try? JSONDecoder().decode(CompressionRun.Result.self, from: $0) }?.warnings ?? []
        let model = ReportModel(
            settings: .init(title: output.standardizedFileURL.lastPathComponent,
                            profile: settings?.profile.rawValue ?? "unknown",
                            codec: codecs.isEmpty ? (settings?.codec.rawValue ?? "unknown") : codecs.joined(separator: ", "),
                            floors: .init(ssim: floor?.ssim, psnr: floor?.psnr, tileFloor: floor?.tileSSIM,
                                          grainRetention: floor?.grainRetention, banding: floor?.banding,
                                          ssimulacra2: floor?.ssimulacra2),
                            tool: tool, started: history.started, finished: history.finished,
                            notes: history.notes + (history.runCount > 1 ? ["\(history.runCount) runs (resumed)"] : [])),
            frames: frames, events: Array(events), worst: worst, seconds: history.seconds,
            warnings: warnings)
        var reviewed = model
        let scores = try catalog.reviewScores()
        if !scores.isEmpty {
            reviewed.review = ReviewTable(outputs: [(name: output.standardizedFileURL.lastPathComponent,
                                                     profile: settings?.profile.rawValue ?? "unknown", scores: scores)])
        }
        return (reviewed, notes)
    }

    /// Builds the report and writes `report.html`, `frames.csv` and (when
    /// `includingSummary`) `summary.json` into OUT.
    /// - Returns: the model and notes on anything left out.
    @discardableResult
    public static func write(output: URL, worstCount: Int = 4, includingSummary: Bool = true,
                             services: EngineServices = .standard) throws -> (ReportModel, notes: [String]) {
        let (model, notes) = try model(output: output, worstCount: worstCount, services: services)
        try ReportFiles.write(model, to: output, includingSummary: includingSummary)
        return (model, notes)
    }

    /// Source, output and heat-map previews of one frame.
    static func previews(of frame: FrameReport, output: URL, services: EngineServices) throws -> ReportModel.WorstFrame {
        guard let relative = frame.output else { throw EngineError(.io, file: frame.source, "no output recorded") }
        let outputURL = output.appendingPathComponent(relative)
        let source = try services.read(try Data(contentsOf: URL(fileURLWithPath: frame.source)), frame.source).pixels
        let decoded = try OutputFolder.decode(try Data(contentsOf: outputURL), name: outputURL.path, services: services).restored
        guard decoded.width == source.width, decoded.height == source.height, decoded.channels == source.channels else {
            throw EngineError(.io, file: outputURL.path, "decoded geometry differs from the source's")
        }
        let heat = Preview.errorHeatMap(reference: source, test: decoded)
        // Grain kept per tile: red where it is gone, green where it is all there.
        let grain = try GrainReference(source: source).retention(decoded: decoded)
        let grainMap = try grain.map {
            try Preview.tileMap($0.tileMap, tilesAcross: $0.tilesAcross, tilesDown: $0.tilesDown,
                                frameWidth: source.width, frameHeight: source.height, low: 0, high: 1).png()
        }
        // Banding per tile of the output: green none, red a CAMBI of 10 or more.
        let banding = CAMBI.measure(decoded)
        let bandingMap = try Preview.tileMap(banding.tileMap.map { -$0 }, tilesAcross: banding.tilesWide,
                                             tilesDown: banding.tilesHigh, frameWidth: source.width,
                                             frameHeight: source.height, low: -10, high: 0).png()
        return ReportModel.WorstFrame(name: frame.name, source: try Preview.thumbnail(source).png(),
                                      output: try Preview.thumbnail(decoded).png(),
                                      heatMap: try heat.picture.png(), heatMapScale: heat.scale,
                                      grainMap: grainMap, bandingMap: bandingMap)
    }
}
