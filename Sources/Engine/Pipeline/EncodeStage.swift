import Codecs
import Foundation
import Formats
import ImageCore
import Metrics

/// What the encode stage works on: the samples to encode, and what every candidate is
/// measured against.
struct EncodeSubject: Sendable {
    /// The samples as read.
    var source: PixelBuffer
    /// The samples encoded: the source, or its first plane when a black-and-white
    /// frame scanned as RGB is stored as one channel (`monochrome`).
    var pixels: PixelBuffer
    var monochrome: Bool
    /// The source's grain band, kept while the frame is searched to measure each
    /// candidate's grain retention (nil for lossless: its samples are identical).
    var grain: GrainReference?
    /// How the frame is shown (for SSIMULACRA 2).
    var display: DisplayTransform
    /// For the lossless profile, `restoredSHA256` of the source samples: the digest every
    /// lossless candidate's decoded samples must have. A lossless candidate is then not
    /// decoded in the encode stage; the write stage decodes the written file once and
    /// proves it equal to the source sample for sample (nil for the lossy profiles).
    var losslessSHA256: String?

    init(_ loaded: LoadedFrame, features: FrameFeatures, settings: CompressionSettings, threads: Int) throws {
        source = loaded.frame.pixels
        monochrome = Monochrome.storesOnePlane(allowed: settings.storeMonochromeAsOneChannel, channels: source.channels, features: features)
        pixels = monochrome ? try Monochrome.firstPlane(source) : source
        // The load stage scanned the band of what is encoded (`FrameLoader.load`).
        grain = settings.profile.isLossless ? nil : loaded.grain ?? GrainReference(source: pixels, threads: threads)
        display = DisplayTransform.forFrame(metadata: loaded.frame.metadata)
        losslessSHA256 = settings.profile.isLossless ? Monochrome.restoredSHA256(pixels, channels: source.channels) : nil
    }

    /// SHA-256 of decoded samples as restored (a one-plane frame expanded to the
    /// source's channels), without building the expansion.
    func restoredSHA256(_ stored: PixelBuffer) -> String {
        Monochrome.restoredSHA256(stored, channels: monochrome ? source.channels : stored.channels)
    }
}

/// One codec's best encoding of a frame.
struct EncodedCandidate: Sendable {
    var codec: any Codec
    var payload: Data
    /// SHA-256 of the decoded samples as restored; the decoded frame itself is not kept.
    var decodedSHA256: String
    var measurement: QualityMeasurement
    /// The knob's setting; nil for lossless.
    var parameter: Double?
    var fellBack: Bool
    var stop: QualitySearch.StopReason?
    var iterations: [SearchIteration]
    /// Where the next frame of the shot should start.
    var next: QualitySearch.WarmStart?
    /// True for a lossless candidate that was not decoded: its digest and measurement
    /// are the source's, and the write stage proves them on the written file.
    var provenAtWrite = false
}

/// What the encode stage hands on: the candidate kept and every codec's trace.
struct EncodeResult: Sendable {
    var chosen: EncodedCandidate
    var traces: [(codec: CodecID, iterations: [SearchIteration])]
}

/// Stage 3, encode: for each codec of the plan, the search for the smallest encoding
/// that meets the floors (falling back to lossless), then the strategy's pick.
/// Blocking.
///
/// Memory: besides the source samples, a frame in flight holds at most one decoded
/// candidate at a time, the encoded payloads of the current candidate and of the best
/// one so far, and the codec's own working buffers; decoded candidates are reduced to
/// their digest once measured.
struct FrameEncoder: Sendable {
    var settings: CompressionSettings
    var services: EngineServices
    /// The cores this frame shares with the frames in flight: each codec call and
    /// measurement takes `cores.threads` library threads.
    var cores: CoreShare

