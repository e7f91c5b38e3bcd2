import Foundation
import ImageCore

/// Reads a frame's geometry from its header alone, without decoding pixels.
///
/// DPX: the few fields of the generic and image information headers that give the
/// geometry (SMPTE 268M offsets), read from the first bytes with bounds checks.
/// TIFF: `TIFF.info`.
enum HeaderGeometry {
    /// Bytes of a DPX file that hold every field read here (the image information
    /// header ends at 1664 bytes; element 8's descriptor is at 1336).
    static let dpxHeaderBytes = 1664

    /// The geometry of `url`, or a one-line reason it could not be read.
    static func read(_ url: URL) -> Result<FrameGeometry, HeaderProblem> {
        let head: Data
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            head = try handle.read(upToCount: dpxHeaderBytes) ?? Data()
        } catch {
            return .failure("cannot read the header: \(error.localizedDescription)")
        }
        switch ImageFile.detectFormat(head) {
        case .dpx: return dpx(head)
        case .tiff: return tiff(url)
        case nil: return .failure("neither a DPX nor a TIFF file (no SDPX, XPDS, II* or MM* signature)")
        }
    }

    /// Geometry fields of a DPX header.
    static func dpx(_ bytes: Data) -> Result<FrameGeometry, HeaderProblem> {
        let b = [UInt8](bytes)
        guard b.count >= 4 else { return .failure("DPX header truncated at \(b.count) bytes") }
        let bigEndian = b[0] == 0x53   // "SDPX"; "XPDS" is little-endian
        func u16(_ o: Int) -> Int? {
            guard o + 2 <= b.count else { return nil }
            return bigEndian ? Int(b[o]) << 8 | Int(b[o + 1]) : Int(b[o + 1]) << 8 | Int(b[o])
        }
        func u32(_ o: Int) -> Int? {
            guard o + 4 <= b.count else { return nil }
            let v = bigEndian
                ? Int(b[o]) << 24 | Int(b[o + 1]) << 16 | Int(b[o + 2]) << 8 | Int(b[o + 3])
                : Int(b[o + 3]) << 24 | Int(b[o + 2]) << 16 | Int(b[o + 1]) << 8 | Int(b[o])
            return v
        }
        guard let elementCount = u16(770), let width = u32(772), let height = u32(776) else {
            return .failure("DPX header truncated at \(b.count) bytes (image information needs 780)")
        }
        guard (1...8).contains(elementCount) else {
            return .failure("DPX header declares \(elementCount) image elements (1 to 8 allowed)")
        }
        var channels = 0, bitDepth = 0
        for element in 0..<elementCount {
            let base = 780 + 72 * element
            guard base + 24 <= b.count else {
                return .failure("DPX header truncated at \(b.count) bytes (image element \(element + 1))")
            }
            let descriptor = Int(b[base + 20]), depth = Int(b[base + 23])
            guard let components = dpxComponents(descriptor) else {
                return .failure("DPX image element \(element + 1) has descriptor \(descriptor), whose channel count is unknown")
            }
            channels += components
            bitDepth = max(bitDepth, depth)
        }
        guard [1, 8, 10, 12, 16, 32, 64].contains(bitDepth) else {
            return .failure("DPX header declares \(bitDepth)-bit samples (1, 8, 10, 12, 16, 32 or 64 exist)")
        }
        guard width > 0, height > 0, width <= PixelBuffer.maxDimension, height <= PixelBuffer.maxDimension else {
            return .failure("DPX header declares \(width)×\(height) pixels (1…\(PixelBuffer.maxDimension) a side)")
        }
        return .success(FrameGeometry(width: width, height: height, bitDepth: bitDepth, channels: channels))
    }

    /// Components per pixel of a DPX image element descriptor (SMPTE 268M table 1).
    static func dpxComponents(_ descriptor: Int) -> Int? {
        switch descriptor {
        case 1, 2, 3, 4, 6, 7, 8: 1          // R, G, B, A, luma, depth, composite
        case 50: 3                           // RGB
        case 51, 52: 4                       // RGBA, ABGR
        case 100: 2                          // CbYCrY 4:2:2
        case 101, 102: 3                     // CbYaCrYa 4:2:2:4, CbYCr 4:4:4
        case 103: 4                          // CbYCrA 4:4:4:4
        case 150...156: descriptor - 148     // user-defined 2 to 8 components
        default: nil
        }
    }

    private static func tiff(_ url: URL) -> Result<FrameGeometry, HeaderProblem> {
        do {
            let data = try Data(contentsOf: url, options: .alwaysMapped)
            let info = try TIFF.info(data, name: url.path)
            return .success(FrameGeometry(width: info.width, height: info.height,
                                          bitDepth: info.recordedBitDepth ?? info.bitsPerSample,
                                          channels: info.samplesPerPixel))
        } catch let error as FormatError {
            return .failure(HeaderProblem(error.reason))
        } catch {
            return .failure("cannot read the header: \(error.localizedDescription)")
        }
    }
}

/// Why a header's geometry could not be read, in one line.
struct HeaderProblem: Error, ExpressibleByStringInterpolation {
    var reason: String

    init(_ reason: String) { self.reason = reason }
    init(stringLiteral value: String) { reason = value }
    init(stringInterpolation: DefaultStringInterpolation) { reason = String(stringInterpolation: stringInterpolation) }
}
