/// A file name split the way image sequences are named: `reel_0086400.dpx` is
/// prefix `reel_`, digits `0086400`, extension `dpx`.
struct FrameFileName: Equatable {
    /// Name without the extension.
    var stem: String
    /// Extension as written, without the dot.
    var fileExtension: String
    /// Everything before the trailing digits of the stem (the whole stem when none).
    var prefix: String
    /// The stem's trailing ASCII digits, empty when the stem does not end in digits.
    var digits: String

    /// Frame numbers longer than this are not taken as numbers (they overflow or are
    /// dates and hashes rather than frame counts).
    static let maximumDigits = 15

    /// Extensions of source frames, lower-cased.
    static let imageExtensions: [String: ImageFormat] = ["dpx": .dpx, "tif": .tiff, "tiff": .tiff]

    init(_ name: String) {
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            stem = String(name[..<dot])
            fileExtension = String(name[name.index(after: dot)...])
        } else {
            stem = name
            fileExtension = ""
        }
        let scalars = Array(stem.unicodeScalars)
        var start = scalars.count
        while start > 0, ("0"..."9").contains(scalars[start - 1]) { start -= 1 }
        prefix = String(String.UnicodeScalarView(scalars[..<start]))
        digits = String(String.UnicodeScalarView(scalars[start...]))
    }

    /// The source format the extension names, or nil.
    var format: ImageFormat? { Self.imageExtensions[fileExtension.lowercased()] }

    /// The frame number, when the stem ends in a usable one.
    var frameNumber: Int? {
        guard !digits.isEmpty, digits.count <= Self.maximumDigits else { return nil }
        return Int(digits)
    }

    /// The padding the digits prove: their count when they start with a zero
    /// (`0086400` → 7), nil when they could be unpadded (`86400`, `0`).
    var provenPadding: Int? {
        digits.count > 1 && digits.hasPrefix("0") ? digits.count : nil
    }
}
