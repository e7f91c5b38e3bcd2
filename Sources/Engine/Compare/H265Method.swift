import Foundation
import ImageCore

/// Where `compare` finds the external tools it runs (only ffmpeg, for H.265).
public struct CompareTools: Sendable {
    /// The ffmpeg executable, or nil when none was found.
    public var ffmpeg: URL?

    public init(ffmpeg: URL?) { self.ffmpeg = ffmpeg }

    /// ffmpeg as given (`explicit`), else the first `ffmpeg` on `path` (a PATH-style
    /// list; the process's PATH by default). An explicit file that is not executable
    /// counts as missing.
    public static func locate(ffmpeg explicit: URL? = nil, path: String? = nil) -> CompareTools {
        if let explicit {
            return CompareTools(ffmpeg: FileManager.default.isExecutableFile(atPath: explicit.path) ? explicit : nil)
        }
        let dirs = (path ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for dir in dirs {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent("ffmpeg")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return CompareTools(ffmpeg: candidate) }
        }
        return CompareTools(ffmpeg: nil)
    }
}

/// H.265 intra-only through ffmpeg and libx265, one CRF for the reel.
///
/// RGB frames go to ffmpeg as planar RGB at the source's depth, are converted to
/// Y'CbCr 4:4:4 with the Rec. 709 matrix at full range (10 or 12 bits: libx265's
/// depths; an 8-bit source is coded at 8 bits, a 16-bit one at 12), coded with
/// `keyint=1` (every frame intra), and decoded back to planar RGB at the source's
/// depth. Grey frames are coded as grey, with no conversion. `colourRoundTrip` makes
/// the same conversions without the codec, so their own loss can be told apart.
/// The knob is 51 − CRF (larger = larger files).
public struct H265Method: FixedMethod {
    public let ffmpeg: URL
    /// `ffmpeg -version`'s version and libx265's, as reported by the tools.
    public let ffmpegVersion: String
    public let x265Version: String

