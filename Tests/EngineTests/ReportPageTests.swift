@testable import Engine
import Foundation
import ImageCore
import TestSupport
import Testing

@Suite struct ReportPageTests {
    static func frame(_ i: Int) -> FrameReport {
        var f = FrameReport(source: "/scans/reel_\(86400 + i).dpx", status: .done)
        f.output = "frames/reel_\(86400 + i).jph"
        f.sourceBytes = 12_754_944
        f.outputBytes = 2_000_000 + i * 10_000
        f.ssim = 0.95 + Double(i % 5) * 0.004
        f.tileFloor = 0.91 + Double(i % 3) * 0.01
        f.psnr = 40 + Double(i % 4)
        f.identical = false
        f.iterations = 1 + i % 3
        f.grainRetention = 0.8 + Double(i % 4) * 0.05
        return f
    }

    static func model(failed: Bool = true) -> ReportModel {
        var frames = (0..<24).map(frame)
        if failed {
            var f = FrameReport(source: "/scans/reel_0086407.dpx", status: .failed)
            f.error = "reel_0086407.dpx: truncated <image data>"
            frames[7] = f
        }
        let settings = ReportModel.Settings(title: "reel1", profile: "C1", codec: "htj2k",
                                            floors: .init(ssim: 0.95, psnr: 39, tileFloor: 0.90, grainRetention: 0.8),
                                            tool: "reelpack 0.1.0")
        return ReportModel(settings: settings, frames: frames,
                           events: [.init(date: "2026-11-25T05:00:00Z", type: "compression", outcome: "success", detail: "24 frames", agent: "reelpack 0.1.0")])
    }

    /// The y-axis tick labels of a chart (the texts right-aligned left of the plot).
    static func yLabels(_ svg: String) -> [String] {
        svg.components(separatedBy: "<text x=\"\(SVGChart.fmt(SVGChart.margin.left - 6))\"").dropFirst()
            .map { part in String(part.drop { $0 != ">" }.dropFirst().prefix { $0 != "<" }) }
    }

    @Test("axis labels stay distinct when the chart's format is coarser than the range")
    func axisLabelsAreDistinct() throws {
        let narrow = Self.yLabels(SVGChart.line(values: [0.803, 0.806, 0.812, 0.809], floor: 0.8, label: "grain", color: "#000",
                                                format: { String(format: "%.2f", $0) }))
        #expect(narrow.count == 5 && Set(narrow).count == 5, "\(narrow)")
        // A range the format already tells apart keeps the chart's own labels.
        let wide = Self.yLabels(SVGChart.line(values: [30, 40, 50], floor: nil, label: "PSNR", color: "#000",
                                              format: { String(format: "%.0f", $0) }))
        #expect(wide.count == 5 && Set(wide).count == 5 && wide.allSatisfy { !$0.contains(".") }, "\(wide)")
    }

    @Test func totalsCountOnlyWrittenFramesInTheBytes() {
        let t = Self.model().summary
        #expect(t.frameCount == 24)
        #expect(t.failed == 1)
        #expect(t.sourceBytes == 23 * 12_754_944)
        #expect(t.ratio > 5 && t.ratio < 7)
        #expect(abs(t.storageReduction - (1 - Double(t.outputBytes) / Double(t.sourceBytes))) < 1e-12)
        #expect(t.ssimMin == 0.95)
    }

    @Test func pageDrawsEveryPlotWithItsFloorAndEscapesText() {
        var model = Self.model()
        model.warnings = ["reel_: frames 86410–86411 are missing"]
        let html = ReportPage.html(model)
        #expect(html.contains("Source scan") && html.contains("86410–86411 are missing"))
        #expect(html.components(separatedBy: "<svg class=\"chart\"").count - 1 == 8)   // 6 along the reel + 2 histograms
        #expect(html.components(separatedBy: "class=\"floor\"").count - 1 == 6)       // SSIM, tile, PSNR, grain lines + 2 histograms
        #expect(html.contains("grain retention ≥ 0.8"))
        #expect(html.contains("truncated &lt;image data&gt;"))                        // failed frame listed, escaped
        #expect(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("<script"))  // nothing fetched
        #expect(html.contains("Provenance events"))
    }

    @Test func csvHasOneRowPerFrameAndQuotesCommas() {
        var m = Self.model()
        m.frames[0].error = "bad, very bad"
        let csv = ReportFiles.framesCSV(m)
        let lines = csv.split(separator: "\n")
        #expect(lines.count == 25)
        #expect(lines[1].hasSuffix("\"bad, very bad\""))
        #expect(lines[8].hasPrefix("reel_0086407.dpx,failed,"))
    }

    @Test func bitExactFramesShowInfinitePSNR() {
        var m = Self.model(failed: false)
        m.frames[0].identical = true
        m.frames[0].psnr = nil
        #expect(ReportFiles.framesCSV(m).split(separator: "\n")[1].contains(",inf,true,0.8000,"))
        #expect(ReportPage.html(m).contains("1 bit-exact frames"))
    }

    @Test func previewsAreValidPNGsThatAnIndependentDecoderReads() throws {
        var frame = try PixelBuffer(width: 64, height: 48, channels: 3, bitDepth: 10)
        for y in 0..<48 { for x in 0..<64 { for c in 0..<3 { frame[x, y, c] = UInt16((x * 16 + c * 100) % 1024) } } }
        var distorted = frame
        distorted[10, 10, 1] = 0
        let thumb = Preview.thumbnail(frame, maxWidth: 32)
        #expect(thumb.width == 32 && thumb.height == 24)
        let heat = Preview.errorHeatMap(reference: frame, test: distorted, maxWidth: 32).picture
        // The one damaged sample lights exactly one cell (max pooling keeps it).
        let lit = stride(from: 0, to: heat.pixels.count, by: 3).filter { heat.pixels[$0] > 0 }
        #expect(lit.count == 1)

        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.file("thumb.png")
        try Data(try thumb.png()).write(to: file)
        let decoded = try ExternalTool.run(["python3", "-c", """
            import imagecodecs, sys
            a = imagecodecs.png_decode(open(sys.argv[1], 'rb').read())
            print(a.shape[1], a.shape[0], int(a[0, 1, 0]), int(a[23, 31, 2]))
            """, file.path])
        let fields = String(decoding: decoded, as: UTF8.self).split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(fields == ["32", "24", String(thumb.pixels[3]), String(thumb.pixels[(23 * 32 + 31) * 3 + 2])])
    }
}
