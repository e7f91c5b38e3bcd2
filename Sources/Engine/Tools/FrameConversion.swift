import Foundation
import Formats
import ImageCore

/// `reelpack convert`: a frame between DPX and TIFF with its metadata carried.
///
/// DPX → TIFF writes 16-bit samples for 10- and 12-bit frames (bit replication, true
/// depth recorded) and keeps the DPX's rebuild record in the TIFF, so converting back
/// gives the original DPX byte for byte. A TIFF without such a record becomes a new
/// DPX at its depth (8 or 16 bits, or its recorded 10/12 bits).
public enum FrameConversion {
    /// The format a destination asks for.
    public enum Target: Sendable {
        case dpx, tiff

        /// The format `path`'s extension asks for (.dpx, .tif, .tiff), or nil.
        public init?(path: String) {
            switch URL(fileURLWithPath: path).pathExtension.lowercased() {
            case "dpx": self = .dpx
            case "tif", "tiff": self = .tiff
            default: return nil
            }
        }

        var format: ImageFormat { self == .dpx ? .dpx : .tiff }
    }

    /// Converts the frame at `source` into `destination` (format from its extension),
    /// written under a temporary name and renamed when complete.
    /// - Throws: `EngineError.usage` for a destination whose format is unknown, that is
    ///   the source, or that exists without `overwrite`; `FormatError` naming the file
    ///   that cannot be read, converted or written.
    public static func convert(_ source: String, to destination: String, overwrite: Bool) throws {
        let src = URL(fileURLWithPath: source), dst = URL(fileURLWithPath: destination)
        guard let target = Target(path: destination) else {
            throw EngineError(.usage, file: destination, "cannot tell the output format: use .dpx, .tif or .tiff")
        }
        guard src.standardizedFileURL.resolvingSymlinksInPath().path != dst.standardizedFileURL.resolvingSymlinksInPath().path else {
            throw FormatError(.io, file: destination, "is the input; refusing to overwrite it")
        }
        if !overwrite, FileManager.default.fileExists(atPath: dst.path) {
            throw EngineError(.usage, file: destination, "already exists (pass --overwrite to replace it)")
        }
        let data: Data
        do { data = try Data(contentsOf: src, options: .mappedIfSafe) } catch {
            throw FormatError(.io, file: source, "cannot read: \(error.localizedDescription)")
        }
        let output = try convert(data, name: source, to: target.format, outputName: destination)
        try writeAtomically(output, to: dst)
    }


    /// Converts a file's bytes to `target`.
    /// - Throws: `FormatError` naming the input (or the output for write failures).
    static func convert(_ data: Data, name: String, to target: ImageFormat, outputName: String) throws -> Data {
        switch (ImageFile.detectFormat(data), target) {
        case (.dpx, .tiff):
            let frame = try ImageFile.read(data, name: name)
            let record = TIFFFrameRecord(bitDepth: frame.pixels.bitDepth, sourceFormat: "dpx", source: frame.rebuildRecord)
            do {
                return try TIFF.write(frame.pixels, metadata: frame.metadata, options: TIFFWriteOptions(frameRecord: record))
            } catch {
                throw error.naming(outputName)
            }
        case (.dpx, .dpx):
            let frame = try ImageFile.read(data, name: name)
            return try ImageFile.rebuild(pixels: frame.pixels, record: frame.rebuildRecord)
        case (.tiff, _):
            let info = try TIFF.info(data, name: name)
            guard info.sampleFormat == "uint" else {
                throw FormatError(.unsupported, file: name, "\(info.sampleFormat) samples cannot be carried in DPX or a Reelpack TIFF (unsigned integers only)")
            }
            guard [1, 3, 4].contains(info.samplesPerPixel) else {
                throw FormatError(.unsupported, file: name, "\(info.samplesPerPixel) channels cannot be carried (1, 3 or 4)")
            }
            let image = try TIFF.read(data, name: name)
            if target == .tiff {
                return try TIFF.write(image.pixels, metadata: image.metadata,
                                      options: TIFFWriteOptions(frameRecord: image.frameRecord))
            }
            if let record = image.frameRecord, record.sourceFormat == "dpx", let source = record.source {
                do {
                    return try ImageFile.rebuild(pixels: image.pixels, record: source)
                } catch let error as FormatError {
                    throw error.naming(name)
                }
            }
            let depth = image.pixels.bitDepth
            guard [8, 10, 12, 16].contains(depth) else {
                throw FormatError(.unsupported, file: name, "\(depth)-bit samples cannot be carried in DPX (8, 10, 12 or 16)")
            }
            do {
                return try DPXWriter.write(image.pixels, metadata: image.metadata,
                                           options: DPXWriteOptions(packing: .filledA, byteOrder: .big))
            } catch let error as FormatError {
                throw error.naming(name)
            }
        case (nil, _):
            throw FormatError(.unsupported, file: name, "not a DPX or TIFF file")
        }
    }

    /// Writes `data` to a temporary file beside `url`, then renames it into place.
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let temp = url.deletingLastPathComponent()
            .appendingPathComponent(".reelpack-convert-\(String(UInt64.random(in: 0 ... .max), radix: 16)).partial")
        do {
            try data.write(to: temp)
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw FormatError(.io, file: url.path, "cannot write: \(error.localizedDescription)")
        }
        guard rename(temp.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temp)
            throw FormatError(.io, file: url.path, "cannot rename into place: \(reason)")
        }
    }
}