    /// - Throws: `EngineError(.unavailable)` when ffmpeg does not run or has no libx265.
    public init(ffmpeg: URL) throws {
        self.ffmpeg = ffmpeg
        let version = try Subprocess.run(ffmpeg, ["-hide_banner", "-version"])
        let first = String(decoding: version.stdout, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        ffmpegVersion = first.split(separator: " ").dropFirst(2).first.map(String.init) ?? first
        let encoders = try Subprocess.run(ffmpeg, ["-hide_banner", "-encoders"])
        guard String(decoding: encoders.stdout, as: UTF8.self).contains("libx265") else {
            throw EngineError(.unavailable, file: ffmpeg.path, "this ffmpeg has no libx265 encoder")
        }
        // libx265 prints its version when it opens; one tiny frame tells it.
        let probe = try Subprocess.run(ffmpeg, ["-hide_banner", "-f", "lavfi", "-i", "color=s=64x64", "-frames:v", "1",
                                                "-c:v", "libx265", "-f", "null", "-"])
        let log = String(decoding: probe.stderr, as: UTF8.self)
        if let range = log.range(of: "HEVC encoder version ") {
            x265Version = String(log[range.upperBound...].prefix { !$0.isNewline && $0 != " " })
        } else {
            x265Version = "unknown"
        }
    }

    public var id: MethodID { .h265 }
    public var title: String { "H.265 intra 4:4:4 (one CRF)" }
    public func knobRange(bitDepth: Int) -> ClosedRange<Double> { 0...51 }
    public var logScale: Bool { false }
    /// x265: about 6 CRF per doubling of the size.
    public var typicalSlope: Double { log(2) / 6 }
    public func setting(_ knob: Double) -> String { String(format: "CRF %.2f", nativeValue(knob)) }
    public func nativeValue(_ knob: Double) -> Double { 51 - knob }
    public var versions: [String: String] { ["ffmpeg": ffmpegVersion, "libx265": x265Version] }

    /// ffmpeg's pixel formats for a frame: (planar input/output, coded).
    static func formats(_ frame: PixelBuffer) throws -> (raw: String, coded: String) {
        let depthName: String
        switch frame.bitDepth {
        case 8: depthName = ""
        case 10: depthName = "10le"
        case 12: depthName = "12le"
        case 16: depthName = "16le"
        default: throw EngineError(.unavailable, "H.265 comparison takes 8, 10, 12 or 16-bit frames, not \(frame.bitDepth)-bit")
        }
        let codedDepth = frame.bitDepth == 8 ? "" : (frame.bitDepth == 10 ? "10le" : "12le")
        switch frame.channels {
        case 1: return ("gray" + depthName, "gray" + codedDepth)
        case 3: return ("gbrp" + depthName, "yuv444p" + codedDepth)
        default: throw EngineError(.unavailable, "H.265 comparison takes grey or RGB frames, not \(frame.channels) channels")
        }
    }

    /// The frame as ffmpeg's planar raw video: G, B, R planes (or grey), little-endian.
    static func raw(_ frame: PixelBuffer) -> Data {
        let order = frame.channels == 3 ? [1, 2, 0] : [0]
        var out = Data(capacity: frame.planeSize * order.count * (frame.bitDepth > 8 ? 2 : 1))
        for c in order {
            let range = frame.planeRange(c)
            if frame.bitDepth > 8 {
                frame.samples[range].withUnsafeBufferPointer { s in
                    var le = [UInt16](repeating: 0, count: s.count)
                    for i in 0..<s.count { le[i] = s[i].littleEndian }
                    le.withUnsafeBytes { out.append(contentsOf: $0) }
                }
            } else {
                out.append(contentsOf: frame.samples[range].map { UInt8(truncatingIfNeeded: $0) })
            }
        }
        return out
    }

    /// The inverse of `raw` for a frame shaped like `like`.
    static func frame(fromRaw data: Data, like: PixelBuffer) throws -> PixelBuffer {
        let order = like.channels == 3 ? [1, 2, 0] : [0]
        let bytesPer = like.bitDepth > 8 ? 2 : 1
        guard data.count == like.planeSize * order.count * bytesPer else {
            throw EngineError(.verificationFailed, "ffmpeg returned \(data.count) bytes for a \(like.width)×\(like.height) frame")
        }
        var samples = [UInt16](repeating: 0, count: like.planeSize * like.channels)
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            for (k, c) in order.enumerated() {
                let base = k * like.planeSize * bytesPer
                for i in 0..<like.planeSize {
                    samples[c * like.planeSize + i] = bytesPer == 2
                        ? UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: base + 2 * i, as: UInt16.self))
                        : UInt16(bytes[base + i])
                }
            }
        }
        return try PixelBuffer(width: like.width, height: like.height, channels: like.channels,
                               bitDepth: like.bitDepth, samples: samples)
    }

    private func inputArguments(_ frame: PixelBuffer, raw: String) -> [String] {
        ["-hide_banner", "-v", "error", "-f", "rawvideo", "-pix_fmt", raw, "-s", "\(frame.width)x\(frame.height)", "-i", "-"]
    }

    private static let toYUV = "scale=out_color_matrix=bt709:out_range=pc"
    private static let fromYUV = "scale=in_color_matrix=bt709:in_range=pc"

    public func encode(_ frame: PixelBuffer, knob: Double) throws -> Data {
        let (raw, coded) = try Self.formats(frame)
        let crf = min(max(nativeValue(knob), 0), 51)
        let filter = frame.channels == 3 ? "\(Self.toYUV),format=\(coded)" : "format=\(coded)"
        let params = "keyint=1:crf=\(String(format: "%.2f", crf)):range=full:colormatrix=bt709:pools=1:frame-threads=1:log-level=error"
        let result = try Subprocess.run(ffmpeg, inputArguments(frame, raw: raw) + [
            "-vf", filter, "-c:v", "libx265", "-x265-params", params, "-f", "hevc", "-"], stdin: Self.raw(frame))
        guard result.status == 0, !result.stdout.isEmpty else {
            throw EngineError(.verificationFailed, "ffmpeg (libx265) failed: \(String(decoding: result.stderr.suffix(600), as: UTF8.self))")
        }
        return result.stdout
    }

    public func decode(_ payload: Data, source: PixelBuffer) throws -> PixelBuffer {
        let (raw, _) = try Self.formats(source)
        let filter = source.channels == 3 ? "\(Self.fromYUV),format=\(raw)" : "format=\(raw)"
        let result = try Subprocess.run(ffmpeg, ["-hide_banner", "-v", "error", "-f", "hevc", "-i", "-",
                                                 "-vf", filter, "-f", "rawvideo", "-"], stdin: payload)
        guard result.status == 0 else {
            throw EngineError(.verificationFailed, "ffmpeg failed to decode H.265: \(String(decoding: result.stderr.suffix(600), as: UTF8.self))")
        }
        return try Self.frame(fromRaw: result.stdout, like: source)
    }

    /// The frame converted to the coded Y'CbCr format and back, with no codec between:
    /// the colour conversion's own loss.
    public func colourRoundTrip(_ frame: PixelBuffer) throws -> PixelBuffer {
        let (raw, coded) = try Self.formats(frame)
        guard frame.channels == 3 else { return frame }
        let result = try Subprocess.run(ffmpeg, inputArguments(frame, raw: raw) + [
            "-vf", "\(Self.toYUV),format=\(coded),\(Self.fromYUV),format=\(raw)", "-f", "rawvideo", "-"], stdin: Self.raw(frame))
        guard result.status == 0 else {
            throw EngineError(.verificationFailed, "ffmpeg colour conversion failed: \(String(decoding: result.stderr.suffix(600), as: UTF8.self))")
        }
        return try Self.frame(fromRaw: result.stdout, like: frame)
    }
}

/// Runs an external program with bytes on stdin, collecting stdout and stderr.
enum Subprocess {
    struct Result { var status: Int32; var stdout: Data; var stderr: Data }

    /// - Throws: `EngineError(.unavailable)` when the program cannot be started.
    static func run(_ executable: URL, _ arguments: [String], stdin: Data? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = stdin == nil ? FileHandle.nullDevice : inPipe
        do {
            try process.run()
        } catch {
            throw EngineError(.unavailable, file: executable.path, "cannot run: \(error.localizedDescription)")
        }
        // stdin and stderr on threads of their own (not the dispatch pool, which the
        // frame workers occupy), so no pipe can fill and block.
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        var helpers = 1
        if let stdin {
            helpers += 1
            Thread {
                try? inPipe.fileHandleForWriting.write(contentsOf: stdin)
                try? inPipe.fileHandleForWriting.close()
                done.signal()
            }.start()
        }
        Thread {
            box.err = errPipe.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }.start()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        for _ in 0..<helpers { done.wait() }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: out, stderr: box.err)
    }

    // @unchecked Sendable: written by one background read, read after the semaphore says it is done.
    private final class Box: @unchecked Sendable { var err = Data() }
}
