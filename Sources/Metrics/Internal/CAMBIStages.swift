import Foundation
import ImageCore

/// The stages of CAMBI around the contrast histograms (see `CAMBI` for the method and
/// for which choices follow the paper and which follow libvmaf): luma, the flat-region
/// mask, the 3×3 mode filter, the 2× decimation, the visibility thresholds and the
/// top-k pooling. Every stage works on one plane of `UInt16` codes, row by row.
enum CAMBIStages {
    /// Luma at the frame's own bit depth: plane 0 of a 1- or 2-channel frame (alpha
    /// ignored), Rec.709 weights on the code values of R, G and B otherwise, rounded to
    /// the nearest code. Integer weights summing to 10,000 keep R = G = B exact.
    static func luma(_ frame: PixelBuffer, workers: Int = 1) -> [UInt16] {
        let n = frame.planeSize
        if frame.channels < 3 { return Array(frame.samples[0..<n]) }
        var out = [UInt16](repeating: 0, count: n)
        frame.samples.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                let shared = Pointers(input: s.baseAddress!, output: o.baseAddress!)
                let strips = rowStrips(height: frame.height, count: workers, minimumRows: 16)
                let width = frame.width
                CAMBIParallel.run(strips.count, workers: workers) { index in
                    let (s, o) = (shared.input, shared.output)
                    for i in (strips[index].lowerBound * width) ..< (strips[index].upperBound * width) {
                        let y = 2126 * UInt32(s[i]) + 7152 * UInt32(s[n + i]) + 722 * UInt32(s[2 * n + i]) + 5000
                        o[i] = UInt16(truncatingIfNeeded: y / 10_000)
                    }
                }
            }
        }
        return out
    }

    /// The flat-region mask of a `width`×`height` plane: a pixel is flat when it equals
    /// its right and lower neighbours (the last column and row count as equal), and the
    /// mask is 1 where more than `threshold` pixels of the 7×7 square around a pixel
    /// (zeros outside the frame) are flat.
    static func flatMask(_ plane: UnsafePointer<UInt16>, width: Int, height: Int, workers: Int) -> [UInt8] {
        let threshold = maskThreshold(width: width, height: height)
        var mask = [UInt8](repeating: 0, count: width * height)
        mask.withUnsafeMutableBufferPointer { m in
            let shared = Pointers(input: plane, output: m.baseAddress!)
            let strips = rowStrips(height: height, count: workers, minimumRows: 16)
            CAMBIParallel.run(strips.count, workers: workers) { index in
                let rows = strips[index]
                let first = max(0, rows.lowerBound - 3), last = min(height, rows.upperBound + 3)
                // Horizontal 7-sums of the zero-derivative flags of rows first..<last.
                var sums = [UInt8](repeating: 0, count: (last - first) * width)
                var flags = [UInt8](repeating: 0, count: width + 6)
                sums.withUnsafeMutableBufferPointer { h in
                    flags.withUnsafeMutableBufferPointer { f in
                        for y in first..<last {
                            let row = shared.input + y * width
                            let below = y + 1 < height ? shared.input + (y + 1) * width : row
                            for x in 0..<width {
                                let right = x + 1 < width ? row[x + 1] : row[x]
                                f[x + 3] = (row[x] == right && row[x] == below[x]) ? 1 : 0
                            }
                            var sum = 0
                            for x in 0..<6 { sum += Int(f[x]) }
                            let out = h.baseAddress! + (y - first) * width
                            for x in 0..<width {
                                sum += Int(f[x + 6])
                                out[x] = UInt8(truncatingIfNeeded: sum)
                                sum -= Int(f[x])
                            }
                        }
                    }
                    var column = [Int32](repeating: 0, count: width)
                    column.withUnsafeMutableBufferPointer { c in
                        for y in rows {
                            let top = max(0, y - 3) - first, bottom = min(height, y + 4) - first
                            for x in 0..<width { c[x] = 0 }
                            for r in top..<bottom {
                                let src = h.baseAddress! + r * width
                                for x in 0..<width { c[x] &+= Int32(src[x]) }
                            }
                            let out = shared.output + y * width
                            for x in 0..<width { out[x] = c[x] > Int32(threshold) ? 1 : 0 }
                        }
                    }
                }
            }
        }
        return mask
    }

    /// How many of the 49 pixels of the 7×7 square must be flat (strictly more than
    /// this) for the mask: libvmaf's rule, 24 at 4K, one and a half fewer for each
    /// halving of the count of 64×64 blocks below 2^11 (21 at 1080p).
    static func maskThreshold(width: Int, height: Int) -> Int {
        let blocks = (width >> 6) * (height >> 6)
        var log = 0
        while blocks > 1 && (1 << log) < blocks { log += 1 }
        return (49 + 3 * (log - 11) - 1) >> 1
    }

    /// The 3×3 mode filter: the horizontal mode of three, then the vertical mode of
    /// three (the smallest of three different values). The first and last rows are
    /// kept as they are, and the first and last columns are not filtered horizontally.
    static func modeFilter(_ plane: [UInt16], width: Int, height: Int, workers: Int) -> [UInt16] {
        guard height >= 3 else { return plane }
        var out = [UInt16](repeating: 0, count: plane.count)
        plane.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                let shared = Pointers(input: p.baseAddress!, output: o.baseAddress!)
                let strips = rowStrips(height: height, count: workers, minimumRows: 16)
                CAMBIParallel.run(strips.count, workers: workers) { index in
                    let rows = strips[index]
                    var lines = [UInt16](repeating: 0, count: 3 * width)
                    lines.withUnsafeMutableBufferPointer { l in
                        let line = l.baseAddress!
                        func horizontal(_ y: Int, into dst: UnsafeMutablePointer<UInt16>) {
                            let src = shared.input + y * width
                            dst[0] = src[0]
                            if width > 1 { dst[width - 1] = src[width - 1] }
                            if width > 2 {
                                for x in 1..<(width - 1) { dst[x] = mode3(src[x - 1], src[x], src[x + 1]) }
                            }
                        }
                        for y in rows {
                            let dst = shared.output + y * width
                            if y == 0 || y == height - 1 {
                                dst.update(from: shared.input + y * width, count: width)
                                continue
                            }
                            // Rows y-1, y, y+1 horizontally filtered, in lines (y+2) % 3 … (y+1) % 3.
                            if y == rows.lowerBound || y == 1 {
                                horizontal(y - 1, into: line + ((y - 1) % 3) * width)
                                horizontal(y, into: line + (y % 3) * width)
                            }
                            horizontal(y + 1, into: line + ((y + 1) % 3) * width)
                            let a = line + ((y - 1) % 3) * width, b = line + (y % 3) * width, c = line + ((y + 1) % 3) * width
                            for x in 0..<width { dst[x] = mode3(a[x], b[x], c[x]) }
                        }
                    }
                }
            }
        }
        return out
    }

    @inline(__always) static func mode3(_ a: UInt16, _ b: UInt16, _ c: UInt16) -> UInt16 {
        if a == b || a == c { return a }
        if b == c { return b }
        return min(a, min(b, c))
    }

    /// Every other pixel of every other row, starting at (0, 0): ⌈w/2⌉×⌈h/2⌉.
    static func decimate<T>(_ plane: [T], width: Int, height: Int) -> [T] {
        let w = (width + 1) >> 1, h = (height + 1) >> 1
        var out: [T] = []
        out.reserveCapacity(w * h)
        plane.withUnsafeBufferPointer { p in
            for y in 0..<h {
                let row = p.baseAddress! + 2 * y * width
                for x in 0..<w { out.append(row[2 * x]) }
            }
        }
        return out
    }

    /// The largest 10-bit code at which a step of `d` codes (d = 1…4) is still visible:
    /// ΔL > 0.019·L on the BT.1886 display (300 cd/m² white, 0.01 black) of
    /// limited-range video (codes 64…940). Above it a step of `d` is not counted.
    static let visibilityThresholds: [Int] = (1...4).map { d in
        let foot = 64, head = 940
        func luminance(_ code: Int) -> Double {
            let v = Double(min(max(code, foot), head) - foot) / Double(head - foot)
            let gamma = 2.4, white = 300.0, black = 0.01
            let a = pow(pow(white, 1 / gamma) - pow(black, 1 / gamma), gamma)
            let b = pow(black, 1 / gamma) / (pow(white, 1 / gamma) - pow(black, 1 / gamma))
            return a * pow(max(v + b, 0), gamma)
        }
        func visible(_ code: Int) -> Bool { luminance(code + d) - luminance(code) > 0.019 * luminance(code) }
        guard visible(foot) else { return 0 }
        var code = foot
        while code < head - d - 1 && visible(code + 1) { code += 1 }
        return code == head - d - 1 && visible(code + 1) ? 1023 : code
    }

    /// The mean of the largest `max(1, ⌊fraction·count⌋)` values (values are ≥ 0).
    static func topMean(_ values: UnsafeBufferPointer<Float>, fraction: Double) -> Double {
        let n = values.count
        guard n > 0 else { return 0 }
        let k = min(max(Int(fraction * Double(n)), 1), n)
        var count = 0
        for v in values where v > 0 { count += 1 }
        var nonzero: [Float] = []
        nonzero.reserveCapacity(count)
        for v in values where v > 0 { nonzero.append(v) }
        if nonzero.count <= k { return nonzero.reduce(0.0) { $0 + Double($1) } / Double(k) }
        // Select the k largest into nonzero[0..<k] (quickselect, descending).
        nonzero.withUnsafeMutableBufferPointer { a in
            var lo = 0, hi = a.count - 1
            let target = k - 1
            while lo < hi {
                let pivot = a[(lo + hi) >> 1]
                var i = lo, j = hi
                while i <= j {
                    while a[i] > pivot { i += 1 }
                    while a[j] < pivot { j -= 1 }
                    if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
                }
                if target <= j { hi = j } else if target >= i { lo = i } else { break }
            }
        }
        var sum = 0.0
        for i in 0..<k { sum += Double(nonzero[i]) }
        return sum / Double(k)
    }

    /// `count` contiguous row ranges covering 0..<height, none shorter than
    /// `minimumRows` unless the frame is.
    static func rowStrips(height: Int, count: Int, minimumRows: Int) -> [Range<Int>] {
        let n = max(1, min(count, height / max(minimumRows, 1)))
        return (0..<n).map { i in (i * height / n) ..< ((i + 1) * height / n) }
    }
}

/// An input plane and an output buffer shared by the workers of one stage.
/// `@unchecked Sendable`: the input is only read and each worker writes only the rows
/// of its own strip; `CAMBIParallel.run` returns after every worker is done.
struct Pointers<Input, Output>: @unchecked Sendable {
    let input: UnsafePointer<Input>
    let output: UnsafeMutablePointer<Output>
}

/// Runs `body(0..<count)` on up to `workers` threads, each index exactly once.
enum CAMBIParallel {
    static func run(_ count: Int, workers: Int, _ body: @escaping @Sendable (Int) -> Void) {
        WorkQueue.forEach(count: count, workers: workers, body)
    }
}
