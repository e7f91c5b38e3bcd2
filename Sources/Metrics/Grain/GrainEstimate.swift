import Foundation
import ImageCore

/// How much film grain a frame carries: a standard deviation in code values of the
/// frame's own depth, per colour channel and per tone band.
///
/// The method: the grain band of each plane (`GrainBand`: the picture less an à-trous
/// low-pass, so grain clumped over a pixel or two counts, not only its pixel-to-pixel
/// part) is summed over 16×16 blocks. Blocks with a sample at 0 or full scale are left
/// out (clipping cuts the grain off). Grain in a scan depends on density, so blocks
/// are split into four tone bands by their mean level (quarters of the code range); in
/// each band the quietest twentieth of the blocks is taken as grain alone (picture
/// structure only adds to a block's band energy, so the quiet blocks are the flattest,
/// and a low share keeps the estimate robust to edges and texture). Its deviation is
/// divided by the band's gain on white noise and by the low bias of picking the
/// quietest blocks (`quietBias`), so white noise reads at its deviation; grain clumped
/// by a Gaussian of 0.6, 1 and 1.5 pixels reads 0.89, 0.65 and 0.43 of its deviation
/// (the band stops near three pixels across). A channel's grain is the median of its bands that
/// hold at least a tenth of its blocks: not weighted by how many blocks each band has,
/// so a shot whose tones move (a pan from sky to shadow) keeps one reading, and a band
/// of a few blocks that are all texture (the last highlights of a dark frame) does not
/// carry the frame; such bands are still reported.
///
/// A band needs `minimumBlocks` unclipped blocks to be measured; a frame smaller than
/// a quarter block reads 0.
public struct GrainEstimate: Sendable, Codable, Equatable {
    /// Grain of one colour channel.
    public struct Channel: Sendable, Codable, Equatable {
        /// Deviation in code values: the median of the tone bands with a tenth of the blocks.
        public var sigma: Double
        /// Deviation per tone band (darkest quarter of the code range first); nil where
        /// the band has fewer than `GrainEstimate.minimumBlocks` blocks.
        public var toneBands: [Double?]
    }

    /// The colour channels (alpha left out), in plane order.
    public var channels: [Channel]

    /// The frame's grain: the mean of the channels' deviations, in code values.
    public var sigma: Double {
        channels.isEmpty ? 0 : channels.map(\.sigma).reduce(0, +) / Double(channels.count)
    }

    /// Number of tone bands: quarters of the code range.
    public static let toneBandCount = 4
    /// Fewest unclipped blocks a tone band needs to be measured.
    public static let minimumBlocks = 4
    /// The share of a band's quietest blocks taken as grain.
    static let quietShare = 0.05
    /// The quietest twentieth of blocks of white noise reads this fraction of its
    /// deviation (the spread of a 16×16 block's estimate); measured on white noise at
    /// 10, 12 and 16 bits (`GrainEstimateTests.whiteNoise`).
    static let quietBias = 0.93

    /// Grain below which a frame has no measurable grain (code values at its depth),
    /// whatever its depth: below half a code the estimate is the samples' rounding.
    public static let measurable = 0.5

    /// Grain below which a frame of `bitDepth` bits is exempt from grain retention (code
    /// values at that depth): one code of a 10-bit frame (4 at 12 bits, 64 at 16), and
    /// at least `measurable`. Fainter noise is dither, not grain a viewer sees at 1:1:
    /// a smooth synthetic reel with 0.8 codes of it went from 1,133:1 to 6.7:1 at C0
    /// to keep 90 % of it, with no banding either way (BENCHMARKS.md).
    public static func exemptBelow(bitDepth: Int) -> Double {
        max(measurable, pow(2, Double(bitDepth - 10)))
    }

    /// Estimates the grain of `pixels` (see the type's comment).
    /// - Parameter threads: concurrent workers; the active processors when nil. The
    ///   result does not depend on it.
    public init(_ pixels: PixelBuffer, threads: Int? = nil) {
        let scan = GrainScan(pixels, workers: max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount),
                             keepBands: false)
        self.init(scan: scan, maxValue: pixels.maxValue)
    }

    /// The estimate from a scan's block sums.
    init(scan: GrainScan, maxValue: Int) {
        let perPlane = scan.blocksAcross * scan.blocksDown
        let gain = GrainBand.whiteNoiseGain
        let minimumCount = GrainScan.blockSize * GrainScan.blockSize / 4
        var channels: [Channel] = []
        for c in 0..<scan.channels {
            var deviations = [[Double]](repeating: [], count: Self.toneBandCount)
            for cell in scan.blocks[(c * perPlane)..<((c + 1) * perPlane)]
            where cell.clipped == 0 && cell.count >= minimumCount {
                let tone = Self.toneBand(level: cell.level / Double(cell.count), maxValue: maxValue)
                deviations[tone].append((cell.energy / Double(cell.count)).squareRoot() / gain / Self.quietBias)
            }
            var bands: [Double?] = []
            var major: [Double] = []
            let total = deviations.map(\.count).reduce(0, +)
            for var d in deviations {
                guard d.count >= Self.minimumBlocks else { bands.append(nil); continue }
                d.sort()
                let sigma = d[Int(Double(d.count) * Self.quietShare)]
                bands.append(sigma)
                if 10 * d.count >= total { major.append(sigma) }
            }
            let measured = major.sorted()
            let median = measured.isEmpty ? 0
                : (measured[(measured.count - 1) / 2] + measured[measured.count / 2]) / 2
            channels.append(Channel(sigma: median, toneBands: bands))
        }
        self.channels = channels
    }

    /// An estimate from its parts.
    public init(channels: [Channel]) { self.channels = channels }

    /// The tone band of a mean level (code values of a frame whose full scale is `maxValue`).
    static func toneBand(level: Double, maxValue: Int) -> Int {
        min(toneBandCount - 1, max(0, Int(level / Double(maxValue + 1) * Double(toneBandCount))))
    }
}
