import Foundation

/// How a frame's code values become display-referred RGB in 0...1, Rec.709 gamma
/// encoded: what a viewer sees on an sRGB/Rec.709 screen. Pure sample math, no files.
///
/// Perceptual metrics (SSIMULACRA 2) and review tiles are computed on this rendering,
/// not on the codes: a log scan's codes are not a picture anyone looks at.
///
/// - `cineonLog`: Cineon printing-density log, the Kodak conversion. Codes of any depth
///   are first scaled to 10 bits (`code · 1023 / (2^bitDepth − 1)`, unrounded), then
///   `linear = (10^((code − 685) · 0.002 / 0.6) − offset) / (1 − offset)` with
///   `offset = 10^((95 − 685) · 0.002 / 0.6)`: reference black (code 95) is 0 and
///   reference white (code 685) is 1 (Kodak, "Conversion of 10-bit Log Film Data to 8-bit
///   Linear or Video Data for the Cineon Digital Film System", 1995: 0.002 density a code,
///   negative gamma 0.6). The display rendering is the Rec.709 OETF (ITU-R BT.709-6 §1.2:
///   `4.5·L` below 0.018, `1.099·L^0.45 − 0.099` above) with a plain clip to 0...1: codes
///   below black show black, super-whites above 685 show white, as on a straight
///   log-to-video transfer without a highlight roll-off.
/// - `rec709`: the codes are display-referred already; shown as they are
///   (`code / (2^bitDepth − 1)`).
///
/// One curve serves every channel; one-channel frames render as grey, alpha is ignored.
public struct DisplayTransform: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The transfer a frame's codes are read with.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Cineon printing-density 10-bit log → Rec.709 display.
        case cineonLog
        /// Display-referred Rec.709 codes, shown as they are.
        case rec709
    }

    /// Which transform this is.
    public let kind: Kind

    /// A transform of `kind`.
    public init(_ kind: Kind) { self.kind = kind }

    /// Cineon printing-density log → Rec.709 display.
    public static let cineonLog = DisplayTransform(.cineonLog)
    /// Rec.709 codes shown as they are.
    public static let rec709 = DisplayTransform(.rec709)

    /// The name shown on screen.
    public var name: String {
        switch kind {
        case .cineonLog: "Cineon log → Rec.709"
        case .rec709: "Rec.709 as is"
        }
    }

    /// The name shown on screen.
    public var description: String { name }

    // MARK: Choosing

    /// The transform for a frame: `override` when given; else `cineonLog` when the
    /// metadata's `transfer` names printing density or a logarithmic transfer (the DPX
    /// names "printing density", "logarithmic"; "log" and "Cineon" are also taken);
    /// else `rec709` (also when there is no metadata).
    public static func forFrame(metadata: FrameMetadata?, override: Kind? = nil) -> DisplayTransform {
        if let override { return DisplayTransform(override) }
        guard let transfer = metadata?.transfer?.lowercased() else { return .rec709 }
        let isLog = transfer.contains("printing density") || transfer.contains("logarithmic")
            || transfer.contains("cineon") || transfer.split(whereSeparator: { !$0.isLetter }).contains("log")
        return isLog ? .cineonLog : .rec709
    }

    // MARK: Cineon constants (Kodak 1995 conversion)

    /// 10-bit code of reference black (0 % display).
    public static let cineonBlack = 95.0
    /// 10-bit code of reference white (100 % display).
    public static let cineonWhite = 685.0
    /// Printing density per 10-bit code.
    static let densityPerCode = 0.002
    /// Gamma of the film negative.
    static let negativeGamma = 0.6

    // MARK: Sample math

    /// The display value in 0...1 of one `code` of a `bitDepth`-bit frame (codes above
    /// the depth's maximum are taken as the maximum).
    public func displayValue(code: Int, bitDepth: Int) -> Double {
        let maxCode = Double((1 << bitDepth) - 1)
        let c = min(max(Double(code), 0), maxCode)
        switch kind {
        case .rec709:
            return c / maxCode
        case .cineonLog:
            let code10 = c * 1023 / maxCode
            let step = Self.densityPerCode / Self.negativeGamma
            let offset = pow(10, (Self.cineonBlack - Self.cineonWhite) * step)
            let linear = (pow(10, (code10 - Self.cineonWhite) * step) - offset) / (1 - offset)
            return Self.rec709OETF(min(max(linear, 0), 1))
        }
    }

    /// ITU-R BT.709-6 OETF of a linear value in 0...1.
    static func rec709OETF(_ l: Double) -> Double {
        l < 0.018 ? 4.5 * l : 1.099 * pow(l, 0.45) - 0.099
    }

    /// Display values of every code of a `bitDepth`-bit frame, indexed by code
    /// (2^bitDepth entries).
    public func lookupTable(bitDepth: Int) -> [Float] {
        (0 ..< (1 << bitDepth)).map { Float(displayValue(code: $0, bitDepth: bitDepth)) }
    }

    /// 8-bit display codes (display value × 255, rounded) of every code of a
    /// `bitDepth`-bit frame, indexed by code (2^bitDepth entries).
    public func lookupTable8(bitDepth: Int) -> [UInt8] {
        (0 ..< (1 << bitDepth)).map { UInt8((displayValue(code: $0, bitDepth: bitDepth) * 255).rounded()) }
    }

    /// A rectangle of `frame` rendered as interleaved 8-bit RGB, row by row, top row
    /// first (`width · height · 3` bytes): the fast path for review tiles. One- and
    /// two-channel frames render as grey (R = G = B = the first channel).
    /// - Parameter table: `lookupTable8(bitDepth: frame.bitDepth)` when the caller
    ///   renders many tiles of frames of one depth; built here when nil.
    /// - Precondition: the rectangle lies inside the frame.
    public func renderRGB8(_ frame: PixelBuffer, x: Int, y: Int, width: Int, height: Int,
                           table: [UInt8]? = nil) -> [UInt8] {
        precondition(x >= 0 && y >= 0 && width >= 0 && height >= 0
                     && x + width <= frame.width && y + height <= frame.height,
                     "rectangle \(x),\(y) \(width)×\(height) is outside the \(frame.width)×\(frame.height) frame")
        let lut = table ?? lookupTable8(bitDepth: frame.bitDepth)
        precondition(lut.count == 1 << frame.bitDepth, "table is not for \(frame.bitDepth)-bit codes")
        var out = [UInt8](repeating: 0, count: width * height * 3)
        let maxCode = UInt16(truncatingIfNeeded: (1 << frame.bitDepth) - 1)
        let planeSize = frame.planeSize
        let planes = frame.channels >= 3 ? [0, 1, 2] : [0, 0, 0]
        frame.samples.withUnsafeBufferPointer { s in
            lut.withUnsafeBufferPointer { t in
                out.withUnsafeMutableBufferPointer { o in
                    for row in 0..<height {
                        let rowBase = (y + row) * frame.width + x
                        var at = row * width * 3
                        for col in 0..<width {
                            for p in planes {
                                o[at] = t[Int(min(s[p * planeSize + rowBase + col], maxCode))]
                                at += 1
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