    /// Searches each codec of `plan` in turn and keeps what `strategy` picks.
    /// - Parameter overhead: the bytes a lossy file of this frame with `codec` carries
    ///   besides its payload (the search's size tolerance is on files).
    func encode(_ subject: EncodeSubject, plan: FramePlan, strategy: CodecStrategy,
                overhead: (any Codec) -> Int) throws -> EncodeResult {
        if plan.codecs.count > 1, strategy.lossless, subject.losslessSHA256 != nil {
            return try losslessTrial(subject, plan: plan, strategy: strategy)
        }
        var results: [EncodedCandidate] = []
        var traces: [(codec: CodecID, iterations: [SearchIteration])] = []
        var sourceBanding: Double?
        for id in plan.codecs {
            let codec = try services.codec(id, cores.threads)
            let ceiling = strategy.ceiling(for: codec, candidates: plan.codecs.count, pixels: subject.pixels, after: results)
            if let ceiling, ceiling < codec.qualityRange.lowerBound {
                traces.append((id, []))   // not even its smallest file would win: not tried
                continue
            }
            let lossy = !settings.profile.isLossless && codec.supportsLossy
            var measure = CandidateMeasure(floor: settings.floor, services: services, cores: cores, subject: subject,
                                           sourceBanding: sourceBanding)
            let attempt = try search(subject, with: codec, measure: &measure, warm: plan.warmStarts[id], cold: plan.coldStarts[id],
                                     ceiling: ceiling, overhead: lossy ? overhead(codec) : 0)
            sourceBanding = measure.sourceBanding
            traces.append((id, attempt.iterations))
            if let encoded = attempt.encoded { results.append(encoded) }
        }
        guard let chosen = strategy.pick(results) else { throw EngineError(.usage, "no codec to try") }
        return EncodeResult(chosen: chosen, traces: traces)
    }

    /// The lossless `auto` at a shot's first frame: every candidate encodes the frame's
    /// sample (`CodecStrategy.losslessSample`), one after the other (side by side, the
    /// libraries' working memory added up: a 4K run then peaked at 6.8× a frame's
    /// samples per frame in flight), and the frame is encoded with the codec
    /// `CodecStrategy.losslessChoice` keeps. Only the kept codec has a trace (the
    /// trial's sizes are of the sample, not of a file).
    private func losslessTrial(_ subject: EncodeSubject, plan: FramePlan, strategy: CodecStrategy) throws -> EncodeResult {
        let codecs = try plan.codecs.map { try services.codec($0, cores.threads) }
        let sample = try CodecStrategy.losslessSample(subject.pixels)
        var bytes: [CodecID: Int] = [:]
        for codec in codecs { bytes[codec.id] = try codec.encode(sample, mode: .lossless).count }
        guard let id = CodecStrategy.losslessChoice(bytes), let codec = codecs.first(where: { $0.id == id }) else {
            throw EngineError(.usage, "no codec to try")
        }
        var measure = CandidateMeasure(floor: settings.floor, services: services, cores: cores, subject: subject,
                                       sourceBanding: nil)
        let chosen = try lossless(subject, with: codec, measure: &measure, fellBack: false, stop: nil, trace: [])
        return EncodeResult(chosen: chosen, traces: [(id, chosen.iterations)])
    }

    /// One codec's attempt: its best encoding, or nil when it was held under a ceiling
    /// that nothing met; and every evaluation it made.
    private struct Attempt {
        var encoded: EncodedCandidate?
        var iterations: [SearchIteration]
    }

