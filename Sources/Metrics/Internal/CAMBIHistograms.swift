import Foundation

/// The c-values of one CAMBI scale from sliding-window histograms (see `CAMBI`).
///
/// For every output column `x` and every code `u` that some masked pixel has, a
/// `UInt16` (`UInt32` when the window holds more than 65,535 pixels, frames with
/// w + h over about 23,500) counts the masked pixels of value `u` in the window centred on (x, y):
/// when row y + pad enters the window each of its masked pixels adds 1 to the counts
/// of the window's width of columns around it (a run of equal pixels in one pass),
/// and row y − pad − 1 leaves the same way. The counts of the codes a c-value needs are then read directly. Codes index
/// the histograms through a table of the codes present, so a 16-bit frame needs no
/// more memory than a 10-bit one with as many distinct codes; when there are many,
/// the frame is also cut into column tiles so one worker's histograms stay under
/// `histogramBudget` bytes.
enum CAMBIHistograms {
    static let histogramBudget = 16 << 20

    /// c-values (0 where the mask is off) of a `width`×`height` scale whose codes have
    /// `shift` more bits than 10-bit codes; `window` is odd.
    static func cValues(image: [UInt16], mask: [UInt8], width: Int, height: Int, window: Int,
                        shift: Int, workers: Int) -> [Float] {
        var c = [Float](repeating: 0, count: width * height)
        let thresholds = CAMBIStages.visibilityThresholds
        let highest = thresholds.max()!
        // Codes above this are never read: a c-value reads codes up to 4 steps above a
        // code at or under a threshold.
        let top = min(((highest + 4 + 1) << shift) - 1, (1 << max(shift + 10, 10)) - 1)
        var index = [Int32](repeating: -1, count: top + 1)
        var rows: Int32 = 0
        for i in 0..<image.count where mask[i] != 0 && Int(image[i]) <= top {
            let v = Int(image[i])
            if index[v] < 0 { index[v] = rows; rows += 1 }
        }
        guard rows > 0, window > 1 else { return c }

        let pad = window >> 1
        let countSize = window * window <= Int(UInt16.max) ? 2 : 4
        let tileWidth = min(width, max(64, histogramBudget / (countSize * Int(rows))))
        let tiles = stride(from: 0, to: width, by: tileWidth).map { $0 ..< min(width, $0 + tileWidth) }
        let strips = CAMBIStages.rowStrips(height: height, count: workers == 1 ? 1 : 2 * workers,
                                           minimumRows: max(window, 16))
        // 1/n for every count sum n (at most twice the window's pixels), as libvmaf's table.
        let reciprocals = [Float(0)] + (1...(2 * window * window)).map { 1 / Float($0) }
        let settings = Settings(width: width, height: height, pad: pad, shift: shift, rows: Int(rows), top: top,
                                thresholds: thresholds.map { Int($0) }, reciprocals: reciprocals)
        image.withUnsafeBufferPointer { img in
            mask.withUnsafeBufferPointer { msk in
                index.withUnsafeBufferPointer { idx in
                    c.withUnsafeMutableBufferPointer { out in
                        let shared = Shared(image: img.baseAddress!, mask: msk.baseAddress!, index: idx.baseAddress!,
                                            c: out.baseAddress!)
                        CAMBIParallel.run(strips.count, workers: workers) { s in
                            if window * window <= Int(UInt16.max) {
                                var histograms = [UInt16](repeating: 0, count: settings.rows * tileWidth)
                                histograms.withUnsafeMutableBufferPointer { hist in
                                    for tile in tiles { run(strips[s], tile, settings, shared, hist.baseAddress!) }
                                }
                            } else {
                                var histograms = [UInt32](repeating: 0, count: settings.rows * tileWidth)
                                histograms.withUnsafeMutableBufferPointer { hist in
                                    for tile in tiles { run(strips[s], tile, settings, shared, hist.baseAddress!) }
                                }
                            }
                        }
                    }
                }
            }
        }
        return c
    }

