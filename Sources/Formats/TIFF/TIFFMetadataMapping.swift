import Foundation
import ImageCore

/// Where TIFF's descriptive tags live in `FrameMetadata`, both ways.
///
/// | TIFF tag | FrameMetadata |
/// | --- | --- |
/// | Software | `creator` |
/// | DateTime | `creationDate` (TIFF form `YYYY:MM:DD HH:MM:SS`) |
/// | Copyright | `copyright` |
/// | DocumentName | `originalFileName` |
/// | Make, Model | `inputDevice` ("Make Model"), and `extra["tiff.make"]`, `extra["tiff.model"]` |
/// | ImageDescription, Artist, HostComputer, Orientation | `extra["tiff.imageDescription"]`, `["tiff.artist"]`, `["tiff.hostComputer"]`, `["tiff.orientation"]` |
enum TIFFMetadataMapping {
    static let imageDescriptionKey = "tiff.imageDescription"
    static let artistKey = "tiff.artist"
    static let hostComputerKey = "tiff.hostComputer"
    static let makeKey = "tiff.make"
    static let modelKey = "tiff.model"
    static let orientationKey = "tiff.orientation"

    static func read(_ file: LibTIFFFile) -> FrameMetadata {
        var m = FrameMetadata()
        m.creator = file.string(TIFFTag.software)
        m.creationDate = file.string(TIFFTag.dateTime)
        m.copyright = file.string(TIFFTag.copyright)
        m.originalFileName = file.string(TIFFTag.documentName)
        let make = file.string(TIFFTag.make), model = file.string(TIFFTag.model)
        m.extra[makeKey] = make
        m.extra[modelKey] = model
        let device = [make, model].compactMap { $0 }.joined(separator: " ")
        m.inputDevice = device.isEmpty ? nil : device
        m.extra[imageDescriptionKey] = file.string(TIFFTag.imageDescription)
        m.extra[artistKey] = file.string(TIFFTag.artist)
        m.extra[hostComputerKey] = file.string(TIFFTag.hostComputer)
        if let orientation = file.uint16(TIFFTag.orientation) { m.extra[orientationKey] = String(orientation) }
        return m
    }

    static func write(_ m: FrameMetadata, to file: LibTIFFFile) throws(FormatError) {
        func put(_ tag: UInt32, _ value: String?) throws(FormatError) {
            guard let value, !value.isEmpty else { return }
            try file.set(tag, string: value)
        }
        try put(TIFFTag.software, m.creator)
        try put(TIFFTag.dateTime, m.creationDate.flatMap(tiffDateTime))
        try put(TIFFTag.copyright, m.copyright)
        try put(TIFFTag.documentName, m.originalFileName)
        if m.extra[makeKey] != nil || m.extra[modelKey] != nil {
            try put(TIFFTag.make, m.extra[makeKey])
            try put(TIFFTag.model, m.extra[modelKey])
        } else {
            try put(TIFFTag.model, m.inputDevice)
        }
        try put(TIFFTag.imageDescription, m.extra[imageDescriptionKey])
        try put(TIFFTag.artist, m.extra[artistKey])
        try put(TIFFTag.hostComputer, m.extra[hostComputerKey])
        if let text = m.extra[orientationKey], let code = UInt16(text), (1...8).contains(code) {
            try file.set(TIFFTag.orientation, uint16: code)
        }
    }

    /// A date in TIFF's `YYYY:MM:DD HH:MM:SS` form, from that form, from DPX's
    /// `YYYY:MM:DD:HH:MM:SS…` or from ISO 8601 `YYYY-MM-DDTHH:MM:SS…`; nil otherwise.
    static func tiffDateTime(_ text: String) -> String? {
        let c = Array(text.utf8)
        guard c.count >= 19 else { return nil }
        let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
        guard digits.allSatisfy({ (0x30...0x39).contains(c[$0]) }),
              [4, 7].allSatisfy({ c[$0] == UInt8(ascii: ":") || c[$0] == UInt8(ascii: "-") }),
              [13, 16].allSatisfy({ c[$0] == UInt8(ascii: ":") }),
              [UInt8(ascii: " "), UInt8(ascii: ":"), UInt8(ascii: "T")].contains(c[10]) else { return nil }
        func part(_ r: Range<Int>) -> String { String(decoding: c[r], as: UTF8.self) }
        return "\(part(0..<4)):\(part(5..<7)):\(part(8..<10)) \(part(11..<13)):\(part(14..<16)):\(part(17..<19))"
    }
}
