/// A frame's samples: planar, one `UInt16` per sample, at a declared bit depth.
///
/// Plane `c` holds channel `c` (R, G, B, A for colour; one plane for luma) row by
/// row, top row first. A sample of a `bitDepth`-bit frame lies in
/// `0 ... (1 << bitDepth) - 1`: a 10-bit frame keeps its 10-bit codes, it is never
/// scaled to 16 bits in memory. Value semantics (copy on write).
public struct PixelBuffer: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// Number of planes: 1 (luma), 2 (luma + alpha), 3 (RGB) or 4 (RGBA).
    public let channels: Int
    /// Bits per sample of the source, 1...16 (8, 10, 12 and 16 in practice).
    public let bitDepth: Int
    /// All samples, plane after plane; `count == width * height * channels`.
    public var samples: [UInt16]

    /// The largest value a sample may take: `2^bitDepth - 1` (the `L` of SSIM and PSNR).
    @inlinable public var maxValue: Int { (1 << bitDepth) - 1 }
    /// Samples per plane.
    @inlinable public var planeSize: Int { width * height }

    /// Largest frame accepted: 65,536 pixels a side and 2^31 samples in all
    /// (a 16K 4-channel frame is 0.9 G samples). Checked before anything is allocated.
    public static let maxDimension = 65_536
    public static let maxSampleCount = 1 << 31

    /// A zero-filled frame.
    /// - Throws: `PixelBufferError` when a dimension, the channel count or the bit
    ///   depth is out of range; nothing is allocated then.
    public init(width: Int, height: Int, channels: Int, bitDepth: Int) throws(PixelBufferError) {
        try Self.validate(width: width, height: height, channels: channels, bitDepth: bitDepth)
        self.width = width
        self.height = height
        self.channels = channels
        self.bitDepth = bitDepth
        self.samples = [UInt16](repeating: 0, count: width * height * channels)
    }

    /// A frame over existing samples (planar order).
    /// - Throws: `PixelBufferError` when the geometry is out of range or
    ///   `samples.count` does not match it.
    public init(width: Int, height: Int, channels: Int, bitDepth: Int, samples: [UInt16]) throws(PixelBufferError) {
        try Self.validate(width: width, height: height, channels: channels, bitDepth: bitDepth)
        guard samples.count == width * height * channels else {
            throw .sampleCountMismatch(expected: width * height * channels, actual: samples.count)
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.bitDepth = bitDepth
        self.samples = samples
    }

    /// Checks a frame's geometry without allocating it (readers call this on header
    /// values before trusting them).
    public static func validate(width: Int, height: Int, channels: Int, bitDepth: Int) throws(PixelBufferError) {
        guard width > 0, height > 0, width <= maxDimension, height <= maxDimension else {
            throw .badDimensions(width: width, height: height)
        }
        guard (1...4).contains(channels) else { throw .badChannelCount(channels) }
        guard (1...16).contains(bitDepth) else { throw .badBitDepth(bitDepth) }
        guard width * height * channels <= maxSampleCount else {
            throw .tooLarge(width: width, height: height, channels: channels)
        }
    }

    /// Index of sample (`x`, `y`) of plane `channel` in `samples`.
    @inlinable public func index(x: Int, y: Int, channel: Int) -> Int {
        channel * planeSize + y * width + x
    }

    /// Sample (`x`, `y`) of plane `channel`.
    @inlinable public subscript(x: Int, y: Int, channel: Int) -> UInt16 {
        get { samples[index(x: x, y: y, channel: channel)] }
        set { samples[index(x: x, y: y, channel: channel)] = newValue }
    }

    /// The range of `samples` that holds plane `channel`.
    @inlinable public func planeRange(_ channel: Int) -> Range<Int> {
        channel * planeSize ..< (channel + 1) * planeSize
    }

    /// True when every pixel has equal values in its first three channels
    /// (a black-and-white scan stored as R = G = B). One-channel frames are monochrome.
    public var isMonochrome: Bool {
        if channels == 1 { return true }
        guard channels >= 3 else { return false }
        let n = planeSize
        return samples.withUnsafeBufferPointer { s in
            for i in 0..<n where s[i] != s[n + i] || s[i] != s[2 * n + i] { return false }
            return true
        }
    }

    /// The same samples declared at another bit depth, without changing any value.
    /// - Throws: `PixelBufferError.sampleOutOfRange` when a sample exceeds the new depth.
    public func redeclared(bitDepth newDepth: Int) throws(PixelBufferError) -> PixelBuffer {
        try Self.validate(width: width, height: height, channels: channels, bitDepth: newDepth)
        let limit = UInt16(truncatingIfNeeded: (1 << newDepth) - 1)
        if newDepth < 16, let bad = samples.firstIndex(where: { $0 > limit }) {
            throw .sampleOutOfRange(index: bad, value: samples[bad], bitDepth: newDepth)
        }
        return try PixelBuffer(width: width, height: height, channels: channels, bitDepth: newDepth, samples: samples)
    }

    /// Checks that every sample fits the declared bit depth.
    public func validateSampleRange() throws(PixelBufferError) {
        guard bitDepth < 16 else { return }
        let limit = UInt16(maxValue)
        if let bad = samples.firstIndex(where: { $0 > limit }) {
            throw .sampleOutOfRange(index: bad, value: samples[bad], bitDepth: bitDepth)
        }
    }
}

/// Why a `PixelBuffer` could not be made.
public enum PixelBufferError: Error, Equatable, Sendable, CustomStringConvertible {
    case badDimensions(width: Int, height: Int)
    case badChannelCount(Int)
    case badBitDepth(Int)
    case tooLarge(width: Int, height: Int, channels: Int)
    case sampleCountMismatch(expected: Int, actual: Int)
    case sampleOutOfRange(index: Int, value: UInt16, bitDepth: Int)

    public var description: String {
        switch self {
        case let .badDimensions(w, h):
            "image dimensions \(w)×\(h) are out of range (1…\(PixelBuffer.maxDimension) a side)"
        case let .badChannelCount(c): "\(c) channels is not supported (1 to 4)"
        case let .badBitDepth(b): "bit depth \(b) is out of range (1…16)"
        case let .tooLarge(w, h, c): "image \(w)×\(h)×\(c) exceeds the \(PixelBuffer.maxSampleCount)-sample limit"
        case let .sampleCountMismatch(e, a): "expected \(e) samples, got \(a)"
        case let .sampleOutOfRange(i, v, b): "sample \(i) has value \(v), more than \(b) bits hold"
        }
    }
}