    /// The best encoding with one codec: the search for a lossy profile (falling back
    /// to lossless), a lossless encode otherwise.
    ///
    /// With a `ceiling` (`auto`: a codec that must beat one already searched), the
    /// search stays at or below it and evaluates it first; when even the ceiling misses
    /// the floors the codec cannot win, and the attempt has no encoding (and no lossless
    /// fallback is made).
    private func search(_ subject: EncodeSubject, with codec: any Codec, measure: inout CandidateMeasure,
                        warm warmStart: QualitySearch.WarmStart?, cold coldStart: QualitySearch.WarmStart?,
                        ceiling: Double?, overhead: Int) throws -> Attempt {
        let pixels = subject.pixels
        guard !settings.profile.isLossless, codec.supportsLossy else {
            let e = try lossless(subject, with: codec, measure: &measure, fellBack: false, stop: nil, trace: [])
            return Attempt(encoded: e, iterations: e.iterations)
        }
        // SSIM cannot measure a frame smaller than its window: no lossy setting can be
        // shown to meet the floors, so the frame is stored losslessly and says why.
        let window = QualityMetrics.windowSize
        if pixels.width < window || pixels.height < window {
            let stop = QualitySearch.StopReason.frameTooSmallToMeasure(width: pixels.width, height: pixels.height, window: window)
            let e = try lossless(subject, with: codec, measure: &measure, fellBack: true, stop: stop, trace: [])
            return Attempt(encoded: e, iterations: e.iterations)
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
        let search = QualitySearch(knob: codec.knob, floor: settings.floor, range: range, sizeTolerance: settings.sizeTolerance,
                                   maxIterations: settings.maxIterations, prior: coldStart, sizeOverhead: overhead)
        // Each candidate's decoded frame lives only inside its evaluation: what is kept
        // is the payload and the digest of the samples as restored.
        // The digest of the samples as restored is taken only of a candidate that can be
        // kept (`CandidateMeasure.keepable`): the search keeps the smallest passing one.
        // A candidate its own codec cannot decode cannot be measured, nor kept: the frame
        // is stored losslessly and its seal says why.
        let outcome: QualitySearch.Outcome<(Data, String?)>
        do {
            outcome = try search.run(warm: warm, prior: coldStart) { p -> QualitySearch.Evaluation<(Data, String?)> in
                let payload = try codec.encode(pixels, mode: .lossy(quality: p))
                let stored: PixelBuffer
                do {
                    stored = try codec.decode(payload).pixels
                } catch {
                    throw UndecodableCandidate(parameter: p, error: String(describing: error))
                }
                let m = try measure.measure(stored, bytes: payload.count)
                return .init(bytes: payload.count, measurement: m,
                             payload: (payload, measure.keepable ? subject.restoredSHA256(stored) : nil))
            }
        } catch let undecodable as UndecodableCandidate {
            if held { return Attempt(encoded: nil, iterations: []) }
            let stop = QualitySearch.StopReason.undecodableCandidate(parameter: undecodable.parameter, error: undecodable.error)
            let e = try lossless(subject, with: codec, measure: &measure, fellBack: true, stop: stop, trace: [])
            return Attempt(encoded: e, iterations: e.iterations)
        }
        guard let best = outcome.best else {
            if held { return Attempt(encoded: nil, iterations: outcome.iterations) }
            let e = try lossless(subject, with: codec, measure: &measure, fellBack: true, stop: outcome.stop, trace: outcome.iterations)
            return Attempt(encoded: e, iterations: e.iterations)
        }
        let payload = best.evaluation.payload.0
        let digest = try best.evaluation.payload.1 ?? subject.restoredSHA256(codec.decode(payload).pixels)
        let e = EncodedCandidate(codec: codec, payload: payload, decodedSHA256: digest,
                                 measurement: best.evaluation.measurement, parameter: best.parameter, fellBack: false,
                                 stop: outcome.stop, iterations: outcome.iterations, next: outcome.next)
        return Attempt(encoded: e, iterations: e.iterations)
    }

    /// The lossless encoding, appended to `trace` as its last evaluation.
    ///
    /// For the lossless profile the payload is not decoded here: every lossless
    /// candidate must decode to the source, so its digest and measurement are the
    /// source's, and the write stage decodes the written file (the only decode) and
    /// proves it equal to the source sample for sample before the frame counts as done.
    /// A fallback of a lossy profile is decoded and measured as before.
    private func lossless(_ subject: EncodeSubject, with codec: any Codec, measure: inout CandidateMeasure, fellBack: Bool,
                          stop: QualitySearch.StopReason?, trace: [SearchIteration]) throws -> EncodedCandidate {
        let payload = try codec.encode(subject.pixels, mode: .lossless)
        if !fellBack, let digest = subject.losslessSHA256 {
            let m = QualityMeasurement.identical(channels: subject.source.channels)
            var iterations = trace
            iterations.append(SearchIteration(parameter: 0, bytes: payload.count, ssim: m.ssim, psnr: m.psnr, tileFloor: m.tileFloor,
                                              grainRetention: m.grainRetention, pass: m.identical, lossless: true))
            return EncodedCandidate(codec: codec, payload: payload, decodedSHA256: digest, measurement: m, parameter: nil,
                                    fellBack: false, stop: stop, iterations: iterations, next: nil, provenAtWrite: true)
        }
        let stored = try codec.decode(payload).pixels
        let m: QualityMeasurement = stored == subject.pixels ? .identical(channels: subject.source.channels) : try measure.measure(stored)
        var iterations = trace
        iterations.append(SearchIteration(parameter: 0, bytes: payload.count, ssim: m.ssim, psnr: m.psnr, tileFloor: m.tileFloor,
                                          grainRetention: m.grainRetention, pass: m.identical, lossless: true))
        return EncodedCandidate(codec: codec, payload: payload, decodedSHA256: subject.restoredSHA256(stored), measurement: m,
                                parameter: nil, fellBack: fellBack, stop: stop, iterations: iterations, next: nil)
    }
}

/// A lossy candidate its codec could not decode.
private struct UndecodableCandidate: Error {
    var parameter: Double
    var error: String
}

/// Measures one codec's candidates against the frame's source.
///
/// A floor that is set decides, so it is measured on every candidate, except banding:
/// CAMBI (two passes over the frame) is not measured on a candidate that already
/// fails another floor, since it cannot make it pass (its margin is then the other
/// floors'). Without their floors, grain retention and banding decide nothing: they are
/// measured only on a candidate that can be kept (one that passes and is no larger
/// than every passing candidate so far), so the seal still reports them; the others'
/// trace entries carry none. SSIMULACRA 2 (about a second a 4K frame) is measured
/// only when it is a floor, and like banding only on a candidate the other floors pass.
struct CandidateMeasure {
    let floor: QualityFloor
    let services: EngineServices
    let cores: CoreShare
    let subject: EncodeSubject
    /// The source's CAMBI index, once measured (the same for every codec of a frame).
    var sourceBanding: Double?
    /// True when the last candidate measured passes and is no larger than every passing
    /// candidate before it: the only candidates the search can keep.
    private(set) var keepable = false
    private var smallestPassing = Int.max

