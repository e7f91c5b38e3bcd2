/// A rectangle of the SSIM map, in *valid-map coordinates*: map pixel (x, y) is the
/// 11×11 window centred on image pixel (x + 5, y + 5), so the map is (W−10)×(H−10).
/// Tiles are 64×64 from the map's top-left corner; edge tiles may be smaller.
/// The image area a tile's windows read is x…x+width+9, y…y+height+9.
public struct TileLocation: Sendable, Codable, Equatable {
    /// Left column of the tile in the SSIM map.
    public var x: Int
    /// Top row of the tile in the SSIM map.
    public var y: Int
    /// Width in map pixels (64, or less for the rightmost tiles).
    public var width: Int
    /// Height in map pixels (64, or less for the bottom tiles).
    public var height: Int

    /// A tile at (`x`, `y`) of `width`×`height` map pixels.
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}
