import Codecs
import Foundation
import Formats
import ImageCore

/// `reelpack probe`: what a file holds, as an ordered list of fields. Each format is
/// one case of `probe(_:name:)`: DPX and TIFF header fields and metadata, and the
/// format, geometry and seal of Reelpack outputs (`.jp2`, `.jph`, `.jxl`, a sealed `.tif`).
public enum FileProbe {
    /// The fields of one file, by format.
    /// - Throws: `FormatError` naming the file.
    public static func probe(_ url: URL, name: String) throws -> ProbeReport {
        // Only regular files: a folder, a FIFO or a device (/dev/zero) is named as such,
        // not read (a FIFO would block, /dev/zero never ends).
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            throw FormatError(.io, file: name, "cannot read: \(String(cString: strerror(errno)))")
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw FormatError(.unsupported, file: name, "is a folder: probe takes frame files (DPX, TIFF or a Reelpack output)")
        default: throw FormatError(.unsupported, file: name, "is not a regular file (a FIFO, device or socket): probe takes frame files")
        }
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw FormatError(.io, file: name, "cannot read: \(String(cString: strerror(errno)))")
        }
        switch ImageFile.detectFormat(data) {
        case .dpx: return try dpx(data, name: name)
        case .tiff:
            var r = try tiff(data, name: name)
            if let sealBytes = (try? TIFF.read(data, name: name))?.seal, let seal = try? Seal.decode(sealBytes) {
                r.seal = seal
            }
            return r
        case nil:
            guard let id = OutputFolder.codecID(name: name, data: data), id != .tiff else {
                throw FormatError(.unsupported, file: name, "not a file Reelpack can probe (DPX, TIFF or a Reelpack output)")
            }
            return try output(data, name: name)
        }
    }

    /// A Reelpack output (JPEG 2000, HTJ2K, JPEG XL): geometry as stored and its seal.
    public static func output(_ data: Data, name: String) throws -> ProbeReport {
        let decoded: OutputFolder.DecodedOutput
        do {
            decoded = try OutputFolder.decode(data, name: name)
        } catch let error as EngineError {
            throw error
        } catch {
            // The codec's error says what is wrong, not in which file.
            throw FormatError(.malformed, file: name, "\(error)")
        }
        let p = decoded.stored
        let format = try CodecRegistry.codec(decoded.codec, threads: 1).fileExtension
        var r = ProbeReport(file: name, format: format, width: p.width, height: p.height,
                            channels: p.channels, bitDepth: p.bitDepth)
        r["fileSize"] = .int(data.count)
        r.seal = decoded.seal
        return r
    }

    public static func dpx(_ data: Data, name: String) throws -> ProbeReport {
        let h = try DPXHeader.parse(data, name: name)
        let m = h.frameMetadata
        let l = h.layout
        var r = ProbeReport(file: name, format: "dpx", width: l.width, height: l.height,
                            channels: l.channels, bitDepth: l.bitDepth)
        r["descriptor"] = .int(h.image.element.descriptor)
        r["descriptorName"] = .string(m.descriptor?.rawValue ?? "")
        r["packing"] = .string(l.packing.rawValue)
        r["byteOrder"] = .string(l.byteOrder.rawValue)
        if l.samplesSpanRows { r["samplesSpanRows"] = .bool(true) }
        r["version"] = .string(h.file.version)
        r["imageDataOffset"] = .int(l.dataOffset)
        r["fileSize"] = .int(data.count)
        r["transfer"] = .optional(m.transfer)
        r["colorimetric"] = .optional(m.colorimetric)
        r["orientation"] = .int(h.image.orientation)
        r["frameRate"] = m.frameRate.map { .double($0) } ?? .null
        r["timecode"] = .optional(m.timecode)
        r["keycode"] = .optional(m.keycode)
        r["creator"] = .optional(m.creator)
        r["creationDate"] = .optional(m.creationDate)
        r["inputDevice"] = .optional(m.inputDevice)
        r["inputDeviceSerial"] = .optional(m.inputDeviceSerial)
        r["framePosition"] = m.framePosition.map { .int($0) } ?? .null
        r["sequenceLength"] = m.sequenceLength.map { .int($0) } ?? .null
        r["project"] = .optional(m.project)
        r["copyright"] = .optional(m.copyright)
        r["originalFileName"] = .optional(m.originalFileName)
        r["userDataSize"] = .int(h.file.userDataSize)
        r["endOfLinePadding"] = .int(h.image.element.endOfLinePadding)
        r["warnings"] = .strings(h.warnings)
        return r
    }

    public static func tiff(_ data: Data, name: String) throws -> ProbeReport {
        let i = try TIFF.info(data, name: name)
        var r = ProbeReport(file: name, format: "tiff", width: i.width, height: i.height,
                            channels: i.samplesPerPixel, bitDepth: i.recordedBitDepth ?? i.bitsPerSample)
        r["bitsPerSample"] = .int(i.bitsPerSample)
        r["sampleFormat"] = .string(i.sampleFormat)
        r["compression"] = .string(i.compression)
        r["predictor"] = .string(i.predictor)
        r["photometric"] = .string(i.photometric)
        r["planarConfiguration"] = .string(i.planarConfiguration)
        r["tiled"] = .bool(i.tiled)
        if i.tiled {
            r["tileWidth"] = i.tileWidth.map { .int($0) } ?? .null
            r["tileHeight"] = i.tileHeight.map { .int($0) } ?? .null
        } else {
            r["rowsPerStrip"] = i.rowsPerStrip.map { .int($0) } ?? .null
        }
        r["byteOrder"] = .string(i.byteOrder)
        r["bigTIFF"] = .bool(i.bigTIFF)
        r["imageCount"] = .int(i.imageCount)
        r["recordedBitDepth"] = i.recordedBitDepth.map { .int($0) } ?? .null
        r["fileSize"] = .int(data.count)
        r["tags"] = .strings(i.tags)
        return r
    }
}