    init(floor: QualityFloor, services: EngineServices, cores: CoreShare, subject: EncodeSubject, sourceBanding: Double?) {
        self.floor = floor
        self.services = services
        self.cores = cores
        self.subject = subject
        self.sourceBanding = sourceBanding
    }

    mutating func measure(_ stored: PixelBuffer, bytes: Int = 0) throws -> QualityMeasurement {
        let pixels = subject.pixels
        let threads = cores.threads
        var m = try services.measure(pixels, stored, threads)
        if subject.monochrome { m.ssimPerChannel = Array(repeating: m.ssim, count: subject.source.channels) }
        if let grain = subject.grain, floor.grainRetention != nil || (floor.passes(m) && bytes <= smallestPassing) {
            m.setGrain(try grain.retention(decoded: stored, threads: threads))
        }
        if !floor.requiresIdentical, floor.passes(m), floor.needsBanding || bytes <= smallestPassing {
            if sourceBanding == nil { sourceBanding = CAMBI.measure(pixels, threads: threads).score }
            m.banding = CAMBI.measure(stored, threads: threads).score
            m.bandingSource = sourceBanding
        }
        if floor.ssimulacra2 != nil, floor.passes(m) {
            m.ssimulacra2 = try SSIMULACRA2.score(reference: pixels, test: stored, transform: subject.display, threads: threads)
        }
        keepable = floor.passes(m) && bytes <= smallestPassing
        if floor.passes(m) { smallestPassing = min(smallestPassing, bytes) }
        return m
    }
}

