/// What `QualityMetrics.measure` found when comparing a test frame with its reference
/// (DESIGN.md §3). SSIM values are in −1…1 (1 = identical), PSNR in decibels.
///
/// JSON (`Codable`): camelCase keys `ssim`, `ssimPerChannel`, `tileFloor`, `worstTile`,
/// `psnr` (`null` when the frames are identical), `identical`, `maxError`, `mse`.
public struct QualityReport: Sendable, Codable, Equatable {
    /// Frame SSIM: the mean of `ssimPerChannel`.
    public var ssim: Double
    /// Mean SSIM of each channel over its valid region, in plane order (R, G, B, A).
    public var ssimPerChannel: [Double]
    /// The lowest 64×64-tile mean of the channel-averaged SSIM map.
    public var tileFloor: Double
    /// The tile that gave `tileFloor`, in valid-map coordinates (see `TileLocation`);
    /// on a tie, the first in row-major order.
    public var worstTile: TileLocation
    /// 10·log10(L² / MSE) in dB over every sample of every channel; nil when the
    /// frames are identical (PSNR is infinite).
    public var psnr: Double?
    /// True when every sample of the test frame equals the reference's.
    public var identical: Bool
    /// Largest absolute sample difference, in code values of the source's depth.
    public var maxError: Int
    /// Mean squared sample difference over every sample of every channel (code values²).
    public var mse: Double

    /// A report from its parts (the metrics compute it; tests and catalogs rebuild it).
    public init(ssim: Double, ssimPerChannel: [Double], tileFloor: Double, worstTile: TileLocation,
                psnr: Double?, identical: Bool, maxError: Int, mse: Double) {
        self.ssim = ssim
        self.ssimPerChannel = ssimPerChannel
        self.tileFloor = tileFloor
        self.worstTile = worstTile
        self.psnr = psnr
        self.identical = identical
        self.maxError = maxError
        self.mse = mse
    }

    private enum CodingKeys: String, CodingKey {
        case ssim, ssimPerChannel, tileFloor, worstTile, psnr, identical, maxError, mse
    }

    /// Decodes a report; a missing or `null` `psnr` reads as nil.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ssim = try c.decode(Double.self, forKey: .ssim)
        ssimPerChannel = try c.decode([Double].self, forKey: .ssimPerChannel)
        tileFloor = try c.decode(Double.self, forKey: .tileFloor)
        worstTile = try c.decode(TileLocation.self, forKey: .worstTile)
        psnr = try c.decodeIfPresent(Double.self, forKey: .psnr)
        identical = try c.decode(Bool.self, forKey: .identical)
        maxError = try c.decode(Int.self, forKey: .maxError)
        mse = try c.decode(Double.self, forKey: .mse)
    }

    /// Encodes the report; `psnr` is written as `null` (not omitted) when identical.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ssim, forKey: .ssim)
        try c.encode(ssimPerChannel, forKey: .ssimPerChannel)
        try c.encode(tileFloor, forKey: .tileFloor)
        try c.encode(worstTile, forKey: .worstTile)
        if let psnr { try c.encode(psnr, forKey: .psnr) } else { try c.encodeNil(forKey: .psnr) }
        try c.encode(identical, forKey: .identical)
        try c.encode(maxError, forKey: .maxError)
        try c.encode(mse, forKey: .mse)
    }
}
