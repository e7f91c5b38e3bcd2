import Codecs
import Foundation
import Formats
import ImageCore

/// A frame encoded, sealed, written and verified (stage 4 of `FramePipeline`).
struct WrittenFrame: Sendable {
    var report: FrameReport
    var codec: CodecID
    var parameter: Double?
    /// Where the next frame of the shot should start (boundary and slopes).
    var warm: QualitySearch.WarmStart?
    var traces: [(codec: CodecID, iterations: [SearchIteration])]
}

/// Stage 4, seal and write: builds the seal from what was measured on the kept
/// candidate, writes the file atomically into OUT/frames, re-reads it and proves it
/// (DESIGN.md §7). A file that fails the proof is removed, so no unverified output stays
/// in OUT. Blocking.
struct FrameWriter: Sendable {
    var settings: CompressionSettings
    var services: EngineServices
    var framesFolder: URL
    var toolVersion: String

    /// Seals, writes and verifies `result.chosen`; `started` is when the frame's work
    /// began. The payload is dropped from `result` once it is in the file.
    func write(_ result: inout EncodeResult, item: WorkItem, loaded: LoadedFrame, subject: EncodeSubject, plan: FramePlan,
               started: Date) throws -> WrittenFrame {
        var chosen = result.chosen
        result.chosen.payload = Data()   // one reference to the payload: `chosen`'s
        let decodedSHA = chosen.decodedSHA256
        let stem = (item.name as NSString).deletingPathExtension
        let fileName = "\(stem).\(chosen.codec.fileExtension)"
        // The seal, with metrics measured on the decoded payload (the seal does not
        // change decoded samples; the written file is re-read below to prove it).
        let seal = makeSeal(item, loaded, features: plan.features, monochrome: subject.monochrome, codec: chosen.codec,
                            parameter: chosen.parameter, fellBack: chosen.fellBack, stop: chosen.stop?.description,
                            trace: chosen.iterations, achieved: chosen.measurement, decodedSHA: decodedSHA)
        let url = framesFolder.appendingPathComponent(fileName)
        let file = try chosen.codec.wrap(payload: chosen.payload, seal: try seal.encoded())
        chosen.payload = Data()   // the payload is in `file` now: no other copy is kept
        try AtomicFile.write(file, to: url)
        let (outputSHA256, outputBytes) = (Digest.sha256(file), file.count)

        do {
            try verify(url: url, codec: chosen.codec, subject: subject, decodedSHA: decodedSHA, written: file,
                       lossless: chosen.parameter == nil, provenHere: chosen.provenAtWrite, loaded: loaded, item: item)
        } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }

