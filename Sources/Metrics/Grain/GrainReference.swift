import Foundation
import ImageCore

/// A source frame's grain, kept to measure how much of it a decoded candidate retains.
///
/// Retention is measured per 64×64 tile from the grain bands (`GrainBand`) `s` of the
/// source and `d` of the decoded frame: the grain lost is the part of the source's
/// band the decoded band does not reproduce, `Σ s·(s − d)`, and retention is
/// `1 − lost / G`, where `G` is the grain energy the tile is expected to hold (its
/// samples times the source's grain deviation for its channel and tone band, squared,
/// in band units; at most the tile's whole band energy `Σ s²`). In a tile of grain
/// alone this is `Σ s·d / Σ s²`, the projection of the decoded grain on the source's.
/// Grain kept as it was reads 1; grain attenuated to a fraction `a` reads `a`; noise a
/// codec adds (ringing, quantisation noise, or fresh grain that merely looks like the
/// old) is uncorrelated with the source's grain and adds nothing, so it cannot pass for
/// grain kept. Picture structure in a tile (edges, texture) does not dilute the
/// figure, since `G` counts the grain only; fine texture a codec wipes counts as lost
/// with the grain. Readings are clamped at 0 below.
///
/// Only tiles with measurable grain count: band deviation at least
/// `GrainEstimate.exemptBelow(bitDepth:)` and a quarter of the frame's grain, at most
/// half their samples clipped. The frame's figure is the worst such tile, so grain kept in a
/// background cannot hide grain wiped from a face.
///
/// Memory: the source's band, one float per colour sample (twice the frame's UInt16
/// size for its colour planes), held as long as the reference; none for a source
/// without measurable grain.
public final class GrainReference: Sendable {
    /// The source's grain (`GrainEstimate`), from the same pass.
    public let estimate: GrainEstimate
    /// Geometry of the source.
    public let width: Int
    public let height: Int
    /// Colour planes measured (alpha left out).
    public let channels: Int
    /// Tiles across and down (64×64 from the top-left corner; edge tiles smaller).
    public let tilesAcross: Int
    public let tilesDown: Int
    /// True when the source has measurable grain (`GrainEstimate.exemptBelow(bitDepth:)`).
    public let hasMeasurableGrain: Bool

    /// The source's band planes, `channels × width × height`.
    private let bands: [Float]
    /// The grain energy `G` each tile is expected to hold; 0 for tiles not measured.
    private let tileGrain: [Double]
    /// The tone band of each tile (its mean level over the colour planes).
    private let tileTone: [Int]

    /// Computes the source's grain band and estimate.
    /// - Parameter threads: concurrent workers; the active processors when nil.
    public init(source: PixelBuffer, threads: Int? = nil) {
        let scan = GrainScan(source, workers: Self.workers(threads), keepBands: true)
        let estimate = GrainEstimate(scan: scan, maxValue: source.maxValue)
        self.estimate = estimate
        width = source.width
        height = source.height
        channels = scan.channels
        tilesAcross = scan.tilesAcross
        tilesDown = scan.tilesDown
        let exempt = GrainEstimate.exemptBelow(bitDepth: source.bitDepth)
        // Without measurable grain retention is never measured: the band is not kept.
        bands = estimate.sigma >= exempt ? scan.bands : []
        let perPlane = scan.tilesAcross * scan.tilesDown
        hasMeasurableGrain = estimate.sigma >= exempt
        let threshold = max(exempt, 0.25 * estimate.sigma) * GrainBand.whiteNoiseGain
        var grain = [Double](repeating: 0, count: perPlane)
        var tone = [Int](repeating: 0, count: perPlane)
        let gain2 = GrainBand.whiteNoiseGain * GrainBand.whiteNoiseGain
        for t in 0..<perPlane {
            var sum = 0.0, level = 0.0, count = 0, clipped = 0
            for c in 0..<scan.channels {
                let cell = scan.tiles[c * perPlane + t]
                sum += cell.energy
                level += cell.level
                count += cell.count
                clipped += cell.clipped
            }
            guard count > 0 else { continue }
            let band = GrainEstimate.toneBand(level: level / Double(count), maxValue: source.maxValue)
            tone[t] = band
            var expected = 0.0
            for c in 0..<scan.channels {
                let sigma = estimate.channels[c].toneBands[band] ?? estimate.channels[c].sigma
                expected += Double(scan.tiles[c * perPlane + t].count) * sigma * sigma * gain2
            }
            let deviation = (sum / Double(count)).squareRoot()
            if deviation >= threshold, 2 * clipped <= count, expected > 0 { grain[t] = min(sum, expected) }
        }
        tileGrain = hasMeasurableGrain ? grain : [Double](repeating: 0, count: perPlane)
        tileTone = tone
    }

