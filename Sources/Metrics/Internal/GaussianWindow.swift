import Foundation

/// The SSIM window of Wang et al. 2004 as scikit-image builds it: a normalised 1-D
/// Gaussian with σ = 1.5 truncated at radius int(3.5·σ + 0.5) = 5, applied separably
/// (11×11 taps).
enum GaussianWindow {
    /// Standard deviation in pixels.
    static let sigma = 1.5
    /// Taps each side of the centre.
    static let radius = 5
    /// Taps in one dimension.
    static let taps = 2 * radius + 1

    /// The 11 weights, left to right; they sum to 1.
    static let weights: [Double] = {
        let raw = (-radius...radius).map { x in exp(-0.5 / (sigma * sigma) * Double(x * x)) }
        let sum = raw.reduce(0, +)
        return raw.map { $0 / sum }
    }()
}