/// One probed file: ordered fields, printed as text or as one JSON object.
public struct ProbeReport: Sendable, Encodable {
    public enum Value: Sendable, Encodable {
        case int(Int), double(Double), string(String), bool(Bool), strings([String]), null

        public static func optional(_ s: String?) -> Value { s.map { .string($0) } ?? .null }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case let .int(v): try c.encode(v)
            case let .double(v): try v.isFinite ? c.encode(v) : c.encodeNil()
            case let .string(v): try c.encode(v)
            case let .bool(v): try c.encode(v)
            case let .strings(v): try c.encode(v)
            case .null: try c.encodeNil()
            }
        }

        public var text: String {
            switch self {
            case let .int(v): "\(v)"
            case let .double(v): String(format: "%g", v)
            case let .string(v): v
            case let .bool(v): v ? "yes" : "no"
            case let .strings(v): v.isEmpty ? "none" : v.joined(separator: "; ")
            case .null: "-"
            }
        }
    }

    public private(set) var fields: [(key: String, value: Value)] = []
    /// The seal of a Reelpack output (encoded as `seal` after the fields).
    public var seal: Seal?

    public init(file: String, format: String, width: Int, height: Int, channels: Int, bitDepth: Int) {
        self["file"] = .string(file)
        self["format"] = .string(format)
        self["width"] = .int(width)
        self["height"] = .int(height)
        self["channels"] = .int(channels)
        self["bitDepth"] = .int(bitDepth)
    }

    public subscript(key: String) -> Value? {
        get { fields.first { $0.key == key }?.value }
        set {
            fields.removeAll { $0.key == key }
            if let newValue { fields.append((key, newValue)) }
        }
    }

    /// Aligned `key: value` lines, then the seal's summary.
    public var text: String {
        var lines = fields.map { ($0.key, $0.value.text) }
        if let s = seal {
            func f(_ v: Double?, _ d: Int) -> String { v.map { String(format: "%.\(d)f", $0) } ?? "-" }
            let a = s.achieved
            lines += [
                ("seal", "\(s.tool) \(s.toolVersion), \(s.timestamp)"),
                ("profile", s.profile + (s.fellBackToLossless ? " (no lossy setting met the floors: stored losslessly)" : "")),
                ("codec", "\(s.codec) (\(s.library)), \(s.mode)\(s.parameter.map { ", parameter \(f($0, 4))" } ?? "")"),
                ("achieved", a.identical ? "identical to the source"
                    : "SSIM \(f(a.ssim, 5)), tile floor \(f(a.tileFloor, 5)), PSNR \(f(a.psnr, 2)) dB, max error \(a.maxError)"),
                ("iterations", "\(s.searchTrace.count)\(s.searchStopReason.map { " (\($0))" } ?? "")"),
                ("source", "\(s.sourceName) (\(s.sourceFormat), \(s.sourceBytes) bytes, \(s.width)×\(s.height)×\(s.channels) at \(s.bitDepth) bits)"),
                ("sourceSHA256", s.sourceSHA256),
                ("decodedSHA256", s.decodedSHA256),
                ("restore", s.rebuildIsExact && s.mode == "lossless" ? "byte for byte" : "same header fields, decoded samples"),
            ]
            if s.monochromeStored { lines.append(("monochrome", "stored as one channel, restored to \(s.channels)")) }
        }
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
            .joined(separator: "\n")
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for (key, value) in fields { try c.encode(value, forKey: Key(stringValue: key)) }
        if let seal { try c.encode(seal, forKey: Key(stringValue: "seal")) }
    }
}
