import Foundation

/// Renders a `ReportModel` as one self-contained HTML page: styles inline, plots as
/// inline SVG, previews as PNG data URIs; nothing is fetched from a network.
public enum ReportPage {
    /// The whole page.
    public static func html(_ model: ReportModel) -> String {
        let t = model.summary
        let identicalFrames = model.frames.filter { $0.identical == true }.count
        let s = model.settings
        let written = model.frames
        var page = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Reelpack report: \(HTML.escape(s.title))</title>
        <style>\(css)</style></head><body>
        <header><h1>\(HTML.escape(s.title))</h1>
        <p class="sub">Reelpack report · profile <b>\(HTML.escape(s.profile))</b> · codec \(HTML.escape(s.codec)) · \(HTML.escape(s.tool))</p></header>
        <section class="cards">
        \(card("Frames", "\(t.frameCount)", t.failed > 0 ? "\(t.failed) failed" : "all written", alert: t.failed > 0))
        \(card("Ratio", (t.outputBytes > 0 ? String(format: "%.2f:1", t.ratio) : "–"), "source ÷ output bytes"))
        \(card("Storage saved", (t.outputBytes > 0 ? String(format: "%.1f %%", t.storageReduction * 100) : "–"), "\(bytes(t.sourceBytes)) → \(bytes(t.outputBytes))"))
        \(card("SSIM", t.ssimMin.map { String(format: "%.4f", $0) } ?? "–", t.ssimMean.map { String(format: "min · mean %.4f", $0) } ?? "min"))
        \(card("PSNR", t.psnrMin.map { String(format: "%.2f dB", $0) } ?? (identicalFrames > 0 ? "∞" : "–"), identicalFrames > 0 ? "\(identicalFrames) bit-exact frames" : (t.psnrMean.map { String(format: "min · mean %.2f dB", $0) } ?? "min")))
        \(card("Iterations", (t.frameCount > t.failed ? String(format: "%.2f", t.meanIterations) : "–"), "mean per frame"))
        </section>
        """

        page += "<section><h2>Settings</h2><table class=\"kv\">"
        page += row("Profile", s.profile) + row("Codec", s.codec)
        page += row("Floors", floorsText(s.floors))
        if let started = s.started { page += row("Started", started) }
        if let finished = s.finished { page += row("Finished", finished) }
        for note in s.notes { page += row("Note", note) }
        for warning in model.warnings { page += row("Source scan", warning) }
        page += "</table></section>"

        page += "<section><h2>Storage impact</h2><table class=\"grid\"><thead><tr><th>Frames</th><th>Source</th><th>Output</th><th>Reduction</th><th>Ratio</th><th>Fallbacks to lossless</th></tr></thead><tbody><tr>"
        page += "<td>\(t.frameCount - t.failed)</td><td>\(bytes(t.sourceBytes))</td><td>\(bytes(t.outputBytes))</td>"
        page += "<td>\((t.outputBytes > 0 ? String(format: "%.1f %%", t.storageReduction * 100) : "–"))</td>"
        page += "<td>\((t.outputBytes > 0 ? String(format: "%.2f:1", t.ratio) : "–"))</td><td>\(t.losslessFallbacks)</td></tr></tbody></table></section>"

        let ok = written.map { $0.status == .failed ? nil : $0 }
        page += "<section><h2>Along the reel</h2><div class=\"plots\">"
        page += figure("SSIM per frame", SVGChart.line(values: ok.map { $0?.ssim }, floor: s.floors.ssim, label: "SSIM",
                                                       color: "#1565c0", format: { String(format: "%.4f", $0) }))
        page += figure("Tile floor per frame (worst 64×64 tile)", SVGChart.line(values: ok.map { $0?.tileFloor }, floor: s.floors.tileFloor,
                                                                               label: "tile floor", color: "#6a1b9a", format: { String(format: "%.4f", $0) }))
        page += figure("PSNR per frame (dB)", SVGChart.line(values: ok.map { $0?.psnr }, floor: s.floors.psnr, label: "PSNR",
                                                            color: "#2e7d32", format: { String(format: "%.1f", $0) }))
        page += figure("Compression ratio per frame", SVGChart.line(values: ok.map { $0?.ratio }, floor: nil, label: "ratio",
                                                                    color: "#ef6c00", format: { String(format: "%.2f", $0) }))
        if ok.contains(where: { $0?.grainRetention != nil }) {
            page += figure("Grain retention per frame (decoded grain ÷ source grain; 1 = kept)",
                           SVGChart.line(values: ok.map { $0?.grainRetention }, floor: s.floors.grainRetention,
                                         label: "grain retention", color: "#795548", format: { String(format: "%.2f", $0) }))
        }
        page += figure("Search iterations per frame", SVGChart.bars(values: written.map(\.iterations), label: "iterations", color: "#546e7a"))
        page += "</div></section>"

        page += "<section><h2>Distributions</h2><div class=\"plots two\">"
        page += figure("SSIM histogram", SVGChart.histogram(values: ok.compactMap { $0?.ssim }, floor: s.floors.ssim, label: "SSIM",
                                                            color: "#1565c0", format: { String(format: "%.4f", $0) }))
        page += figure("PSNR histogram (dB)", SVGChart.histogram(values: ok.compactMap { $0?.psnr }, floor: s.floors.psnr, label: "PSNR",
                                                                 color: "#2e7d32", format: { String(format: "%.1f", $0) }))
        page += "</div></section>"

        if !model.worst.isEmpty {
            page += "<section><h2>Worst frames</h2><table class=\"grid worst\"><thead><tr><th>Frame</th><th>SSIM</th><th>Tile floor</th><th>PSNR</th><th>Source</th><th>Output</th><th>Error heat map</th><th>Grain kept</th><th>Banding</th></tr></thead><tbody>"
            let byName = Dictionary(written.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            for w in model.worst {
                let f = byName[w.name]
                page += "<tr><td>\(HTML.escape(w.name))</td><td>\(num(f?.ssim, "%.4f"))</td><td>\(num(f?.tileFloor, "%.4f"))</td><td>\(psnrText(f))</td>"
                page += "<td>\(img(w.source, "source"))</td><td>\(img(w.output, "output"))</td><td>\(img(w.heatMap, "error heat map"))<div class=\"hint\">white ≥ \(Int(w.heatMapScale)) codes</div></td>"
                page += "<td>\(w.grainMap.map { img($0, "grain kept per tile") } ?? "<span class=\"hint\">no measurable grain</span>")</td>"
                page += "<td>\(w.bandingMap.map { img($0, "banding per tile") } ?? "–")</td></tr>"
            }
            page += "</tbody></table><p class=\"hint\">Heat map: largest absolute difference per cell, black (none) through red and yellow to white (the frame's 99th-percentile cell error, given under each map). Grain kept: the share of the source's grain each 64×64 tile keeps, red (none) through amber to green (all); grey tiles have no measurable grain. Banding: the output's CAMBI per 64×64 tile, green (none) to red (10 or more).</p></section>"
        }

        if let review = model.review, review.hasScores { page += review.html }

        let failed = written.filter { $0.status == .failed }
        if !failed.isEmpty {
            page += "<section><h2>Failed frames</h2><table class=\"grid\"><thead><tr><th>Frame</th><th>Error</th></tr></thead><tbody>"
            for f in failed { page += "<tr class=\"bad\"><td>\(HTML.escape(f.name))</td><td>\(HTML.escape(f.error ?? "unknown"))</td></tr>" }
            page += "</tbody></table></section>"
        }

        page += "<section><h2>All frames</h2><table class=\"grid small\"><thead><tr><th>#</th><th>Frame</th><th>Status</th><th>Source</th><th>Output</th><th>Ratio</th><th>SSIM</th><th>Tile floor</th><th>PSNR</th><th>Grain kept</th><th>Iter.</th></tr></thead><tbody>"
        for (i, f) in written.enumerated() {
            page += "<tr class=\"\(f.status == .failed ? "bad" : "")\"><td>\(i + 1)</td><td>\(HTML.escape(f.name))</td><td>\(HTML.escape(statusText(f)))</td><td>\(f.sourceBytes.map(bytes) ?? "–")</td><td>\(f.outputBytes.map(bytes) ?? "–")</td><td>\(num(f.ratio, "%.2f"))</td><td>\(num(f.ssim, "%.4f"))</td><td>\(num(f.tileFloor, "%.4f"))</td><td>\(psnrText(f))</td><td>\(num(f.grainRetention, "%.2f"))</td><td>\(f.iterations)</td></tr>"
        }
        page += "</tbody></table></section>"

        if !model.events.isEmpty {
            page += "<section><h2>Provenance events</h2><table class=\"grid small\"><thead><tr><th>Date</th><th>Event</th><th>Outcome</th><th>Agent</th><th>Detail</th></tr></thead><tbody>"
            for e in model.events {
                page += "<tr class=\"\(e.outcome == "success" ? "" : "bad")\"><td>\(HTML.escape(e.date))</td><td>\(HTML.escape(e.type))</td><td>\(HTML.escape(e.outcome))</td><td>\(HTML.escape(e.agent))</td><td>\(HTML.escape(e.detail))</td></tr>"
            }
            page += "</tbody></table></section>"
        }
        page += "<footer>Written by \(HTML.escape(s.tool)). Metrics: SSIM (Wang et al. 2004, 11×11 Gaussian σ 1.5) and PSNR on the decoded samples of the written files.</footer></body></html>\n"
        return page
    }

    // MARK: pieces

    static func card(_ title: String, _ value: String, _ sub: String, alert: Bool = false) -> String {
        "<div class=\"card\(alert ? " alert" : "")\"><div class=\"t\">\(HTML.escape(title))</div><div class=\"v\">\(HTML.escape(value))</div><div class=\"s\">\(HTML.escape(sub))</div></div>"
    }

    static func row(_ k: String, _ v: String) -> String { "<tr><th>\(HTML.escape(k))</th><td>\(HTML.escape(v))</td></tr>" }

    static func figure(_ caption: String, _ svg: String) -> String {
        "<figure>\(svg)<figcaption>\(HTML.escape(caption))</figcaption></figure>"
    }

    static func img(_ png: [UInt8], _ alt: String) -> String {
        png.isEmpty ? "–" : "<img alt=\"\(alt)\" src=\"data:image/png;base64,\(Data(png).base64EncodedString())\">"
    }

    static func num(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "–" }

    static func statusText(_ f: FrameReport) -> String {
        f.fellBackToLossless ? "\(f.status.rawValue), lossless fallback" : f.status.rawValue
    }

    static func psnrText(_ f: FrameReport?) -> String {
        guard let f else { return "–" }
        if f.identical == true { return "∞ (exact)" }
        return num(f.psnr, "%.2f")
    }

    static func floorsText(_ f: ReportModel.Floors) -> String {
        var parts: [String] = []
        if let v = f.ssim { parts.append(String(format: "SSIM ≥ %.4g", v)) }
        if let v = f.psnr { parts.append(String(format: "PSNR ≥ %.4g dB", v)) }
        if let v = f.tileFloor { parts.append(String(format: "tile floor ≥ %.4g", v)) }
        if let v = f.grainRetention { parts.append(String(format: "grain retention ≥ %.3g", v)) }
        return parts.isEmpty ? "bit-exact (lossless)" : parts.joined(separator: ", ")
    }

    /// Bytes in decimal units (archives count storage that way).
    static func bytes(_ n: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB"]
        var v = Double(n), u = 0
        while v >= 1000, u < units.count - 1 { v /= 1000; u += 1 }
        return u == 0 ? "\(n) B" : String(format: "%.2f %@", v, units[u])
    }

    static let css = """
    body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;margin:0;background:#f6f7f9}
    header{background:#1f2933;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}.sub{margin:4px 0 0;color:#cbd2d9}
    section{background:#fff;margin:16px 24px;padding:14px 20px;border-radius:8px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
    h2{font-size:16px;margin:4px 0 12px;color:#1f2933}
    .cards{display:flex;flex-wrap:wrap;gap:12px;background:none;box-shadow:none;padding:0}
    .card{flex:1 1 150px;background:#fff;border-radius:8px;padding:12px 16px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
    .card .t{color:#616e7c;font-size:12px;text-transform:uppercase;letter-spacing:.04em}.card .v{font-size:24px;font-weight:600;margin:2px 0}
    .card .s{color:#616e7c;font-size:12px}.card.alert{border-left:4px solid #c62828}
    table{border-collapse:collapse}.kv th{text-align:left;padding:3px 16px 3px 0;color:#616e7c;font-weight:500}
    .grid{width:100%}.grid th,.grid td{border-bottom:1px solid #e4e7eb;padding:5px 8px;text-align:left}.grid th{background:#f5f7fa}
    .grid.small{font-size:12px}tr.bad td{background:#fdecea}
    .plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:12px}
    figure{margin:0}figcaption{color:#616e7c;font-size:12px;text-align:center}svg.chart{width:100%;height:auto;background:#fff}
    .worst img{width:200px;image-rendering:pixelated;border:1px solid #ddd}.hint{color:#616e7c;font-size:12px}
    footer{color:#7b8794;font-size:12px;margin:16px 24px 32px}
    """
}