    struct Settings: Sendable {
        let width, height, pad, shift, rows, top: Int
        let thresholds: [Int]
        let reciprocals: [Float]
    }

    /// Read-only planes and the c-value output. `@unchecked Sendable`: each worker
    /// writes only the c-values of its own strip.
    struct Shared: @unchecked Sendable {
        let image: UnsafePointer<UInt16>
        let mask: UnsafePointer<UInt8>
        let index: UnsafePointer<Int32>
        let c: UnsafeMutablePointer<Float>
    }

    /// The c-values of rows `strip` × columns `tile`.
    private static func run<Count: FixedWidthInteger & UnsignedInteger>(
        _ strip: Range<Int>, _ tile: Range<Int>, _ s: Settings, _ shared: Shared, _ hist: UnsafeMutablePointer<Count>
    ) {
        let (width, height, pad) = (s.width, s.height, s.pad)
        let x0 = tile.lowerBound, x1 = tile.upperBound, tw = x1 - x0
        hist.initialize(repeating: 0, count: s.rows * tw)
        let sourceColumns = max(0, x0 - pad) ..< min(width, x1 + pad)

        // Adds `step` (1, or 0 &- 1 to remove) for each masked pixel of row y to the
        // counts of the columns whose window holds it. A run of equal masked pixels
        // [a, b] adds to column c the length of [a, b] ∩ [c − pad, c + pad] in one pass,
        // so a flat band costs about one add per column instead of one per window pixel.
        @inline(__always) func update(row y: Int, by step: Count) {
            let image = shared.image + y * width, mask = shared.mask + y * width
            var a = sourceColumns.lowerBound
            let end = sourceColumns.upperBound
            while a < end {
                let v = image[a]
                guard mask[a] != 0, Int(v) <= s.top else { a += 1; continue }
                var b = a
                while b + 1 < end && mask[b + 1] != 0 && image[b + 1] == v { b += 1 }
                let counts = hist + Int(shared.index[Int(v)]) * tw - x0
                let lo = max(a - pad, x0), hi = min(b + pad + 1, x1)
                if lo < hi {
                    for c in lo..<hi {
                        let overlap = min(b, c + pad) - max(a, c - pad) + 1
                        counts[c] &+= Count(truncatingIfNeeded: overlap) &* step
                    }
                }
                a = b + 1
            }
        }

        let firstAdded = max(0, strip.lowerBound - pad)
        for y in firstAdded ..< min(height, strip.lowerBound + pad) { update(row: y, by: 1) }
        let step = 1 << s.shift
        let t = s.thresholds
        s.reciprocals.withUnsafeBufferPointer { reciprocal in
        for y in strip {
            if y + pad < height { update(row: y + pad, by: 1) }
            if y - pad - 1 >= firstAdded { update(row: y - pad - 1, by: 0 &- 1) }
            let image = shared.image + y * width, mask = shared.mask + y * width, out = shared.c + y * width
            for x in tile where mask[x] != 0 {
                let v = Int(image[x])
                let q = v >> s.shift
                guard q <= t[3] || q <= t[0] || q <= t[1] || q <= t[2] else { continue }
                let column = hist + (x - x0)
                @inline(__always) func count(_ u: Int) -> Int {
                    guard u >= 0, u <= s.top else { return 0 }
                    let r = Int(shared.index[u])
                    return r < 0 ? 0 : Int(column[r * tw])
                }
                let p0 = count(v)
                var best: Float = 0
                for d in 1...4 where q <= t[d - 1] {
                    let p = max(count(v + d * step), count(v - d * step))
                    // w_d = d (`CAMBI.contrastWeights`). As libvmaf: the product in
                    // Float, times the Float reciprocal.
                    let value = Float(d * p0 * p) * reciprocal[p + p0]
                    if value > best { best = value }
                }
                out[x] = best
            }
        }
        }
    }
}
