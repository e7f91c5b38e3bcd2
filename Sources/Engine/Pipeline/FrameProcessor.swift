import Codecs
import Foundation
import Formats
import ImageCore
import Metrics

/// The blocking work on one frame (DESIGN.md §1): read and analyse, then search,
/// seal, write atomically, re-read and verify. Runs off the cooperative pool.
///
/// Memory: besides the source samples, a frame in flight holds at most one decoded
/// frame at a time (the candidate being measured, then the re-read), the encoded
/// payloads of the current candidate and of the best one so far, and the codec's own
/// working buffers; decoded candidates are reduced to their digest once measured.
struct FrameProcessor: Sendable {
    var settings: CompressionSettings
    var services: EngineServices
    var framesFolder: URL
    /// Library threads per codec call and per measurement.
    var threads: Int
    var toolVersion: String

    /// A source read and analysed.
    struct Loaded: Sendable {
        /// The source file's size in bytes. The bytes themselves are not kept past
        /// `load` (the lossless rebuild check compares against `sha256`), so they cost
        /// no memory while the frame is encoded.
        var sourceBytes: Int
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
        let data = try bytes(of: item)
        let frame = try services.read(data, item.source.path)
        return Loaded(sourceBytes: data.count, frame: frame, sha256: Digest.sha256(data),
                      analysis: FrameAnalyzer.analyze(frame.pixels))
    }

    /// Reads and analyses a source without keeping it (a kept frame whose look a
    /// resumed run needs, to tell whether a cut lies before the frame after it).
    func analyse(_ item: WorkItem) throws -> FrameAnalyzer.Result {
        FrameAnalyzer.analyze(try services.read(try bytes(of: item), item.source.path).pixels)
    }

    /// The source file's bytes (mapped when the file system allows).
    private func bytes(of item: WorkItem) throws -> Data {
        do {
            return try Data(contentsOf: item.source, options: .mappedIfSafe)
        } catch {
            throw EngineError(.io, file: item.source.path, "cannot read: \(error.localizedDescription)")
        }
    }

    /// One codec's best encoding of the frame.
    private struct Encoded {
        var codec: any Codec
        var payload: Data
        /// SHA-256 of the decoded samples as restored (monochrome expanded); the
        /// decoded frame itself is not kept.
        var decodedSHA256: String
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
        // The source's grain band, kept while the frame is searched to measure each
        // candidate's grain retention (lossless needs none: its samples are identical).
        let grain = settings.profile.isLossless ? nil : GrainReference(source: toEncode, threads: threads)

        var results: [Encoded] = []
        var traces: [(codec: CodecID, iterations: [SearchIteration])] = []
        // `auto` searches HTJ2K first; JPEG 2000, whose knob is its file size, is then
        // held to the sizes that could still win (see `autoCeiling`).
        let order = codecs.count > 1 ? codecs.filter { $0 == .htj2k } + codecs.filter { $0 != .htj2k } : codecs
        for id in order {
            let codec = try services.codec(id, threads)
            let ceiling = order.count > 1 ? Self.autoCeiling(for: codec, pixels: toEncode, against: results) : nil
            if let ceiling, ceiling < codec.qualityRange.lowerBound {
                traces.append((id, []))   // not even its smallest file would win: not tried
                continue
            }
            let lossy = !settings.profile.isLossless && codec.supportsLossy
            let overhead = lossy ? fileOverhead(item, loaded, features: features, mono: mono, codec: codec) : 0
            let attempt = try encode(toEncode, with: codec, source: source, mono: mono, grain: grain,
                                     displayTransform: DisplayTransform.forFrame(metadata: loaded.frame.metadata),
                                     warmStart: warmStarts[id], coldStart: coldStarts[id], ceiling: ceiling,
                                     overhead: overhead)
            traces.append((id, attempt.iterations))
            if let encoded = attempt.encoded { results.append(encoded) }
        }
        guard var chosen = results.first else { throw EngineError(.usage, "no codec to try") }
        if results.count > 1 { chosen = Self.autoPick(results) }

