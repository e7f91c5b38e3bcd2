import Foundation

/// Inline SVG charts for the report: a value along the reel with its floor drawn,
/// a histogram, and bars. Self-contained markup, no scripts, no network.
enum SVGChart {
    static let width = 760.0
    static let height = 220.0
    static let margin = (left: 56.0, right: 16.0, top: 16.0, bottom: 34.0)

    /// A line of `values` (nil = gap, e.g. a failed or identical frame) along the
    /// frame index, with an optional dashed `floor` line and a y label.
    static func line(values: [Double?], floor: Double?, label: String, color: String,
                     format: (Double) -> String) -> String {
        let present = values.compactMap { $0 }
        guard !present.isEmpty else { return emptyChart("no \(label) values (bit-exact or failed frames)") }
        var lo = present.min()!, hi = present.max()!
        if let floor { lo = min(lo, floor); hi = max(hi, floor) }
        if hi - lo < 1e-9 { lo -= 0.5 * max(abs(lo) * 0.001, 1e-3); hi += 0.5 * max(abs(hi) * 0.001, 1e-3) }
        let pad = (hi - lo) * 0.08
        lo -= pad; hi += pad
        let n = values.count
        let plotW = width - margin.left - margin.right, plotH = height - margin.top - margin.bottom
        func x(_ i: Int) -> Double { margin.left + (n == 1 ? plotW / 2 : Double(i) * plotW / Double(n - 1)) }
        func y(_ v: Double) -> Double { margin.top + (hi - v) / (hi - lo) * plotH }

        var svg = header(label: label)
        svg += axes(lo: lo, hi: hi, count: n, format: format, y: y)
        // The polyline breaks at gaps.
        var segments: [[String]] = [[]]
        for (i, v) in values.enumerated() {
            if let v { segments[segments.count - 1].append("\(fmt(x(i))),\(fmt(y(v)))") } else { segments.append([]) }
        }
        for seg in segments where seg.count > 1 {
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\" points=\"\(seg.joined(separator: " "))\"/>"
        }
        if n <= 400 {
            for (i, v) in values.enumerated() {
                guard let v else { continue }
                let below = floor.map { v < $0 } ?? false
                svg += "<circle cx=\"\(fmt(x(i)))\" cy=\"\(fmt(y(v)))\" r=\"\(below ? 3.5 : 2)\" fill=\"\(below ? "#c62828" : color)\"><title>frame \(i + 1): \(format(v))</title></circle>"
            }
        }
        if let floor {
            svg += "<line class=\"floor\" x1=\"\(fmt(margin.left))\" x2=\"\(fmt(width - margin.right))\" y1=\"\(fmt(y(floor)))\" y2=\"\(fmt(y(floor)))\" stroke=\"#c62828\" stroke-dasharray=\"6 4\" stroke-width=\"1.2\"/>"
            svg += "<text x=\"\(fmt(width - margin.right - 4))\" y=\"\(fmt(y(floor) - 4))\" text-anchor=\"end\" fill=\"#c62828\" font-size=\"11\">floor \(format(floor))</text>"
        }
        return svg + "</svg>"
    }

    /// A histogram of `values` in `bins` equal bins, with an optional floor marker.
    static func histogram(values: [Double], bins: Int = 20, floor: Double?, label: String, color: String,
                          format: (Double) -> String) -> String {
        guard !values.isEmpty else { return emptyChart("no \(label) values") }
        var lo = values.min()!, hi = values.max()!
        if let floor { lo = min(lo, floor) }
        if hi - lo < 1e-12 { lo -= 1e-3; hi += 1e-3 }
        var counts = [Int](repeating: 0, count: bins)
        for v in values { counts[min(bins - 1, Int((v - lo) / (hi - lo) * Double(bins)))] += 1 }
        let top = niceCount(counts.max()!)
        let plotW = width - margin.left - margin.right, plotH = height - margin.top - margin.bottom
        func y(_ c: Double) -> Double { margin.top + plotH - c / top * plotH }
        var svg = header(label: label)
        svg += axes(lo: 0, hi: top, count: 0, format: { String(Int($0.rounded())) }, y: y)
        let bw = plotW / Double(bins)
        for (i, c) in counts.enumerated() where c > 0 {
            let from = lo + (hi - lo) * Double(i) / Double(bins), to = lo + (hi - lo) * Double(i + 1) / Double(bins)
            svg += "<rect class=\"bar\" x=\"\(fmt(margin.left + Double(i) * bw + 1))\" y=\"\(fmt(y(Double(c))))\" width=\"\(fmt(bw - 2))\" height=\"\(fmt(plotH - (y(Double(c)) - margin.top)))\" fill=\"\(color)\"><title>\(format(from)) – \(format(to)): \(c) frames</title></rect>"
        }
        for k in 0...4 {
            let v = lo + (hi - lo) * Double(k) / 4
            svg += "<text x=\"\(fmt(margin.left + plotW * Double(k) / 4))\" y=\"\(fmt(height - 14))\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555\">\(format(v))</text>"
        }
        if let floor {
            let fx = margin.left + (floor - lo) / (hi - lo) * plotW
            svg += "<line class=\"floor\" x1=\"\(fmt(fx))\" x2=\"\(fmt(fx))\" y1=\"\(fmt(margin.top))\" y2=\"\(fmt(margin.top + plotH))\" stroke=\"#c62828\" stroke-dasharray=\"6 4\"/>"
        }
        return svg + "</svg>"
    }

