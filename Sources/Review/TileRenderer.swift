import Formats
import ImageCore
import Metrics

/// A rectangle of a frame to render, and how many frame pixels make one tile pixel.
///
/// `step` 1 is a 1:1 crop (the browser zooms it 2:1…8:1 by repeating pixels); a larger
/// step averages `step`×`step` boxes, for the whole-frame view.
public struct Crop: Sendable, Equatable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    public var step: Int

    public init(x: Int, y: Int, width: Int, height: Int, step: Int = 1) {
        self.x = x; self.y = y; self.width = width; self.height = height; self.step = step
    }

    /// The whole frame at `step`.
    public static func whole(_ frame: PixelBuffer, step: Int) -> Crop {
        Crop(x: 0, y: 0, width: frame.width, height: frame.height, step: step)
    }

    /// The crop moved and cut to lie inside a `width`×`height` frame, step 1...64.
    public func clamped(width frameWidth: Int, height frameHeight: Int) -> Crop {
        let w = min(max(1, width), frameWidth), h = min(max(1, height), frameHeight)
        return Crop(x: min(max(0, x), frameWidth - w), y: min(max(0, y), frameHeight - h), width: w, height: h,
                    step: min(max(1, step), 64))
    }

    /// Width of the rendered tile.
    public var outputWidth: Int { (width + step - 1) / step }
    /// Height of the rendered tile.
    public var outputHeight: Int { (height + step - 1) / step }
}

/// An 8-bit RGB picture, interleaved, row by row.
public struct RGBImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    /// The picture as PNG bytes (Formats' `PNGWriter`).
    public func png() throws -> [UInt8] {
        [UInt8](try PNGWriter.encode(width: width, height: height, channels: 3, pixels: pixels))
    }

    /// The RGB triple at (`x`, `y`).
    public subscript(x x: Int, y y: Int) -> [UInt8] {
        let i = (y * width + x) * 3
        return Array(pixels[i..<(i + 3)])
    }
}

/// Renders the review's views of a frame as 8-bit display pictures: the picture through
/// its display transform, the difference of two frames, and the grain band.
public enum TileRenderer {
    /// `crop` of `frame` through `transform` (box-averaged codes when `step` > 1).
    /// - Precondition: `crop` lies inside the frame (see `Crop.clamped`).
    public static func picture(_ frame: PixelBuffer, transform: DisplayTransform, crop: Crop) -> RGBImage {
        let lut = transform.lookupTable8(bitDepth: frame.bitDepth)
        if crop.step == 1 {
            let pixels = transform.renderRGB8(frame, x: crop.x, y: crop.y, width: crop.width, height: crop.height, table: lut)
            return RGBImage(width: crop.width, height: crop.height, pixels: pixels)
        }
        return boxed(frame, crop: crop, table: lut)
    }

    /// The difference of `test` from `reference` as displayed: per channel, the absolute
    /// difference of their 8-bit display values times `gain` (1, 4 or 16), clipped at
    /// 255; black where the two look the same.
    /// - Throws: `ReviewError.damaged` when the two frames' geometry differs.
    public static func difference(reference: PixelBuffer, test: PixelBuffer, transform: DisplayTransform,
                                  crop: Crop, gain: Int) throws -> RGBImage {
        try sameGeometry(reference, test)
        let a = picture(reference, transform: transform, crop: crop)
        let b = picture(test, transform: transform, crop: crop)
        var out = [UInt8](repeating: 0, count: a.pixels.count)
        for i in out.indices {
            out[i] = UInt8(min(255, abs(Int(a.pixels[i]) - Int(b.pixels[i])) * gain))
        }
        return RGBImage(width: a.width, height: a.height, pixels: out)
    }

