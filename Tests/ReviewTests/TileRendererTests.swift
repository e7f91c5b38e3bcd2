import Foundation
import ImageCore
import Metrics
import Review
import Testing
import TestSupport

@Suite("Review tiles: display transform, crops, difference, grain")
struct TileRendererTests {
    /// A 10-bit frame whose R plane holds Cineon reference black (95) on the left half and
    /// reference white (685) on the right, G a ramp, B constant.
    static func logFrame(width: Int = 64, height: Int = 32) throws -> PixelBuffer {
        var p = try PixelBuffer(width: width, height: height, channels: 3, bitDepth: 10)
        for y in 0..<height {
            for x in 0..<width {
                p[x, y, 0] = x < width / 2 ? 95 : 685
                p[x, y, 1] = UInt16(x * 16)
                p[x, y, 2] = 400
            }
        }
        return p
    }

    @Test("Cineon log tiles: reference black is 0, reference white 255, and the PNG carries the same pixels")
    func cineonTile() throws {
        let frame = try Self.logFrame()
        let tile = TileRenderer.picture(frame, transform: .cineonLog, crop: Crop.whole(frame, step: 1))
        #expect(tile.width == 64 && tile.height == 32)
        #expect(tile[x: 0, y: 5][0] == 0)
        #expect(tile[x: 40, y: 5][0] == 255)
        // Every pixel is the transform's 8-bit value of its code.
        let lut = DisplayTransform.cineonLog.lookupTable8(bitDepth: 10)
        #expect(tile[x: 20, y: 3][1] == lut[20 * 16])
        #expect(tile[x: 20, y: 3][2] == lut[400])
        let png = try #require(StoredPNG.decode(try tile.png()))
        #expect(png.width == 64 && png.height == 32 && png.pixels == tile.pixels)
    }

    @Test("Rec.709 tiles show codes as they are: code / max · 255")
    func rec709Tile() throws {
        let frame = try Self.logFrame()
        let tile = TileRenderer.picture(frame, transform: .rec709, crop: Crop.whole(frame, step: 1))
        #expect(tile[x: 40, y: 0][0] == UInt8((685.0 / 1023 * 255).rounded()))
        #expect(tile[x: 10, y: 0][1] == UInt8((160.0 / 1023 * 255).rounded()))
    }

    @Test("A crop is the same pixels as the whole frame there; crops outside are moved inside", arguments: [1, 3])
    func crops(step: Int) throws {
        let frame = try SyntheticFrames.frame(.grain, width: 200, height: 120, bitDepth: 12)
        let whole = TileRenderer.picture(frame, transform: .rec709, crop: Crop.whole(frame, step: 1))
        let crop = Crop(x: 37, y: 21, width: 50, height: 40, step: 1)
        let tile = TileRenderer.picture(frame, transform: .rec709, crop: crop)
        for (x, y) in [(0, 0), (49, 39), (12, 30)] {
            #expect(tile[x: x, y: y] == whole[x: 37 + x, y: 21 + y])
        }
        let moved = Crop(x: 190, y: -5, width: 50, height: 40, step: step).clamped(width: 200, height: 120)
        #expect(moved.x == 150 && moved.y == 0 && moved.width == 50)
        #expect(moved.outputWidth == (50 + step - 1) / step)
    }

    @Test("A whole-frame view at step 4 averages 4×4 boxes of codes before the transform")
    func boxAverage() throws {
        var frame = try PixelBuffer(width: 8, height: 4, channels: 1, bitDepth: 8)
        for y in 0..<4 { for x in 0..<8 { frame[x, y, 0] = x < 4 ? (x + y) % 2 == 0 ? 0 : 200 : 50 } }
        let tile = TileRenderer.picture(frame, transform: .rec709, crop: Crop.whole(frame, step: 4))
        #expect(tile.width == 2 && tile.height == 1)
        #expect(tile[x: 0, y: 0] == [100, 100, 100])
        #expect(tile[x: 1, y: 0] == [50, 50, 50])
    }

    @Test("Difference: black where equal, |a − b| × gain of display values where not, clipped at 255")
    func difference() throws {
        let a = try SyntheticFrames.frame(.grain, width: 64, height: 48, bitDepth: 8)
        var b = a
        b[10, 10, 0] = UInt16(min(255, Int(a[10, 10, 0]) + 3))
        b[20, 20, 1] = a[20, 20, 1] < 128 ? a[20, 20, 1] + 100 : a[20, 20, 1] - 100
        let crop = Crop.whole(a, step: 1)
        let same = try TileRenderer.difference(reference: a, test: a, transform: .rec709, crop: crop, gain: 16)
        #expect(same.pixels.allSatisfy { $0 == 0 })
        let d4 = try TileRenderer.difference(reference: a, test: b, transform: .rec709, crop: crop, gain: 4)
        #expect(Int(d4[x: 10, y: 10][0]) == abs(Int(b[10, 10, 0]) - Int(a[10, 10, 0])) * 4)
        #expect(d4[x: 20, y: 20][1] == 255)
        #expect(d4[x: 30, y: 30] == [0, 0, 0])
        let other = try PixelBuffer(width: 32, height: 48, channels: 3, bitDepth: 8)
        #expect(throws: ReviewError.self) {
            try TileRenderer.difference(reference: a, test: other, transform: .rec709, crop: crop, gain: 1)
        }
    }

    @Test("The grain band of a crop equals the band of the whole plane there")
    func grainBandCrop() throws {
        let frame = try SyntheticFrames.frame(.grain, width: 120, height: 80, bitDepth: 10, grainSigma: 8)
        let whole = GrainBandCrop.band(frame, channel: 1, x: 0, y: 0, width: 120, height: 80)
        let crop = GrainBandCrop.band(frame, channel: 1, x: 30, y: 20, width: 40, height: 30)
        for (x, y) in [(0, 0), (39, 29), (17, 11)] {
            #expect(abs(crop[y * 40 + x] - whole[(20 + y) * 120 + 30 + x]) < 1e-3)
        }
        // Grain shows: the band's deviation is near the grain's, a flat frame's is zero.
        let sigma = TileRenderer.bandSigma(frame, crop: Crop.whole(frame, step: 1))
        #expect(sigma > 2)
        let flat = try PixelBuffer(width: 40, height: 40, channels: 3, bitDepth: 10)
        let tile = TileRenderer.grain(flat, crop: Crop.whole(flat, step: 1), sigma: 5)
        #expect(tile.pixels.allSatisfy { $0 == 128 })
    }

    @Test("An error tile is dark red with the message in white")
    func errorTile() throws {
        let tile = TileRenderer.errorTile("missing output", width: 300, height: 80)
        #expect(tile.width == 300 && tile.height == 80)
        #expect(tile[x: 299, y: 79] == [110, 18, 24])
        #expect(tile.pixels.contains(255))
    }
}
