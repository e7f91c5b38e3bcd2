import Codecs
import Foundation
import Formats
import ImageCore

/// The blocking work on one frame (DESIGN.md §1): read and analyse, then search,
/// seal, write atomically, re-read and verify. Runs off the cooperative pool.
struct FrameProcessor: Sendable {
    var settings: CompressionSettings
    var services: EngineServices
    var framesFolder: URL
    /// Library threads per codec call and per measurement.
    var threads: Int
    var toolVersion: String

    /// A source read and analysed.
    struct Loaded: Sendable {
        var data: Data
        var frame: SourceFrame
        var sha256: String
        var analysis: FrameAnalyzer.Result
    }

    /// A frame encoded, written and verified.
    struct Written: Sendable {
        var report: FrameReport
        var codec: CodecID
        var parameter: Double?
        /// Where the next frame of the shot should start (boundary and slopes).
        var warm: QualitySearch.WarmStart?
        var traces: [(codec: CodecID, iterations: [SearchIteration])]
    }

    /// Reads and analyses the source.
    func load(_ item: WorkItem) throws -> Loaded {
        let data: Data
        do {
            data = try Data(contentsOf: item.source, options: .mappedIfSafe)
        } catch {
            throw EngineError(.io, file: item.source.path, "cannot read: \(error.localizedDescription)")
        }
        let frame = try services.read(data, item.source.path)
        return Loaded(data: data, frame: frame, sha256: Digest.sha256(data), analysis: FrameAnalyzer.analyze(frame.pixels))
    }

    /// One codec's best encoding of the frame.
    private struct Encoded {
        var codec: any Codec
        var payload: Data
        var decoded: PixelBuffer          // as restored (monochrome expanded)
        var measurement: QualityMeasurement
        var parameter: Double?
        var fellBack: Bool
        var stopReason: String?
        var iterations: [SearchIteration]
        var next: QualitySearch.WarmStart?
    }

    /// Searches, seals, writes and verifies. `warmStarts` per codec; `codecs` are the
    /// candidates (two for `auto` until it has chosen).
    func encodeAndWrite(_ item: WorkItem, _ loaded: Loaded, features: FrameFeatures,
                        codecs: [CodecID], warmStarts: [CodecID: QualitySearch.WarmStart],
                        coldStarts: [CodecID: QualitySearch.WarmStart] = [:]) throws -> Written {
        let start = Date()
        let source = loaded.frame.pixels
        let mono = settings.storeMonochromeAsOneChannel && source.channels == 3 && features.monochrome
        let toEncode = mono ? try Self.firstPlane(source) : source
        let sourceNoise = features.noiseSigmaPerChannel

        var results: [Encoded] = []
        for id in codecs {
            let codec = try services.codec(id, threads)
            results.append(try encode(toEncode, with: codec, source: source, mono: mono, sourceNoise: sourceNoise,
                                      warmStart: warmStarts[id], coldStart: coldStarts[id]))
        }
        guard var chosen = results.first else { throw EngineError(.usage, "no codec to try") }
        if results.count > 1 { chosen = Self.autoPick(results) }

        // The seal, with metrics measured on the decoded payload (the seal does not
        // change decoded samples; the written file is re-read below to prove it).
        let decodedSHA = Digest.sha256(samples: chosen.decoded)
        let stem = (item.name as NSString).deletingPathExtension
        let outputName = "frames/\(stem).\(chosen.codec.fileExtension)"
        let seal = Seal(
            sealVersion: Seal.currentFormatVersion, tool: "reelpack", toolVersion: toolVersion,
            timestamp: ISO8601DateFormatter().string(from: Date()),
            profile: settings.profile.rawValue, floors: settings.floor,
            codec: chosen.codec.id.rawValue, library: chosen.codec.libraryVersion,
            mode: chosen.parameter == nil ? "lossless" : "lossy", parameter: chosen.parameter,
            fellBackToLossless: chosen.fellBack, searchStopReason: chosen.stopReason, searchTrace: chosen.iterations,
            achieved: chosen.measurement, sourceName: item.name, sourceFormat: loaded.frame.format.rawValue,
            sourceBytes: loaded.data.count, sourceSHA256: loaded.sha256,
            width: source.width, height: source.height, channels: source.channels, bitDepth: source.bitDepth,
            monochromeStored: mono, decodedSHA256: decodedSHA,
            rebuildRecord: loaded.frame.rebuildRecord.base64EncodedString(), rebuildIsExact: loaded.frame.rebuildIsExact,
            metadata: loaded.frame.metadata, features: features, grainRetention: chosen.measurement.grainRetention)
        let file = try chosen.codec.wrap(payload: chosen.payload, seal: try seal.encoded())
        let url = framesFolder.appendingPathComponent("\(stem).\(chosen.codec.fileExtension)")
        try AtomicFile.write(file, to: url)

        // Re-read what was written: it must decode to the samples measured. A file
        // that fails the check is removed, so no unverified output stays in OUT.
        let written: Data
        do {
            written = try verify(url: url, codec: chosen.codec, mono: mono, source: source, decodedSHA: decodedSHA,
                                 lossless: chosen.parameter == nil, loaded: loaded, item: item)
        } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }

