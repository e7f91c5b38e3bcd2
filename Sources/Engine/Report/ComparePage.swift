import Foundation

/// Renders a comparison (`compare.html`): one self-contained page, charts as inline
/// SVG, crops as PNG data URIs, nothing fetched from a network.
public enum ComparePage {
    /// Colours of the series: Reelpack first, then the fixed methods in order.
    static let colours = ["#c62828", "#1565c0", "#2e7d32", "#6a1b9a", "#ef6c00", "#546e7a"]

    /// The whole page.
    public static func html(_ r: CompareReport, crops: [WorstCrop]) -> String {
        let f4 = { (v: Double?) in ReportPage.num(v, "%.4f") }
        let f2 = { (v: Double?) in ReportPage.num(v, "%.2f") }
        var page = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Reelpack comparison: profile \(HTML.escape(r.profile))</title>
        <style>\(ReportPage.css)</style></head><body>
        <header><h1>Reelpack against fixed settings, profile \(HTML.escape(r.profile))</h1>
        <p class="sub">\(r.frames.count) frames \(r.width)×\(r.height), \(r.channels) channels, \(r.bitDepth)-bit · floors: \(HTML.escape(ReportPage.floorsText(floors(r.floors)))) · \(HTML.escape(r.tool))</p></header>
        """
        page += "<section><h2>At equal size (the paper's Table 1)</h2>"
        page += "<p class=\"hint\">Each fixed method uses one setting for the whole reel, found by bisection so that the reel's bytes equal Reelpack's within 1 %. Every decoded frame is measured against its source with Reelpack's metrics.</p>"
        page += "<table class=\"grid\"><thead><tr><th>Method</th><th>Setting</th><th>Bytes</th><th>Ratio</th><th>SSIM mean</th><th>SSIM min</th><th>PSNR mean</th><th>PSNR min</th><th>Tile floor min</th><th>Grain kept</th><th>Frames under floors</th></tr></thead><tbody>"
        func row(_ s: MethodSummary, note: String = "") -> String {
            "<tr class=\"\(s.framesUnderFloors > 0 ? "bad" : "")\"><td>\(HTML.escape(s.title))\(note)</td><td>\(HTML.escape(s.setting ?? "per frame"))</td><td>\(ReportPage.bytes(s.bytes))</td><td>\(f2(s.ratio)):1</td><td>\(f4(s.ssimMean))</td><td>\(f4(s.ssimMin))</td><td>\(f2(s.psnrMean))</td><td>\(f2(s.psnrMin))</td><td>\(f4(s.tileFloorMin))</td><td>\(f2(s.grainRetentionMean))</td><td>\(s.framesUnderFloors) of \(s.frames) (\(String(format: "%.0f %%", s.shareUnderFloors * 100)))</td></tr>"
        }
        page += row(r.reelpack)
        for m in r.methods {
            page += row(m.equalSize, note: m.matched ? "" : " <span class=\"hint\">(size not matched: \(HTML.escape(m.matchNote ?? "target \(m.targetBytes) bytes")))</span>")
        }
        page += "</tbody></table>"
        if let rt = r.colourRoundTrip {
            page += "<p class=\"hint\">H.265's colour conversion alone (\(HTML.escape(rt.title))): SSIM mean \(f4(rt.ssimMean)), min \(f4(rt.ssimMin)); PSNR mean \(f2(rt.psnrMean)) dB, min \(f2(rt.psnrMin)) dB. This much of H.265's loss is the conversion, not the codec.</p>"
        }
        page += "</section>"

        page += "<section><h2>Safe settings: one setting that meets the floors on every frame</h2><table class=\"grid\"><thead><tr><th>Method</th><th>Setting</th><th>Bytes</th><th>Ratio</th><th>SSIM mean</th><th>SSIM min</th><th>PSNR mean</th><th>PSNR min</th><th>Tile floor min</th><th>Grain kept</th><th>Frames under floors</th></tr></thead><tbody>"
        page += row(r.reelpack)
        for m in r.methods {
            if let s = m.safe {
                page += row(s, note: String(format: " <span class=\"hint\">(%.2f× Reelpack's bytes)</span>", Double(s.bytes) / Double(max(m.targetBytes, 1))))
            } else {
                page += "<tr class=\"bad\"><td>\(HTML.escape(m.title))</td><td colspan=\"10\">\(HTML.escape(m.safeNote ?? "no safe setting"))</td></tr>"
            }
        }
        page += "</tbody></table></section>"

        page += "<section><h2>Storage (the paper's Table 3)</h2><table class=\"grid\"><thead><tr><th></th><th>This reel</th><th>Feature of \(r.featureFrames) frames</th><th>Saved</th><th>Reduction</th></tr></thead><tbody>"
        for s in r.storage {
            page += "<tr><td>\(HTML.escape(s.label))</td><td>\(ReportPage.bytes(s.bytes))</td><td>\(String(format: "%.2f TB", s.featureTB))</td><td>\(String(format: "%.2f TB", s.savedTB))</td><td>\(String(format: "%.1f %%", s.reduction * 100))</td></tr>"
        }
        page += "</tbody></table></section>"

        page += "<section><h2>Rate and quality</h2><div class=\"plots\">"
        var names = ["Reelpack"] + r.methods.map(\.title)
        page += ReportPage.figure("SSIM mean against ratio (Reelpack: one point)", scatter(
            series: [[(r.reelpack.ratio, r.reelpack.ssimMean)]] + r.methods.map { $0.curve.map { ($0.ratio, $0.ssimMean) } },
            names: names, label: "SSIM", floor: r.floors.ssim))
        if r.reelpack.grainRetentionMean != nil {
            page += ReportPage.figure("Grain retention against ratio", scatter(
                series: [[(r.reelpack.ratio, r.reelpack.grainRetentionMean ?? 0)]]
                    + r.methods.map { $0.curve.compactMap { p in p.grainRetentionMean.map { (p.ratio, $0) } } },
                names: names, label: "grain retention", floor: r.floors.grainRetention))
        }
        page += "</div>" + legend(names) + "</section>"

        page += "<section><h2>Along the reel, at equal size</h2><div class=\"plots\">"
        names = ["Reelpack"] + r.methods.map(\.title)
        page += ReportPage.figure("SSIM per frame", lines(
            series: [r.reelpackFrames.map { Optional($0.ssim) }] + r.methods.map { m in aligned(r.frames, m.frames) { $0.ssim } },
            label: "SSIM", floor: r.floors.ssim))
        page += ReportPage.figure("Tile floor per frame", lines(
            series: [r.reelpackFrames.map { Optional($0.tileFloor) }] + r.methods.map { m in aligned(r.frames, m.frames) { $0.tileFloor } },
            label: "tile floor", floor: r.floors.tileSSIM))
        if r.reelpackFrames.contains(where: { $0.grainRetention != nil }) {
            page += ReportPage.figure("Grain retention per frame", lines(
                series: [r.reelpackFrames.map(\.grainRetention)] + r.methods.map { m in aligned(r.frames, m.frames) { $0.grainRetention } },
                label: "grain retention", floor: r.floors.grainRetention))
        }
        page += "</div>" + legend(names) + "</section>"

        if !crops.isEmpty {
            page += "<section><h2>Worst frames, 1:1 crops around the worst tile</h2><table class=\"grid worst1\"><thead><tr><th>Method</th><th>Source</th><th>Reelpack</th><th>Method at equal size</th></tr></thead><tbody>"
            for c in crops {
                page += "<tr><td>\(HTML.escape(c.method))<div class=\"hint\">\(HTML.escape(c.frame)), x \(c.x) y \(c.y), \(c.width)×\(c.height)<br>SSIM \(f4(c.ssim)) (Reelpack \(f4(c.reelpackSSIM)))</div></td>"
                page += "<td>\(ReportPage.img(c.source, "source"))</td><td>\(ReportPage.img(c.reelpack, "Reelpack"))</td><td>\(ReportPage.img(c.decoded, c.method))</td></tr>"
            }
            page += "</tbody></table></section>"
        }

        page += "<section><h2>Tools and notes</h2><table class=\"kv\">"
        for (k, v) in r.versions.sorted(by: { $0.key < $1.key }) { page += ReportPage.row(k, v) }
        for s in r.skipped { page += ReportPage.row("Skipped", s.note) }
        for m in r.methods {
            for f in m.failures { page += ReportPage.row("\(m.title) failed", "\(f.frame): \(f.message)") }
        }
        for n in r.notes { page += ReportPage.row("Note", n) }
        if let c = r.compressSeconds { page += ReportPage.row("Compress run", String(format: "%.1f s", c)) }
        for m in r.methods { page += ReportPage.row(m.title, String(format: "%.1f s", m.seconds)) }
        page += ReportPage.row("Comparison", String(format: "%.1f s in all", r.seconds))
        page += "</table></section>"
        page += "<footer>Written by \(HTML.escape(r.tool)). Metrics: SSIM (Wang et al. 2004, 11×11 Gaussian σ 1.5), tile floor, PSNR and grain retention on the decoded samples of every method.</footer></body></html>\n"
        return page.replacingOccurrences(of: "</style>", with: extraCSS + "</style>")
    }

    static let extraCSS = ".legend span{display:inline-block;margin-right:14px;font-size:12px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}.worst1 img{image-rendering:pixelated;border:1px solid #ddd}"

    static func floors(_ f: QualityFloor) -> ReportModel.Floors {
        ReportModel.Floors(ssim: f.ssim, psnr: f.psnr, tileFloor: f.tileSSIM, grainRetention: f.grainRetention)
    }

    /// A method's per-frame values in reel order (nil where it has no frame).
    static func aligned(_ names: [String], _ rows: [FrameRow], _ value: (FrameRow) -> Double?) -> [Double?] {
        let byName = Dictionary(rows.map { ($0.frame, $0) }, uniquingKeysWith: { a, _ in a })
        return names.map { byName[$0].flatMap(value) }
    }

    static func legend(_ names: [String]) -> String {
        "<p class=\"legend\">" + names.enumerated().map { i, n in
            "<span><i style=\"background:\(colours[i % colours.count])\"></i>\(HTML.escape(n))</span>"
        }.joined() + "</p>"
    }

    /// Several series along the frame index, one colour each, with an optional floor.
    static func lines(series: [[Double?]], label: String, floor: Double?) -> String {
        let present = series.flatMap { $0.compactMap { $0 } } + (floor.map { [$0] } ?? [])
        guard var lo = present.min(), var hi = present.max() else { return "" }
        if hi - lo < 1e-9 { lo -= 1e-3; hi += 1e-3 }
        let pad = (hi - lo) * 0.08
        lo -= pad; hi += pad
        let n = series.map(\.count).max() ?? 0
        let m = SVGChart.margin
        let plotW = SVGChart.width - m.left - m.right, plotH = SVGChart.height - m.top - m.bottom
        func x(_ i: Int) -> Double { m.left + (n <= 1 ? plotW / 2 : Double(i) * plotW / Double(n - 1)) }
        func y(_ v: Double) -> Double { m.top + (hi - v) / (hi - lo) * plotH }
        var svg = SVGChart.header(label: label) + SVGChart.axes(lo: lo, hi: hi, count: n, format: { String(format: "%.3f", $0) }, y: y)
        for (k, values) in series.enumerated() {
            let colour = colours[k % colours.count]
            let points = values.enumerated().compactMap { i, v in v.map { "\(SVGChart.fmt(x(i))),\(SVGChart.fmt(y($0)))" } }
            if points.count > 1 {
                svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.6\" points=\"\(points.joined(separator: " "))\"/>"
            } else if let p = points.first {
                let xy = p.split(separator: ",")
                svg += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"3\" fill=\"\(colour)\"/>"
            }
        }
        if let floor { svg += floorLine(y(floor), m: m) }
        return svg + "</svg>"
    }

    /// Rate-quality points: x = compression ratio, y = the quality; one colour per series.
    static func scatter(series: [[(Double, Double)]], names: [String], label: String, floor: Double?) -> String {
        let all = series.flatMap { $0 }
        guard !all.isEmpty else { return "" }
        var ylo = all.map(\.1).min()!, yhi = all.map(\.1).max()!
        if let floor { ylo = min(ylo, floor); yhi = max(yhi, floor) }
        if yhi - ylo < 1e-9 { ylo -= 1e-3; yhi += 1e-3 }
        let pad = (yhi - ylo) * 0.08
        ylo -= pad; yhi += pad
        let xlo = 0.0, xhi = (all.map(\.0).max()! * 1.08)
        let m = SVGChart.margin
        let plotW = SVGChart.width - m.left - m.right, plotH = SVGChart.height - m.top - m.bottom
        func x(_ v: Double) -> Double { m.left + (v - xlo) / (xhi - xlo) * plotW }
        func y(_ v: Double) -> Double { m.top + (yhi - v) / (yhi - ylo) * plotH }
        var svg = SVGChart.header(label: label) + SVGChart.axes(lo: ylo, hi: yhi, count: 0, format: { String(format: "%.3f", $0) }, y: y)
        for k in 0...4 {
            let v = xlo + (xhi - xlo) * Double(k) / 4
            svg += "<text x=\"\(SVGChart.fmt(x(v)))\" y=\"\(SVGChart.fmt(SVGChart.height - 14))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555\">\(String(format: "%.1f:1", v))</text>"
        }
        for (k, points) in series.enumerated() {
            let colour = colours[k % colours.count]
            let sorted = points.sorted { $0.0 < $1.0 }
            if sorted.count > 1 {
                svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.4\" points=\"\(sorted.map { "\(SVGChart.fmt(x($0.0))),\(SVGChart.fmt(y($0.1)))" }.joined(separator: " "))\"/>"
            }
            for p in sorted {
                svg += "<circle cx=\"\(SVGChart.fmt(x(p.0)))\" cy=\"\(SVGChart.fmt(y(p.1)))\" r=\"\(k == 0 ? 5 : 3)\" fill=\"\(colour)\"><title>\(HTML.escape(k < names.count ? names[k] : "")): \(String(format: "%.2f:1, %.4f", p.0, p.1))</title></circle>"
            }
        }
        if let floor { svg += floorLine(y(floor), m: m) }
        return svg + "</svg>"
    }

    static func floorLine(_ fy: Double, m: (left: Double, right: Double, top: Double, bottom: Double)) -> String {
        "<line class=\"floor\" x1=\"\(SVGChart.fmt(m.left))\" x2=\"\(SVGChart.fmt(SVGChart.width - m.right))\" y1=\"\(SVGChart.fmt(fy))\" y2=\"\(SVGChart.fmt(fy))\" stroke=\"#c62828\" stroke-dasharray=\"6 4\" stroke-width=\"1.2\"/>"
    }
}

extension ComparisonRun.Result {
    /// Writes `compare.json`, `compare.csv` and `compare.html` into `folder`, each atomically.
    /// - Throws: file-system errors, naming the file.
    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try AtomicFile.write(try report.json(), to: folder.appendingPathComponent("compare.json"))
        try AtomicFile.write(Data(report.csv().utf8), to: folder.appendingPathComponent("compare.csv"))
        try AtomicFile.write(Data(ComparePage.html(report, crops: crops).utf8), to: folder.appendingPathComponent("compare.html"))
    }
}
