import Formats
import ImageCore

/// Small 8-bit pictures of a frame for the report: a thumbnail of the samples and
/// a heat map of where a decoded frame differs from its source.
public enum Preview {
    /// An 8-bit preview: `channels` (1 or 3) interleaved samples a pixel, row-major.
    public struct Picture: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var channels: Int
        public var pixels: [UInt8]

        /// The picture as PNG bytes.
        public func png() throws -> [UInt8] {
            [UInt8](try PNGWriter.encode(width: width, height: height, channels: channels, pixels: pixels))
        }
    }

    /// Size of a preview at most `maxWidth` wide, keeping the aspect ratio.
    static func previewSize(width: Int, height: Int, maxWidth: Int) -> (Int, Int) {
        let w = max(1, min(maxWidth, width))
        let h = max(1, (height * w + width / 2) / width)
        return (w, h)
    }

    /// A box-filtered thumbnail, code values mapped linearly to 8 bits (log scans
    /// look flat, as they do in any viewer without a display transform).
    public static func thumbnail(_ frame: PixelBuffer, maxWidth: Int = 240) -> Picture {
        let (w, h) = previewSize(width: frame.width, height: frame.height, maxWidth: maxWidth)
        let outChannels = frame.channels >= 3 ? 3 : 1
        var out = [UInt8](repeating: 0, count: w * h * outChannels)
        let scale = 255.0 / Double(frame.maxValue)
        frame.samples.withUnsafeBufferPointer { s in
            for ty in 0..<h {
                let y0 = ty * frame.height / h, y1 = max(y0 + 1, (ty + 1) * frame.height / h)
                for tx in 0..<w {
                    let x0 = tx * frame.width / w, x1 = max(x0 + 1, (tx + 1) * frame.width / w)
                    for c in 0..<outChannels {
                        var sum = 0
                        let plane = c * frame.planeSize
                        for y in y0..<y1 {
                            let row = plane + y * frame.width
                            for x in x0..<x1 { sum += Int(s[row + x]) }
                        }
                        let mean = Double(sum) / Double((y1 - y0) * (x1 - x0))
                        out[(ty * w + tx) * outChannels + c] = UInt8(min(255, (mean * scale).rounded()))
                    }
                }
            }
        }
        return Picture(width: w, height: h, channels: outChannels, pixels: out)
    }

    /// Where `test` differs from `reference`: the largest absolute difference in each
    /// preview cell (max-pooled, so a small artifact is not averaged away), coloured
    /// from black through red and yellow to white. White is `fullScale` code values or
    /// more; by default the 99th percentile of the cells, so the map shows where the
    /// error concentrates whatever its size (`scale` says what white means).
    /// - Precondition: both frames have the same geometry (checked by the caller's metrics).
    public static func errorHeatMap(reference: PixelBuffer, test: PixelBuffer, maxWidth: Int = 240,
                                    fullScale: Double? = nil) -> (picture: Picture, scale: Double) {
        let (w, h) = previewSize(width: reference.width, height: reference.height, maxWidth: maxWidth)
        var cells = [Int](repeating: 0, count: w * h)
        let channels = min(reference.channels, test.channels)
        reference.samples.withUnsafeBufferPointer { r in
            test.samples.withUnsafeBufferPointer { t in
                for ty in 0..<h {
                    let y0 = ty * reference.height / h, y1 = max(y0 + 1, (ty + 1) * reference.height / h)
                    for tx in 0..<w {
                        let x0 = tx * reference.width / w, x1 = max(x0 + 1, (tx + 1) * reference.width / w)
                        var worst = 0
                        for c in 0..<channels {
                            let plane = c * reference.planeSize
                            for y in y0..<y1 {
                                let row = plane + y * reference.width
                                for x in x0..<x1 { worst = max(worst, abs(Int(r[row + x]) - Int(t[row + x]))) }
                            }
                        }
                        cells[ty * w + tx] = worst
                    }
                }
            }
        }
        let sorted = cells.sorted()
        let full = max(1, fullScale ?? Double(sorted[min(sorted.count - 1, sorted.count * 99 / 100)]))
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for (i, worst) in cells.enumerated() {
            let v = min(1.0, Double(worst) / full)
            // black -> red -> yellow -> white
            out[i * 3] = UInt8(min(255, v * 3 * 255))
            out[i * 3 + 1] = UInt8(max(0, min(255, (v * 3 - 1) * 255)))
            out[i * 3 + 2] = UInt8(max(0, min(255, (v * 3 - 2) * 255)))
        }
        return (Picture(width: w, height: h, channels: 3, pixels: out), full)
    }

    /// The tile side of the grain and banding maps (`GrainRetention`, `CAMBI.Result`).
    static let mapTile = 64

    /// A map of per-tile figures (row by row, `tilesAcross` × `tilesDown`, NaN for tiles
    /// not measured) as a picture of about `maxWidth` pixels: each tile a block of one
    /// colour from `bad` (red, at `low`) through amber to `good` (green, at `high`);
    /// unmeasured tiles dark grey.
    public static func tileMap(_ values: [Float], tilesAcross: Int, tilesDown: Int, frameWidth: Int, frameHeight: Int,
                               low: Double, high: Double, maxWidth: Int = 240) -> Picture {
        let (w, h) = previewSize(width: frameWidth, height: frameHeight, maxWidth: maxWidth)
        var out = [UInt8](repeating: 0, count: w * h * 3)
        let tile = Double(mapTile)
        for y in 0..<h {
            let ty = min(tilesDown - 1, Int(Double(y) * Double(frameHeight) / Double(h) / tile))
            for x in 0..<w {
                let tx = min(tilesAcross - 1, Int(Double(x) * Double(frameWidth) / Double(w) / tile))
                let v = values.isEmpty ? Float.nan : values[ty * tilesAcross + tx]
                let i = (y * w + x) * 3
                guard !v.isNaN else { out[i] = 48; out[i + 1] = 48; out[i + 2] = 48; continue }
                let t = max(0, min(1, (Double(v) - low) / (high - low)))
                // red (0) -> amber (0.5) -> green (1)
                out[i] = UInt8((t < 0.5 ? 220 : 220 * (1 - t) * 2).rounded())
                out[i + 1] = UInt8((t < 0.5 ? 60 + 280 * t : 200).rounded())
                out[i + 2] = 40
            }
        }
        return Picture(width: w, height: h, channels: 3, pixels: out)
    }
}
