import Foundation

/// Writes a run's report files into its output folder (DESIGN.md §6):
/// `report.html`, `frames.csv` and `summary.json`, each atomically (`AtomicFile`:
/// temporary name, flushed, renamed).
public enum ReportFiles {
    /// The three file names, relative to the output folder.
    public static let html = "report.html"
    public static let csv = "frames.csv"
    public static let summary = "summary.json"

    /// Writes the page and the CSV into `folder`, and `summary.json` when
    /// `includingSummary` (`compress` writes its own from the live run).
    /// - Throws: file-system errors, naming the file.
    public static func write(_ model: ReportModel, to folder: URL, includingSummary: Bool = true) throws {
        try AtomicFile.write(Data(ReportPage.html(model).utf8), to: folder.appendingPathComponent(html))
        try AtomicFile.write(Data(framesCSV(model).utf8), to: folder.appendingPathComponent(csv))
        if includingSummary {
            try AtomicFile.write(try summaryJSON(model), to: folder.appendingPathComponent(summary))
        }
    }

    /// One row per frame; empty cells for unknown values, `inf` PSNR for bit-exact frames.
    public static func framesCSV(_ model: ReportModel) -> String {
        var out = "frame,status,source_bytes,output_bytes,ratio,ssim,tile_floor,psnr,identical,grain_retention,iterations,error\n"
        for f in model.frames {
            let cells: [String] = [
                f.name, ReportPage.statusText(f), f.sourceBytes.map(String.init) ?? "", f.outputBytes.map(String.init) ?? "",
                f.ratio.map { String(format: "%.4f", $0) } ?? "",
                f.ssim.map { String(format: "%.6f", $0) } ?? "",
                f.tileFloor.map { String(format: "%.6f", $0) } ?? "",
                f.identical == true ? "inf" : (f.psnr.map { String(format: "%.4f", $0) } ?? ""),
                f.identical == true ? "true" : "false", f.grainRetention.map { String(format: "%.4f", $0) } ?? "",
                String(f.iterations), f.error ?? "",
            ]
            out += cells.map(csvCell).joined(separator: ",") + "\n"
        }
        return out
    }

    /// The run's summary in the schema `compress` writes and `compress --json` prints
    /// (`CompressionRun.Result`), so scripts read one format whichever command wrote it.
    public static func summaryJSON(_ model: ReportModel) throws -> Data {
        try CompressionRun.Result(frames: model.frames, summary: model.summary, warnings: model.warnings).summaryJSON()
    }

    static func csvCell(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