    /// How much of the source's grain `decoded` keeps; nil when the source has no
    /// measurable grain. `decoded` has the source's size; a one-channel `decoded`
    /// against a source of several equal planes (a monochrome frame stored as one
    /// plane) is compared plane by plane with that one plane.
    /// - Throws: `MetricsError` when the sizes or channel counts do not match.
    public func retention(decoded: PixelBuffer, threads: Int? = nil) throws(MetricsError) -> GrainRetention? {
        guard decoded.width == width, decoded.height == height else {
            throw MetricsError(.sizeMismatch(reference: .init(width: width, height: height),
                                             test: .init(width: decoded.width, height: decoded.height)))
        }
        let decodedColour = GrainScan.colourChannels(decoded.channels)
        guard decodedColour == channels || decodedColour == 1 else {
            throw MetricsError(.channelMismatch(reference: channels, test: decoded.channels))
        }
        guard hasMeasurableGrain else { return nil }
        let perPlane = tilesAcross * tilesDown
        var cross = [Double](repeating: 0, count: channels * perPlane)
        let strips = (height + GrainScan.stripHeight - 1) / GrainScan.stripHeight
        let units = channels * strips
        let (w, h, ta, planeSize, tile) = (width, height, tilesAcross, width * height, GrainScan.tileSize)
        let measured = tileGrain
        decoded.samples.withUnsafeBufferPointer { samples in
            bands.withUnsafeBufferPointer { bands in
                cross.withUnsafeMutableBufferPointer { cross in
                    let shared = RetentionPointers(decoded: samples.baseAddress!, source: bands.baseAddress!,
                                                   cross: cross.baseAddress!)
                    let queue = WorkQueue(count: units)
                    let body: @Sendable (Int) -> Void = { _ in
                        var band = GrainBand(width: w, height: h, maxRows: GrainScan.stripHeight)
                        var out = [Float](repeating: 0, count: w * GrainScan.stripHeight)
                        while let unit = queue.next() {
                            let channel = unit / strips, strip = unit % strips
                            let rows = (strip * GrainScan.stripHeight)..<min(h, (strip + 1) * GrainScan.stripHeight)
                            let tileRow = rows.lowerBound / tile
                            // Skip strips with no measured tile.
                            guard (0..<ta).contains(where: { measured[tileRow * ta + $0] > 0 }) else { continue }
                            let plane = shared.decoded + (decodedColour == 1 ? 0 : channel) * planeSize
                            out.withUnsafeMutableBufferPointer { out in
                                let d = out.baseAddress!
                                band.run(plane: plane, rows: rows, out: d)
                                let s = shared.source + channel * planeSize + rows.lowerBound * w
                                let sums = shared.cross + channel * perPlane + tileRow * ta
                                for r in 0..<rows.count {
                                    var x0 = 0
                                    while x0 < w {
                                        let x1 = min(w, x0 + tile)
                                        // Σ s·(s − d): exactly 0 where the decoded band equals the source's.
                                        var lost: Float = 0
                                        for x in x0..<x1 {
                                            let a = s[r * w + x]
                                            lost += a * (a - d[r * w + x])
                                        }
                                        sums[x0 / tile] += Double(lost)
                                        x0 = x1
                                    }
                                }
                            }
                        }
                    }
                    let count = min(Self.workers(threads), units)
                    if count <= 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: count, execute: body) }
                }
            }
        }

        var map = [Float](repeating: .nan, count: perPlane)
        var worst = Double.infinity, worstTile = 0
        var perTone = [Double?](repeating: nil, count: GrainEstimate.toneBandCount)
        var lostSum = 0.0, grainSum = 0.0, measuredTiles = 0
        for t in 0..<perPlane where measured[t] > 0 {
            var lost = 0.0
            for c in 0..<channels { lost += cross[c * perPlane + t] }
            let r = max(0, 1 - lost / measured[t])
            map[t] = Float(r)
            lostSum += lost
            grainSum += measured[t]
            measuredTiles += 1
            if r < worst { worst = r; worstTile = t }
            let tone = tileTone[t]
            perTone[tone] = min(perTone[tone] ?? .infinity, r)
        }
        guard measuredTiles > 0 else { return nil }
        let tx = worstTile % tilesAcross, ty = worstTile / tilesAcross
        return GrainRetention(
            worstTile: worst, mean: max(0, 1 - lostSum / grainSum), perToneBand: perTone,
            worstTileLocation: TileLocation(x: tx * tile, y: ty * tile, width: min(tile, width - tx * tile),
                                            height: min(tile, height - ty * tile)),
            measuredTiles: measuredTiles, tilesAcross: tilesAcross, tilesDown: tilesDown, tileMap: map)
    }

    private static func workers(_ threads: Int?) -> Int {
        max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
    }
}