        var report = FrameReport(source: item.source.path, status: .done)
        report.output = outputName
        report.sourceBytes = loaded.data.count
        report.outputBytes = written.count
        report.ssim = chosen.measurement.ssim
        report.tileFloor = chosen.measurement.tileFloor
        report.psnr = chosen.measurement.psnr
        report.identical = chosen.measurement.identical
        report.maxError = chosen.measurement.maxError
        report.grainRetention = chosen.measurement.grainRetention
        report.iterations = results.reduce(0) { $0 + $1.iterations.count }
        report.codec = chosen.codec.id.rawValue
        report.mode = chosen.parameter == nil ? "lossless" : "lossy"
        report.parameter = chosen.parameter
        report.fellBackToLossless = chosen.fellBack
        report.monochromeStored = mono
        report.outputSHA256 = Digest.sha256(written)
        report.decodedSHA256 = decodedSHA
        report.seconds = Date().timeIntervalSince(start)
        return Written(report: report, codec: chosen.codec.id, parameter: chosen.parameter, warm: chosen.next,
                       traces: results.map { ($0.codec.id, $0.iterations) })
    }

    /// Re-reads the written file and checks it: same decoded samples, seal present, and
    /// for lossless the source samples and the source file rebuilt byte for byte.
    /// Returns the file's bytes.
    private func verify(url: URL, codec: any Codec, mono: Bool, source: PixelBuffer, decodedSHA: String,
                        lossless: Bool, loaded: Loaded, item: WorkItem) throws -> Data {
        let written = try Data(contentsOf: url)
        let redecoded = try codec.decode(written)
        let restored = mono ? try Self.expand(redecoded.pixels, to: source.channels) : redecoded.pixels
        guard Digest.sha256(samples: restored) == decodedSHA else {
            throw EngineError(.verificationFailed, file: url.path, "the written file does not decode to the samples measured")
        }
        guard let sealBytes = redecoded.seal, (try? Seal.decode(sealBytes))?.decodedSHA256 == decodedSHA else {
            throw EngineError(.verificationFailed, file: url.path, "the written file does not carry its seal")
        }
        if lossless {
            guard restored == source else {
                throw EngineError(.verificationFailed, file: url.path, "lossless output does not decode to the source samples")
            }
            if loaded.frame.rebuildIsExact {
                guard try services.rebuild(restored, loaded.frame.rebuildRecord) == loaded.data else {
                    throw EngineError(.verificationFailed, file: item.source.path,
                                      "the source file cannot be rebuilt byte for byte from the output")
                }
            }
        }
        return written
    }

    /// The best encoding of `pixels` with one codec: the search for a lossy profile
    /// (falling back to lossless), a lossless encode otherwise.
    private func encode(_ pixels: PixelBuffer, with codec: any Codec, source: PixelBuffer, mono: Bool,
                        sourceNoise: [Double], warmStart: QualitySearch.WarmStart?,
                        coldStart: QualitySearch.WarmStart?) throws -> Encoded {
        func decodeRestored(_ payload: Data) throws -> (stored: PixelBuffer, restored: PixelBuffer) {
            let stored = try codec.decode(payload).pixels
            return (stored, mono ? try Self.expand(stored, to: source.channels) : stored)
        }
        func measure(_ stored: PixelBuffer) throws -> QualityMeasurement {
            var m = try services.measure(pixels, stored, threads)
            if mono { m.ssimPerChannel = Array(repeating: m.ssim, count: source.channels) }
            m.grainRetention = Self.grainRetention(decoded: stored, sourceNoise: sourceNoise)
            return m
        }
        func lossless(fellBack: Bool, reason: String?, trace: [SearchIteration]) throws -> Encoded {
            let payload = try codec.encode(pixels, mode: .lossless)
            let (stored, restored) = try decodeRestored(payload)
            let m: QualityMeasurement = stored == pixels ? .identical(channels: source.channels) : try measure(stored)
            var iterations = trace
            iterations.append(SearchIteration(parameter: 0, bytes: payload.count, ssim: m.ssim, psnr: m.psnr, tileFloor: m.tileFloor,
                                              grainRetention: m.grainRetention, pass: m.identical, lossless: true))
            return Encoded(codec: codec, payload: payload, decoded: restored, measurement: m, parameter: nil,
                           fellBack: fellBack, stopReason: reason, iterations: iterations, next: nil)
        }

        guard !settings.profile.isLossless, codec.supportsLossy else {
            return try lossless(fellBack: false, reason: nil, trace: [])
        }
        let search = QualitySearch(floor: settings.floor, range: codec.qualityRange, sizeTolerance: settings.sizeTolerance,
                                   maxIterations: settings.maxIterations, defaultStart: coldStart?.parameter,
                                   logarithmic: codec.id == .j2k)
        let outcome = try search.run(warm: warmStart, prior: coldStart) { p -> QualitySearch.Evaluation<(Data, PixelBuffer)> in
            let payload = try codec.encode(pixels, mode: .lossy(quality: p))
            let (stored, restored) = try decodeRestored(payload)
            return .init(bytes: payload.count, measurement: try measure(stored), payload: (payload, restored))
        }
        guard let best = outcome.best else {
            return try lossless(fellBack: true, reason: outcome.stopReason, trace: outcome.iterations)
        }
        return Encoded(codec: codec, payload: best.evaluation.payload.0, decoded: best.evaluation.payload.1,
                       measurement: best.evaluation.measurement, parameter: best.parameter, fellBack: false,
                       stopReason: outcome.stopReason, iterations: outcome.iterations, next: outcome.next)
    }

    /// `auto`: HTJ2K when its file is at most 5 % larger than JPEG 2000's (it is about
    /// ten times faster to encode and decode), otherwise the smallest.
    private static func autoPick(_ results: [Encoded]) -> Encoded {
        let smallest = results.min { $0.payload.count < $1.payload.count } ?? results[0]
        if let ht = results.first(where: { $0.codec.id == .htj2k }),
           Double(ht.payload.count) <= Double(smallest.payload.count) * 1.05 { return ht }
        return smallest
    }

    /// Decoded / source grain sigma (see `FrameAnalyzer.grainRetention`).
    static func grainRetention(decoded: PixelBuffer, sourceNoise: [Double]) -> Double? {
        FrameAnalyzer.grainRetention(decoded: decoded, sourceNoise: sourceNoise)
    }

    /// The first plane of a frame as a one-channel frame.
    static func firstPlane(_ p: PixelBuffer) throws -> PixelBuffer {
        try PixelBuffer(width: p.width, height: p.height, channels: 1, bitDepth: p.bitDepth,
                        samples: Array(p.samples[p.planeRange(0)]))
    }

    /// A one-channel frame copied into `channels` identical planes.
    static func expand(_ p: PixelBuffer, to channels: Int) throws -> PixelBuffer {
        guard p.channels == 1, channels > 1 else { return p }
        var samples: [UInt16] = []
        samples.reserveCapacity(p.samples.count * channels)
        for _ in 0..<channels { samples += p.samples }
        return try PixelBuffer(width: p.width, height: p.height, channels: channels, bitDepth: p.bitDepth, samples: samples)
    }
}
