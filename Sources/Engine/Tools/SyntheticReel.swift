import Dispatch
import Foundation
import Formats
import ImageCore

/// `reelpack synth`: a synthetic film reel written as a DPX sequence (the demo reel, a
/// test source). Frames come from the seed alone (`ImageCore.FilmSynthesizer`): the same
/// options give the same samples on every run and machine.
public struct SyntheticReel: Sendable {
    /// What the reel shows (see `reelpack synth --help`).
    public enum Kind: String, Sendable, CaseIterable {
        case grain, bw, gradient, action, titles

        var synthesizerKind: FilmSynthesizer.Kind {
            switch self {
            case .grain: .grain
            case .bw: .bw
            case .gradient: .gradient
            case .action: .action
            case .titles: .titles
            }
        }
    }

    /// Bit depths a reel can have.
    public static let supportedBitDepths = FilmSynthesizer.supportedBitDepths
    /// The smallest frame that holds the scene.
    public static let minimumWidth = FilmSynthesizer.minimumWidth
    public static let minimumHeight = FilmSynthesizer.minimumHeight
    /// The largest frame number a 7-digit name holds.
    public static let maxFrameNumber = 9_999_999

    private let synthesizer: FilmSynthesizer

    /// A reel of `width`×`height` frames at `bitDepth`.
    /// - Parameter grainSigma: grain at mid grey in code values; nil for the kind's own.
    /// - Throws: `EngineError.usage` saying what is out of range.
    public init(width: Int, height: Int, bitDepth: Int, kind: Kind, seed: UInt64, grainSigma: Double? = nil) throws {
        do {
            synthesizer = try FilmSynthesizer(width: width, height: height, bitDepth: bitDepth, kind: kind.synthesizerKind,
                                              seed: seed, grainSigma: grainSigma)
        } catch {
            throw EngineError(.usage, error.description)
        }
    }

    /// The grain at mid grey, in code values.
    public var grainSigma: Double { synthesizer.grainSigma }

    /// `NAME_NNNNNNN.dpx`.
    public static func fileName(_ prefix: String, frame: Int) -> String {
        String(format: "%@_%07d.dpx", prefix, frame)
    }

    /// Writes frames `start`… named `names` (in order) into `folder`, on every core.
    /// Each frame carries timecode from its number at 24 fps, frame position and
    /// sequence length. Stops at the first failure and throws it.
    /// - Parameter done: called after each frame is written (from any thread) with the
    ///   count so far and the frame's name.
    public func write(names: [String], start: Int, to folder: URL,
                      done: @escaping @Sendable (Int, String) -> Void = { _, _ in }) throws {
        let total = names.count
        let state = WriteState()
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, total))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var index = worker
            while index < total, !state.failed {
                do {
                    let pixels = synthesizer.frame(index)
                    let metadata = synthesizer.metadata(frameNumber: start + index, position: index + 1,
                                                        length: total, fileName: names[index])
                    let data = try DPXWriter.write(pixels, metadata: metadata)
                    let url = folder.appendingPathComponent(names[index])
                    do {
                        try data.write(to: url, options: .atomic)
                    } catch {
                        throw FormatError(.io, file: url.path, "cannot write: \(error.localizedDescription)")
                    }
                    done(state.finished(), names[index])
                } catch {
                    state.fail(error)
                }
                index += workers
            }
        }
        if let error = state.firstError { throw error }
    }

    /// Frames written and the first failure, shared by the writers.
    // @unchecked Sendable: every stored property is read and written under `lock` only.
    private final class WriteState: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        private var error: (any Error)?

        var failed: Bool { lock.withLock { error != nil } }
        var firstError: (any Error)? { lock.withLock { error } }
        func finished() -> Int { lock.withLock { count += 1; return count } }
        func fail(_ failure: any Error) { lock.withLock { if error == nil { error = failure } } }
    }
}