    /// Bars of integer `values` along the frame index (iterations per frame).
    static func bars(values: [Int], label: String, color: String) -> String {
        guard let most = values.max(), most > 0 else { return emptyChart("no \(label)") }
        let top = niceCount(most)
        let plotW = width - margin.left - margin.right, plotH = height - margin.top - margin.bottom
        func y(_ c: Double) -> Double { margin.top + plotH - c / top * plotH }
        var svg = header(label: label)
        svg += axes(lo: 0, hi: top, count: values.count, format: { String(Int($0.rounded())) }, y: y)
        let bw = plotW / Double(values.count)
        for (i, v) in values.enumerated() where v > 0 {
            svg += "<rect class=\"bar\" x=\"\(fmt(margin.left + Double(i) * bw + bw * 0.1))\" y=\"\(fmt(y(Double(v))))\" width=\"\(fmt(max(0.5, bw * 0.8)))\" height=\"\(fmt(plotH - (y(Double(v)) - margin.top)))\" fill=\"\(color)\"><title>frame \(i + 1): \(v)</title></rect>"
        }
        return svg + "</svg>"
    }

    /// A count axis's top: the next multiple of 4, so the five ticks are whole numbers.
    static func niceCount(_ n: Int) -> Double { Double((n + 3) / 4 * 4) }

    static func header(label: String) -> String {
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(label))\">"
    }

    static func axes(lo: Double, hi: Double, count: Int, format: (Double) -> String, y: (Double) -> Double) -> String {
        var s = ""
        let plotRight = width - margin.right
        let ticks = (0...4).map { lo + (hi - lo) * Double($0) / 4 }
        var labels = ticks.map(format)
        if Set(labels).count < labels.count {
            // The chart's format is too coarse for this range (0.81, 0.81, 0.81): as many
            // decimals as the tick step needs.
            let digits = max(0, min(8, Int((-log10(max((hi - lo) / 4, 1e-12))).rounded(.up)) + 1))
            labels = ticks.map { String(format: "%.\(digits)f", $0) }
        }
        for (v, label) in zip(ticks, labels) {
            s += "<line x1=\"\(fmt(margin.left))\" x2=\"\(fmt(plotRight))\" y1=\"\(fmt(y(v)))\" y2=\"\(fmt(y(v)))\" stroke=\"#e3e3e3\"/>"
            s += "<text x=\"\(fmt(margin.left - 6))\" y=\"\(fmt(y(v) + 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"#555\">\(label)</text>"
        }
        if count > 0 {
            s += "<text x=\"\(fmt(margin.left))\" y=\"\(fmt(height - 14))\" font-size=\"11\" fill=\"#555\">1</text>"
            s += "<text x=\"\(fmt(plotRight))\" y=\"\(fmt(height - 14))\" text-anchor=\"end\" font-size=\"11\" fill=\"#555\">frame \(count)</text>"
        }
        return s
    }

    private static func emptyChart(_ message: String) -> String {
        "<svg class=\"chart empty\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) 60\"><text x=\"12\" y=\"34\" font-size=\"13\" fill=\"#777\">\(HTML.escape(message))</text></svg>"
    }

    static func fmt(_ v: Double) -> String { String(format: "%.1f", v) }
}

/// HTML text escaping.
enum HTML {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}
