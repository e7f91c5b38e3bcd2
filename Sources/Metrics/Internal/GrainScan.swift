import Dispatch
import ImageCore

/// One pass over a frame's colour planes that computes each plane's grain band
/// (`GrainBand`) strip by strip, sums it over 16×16 blocks (for the estimate) and
/// 64×64 tiles (for retention), and optionally keeps the band planes.
///
/// Strips are 64 rows, so every block and tile belongs to exactly one strip and the
/// sums do not depend on the number of workers.
struct GrainScan {
    static let blockSize = 16
    static let tileSize = 64
    static let stripHeight = 64

    /// Sums over one block or tile of one plane.
    struct Cell {
        /// Σ band², Σ sample (for the tone), samples counted, samples at 0 or full scale.
        var energy = 0.0
        var level = 0.0
        var count = 0
        var clipped = 0
    }

    let width: Int
    let height: Int
    let channels: Int
    let blocksAcross: Int
    let blocksDown: Int
    let tilesAcross: Int
    let tilesDown: Int
    /// `channels × blocksAcross × blocksDown`, plane by plane.
    var blocks: [Cell]
    /// `channels × tilesAcross × tilesDown`, plane by plane.
    var tiles: [Cell]
    /// The band planes, when kept: `channels × width × height`.
    var bands: [Float]

    /// The colour planes of a frame: alpha is left out (a 2-channel frame is luma + alpha).
    static func colourChannels(_ channels: Int) -> Int { min(3, channels == 2 ? 1 : channels) }

    /// Scans the colour planes of `pixels` with `workers` concurrent workers.
    init(_ pixels: PixelBuffer, workers: Int, keepBands: Bool) {
        width = pixels.width
        height = pixels.height
        channels = Self.colourChannels(pixels.channels)
        blocksAcross = (width + Self.blockSize - 1) / Self.blockSize
        blocksDown = (height + Self.blockSize - 1) / Self.blockSize
        tilesAcross = (width + Self.tileSize - 1) / Self.tileSize
        tilesDown = (height + Self.tileSize - 1) / Self.tileSize
        blocks = [Cell](repeating: Cell(), count: channels * blocksAcross * blocksDown)
        tiles = [Cell](repeating: Cell(), count: channels * tilesAcross * tilesDown)
        bands = keepBands ? [Float](repeating: 0, count: channels * width * height) : []

        let strips = (height + Self.stripHeight - 1) / Self.stripHeight
        let units = channels * strips
        let (w, h, full) = (width, height, UInt16(truncatingIfNeeded: pixels.maxValue))
        let (ba, bd, ta, td) = (blocksAcross, blocksDown, tilesAcross, tilesDown)
        let planeSize = pixels.planeSize
        pixels.samples.withUnsafeBufferPointer { samples in
            blocks.withUnsafeMutableBufferPointer { blocks in
                tiles.withUnsafeMutableBufferPointer { tiles in
                    bands.withUnsafeMutableBufferPointer { bands in
                        let shared = ScanPointers(samples: samples.baseAddress!, blocks: blocks.baseAddress!,
                                                  tiles: tiles.baseAddress!,
                                                  bands: keepBands ? bands.baseAddress : nil)
                        let queue = WorkQueue(count: units)
                        let body: @Sendable (Int) -> Void = { _ in
                            var band = GrainBand(width: w, height: h, maxRows: Self.stripHeight)
                            var own = shared.bands == nil ? [Float](repeating: 0, count: w * Self.stripHeight) : []
                            while let unit = queue.next() {
                                let channel = unit / strips, strip = unit % strips
                                let rows = (strip * Self.stripHeight)..<min(h, (strip + 1) * Self.stripHeight)
                                let plane = shared.samples + channel * planeSize
                                own.withUnsafeMutableBufferPointer { own in
                                    let out = shared.bands.map { $0 + channel * planeSize + rows.lowerBound * w }
                                        ?? own.baseAddress!
                                    band.run(plane: plane, rows: rows, out: out)
                                    Self.sum(band: out, plane: plane, rows: rows, width: w, full: full,
                                             blocks: shared.blocks + channel * ba * bd, blocksAcross: ba,
                                             tiles: shared.tiles + channel * ta * td, tilesAcross: ta)
                                }
                            }
                        }
                        let count = min(workers, units)
                        if count <= 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: count, execute: body) }
                    }
                }
            }
        }
    }

    /// Adds one strip's band to its blocks and tiles.
    private static func sum(band: UnsafePointer<Float>, plane: UnsafePointer<UInt16>, rows: Range<Int>, width: Int,
                            full: UInt16, blocks: UnsafeMutablePointer<Cell>, blocksAcross: Int,
                            tiles: UnsafeMutablePointer<Cell>, tilesAcross: Int) {
        for r in 0..<rows.count {
            let y = rows.lowerBound + r
            let g = band + r * width, s = plane + y * width
            let blockRow = blocks + (y / blockSize) * blocksAcross
            let tileRow = tiles + (y / tileSize) * tilesAcross
            var x0 = 0
            while x0 < width {
                let x1 = min(width, x0 + blockSize)
                var energy: Float = 0
                var level = 0, clipped = 0
                for x in x0..<x1 {
                    let v = g[x]
                    energy += v * v
                    let sample = s[x]
                    level &+= Int(sample)
                    clipped &+= (sample == 0 || sample == full) ? 1 : 0
                }
                blockRow[x0 / blockSize].add(energy: Double(energy), level: Double(level), count: x1 - x0, clipped: clipped)
                tileRow[x0 / tileSize].add(energy: Double(energy), level: Double(level), count: x1 - x0, clipped: clipped)
                x0 = x1
            }
        }
    }
}

extension GrainScan.Cell {
    mutating func add(energy: Double, level: Double, count: Int, clipped: Int) {
        self.energy += energy
        self.level += level
        self.count += count
        self.clipped += clipped
    }
}

/// Base pointers shared by the workers of one scan.
///
/// `@unchecked Sendable`: the samples are only read; each unit of work (a strip of one
/// plane) writes only its own rows of `bands` and the blocks and tiles of its own rows
/// (strips are whole tile rows), and `concurrentPerform` returns only when every worker is done.
struct ScanPointers: @unchecked Sendable {
    let samples: UnsafePointer<UInt16>
    let blocks: UnsafeMutablePointer<GrainScan.Cell>
    let tiles: UnsafeMutablePointer<GrainScan.Cell>
    let bands: UnsafeMutablePointer<Float>?
}