    /// The grain band (`GrainBandCrop`) of `crop` of `frame`, mid grey at 0 and black and
    /// white at ∓4 `sigma` (code values; the source's grain deviation, so a source and its
    /// output are drawn to one scale). With `step` > 1 every `step`-th pixel is taken:
    /// averaging a high-pass would erase it.
    public static func grain(_ frame: PixelBuffer, crop: Crop, sigma: Double) -> RGBImage {
        let planes = frame.channels >= 3 ? [0, 1, 2] : [0, 0, 0]
        let bands = Set(planes).reduce(into: [Int: [Float]]()) {
            $0[$1] = GrainBandCrop.band(frame, channel: $1, x: crop.x, y: crop.y, width: crop.width, height: crop.height)
        }
        let scale = Float(127.5 / (4 * max(sigma, 0.25)))
        let w = crop.outputWidth, h = crop.outputHeight
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for ty in 0..<h {
            for tx in 0..<w {
                let at = (ty * crop.step) * crop.width + tx * crop.step
                for (c, plane) in planes.enumerated() {
                    let v = 127.5 + bands[plane]![at] * scale
                    out[(ty * w + tx) * 3 + c] = UInt8(min(255, max(0, v.rounded())))
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    /// A grain deviation measured from the band itself (median absolute value × 1.4826),
    /// for frames whose analysis is not recorded.
    public static func bandSigma(_ frame: PixelBuffer, crop: Crop) -> Double {
        let band = GrainBandCrop.band(frame, channel: 0, x: crop.x, y: crop.y, width: crop.width, height: crop.height)
        let sample = stride(from: 0, to: band.count, by: max(1, band.count / 20_000)).map { abs(band[$0]) }.sorted()
        guard !sample.isEmpty else { return 1 }
        return Double(sample[sample.count / 2]) * 1.4826
    }

    /// An error tile: dark red with `message` written on it in white, `width`×`height`.
    public static func errorTile(_ message: String, width: Int, height: Int) -> RGBImage {
        let w = min(max(width, 64), 4096), h = min(max(height, 32), 4096)
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        for i in 0..<(w * h) { pixels[i * 3] = 110; pixels[i * 3 + 1] = 18; pixels[i * 3 + 2] = 24 }
        let words = message.uppercased().split(separator: " ").map(String.init)
        var lines: [String] = [], line = ""
        let perLine = max(8, (w - 16) / (BitmapFont.advance * 2))
        for word in words {
            if line.isEmpty { line = word } else if line.count + 1 + word.count <= perLine { line += " " + word } else {
                lines.append(line); line = word
            }
        }
        if !line.isEmpty { lines.append(line) }
        let mask = BitmapFont.render(Array(lines.prefix(max(1, (h - 16) / (BitmapFont.lineHeight * 2)))), scale: 2)
        for y in 0..<min(mask.height, h - 8) {
            for x in 0..<min(mask.width, w - 8) where mask[x, y] {
                let i = ((y + 8) * w + x + 8) * 3
                pixels[i] = 255; pixels[i + 1] = 255; pixels[i + 2] = 255
            }
        }
        return RGBImage(width: w, height: h, pixels: pixels)
    }

    // MARK: Internals

    static func sameGeometry(_ a: PixelBuffer, _ b: PixelBuffer) throws {
        guard a.width == b.width, a.height == b.height, a.channels == b.channels, a.bitDepth == b.bitDepth else {
            throw ReviewError(.damaged, "output", "decoded \(b.width)×\(b.height)×\(b.channels) at \(b.bitDepth) bits, the source is \(a.width)×\(a.height)×\(a.channels) at \(a.bitDepth) bits")
        }
    }

    /// Box-averages `crop` of `frame` (each box's codes, per channel, rounded) and maps
    /// each average through `table` (8-bit display values indexed by code).
    static func boxed(_ frame: PixelBuffer, crop: Crop, table: [UInt8]) -> RGBImage {
        let w = crop.outputWidth, h = crop.outputHeight, step = crop.step
        let planes = frame.channels >= 3 ? [0, 1, 2] : [0, 0, 0]
        let maxCode = frame.maxValue
        var out = [UInt8](repeating: 0, count: w * h * 3)
        var sums = [Int](repeating: 0, count: w)
        frame.samples.withUnsafeBufferPointer { s in
            table.withUnsafeBufferPointer { t in
                out.withUnsafeMutableBufferPointer { o in
                    sums.withUnsafeMutableBufferPointer { sum in
                        for ty in 0..<h {
                            let y0 = crop.y + ty * step, y1 = min(crop.y + crop.height, y0 + step)
                            for (c, plane) in planes.enumerated() {
                                for i in 0..<w { sum[i] = 0 }
                                let base = plane * frame.planeSize
                                for y in y0..<y1 {
                                    let row = base + y * frame.width + crop.x
                                    var dx = 0, tx = 0
                                    while dx < crop.width {
                                        let end = min(crop.width, dx + step)
                                        var acc = 0
                                        for x in dx..<end { acc += Int(s[row + x]) }
                                        sum[tx] += acc
                                        dx = end; tx += 1
                                    }
                                }
                                for tx in 0..<w {
                                    let n = (min(crop.width, (tx + 1) * step) - tx * step) * (y1 - y0)
                                    o[(ty * w + tx) * 3 + c] = t[min(maxCode, (sum[tx] + n / 2) / n)]
                                }
                            }
                        }
                    }
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }
}
