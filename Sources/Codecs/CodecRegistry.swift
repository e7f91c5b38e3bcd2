import Foundation

/// The codecs of this build, by id.
public enum CodecRegistry {
    /// The codec for `id`.
    /// - Parameter threads: Worker threads inside the codec's library per encode or
    ///   decode; nil = the active processor count. Set it to 1 when frames run in
    ///   parallel so the cores are not oversubscribed.
    /// - Throws: `CodecError(.unsupportedInput)` when `id` is not available in this build.
    public static func codec(_ id: CodecID, threads: Int? = nil) throws -> any Codec {
        switch id {
        case .j2k:
            return JPEG2000Codec(threads: threads)
        case .htj2k:
            return HTJ2KCodec()   // OpenJPH is single-threaded; `threads` does not apply.
        case .jxl, .tiff:
            // Added here as their codecs join the build.
            throw CodecError(.unsupportedInput, codec: id, operation: "select codec",
                             detail: "the \(id.rawValue) codec is not available in this build")
        }
    }

    /// Every codec available in this build, in `CodecID` order.
    public static func available(threads: Int? = nil) -> [any Codec] {
        CodecID.allCases.compactMap { try? codec($0, threads: threads) }
    }
}