/// How much of a source's film grain a decoded frame keeps (`GrainReference`).
///
/// JSON keys: `worstTile`, `mean`, `perToneBand`, `worstTileLocation`, `measuredTiles`,
/// `tilesAcross`, `tilesDown`, `tileMap` (row by row, `null` for tiles not measured).
public struct GrainRetention: Sendable, Codable, Equatable {
    /// The worst measured 64×64 tile: what a grain-retention floor is checked against.
    public var worstTile: Double
    /// Over every measured tile: 1 − the grain lost over the grain expected, summed.
    public var mean: Double
    /// The worst tile of each tone band (darkest quarter first); nil where no tile of
    /// that band was measured.
    public var perToneBand: [Double?]
    /// Where the worst tile is, in image pixels.
    public var worstTileLocation: TileLocation
    /// How many tiles had measurable grain.
    public var measuredTiles: Int
    /// The tile grid.
    public var tilesAcross: Int
    public var tilesDown: Int
    /// Each tile's retention, row by row; NaN (JSON `null`) where not measured.
    public var tileMap: [Float]

    /// A retention from its parts.
    public init(worstTile: Double, mean: Double, perToneBand: [Double?], worstTileLocation: TileLocation,
                measuredTiles: Int, tilesAcross: Int, tilesDown: Int, tileMap: [Float]) {
        self.worstTile = worstTile
        self.mean = mean
        self.perToneBand = perToneBand
        self.worstTileLocation = worstTileLocation
        self.measuredTiles = measuredTiles
        self.tilesAcross = tilesAcross
        self.tilesDown = tilesDown
        self.tileMap = tileMap
    }

    private enum CodingKeys: String, CodingKey {
        case worstTile, mean, perToneBand, worstTileLocation, measuredTiles, tilesAcross, tilesDown, tileMap
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        worstTile = try c.decode(Double.self, forKey: .worstTile)
        mean = try c.decode(Double.self, forKey: .mean)
        perToneBand = try c.decode([Double?].self, forKey: .perToneBand)
        worstTileLocation = try c.decode(TileLocation.self, forKey: .worstTileLocation)
        measuredTiles = try c.decode(Int.self, forKey: .measuredTiles)
        tilesAcross = try c.decode(Int.self, forKey: .tilesAcross)
        tilesDown = try c.decode(Int.self, forKey: .tilesDown)
        tileMap = try c.decode([Float?].self, forKey: .tileMap).map { $0 ?? .nan }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(worstTile, forKey: .worstTile)
        try c.encode(mean, forKey: .mean)
        try c.encode(perToneBand, forKey: .perToneBand)
        try c.encode(worstTileLocation, forKey: .worstTileLocation)
        try c.encode(measuredTiles, forKey: .measuredTiles)
        try c.encode(tilesAcross, forKey: .tilesAcross)
        try c.encode(tilesDown, forKey: .tilesDown)
        try c.encode(tileMap.map { $0.isNaN ? nil : $0 }, forKey: .tileMap)
    }

    /// Equal when every figure is; NaN tiles compare equal to NaN tiles.
    public static func == (a: GrainRetention, b: GrainRetention) -> Bool {
        a.worstTile == b.worstTile && a.mean == b.mean && a.perToneBand == b.perToneBand
            && a.worstTileLocation == b.worstTileLocation && a.measuredTiles == b.measuredTiles
            && a.tilesAcross == b.tilesAcross && a.tilesDown == b.tilesDown
            && a.tileMap.count == b.tileMap.count
            && zip(a.tileMap, b.tileMap).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }
}

/// Base pointers shared by the workers of one retention measurement.
///
/// `@unchecked Sendable`: the frames are only read; each unit (a strip of one plane)
/// adds only to its own plane's tiles of its own tile row, and `concurrentPerform`
/// returns only when every worker is done.
private struct RetentionPointers: @unchecked Sendable {
    let decoded: UnsafePointer<UInt16>
    let source: UnsafePointer<Float>
    let cross: UnsafeMutablePointer<Double>
}