        // The seal, with metrics measured on the decoded payload (the seal does not
        // change decoded samples; the written file is re-read below to prove it).
        let decodedSHA = chosen.decodedSHA256
        let stem = (item.name as NSString).deletingPathExtension
        let outputName = "frames/\(stem).\(chosen.codec.fileExtension)"
        let seal = makeSeal(item, loaded, features: features, mono: mono, codec: chosen.codec, parameter: chosen.parameter,
                            fellBack: chosen.fellBack, stopReason: chosen.stopReason, trace: chosen.iterations,
                            achieved: chosen.measurement, decodedSHA: decodedSHA)
        let url = framesFolder.appendingPathComponent("\(stem).\(chosen.codec.fileExtension)")
        let (outputSHA256, outputBytes): (String, Int)
        do {
            let file = try chosen.codec.wrap(payload: chosen.payload, seal: try seal.encoded())
            // The payload is in `file` now: no other copy is kept.
            results = []
            chosen.payload = Data()
            try AtomicFile.write(file, to: url)
            (outputSHA256, outputBytes) = (Digest.sha256(file), file.count)
        }

        // Re-read what was written: it must decode to the samples measured. A file
        // that fails the check is removed, so no unverified output stays in OUT.
        let lossless = chosen.parameter == nil
        do {
            try verify(url: url, codec: chosen.codec, mono: mono, source: source, decodedSHA: decodedSHA,
                       outputSHA256: outputSHA256, lossless: lossless, loaded: loaded, item: item)
        } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }

