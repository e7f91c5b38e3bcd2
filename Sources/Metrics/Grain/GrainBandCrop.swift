import ImageCore

/// The grain band (`GrainBand`: the picture less its à-trous low-pass, the part below
/// about three pixels across) of a rectangle of one plane, for looking at grain:
/// the review's grain view shows it for a source and its decoded output side by side.
///
/// The rectangle is cut with `GrainBand.margin` pixels of the frame around it where the
/// frame has them, so inside the frame the values equal those the metrics compute on
/// the whole plane; only at the frame's own edges are samples repeated, as there.
public enum GrainBandCrop {
    /// The band of rectangle (`x`, `y`, `width`, `height`) of plane `channel` of
    /// `frame`, row by row, in code values of the frame's depth (about zero-mean).
    /// - Precondition: the rectangle lies inside the frame; `channel < frame.channels`.
    public static func band(_ frame: PixelBuffer, channel: Int, x: Int, y: Int, width: Int, height: Int) -> [Float] {
        precondition(x >= 0 && y >= 0 && width > 0 && height > 0 && x + width <= frame.width && y + height <= frame.height
                     && channel >= 0 && channel < frame.channels,
                     "rectangle \(x),\(y) \(width)×\(height) of channel \(channel) is outside the frame")
        let m = GrainBand.margin
        let x0 = max(0, x - m), y0 = max(0, y - m)
        let x1 = min(frame.width, x + width + m), y1 = min(frame.height, y + height + m)
        let w = x1 - x0, h = y1 - y0
        var plane = [UInt16](repeating: 0, count: w * h)
        let base = channel * frame.planeSize
        frame.samples.withUnsafeBufferPointer { s in
            for r in 0..<h {
                let from = base + (y0 + r) * frame.width + x0
                for c in 0..<w { plane[r * w + c] = s[from + c] }
            }
        }
        var full = [Float](repeating: 0, count: w * h)
        var worker = GrainBand(width: w, height: h, maxRows: h)
        plane.withUnsafeBufferPointer { p in
            full.withUnsafeMutableBufferPointer { o in
                worker.run(plane: p.baseAddress!, rows: 0..<h, out: o.baseAddress!)
            }
        }
        if w == width && h == height { return full }
        var out = [Float](repeating: 0, count: width * height)
        for r in 0..<height {
            let from = (y - y0 + r) * w + (x - x0)
            for c in 0..<width { out[r * width + c] = full[from + c] }
        }
        return out
    }
}