        var report = FrameReport(source: item.source.path, status: .done)
        report.output = "frames/\(fileName)"
        report.sourceBytes = loaded.sourceBytes
        report.outputBytes = outputBytes
        report.record(chosen.measurement)
        report.iterations = result.traces.reduce(0) { $0 + $1.iterations.count }
        report.codec = chosen.codec.id
        report.mode = chosen.parameter == nil ? .lossless : .lossy
        report.parameter = chosen.parameter
        report.fellBackToLossless = chosen.fellBack
        report.monochromeStored = subject.monochrome
        report.outputSHA256 = outputSHA256
        report.decodedSHA256 = decodedSHA
        report.seconds = Date().timeIntervalSince(started)
        return WrittenFrame(report: report, codec: chosen.codec.id, parameter: chosen.parameter, warm: chosen.next,
                            traces: result.traces)
    }

    /// The seal of frame `item` encoded with `codec` (DESIGN.md §7).
    private func makeSeal(_ item: WorkItem, _ loaded: LoadedFrame, features: FrameFeatures, monochrome: Bool, codec: any Codec,
                          parameter: Double?, fellBack: Bool, stop: String?, trace: [SearchIteration],
                          achieved: QualityMeasurement, decodedSHA: String) -> Seal {
        let source = loaded.frame.pixels
        let record = Seal.packRebuildRecord(loaded.frame.rebuildRecord)
        return Seal(
            sealVersion: Seal.currentFormatVersion, tool: "reelpack", toolVersion: toolVersion,
            timestamp: ISO8601DateFormatter().string(from: Date()),
            profile: settings.profile.rawValue, floors: settings.floor,
            codec: codec.id.rawValue, library: codec.libraryVersion,
            mode: parameter == nil ? "lossless" : "lossy", parameter: parameter,
            fellBackToLossless: fellBack, searchStopReason: stop, searchTrace: trace,
            achieved: achieved, sourceName: item.name, sourceFormat: loaded.frame.format.rawValue,
            sourceBytes: loaded.sourceBytes, sourceSHA256: loaded.sha256,
            width: source.width, height: source.height, channels: source.channels, bitDepth: source.bitDepth,
            monochromeStored: monochrome, decodedSHA256: decodedSHA,
            rebuildRecord: record.field, rebuildRecordEncoding: record.encoding, rebuildIsExact: loaded.frame.rebuildIsExact,
            metadata: loaded.frame.metadata, features: features, grainRetention: achieved.grainRetention)
    }

    /// An estimate of the bytes a lossy file of this frame carries besides its payload,
    /// for the search's size tolerance: the container and this frame's own seal, every
    /// field real but the search's results, which take a typical width (two trace
    /// entries, a stop reason; each further evaluation adds its entry). Within a few
    /// percent of the real overhead, which is all the tolerance needs.
    func overhead(_ item: WorkItem, _ loaded: LoadedFrame, features: FrameFeatures, monochrome: Bool, codec: any Codec) -> Int {
        let typical = QualityMeasurement(ssim: 0.99, ssimPerChannel: Array(repeating: 0.99, count: loaded.frame.pixels.channels),
                                         tileFloor: 0.99, psnr: 45, identical: false, maxError: 100, mse: 1,
                                         grainRetention: features.noiseSigma >= FrameAnalyzer.measurableGrain ? 0.5 : nil)
        let step = SearchIteration(parameter: 1.234567, bytes: 123456, ssim: typical.ssim, psnr: typical.psnr,
                                   tileFloor: typical.tileFloor, grainRetention: typical.grainRetention, pass: true)
        let stop = QualitySearch.StopReason.predictedWithinTolerance(tolerance: settings.sizeTolerance)
        let seal = makeSeal(item, loaded, features: features, monochrome: monochrome, codec: codec, parameter: step.parameter,
                            fellBack: false, stop: stop.description, trace: [step, step], achieved: typical,
                            decodedSHA: String(repeating: "0", count: 64))
        return ((try? seal.encoded())?.count ?? 0) + Self.containerBytes
    }

    /// About what a container adds to a payload besides the seal (signature, file type,
    /// header, the seal's box header).
    static let containerBytes = 128

    /// Re-reads the written file and checks it: the same bytes as written, the same
    /// decoded samples, the seal present, and for lossless the source samples and the
    /// source file rebuilt byte for byte (its SHA-256 equal to the source's, hashed
    /// from the bytes that were read). Holds one decoded frame (the monochrome
    /// expansion is hashed and compared plane by plane, not built).
    ///
    /// `written` is the file as it was handed to the file system: the re-read is
    /// compared with it byte for byte (the output's SHA-256 was taken from it). With
    /// `provenHere` (a lossless candidate that was not decoded before), this decode is
    /// the proof: the samples must equal the source's, whose digest `decodedSHA` is,
    /// so the decoded samples are not hashed again.
    private func verify(url: URL, codec: any Codec, subject: EncodeSubject, decodedSHA: String, written: Data,
                        lossless: Bool, provenHere: Bool, loaded: LoadedFrame, item: WorkItem) throws {
        let source = subject.source
        do {
            // The re-read and its decoded frame live in this block only: the rebuild
            // below does not hold them as well.
            let redecoded: DecodedFrame
            do {
                let reread = try Data(contentsOf: url)
                guard reread == written else {
                    throw EngineError(.verificationFailed, file: url.path, "the written file does not read back as written")
                }
                redecoded = try codec.decode(reread)
            }
            let equalsSource = { subject.monochrome ? Monochrome.expands(redecoded.pixels, to: source) : redecoded.pixels == source }
            if provenHere {
                guard lossless, equalsSource(), subject.losslessSHA256 == decodedSHA else {
                    throw EngineError(.verificationFailed, file: url.path, "lossless output does not decode to the source samples")
                }
            } else {
                guard subject.restoredSHA256(redecoded.pixels) == decodedSHA else {
                    throw EngineError(.verificationFailed, file: url.path, "the written file does not decode to the samples measured")
                }
            }
            guard let sealBytes = redecoded.seal, (try? Seal.decode(sealBytes))?.decodedSHA256 == decodedSHA else {
                throw EngineError(.verificationFailed, file: url.path, "the written file does not carry its seal")
            }
            guard lossless else { return }
            guard provenHere || equalsSource() else {
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
}
