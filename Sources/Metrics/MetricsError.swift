/// Why two frames could not be compared. Each case names what differs, so a user
/// knows which input to fix.
public struct MetricsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Kind: Sendable, Equatable {
        /// Reference and test differ in width or height.
        case sizeMismatch(reference: Size, test: Size)
        /// Reference and test differ in channel count.
        case channelMismatch(reference: Int, test: Int)
        /// Reference and test declare different bit depths (and no depth was given).
        case bitDepthMismatch(reference: Int, test: Int)
        /// The frame is smaller than the 11×11 SSIM window.
        case imageTooSmall(Size)
        /// The requested bit depth is outside 1…16.
        case badBitDepth(Int)
    }

    /// Width and height in pixels.
    public struct Size: Sendable, Equatable, CustomStringConvertible {
        /// Width in pixels.
        public var width: Int
        /// Height in pixels.
        public var height: Int
        /// A size of `width`×`height` pixels.
        public init(width: Int, height: Int) { self.width = width; self.height = height }
        /// "W×H".
        public var description: String { "\(width)×\(height)" }
    }

    /// What is wrong.
    public var kind: Kind

    /// An error of `kind`.
    public init(_ kind: Kind) { self.kind = kind }

    /// One line naming what differs or is out of range, with both values.
    public var description: String {
        switch kind {
        case let .sizeMismatch(r, t):
            "cannot compare frames of different sizes: reference is \(r), test is \(t)"
        case let .channelMismatch(r, t):
            "cannot compare frames with different channel counts: reference has \(r), test has \(t)"
        case let .bitDepthMismatch(r, t):
            "cannot compare frames of different bit depths: reference is \(r)-bit, test is \(t)-bit"
        case let .imageTooSmall(s):
            "frame is \(s), smaller than the 11×11 SSIM window"
        case let .badBitDepth(b):
            "bit depth \(b) is out of range (1…16)"
        }
    }
}
