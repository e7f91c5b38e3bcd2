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

/// H.265 intra-only through ffmpeg and libx265, one CRF for the reel, coded as one
/// stream (`encodeReel`) and decoded in one pass (`decodeReel`).
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
    /// libx265's worker threads (its wavefront rows and lookahead): the coded bytes are
    /// the same for any count, with one frame thread.
    public let threads: Int
    /// libx265's `aq-strength` (its default, 1.0, when nil): set only by `fineTuning`.
    public var aqStrength: Double?

    /// - Throws: `EngineError(.unavailable)` when ffmpeg does not run or has no libx265.
    public init(ffmpeg: URL, threads: Int = 1) throws {
        self.ffmpeg = ffmpeg
        self.threads = min(max(threads, 1), 64)
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
    public func setting(_ knob: Double) -> String {
        String(format: "CRF %.2f", nativeValue(knob)) + (aqStrength.map { String(format: ", aq-strength %.2f", $0) } ?? "")
    }
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

    /// The CRF `knob` held, with `aq-strength` 0.5-1.5 as the knob: at one CRF it moves the
    /// reel's size by under 1.5 % per 0.05, where a whole CRF step moves it by 5-7 %
    /// (BENCHMARKS.md).
    public func fineTuning(at knob: Double) -> (any FixedMethod)? {
        H265AQTuning(base: self, crfKnob: knob)
    }

    /// libx265's settings for the reel at `knob`. `repeat-headers` puts the parameter sets
    /// in front of every frame, so each frame's bytes decode on their own (as a file per
    /// frame must); one process with one frame thread codes the whole reel in order, so the
    /// same setting always gives the same pixels (the bytes differ only in the options
    /// libx265 records in its first frame, which name the thread count).
    func x265Parameters(_ knob: Double) -> String {
        let crf = min(max(nativeValue(knob), 0), 51)
        return "keyint=1:crf=\(String(format: "%.2f", crf)):range=full:colormatrix=bt709:repeat-headers=1"
            + (aqStrength.map { String(format: ":aq-strength=%.2f", $0) } ?? "")
            + ":pools=\(threads):frame-threads=1:log-level=error"
    }

    /// One frame alone, as the first frame of a reel of one.
    public func encode(_ frame: PixelBuffer, knob: Double) throws -> Data {
        try encodeReel([frame], knob: knob, jobs: 1)[0].get()
    }

    /// The reel as one intra-only stream at one CRF, as `ffmpeg -i scans/%06d.dpx -c:v libx265
    /// -x265-params keyint=1:crf=…` codes it: one ffmpeg process for each run of frames of one
    /// geometry and depth, cut into each frame's bytes at its parameter sets. libx265's CRF
    /// sets each frame's quantiser from the frames before it, so a frame coded alone is not
    /// coded as it is in its reel; the reel's stream is what a user stores.
    public func encodeReel(_ frames: [PixelBuffer], knob: Double, jobs: Int) -> [Result<Data, any Error>] {
        var results: [Result<Data, any Error>] = []
        results.reserveCapacity(frames.count)
        for run in Self.runs(frames) {
            do {
                let payloads = try encodeRun(Array(frames[run]), knob: knob)
                results += payloads.map { .success($0) }
            } catch {
                results += run.map { _ in .failure(error) }
            }
        }
        return results
    }

    /// Consecutive frames of one geometry, channel count and depth: what one stream can hold.
    static func runs(_ frames: [PixelBuffer]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var start = 0
        for i in frames.indices.dropFirst() {
            let a = frames[i - 1], b = frames[i]
            if a.width != b.width || a.height != b.height || a.channels != b.channels || a.bitDepth != b.bitDepth {
                runs.append(start..<i)
                start = i
            }
        }
        if !frames.isEmpty { runs.append(start..<frames.count) }
        return runs
    }

    private func encodeRun(_ frames: [PixelBuffer], knob: Double) throws -> [Data] {
        let first = frames[0]
        let (raw, coded) = try Self.formats(first)
        let filter = first.channels == 3 ? "\(Self.toYUV),format=\(coded)" : "format=\(coded)"
        let process = try StreamingProcess(ffmpeg, inputArguments(first, raw: raw) + [
            "-vf", filter, "-c:v", "libx265", "-x265-params", x265Parameters(knob), "-f", "hevc", "-"]) { input in
            for frame in frames { try input.write(contentsOf: Self.raw(frame)) }
        }
        let stream = process.readToEnd()
        let end = process.finish()
        guard end.status == 0, !stream.isEmpty else {
            throw EngineError(.verificationFailed, "ffmpeg (libx265) failed: \(String(decoding: end.stderr.suffix(600), as: UTF8.self))")
        }
        let payloads = Self.accessUnits(stream)
        guard payloads.count == frames.count else {
            throw EngineError(.verificationFailed, "ffmpeg (libx265) wrote \(payloads.count) frames for \(frames.count)")
        }
        return payloads
    }

    /// An H.265 Annex B stream cut before each video parameter set (NAL type 32), which
    /// `repeat-headers` puts first in every access unit; a leading zero byte of a 4-byte
    /// start code goes with the unit it opens.
    static func accessUnits(_ stream: Data) -> [Data] {
        let bytes = [UInt8](stream)
        var cuts: [Int] = []
        var i = 0
        while i + 3 < bytes.count {
            if bytes[i] == 0, bytes[i + 1] == 0, bytes[i + 2] == 1 {
                if (bytes[i + 3] >> 1) & 0x3F == 32 { cuts.append(i > 0 && bytes[i - 1] == 0 ? i - 1 : i) }
                i += 3
            } else {
                i += 1
            }
        }
        guard !cuts.isEmpty else { return stream.isEmpty ? [] : [stream] }
        if cuts[0] != 0 { cuts[0] = 0 }
        return cuts.indices.map { k in Data(bytes[cuts[k]..<(k + 1 < cuts.count ? cuts[k + 1] : bytes.count)]) }
    }

    public func decode(_ payload: Data, source: PixelBuffer) throws -> PixelBuffer {
        var decoded: Result<PixelBuffer, any Error>?
        decodeReel([payload], sources: [source]) { _, r in decoded = r; return true }
        return try decoded!.get()
    }

    public var decodesReel: Bool { true }

    /// One ffmpeg process for each run of frames of one geometry: the frames' bytes go in
    /// one after another (each decodes on its own, so the pixels are those of decoding it
    /// alone) and come out as planar RGB, one frame at a time.
    public func decodeReel(_ payloads: [Data], sources: [PixelBuffer],
                           body: (Int, Result<PixelBuffer, any Error>) -> Bool) {
        for run in Self.runs(sources) {
            let like = sources[run.lowerBound]
            let process: StreamingProcess
            do {
                let (raw, _) = try Self.formats(like)
                let filter = like.channels == 3 ? "\(Self.fromYUV),format=\(raw)" : "format=\(raw)"
                let input = Array(payloads[run])
                process = try StreamingProcess(ffmpeg, ["-hide_banner", "-v", "error", "-xerror", "-f", "hevc", "-i", "-",
                                                        "-vf", filter, "-fps_mode", "passthrough", "-f", "rawvideo", "-"]) { h in
                    for p in input { try h.write(contentsOf: p) }
                }
            } catch {
                for i in run { if !body(i, .failure(error)) { return } }
                continue
            }
            let frameBytes = like.planeSize * like.channels * (like.bitDepth > 8 ? 2 : 1)
            var next = run.lowerBound
            var stopped = false
            while next < run.upperBound {
                let data = process.read(frameBytes)
                if data.count < frameBytes { break }
                let frame = Result { try Self.frame(fromRaw: data, like: sources[next]) }
                next += 1
                if !body(next - 1, frame) { stopped = true; break }
            }
            let end = process.finish(stop: stopped)
            if stopped { return }
            if next < run.upperBound {
                let error = EngineError(.verificationFailed, end.status == 0
                    ? "ffmpeg decoded \(next - run.lowerBound) of \(run.count) H.265 frames"
                    : "ffmpeg failed to decode H.265: \(String(decoding: end.stderr.suffix(600), as: UTF8.self))")
                for i in next..<run.upperBound { if !body(i, .failure(error)) { return } }
            }
        }
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

/// H.265 at one CRF with libx265's `aq-strength` as the knob (larger: larger files).
struct H265AQTuning: FixedMethod {
    let base: H265Method
    /// The CRF held, as `H265Method`'s knob.
    let crfKnob: Double

    func tuned(_ knob: Double) -> H265Method {
        var m = base
        m.aqStrength = min(max(knob, 0.5), 1.5)
        return m
    }

    var id: MethodID { .h265 }
    var title: String { base.title }
    func knobRange(bitDepth: Int) -> ClosedRange<Double> { 0.5...1.5 }
    var logScale: Bool { false }
    /// About 3.4 % of the size per 0.1 of aq-strength.
    var typicalSlope: Double { 0.17 }
    func setting(_ knob: Double) -> String { tuned(knob).setting(crfKnob) }
    func nativeValue(_ knob: Double) -> Double { base.nativeValue(crfKnob) }
    var versions: [String: String] { base.versions }
    func encode(_ frame: PixelBuffer, knob: Double) throws -> Data { try tuned(knob).encode(frame, knob: crfKnob) }
    func decode(_ payload: Data, source: PixelBuffer) throws -> PixelBuffer { try base.decode(payload, source: source) }
    func encodeReel(_ frames: [PixelBuffer], knob: Double, jobs: Int) -> [Result<Data, any Error>] {
        tuned(knob).encodeReel(frames, knob: crfKnob, jobs: jobs)
    }
    var decodesReel: Bool { true }
    func decodeReel(_ payloads: [Data], sources: [PixelBuffer], body: (Int, Result<PixelBuffer, any Error>) -> Bool) {
        base.decodeReel(payloads, sources: sources, body: body)
    }
    func fineTuning(at knob: Double) -> (any FixedMethod)? { nil }
}
