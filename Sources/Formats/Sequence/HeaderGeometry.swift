import Foundation
import ImageCore

/// Reads a frame's geometry from its header alone, without decoding pixels:
/// `DPXReader.header(contentsOf:)` for DPX (the first two kilobytes), `TIFF.info` for TIFF.
enum HeaderGeometry {
    /// Bytes read to recognise a file's format.
    static let signatureBytes = 4

    /// The geometry of `url`, or a one-line reason it could not be read.
    static func read(_ url: URL) -> Result<FrameGeometry, HeaderProblem> {
        let head: Data
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            head = try handle.read(upToCount: signatureBytes) ?? Data()
        } catch {
            return .failure("cannot read the header: \(error.localizedDescription)")
        }
        switch ImageFile.detectFormat(head) {
        case .dpx: return dpx(url)
        case .tiff: return tiff(url)
        case nil: return .failure("neither a DPX nor a TIFF file (no SDPX, XPDS, II* or MM* signature)")
        }
    }

    private static func dpx(_ url: URL) -> Result<FrameGeometry, HeaderProblem> {
        do {
            let layout = try DPXReader.header(contentsOf: url).layout
            return .success(FrameGeometry(width: layout.width, height: layout.height,
                                          bitDepth: layout.bitDepth, channels: layout.channels))
        } catch let error as FormatError {
            return .failure(HeaderProblem(error.reason))
        } catch {
            return .failure("cannot read the header: \(error.localizedDescription)")
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
