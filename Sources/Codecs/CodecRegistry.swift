import Foundation

/// The codecs of this build, by id.
public enum CodecRegistry {
    /// The codec for `id`.
    /// - Parameter threads: Worker threads inside the codec's library per encode or
    ///   decode; nil = the active processor count. Set it to 1 when frames run in
    ///   parallel so the cores are not oversubscribed. OpenJPH (HTJ2K) and the TIFF
    ///   codec always work on one thread.
    /// - Throws: `CodecError(.unsupportedInput)` when `id` is not available in this
    ///   build (every `CodecID` is, today; the error keeps callers ready for builds
    ///   without a library).
    public static func codec(_ id: CodecID, threads: Int? = nil) throws -> any Codec {
        let threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        switch id {
        case .j2k: return JPEG2000Codec(threads: threads)
        case .htj2k: return HTJ2KCodec()
        case .jxl: return JPEGXLCodec(threads: threads)
        case .tiff: return TIFFCodec()
        }
    }

    /// Every codec available in this build, in `CodecID` order.
    public static func available(threads: Int? = nil) -> [any Codec] {
        CodecID.allCases.compactMap { try? codec($0, threads: threads) }
    }
}

extension CodecID {
    /// This codec's knob (the same for every instance of it).
    public var knob: QualityKnob {
        switch self {
        case .j2k: JPEG2000Codec.knob
        case .htj2k: HTJ2KCodec.knob
        case .jxl: JPEGXLCodec.knob
        case .tiff: .none
        }
    }
}