        var report = FrameReport(source: item.source.path, status: .done)
        report.output = outputName
        report.sourceBytes = loaded.sourceBytes
        report.outputBytes = outputBytes
        report.ssim = chosen.measurement.ssim
        report.tileFloor = chosen.measurement.tileFloor
        report.psnr = chosen.measurement.psnr
        report.identical = chosen.measurement.identical
        report.maxError = chosen.measurement.maxError
        report.grainRetention = chosen.measurement.grainRetention
        report.banding = chosen.measurement.banding
        report.ssimulacra2 = chosen.measurement.ssimulacra2
        report.bandingSource = chosen.measurement.bandingSource
        report.iterations = traces.reduce(0) { $0 + $1.iterations.count }
        report.codec = chosen.codec.id.rawValue
        report.mode = chosen.parameter == nil ? "lossless" : "lossy"
        report.parameter = chosen.parameter
        report.fellBackToLossless = chosen.fellBack
        report.monochromeStored = mono
        report.outputSHA256 = outputSHA256
        report.decodedSHA256 = decodedSHA
        report.seconds = Date().timeIntervalSince(start)
        return Written(report: report, codec: chosen.codec.id, parameter: chosen.parameter, warm: chosen.next,
                       traces: traces)
    }

    /// The seal of frame `item` encoded with `codec` (DESIGN.md §7).
    private func makeSeal(_ item: WorkItem, _ loaded: Loaded, features: FrameFeatures, mono: Bool, codec: any Codec,
                          parameter: Double?, fellBack: Bool, stopReason: String?, trace: [SearchIteration],
                          achieved: QualityMeasurement, decodedSHA: String) -> Seal {
        let source = loaded.frame.pixels
        let record = Seal.packRebuildRecord(loaded.frame.rebuildRecord)
        return Seal(
            sealVersion: Seal.currentFormatVersion, tool: "reelpack", toolVersion: toolVersion,
            timestamp: ISO8601DateFormatter().string(from: Date()),
            profile: settings.profile.rawValue, floors: settings.floor,
            codec: codec.id.rawValue, library: codec.libraryVersion,
            mode: parameter == nil ? "lossless" : "lossy", parameter: parameter,
            fellBackToLossless: fellBack, searchStopReason: stopReason, searchTrace: trace,
            achieved: achieved, sourceName: item.name, sourceFormat: loaded.frame.format.rawValue,
            sourceBytes: loaded.sourceBytes, sourceSHA256: loaded.sha256,
            width: source.width, height: source.height, channels: source.channels, bitDepth: source.bitDepth,
            monochromeStored: mono, decodedSHA256: decodedSHA,
            rebuildRecord: record.field, rebuildRecordEncoding: record.encoding, rebuildIsExact: loaded.frame.rebuildIsExact,
            metadata: loaded.frame.metadata, features: features, grainRetention: achieved.grainRetention)
    }

    /// The bytes a lossy file of this frame carries besides its payload: the container
    /// and a seal like the one it will get, with a trace of two evaluations (each
    /// further evaluation adds its entry to the seal too). Within a few percent of the
    /// real overhead, which is all the search's size tolerance needs.
    private func fileOverhead(_ item: WorkItem, _ loaded: Loaded, features: FrameFeatures, mono: Bool,
                              codec: any Codec) -> Int {
        let measured = QualityMeasurement(ssim: 0.99, ssimPerChannel: Array(repeating: 0.99, count: loaded.frame.pixels.channels),
                                          tileFloor: 0.99, psnr: 45, identical: false, maxError: 100, mse: 1,
                                          grainRetention: features.noiseSigma >= FrameAnalyzer.measurableGrain ? 0.5 : nil)
        let step = SearchIteration(parameter: 1.234567, bytes: 123456, ssim: measured.ssim, psnr: measured.psnr,
                                   tileFloor: measured.tileFloor, grainRetention: measured.grainRetention, pass: true)
        let seal = makeSeal(item, loaded, features: features, mono: mono, codec: codec, parameter: step.parameter,
                            fellBack: false, stopReason: "predicted within 2 % of the smallest possible size (measured slopes)",
                            trace: [step, step], achieved: measured, decodedSHA: String(repeating: "0", count: 64))
        // The container's own boxes (signature, file type, header, the seal's box header)
        // take about a hundred bytes.
        return ((try? seal.encoded())?.count ?? 0) + Self.containerBytes
    }

    /// About what a container adds to a payload besides the seal.
    static let containerBytes = 128

    /// Re-reads the written file and checks it: the same bytes as written, the same
    /// decoded samples, the seal present, and for lossless the source samples and the
    /// source file rebuilt byte for byte (its SHA-256 equal to the source's, hashed
    /// from the bytes that were read). Holds one decoded frame (the monochrome
    /// expansion is hashed and compared plane by plane, not built).
    private func verify(url: URL, codec: any Codec, mono: Bool, source: PixelBuffer, decodedSHA: String,
                        outputSHA256: String, lossless: Bool, loaded: Loaded, item: WorkItem) throws {
        do {
            // The re-read and its decoded frame live in this block only: the rebuild
            // below does not hold them as well.
            let redecoded: DecodedFrame
            do {
                let written = try Data(contentsOf: url)
                guard Digest.sha256(written) == outputSHA256 else {
                    throw EngineError(.verificationFailed, file: url.path, "the written file does not read back as written")
                }
                redecoded = try codec.decode(written)
            }
            let channels = mono ? source.channels : redecoded.pixels.channels
            guard Self.restoredSHA256(redecoded.pixels, channels: channels) == decodedSHA else {
                throw EngineError(.verificationFailed, file: url.path, "the written file does not decode to the samples measured")
            }
            guard let sealBytes = redecoded.seal, (try? Seal.decode(sealBytes))?.decodedSHA256 == decodedSHA else {
                throw EngineError(.verificationFailed, file: url.path, "the written file does not carry its seal")
            }
            guard lossless else { return }
            guard mono ? Self.expands(redecoded.pixels, to: source) : redecoded.pixels == source else {
                throw EngineError(.verificationFailed, file: url.path, "lossless output does not decode to the source samples")
            }
        }
        // The decoded samples equal `source`, so the rebuild from `source` is the rebuild
        // from the output.
        if loaded.frame.rebuildIsExact {
            guard Digest.sha256(try services.rebuild(source, loaded.frame.rebuildRecord)) == loaded.sha256 else {
                throw EngineError(.verificationFailed, file: item.source.path,
                                  "the source file cannot be rebuilt byte for byte from the output")
            }
        }
    }

    /// One codec's attempt: its best encoding, or nil when it was held under a
    /// ceiling that nothing met; and every evaluation it made.
    private struct Attempt {
        var encoded: Encoded?
        var iterations: [SearchIteration]
    }

    /// The best encoding of `pixels` with one codec: the search for a lossy profile
    /// (falling back to lossless), a lossless encode otherwise.
    ///
    /// With a `ceiling` (`auto`: a codec that must beat one already searched), the
    /// search stays at or below it and evaluates it first; when even the ceiling misses
    /// the floors the codec cannot win, and the attempt has no encoding (and no lossless
    /// fallback is made).
    private func encode(_ pixels: PixelBuffer, with codec: any Codec, source: PixelBuffer, mono: Bool,
                        grain: GrainReference?, displayTransform: DisplayTransform? = nil, warmStart: QualitySearch.WarmStart?,
                        coldStart: QualitySearch.WarmStart?, ceiling: Double? = nil, overhead: Int = 0) throws -> Attempt {
        // Grain retention costs about one decode. Without a grain floor it decides
        // nothing, so it is measured only on a candidate that can be kept (one that
        // passes and is smaller than every candidate kept so far); the others' trace
        // entries carry none.
        // A floor that is set decides, so it is measured on every candidate. Without
        // it grain retention and banding decide nothing: they are measured only on a
        // candidate that can be kept (one that passes and is smaller than every candidate
        // kept so far), so the seal still reports them; the others' trace entries carry none.
        let floor = settings.floor
        var smallestPassing = Int.max
        var sourceBanding: Double?
        func measure(_ stored: PixelBuffer, bytes: Int = 0) throws -> QualityMeasurement {
            var m = try services.measure(pixels, stored, threads)
            if mono { m.ssimPerChannel = Array(repeating: m.ssim, count: source.channels) }
            if let grain, floor.grainRetention != nil || (floor.passes(m) && bytes < smallestPassing) {
                m.setGrain(try grain.retention(decoded: stored, threads: threads))
            }
            if !floor.requiresIdentical, floor.needsBanding || (floor.passes(m) && bytes < smallestPassing) {
                if sourceBanding == nil { sourceBanding = CAMBI.measure(pixels, threads: threads).score }
                m.banding = CAMBI.measure(stored, threads: threads).score
                m.bandingSource = sourceBanding
            }
            // SSIMULACRA 2 (about a second a 4K frame) only when it is a floor.
            if let transform = displayTransform, floor.ssimulacra2 != nil {
                m.ssimulacra2 = try SSIMULACRA2.score(reference: pixels, test: stored, transform: transform, threads: threads)
            }
            if floor.passes(m) { smallestPassing = min(smallestPassing, bytes) }
            return m
        }
        func lossless(fellBack: Bool, reason: String?, trace: [SearchIteration]) throws -> Encoded {
            let payload = try codec.encode(pixels, mode: .lossless)
            let stored = try codec.decode(payload).pixels
            let m: QualityMeasurement = stored == pixels ? .identical(channels: source.channels) : try measure(stored)
            let digest = Self.restoredSHA256(stored, channels: mono ? source.channels : stored.channels)
            var iterations = trace
            iterations.append(SearchIteration(parameter: 0, bytes: payload.count, ssim: m.ssim, psnr: m.psnr, tileFloor: m.tileFloor,
                                              grainRetention: m.grainRetention, pass: m.identical, lossless: true))
            return Encoded(codec: codec, payload: payload, decodedSHA256: digest, measurement: m, parameter: nil,
                           fellBack: fellBack, stopReason: reason, iterations: iterations, next: nil)
        }

        func attempt(_ e: Encoded) -> Attempt { Attempt(encoded: e, iterations: e.iterations) }
        guard !settings.profile.isLossless, codec.supportsLossy else {
            return attempt(try lossless(fellBack: false, reason: nil, trace: []))
        }
        // SSIM cannot measure a frame smaller than its window: no lossy setting can be
        // shown to meet the floors, so the frame is stored losslessly and says why.
        let window = QualityMetrics.windowSize
        if pixels.width < window || pixels.height < window {
            return attempt(try lossless(fellBack: true, reason: Self.tooSmallToMeasure(pixels), trace: []))
        }
        var range = codec.qualityRange
        var warm = warmStart
        let held = ceiling.map { $0 < range.upperBound } ?? false
        if held, let ceiling {
            range = range.lowerBound...max(range.lowerBound, ceiling)
            // Start at the ceiling, stepping down along the slopes known for this codec.
            let slopes = warmStart ?? coldStart
            warm = .init(parameter: ceiling, marginSlope: slopes?.marginSlope, logSizeSlope: slopes?.logSizeSlope)
        }
        let search = QualitySearch(floor: settings.floor, range: range, sizeTolerance: settings.sizeTolerance,
                                   maxIterations: settings.maxIterations, defaultStart: coldStart?.parameter,
                                   logarithmic: codec.id == .j2k, sizeOverhead: overhead)
        // Each candidate's decoded frame lives only inside its evaluation: what is kept
        // is the payload and the digest of the samples as restored.
        let outcome = try search.run(warm: warm, prior: coldStart) { p -> QualitySearch.Evaluation<(Data, String)> in
            let payload = try codec.encode(pixels, mode: .lossy(quality: p))
            let stored = try codec.decode(payload).pixels
            let m = try measure(stored, bytes: payload.count)
            return .init(bytes: payload.count, measurement: m,
                         payload: (payload, Self.restoredSHA256(stored, channels: mono ? source.channels : stored.channels)))
        }
        guard let best = outcome.best else {
            if held { return Attempt(encoded: nil, iterations: outcome.iterations) }
            return attempt(try lossless(fellBack: true, reason: outcome.stopReason, trace: outcome.iterations))
        }
        return attempt(Encoded(codec: codec, payload: best.evaluation.payload.0, decodedSHA256: best.evaluation.payload.1,
                               measurement: best.evaluation.measurement, parameter: best.parameter, fellBack: false,
                               stopReason: outcome.stopReason, iterations: outcome.iterations, next: outcome.next))
    }

    /// The stop reason of a frame stored losslessly because SSIM cannot measure it.
    static func tooSmallToMeasure(_ p: PixelBuffer) -> String {
        let w = QualityMetrics.windowSize
        return "frame is \(p.width)×\(p.height), smaller than the \(w)×\(w) SSIM window: no lossy setting can be measured, stored losslessly"
    }

    /// `auto`'s limit for JPEG 2000 after HTJ2K was searched: its knob is the file size
    /// in percent of the raw samples, so the largest setting that could still win
    /// (`autoPick`: a file under HTJ2K's by more than 5 %) is known before encoding, and
    /// a JPEG 2000 search held under it needs one encode to learn that it cannot win.
    /// Nil (no limit) for other codecs, when HTJ2K fell back to lossless, or when
    /// nothing was searched before.
    private static func autoCeiling(for codec: any Codec, pixels: PixelBuffer, against done: [Encoded]) -> Double? {
        guard codec.id == .j2k, let ht = done.first(where: { $0.codec.id == .htj2k }), ht.parameter != nil else { return nil }
        let raw = Double(pixels.width * pixels.height * pixels.channels * pixels.bitDepth) / 8
        return 100 * Double(ht.payload.count) / autoMargin / raw
    }

    /// How much larger HTJ2K's file may be and still be kept by `auto`.
    static let autoMargin = 1.05

    /// `auto`: HTJ2K when its file is at most 5 % larger than JPEG 2000's (it is about
    /// ten times faster to encode and decode), otherwise the smallest.
    private static func autoPick(_ results: [Encoded]) -> Encoded {
        let smallest = results.min { $0.payload.count < $1.payload.count } ?? results[0]
        if let ht = results.first(where: { $0.codec.id == .htj2k }),
           Double(ht.payload.count) <= Double(smallest.payload.count) * autoMargin { return ht }
        return smallest
    }

    /// The first plane of a frame as a one-channel frame.
    static func firstPlane(_ p: PixelBuffer) throws -> PixelBuffer {
        try PixelBuffer(width: p.width, height: p.height, channels: 1, bitDepth: p.bitDepth,
                        samples: Array(p.samples[p.planeRange(0)]))
    }

    /// `Digest.sha256(samples:)` of `expand(stored, to: channels)`, without building
    /// the expansion: a one-channel frame's plane is hashed `channels` times.
    static func restoredSHA256(_ stored: PixelBuffer, channels: Int) -> String {
        Digest.sha256(samples: stored, repeated: stored.channels == 1 ? channels : 1)
    }

    /// True when `expand(stored, to: source.channels)` equals `source` (compared plane
    /// by plane, without building the expansion).
    static func expands(_ stored: PixelBuffer, to source: PixelBuffer) -> Bool {
        guard stored.channels == 1, source.channels > 1 else { return stored == source }
        guard stored.width == source.width, stored.height == source.height, stored.bitDepth == source.bitDepth else {
            return false
        }
        return (0..<source.channels).allSatisfy { source.samples[source.planeRange($0)].elementsEqual(stored.samples) }
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
