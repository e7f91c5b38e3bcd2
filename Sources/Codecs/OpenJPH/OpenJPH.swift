import COpenJPHShim
import Foundation
import ImageCore

/// Every call into OpenJPH (through the `COpenJPHShim` C boundary) lives here.
///
/// OpenJPH 0.9 is single-threaded: one call uses one core. Frames are
/// independent, so the engine runs several at once instead. The shim catches
/// the library's C++ exceptions, captures what it prints (so nothing reaches
/// stdout or stderr), and checks the codestream's main header before the
/// library sees it: Debian's build keeps OpenJPH's internal assertions, which
/// abort the process on some corrupt headers.
enum OpenJPH {
    /// Encoder settings beyond the frame's own geometry.
    struct EncodeSettings: Sendable, Equatable {
        /// True: reversible 5/3 wavelet (lossless). False: irreversible 9/7.
        var reversible: Bool
        /// Quantisation step of the irreversible path, relative to the sample
        /// range (OpenJPH's `set_irrev_quant`); ignored when reversible.
        var quantizationStep: Float
        /// Wavelet decomposition levels.
        var decompositions: Int
        /// Code-block width and height (powers of two, area at most 4096).
        var blockSize: Int = 64
    }

    /// The OpenJPH version compiled against, e.g. `"0.9.0"`.
    static var version: String { String(cString: rp_ojph_version()) }

    /// Encodes `pixels` into a raw HTJ2K codestream. Three- and four-channel
    /// frames use the colour transform (RCT lossless, ICT lossy) on RGB.
    /// - Throws: `CodecError(.unsupportedInput)` for a frame or setting the
    ///   library refuses, `.libraryFailure` otherwise; `detail` holds the
    ///   library's messages.
    static func encode(_ pixels: PixelBuffer, settings: EncodeSettings) throws -> Data {
        guard let width = UInt32(exactly: pixels.width), let height = UInt32(exactly: pixels.height),
              let decompositions = UInt32(exactly: settings.decompositions),
              let block = UInt32(exactly: settings.blockSize)
        else {
            throw CodecError(.unsupportedInput, codec: .htj2k, operation: "encode",
                             detail: "frame size or settings out of range")
        }
        var params = rp_ojph_encode_params(
            width: width, height: height, components: UInt32(pixels.channels),
            bit_depth: UInt32(pixels.bitDepth), reversible: settings.reversible ? 1 : 0,
            quantization_step: settings.quantizationStep,
            color_transform: pixels.channels >= 3 ? 1 : 0,
            decompositions: decompositions, block_width: block, block_height: block)
        let result = OpenJPHResult()
        let status = pixels.samples.withUnsafeBufferPointer { samples in
            rp_ojph_encode(samples.baseAddress, samples.count, &params, &result.handle)
        }
        try result.check(status, operation: "encode")
        var count = 0
        guard let bytes = rp_ojph_result_bytes(result.handle, &count), count > 0 else {
            throw CodecError(.libraryFailure, codec: .htj2k, operation: "encode", detail: "the encoder produced no bytes")
        }
        return Data(bytes: bytes, count: count)
    }

    /// A decoded codestream: its samples and whether it was coded reversibly.
    struct Decoded: Sendable {
        var pixels: PixelBuffer
        var reversible: Bool
    }

    /// Decodes a raw codestream (HTJ2K, Part 15 code-blocks) to samples at its
    /// declared bit depth. The header is checked against `PixelBuffer`'s limits
    /// before anything is allocated for the image.
    /// - Throws: `CodecError(.malformedData)` for corrupt or truncated data,
    ///   `.unsupportedInput` for a valid codestream Reelpack does not read
    ///   (Part 1 code-blocks, signed or subsampled components, several quality
    ///   layers, more than 4 components, larger than the limits),
    ///   `.libraryFailure` for anything else.
    static func decode(_ codestream: Data) throws -> Decoded {
        try codestream.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> Decoded in
            let bytes = raw.bindMemory(to: UInt8.self)
            let maxSide = UInt32(PixelBuffer.maxDimension), maxSamples = UInt64(PixelBuffer.maxSampleCount)
            // First the header alone: it is checked, and says how much to allocate.
            let header = OpenJPHResult()
            try header.check(rp_ojph_decode(bytes.baseAddress, bytes.count, maxSide, maxSamples, nil, 0, &header.handle),
                             operation: "decode")
            var width: UInt32 = 0, height: UInt32 = 0, components: UInt32 = 0, depth: UInt32 = 0
            var reversible: Int32 = 0
            rp_ojph_result_geometry(header.handle, &width, &height, &components, &depth, &reversible)
            let count = Int(width) * Int(height) * Int(components)
            // Then the image, straight into the array the frame will own.
            let result = OpenJPHResult()
            var status = RP_OJPH_FAILURE
            let samples = [UInt16](unsafeUninitializedCapacity: count) { buffer, initialized in
                status = rp_ojph_decode(bytes.baseAddress, bytes.count, maxSide, maxSamples,
                                        buffer.baseAddress, count, &result.handle)
                initialized = status == RP_OJPH_OK ? count : 0
            }
            try result.check(status, operation: "decode")
            do {
                let pixels = try PixelBuffer(width: Int(width), height: Int(height), channels: Int(components),
                                             bitDepth: Int(depth), samples: samples)
                return Decoded(pixels: pixels, reversible: reversible != 0)
            } catch {
                throw CodecError(.unsupportedInput, codec: .htj2k, operation: "decode", detail: "\(error)")
            }
        }
    }
}

/// Owns one `rp_ojph_result` (encoded bytes or decoded samples plus the
/// library's messages) and frees it.
private final class OpenJPHResult {
    var handle: OpaquePointer?

    deinit { rp_ojph_result_free(handle) }

    /// The library's and the shim's messages for this call.
    var message: String {
        guard let handle, let text = rp_ojph_result_message(handle) else { return "" }
        return String(cString: text)
    }

    /// Turns a shim status into a thrown `CodecError` carrying the messages.
    func check(_ status: rp_ojph_status, operation: String) throws {
        let kind: CodecError.Kind
        switch status {
        case RP_OJPH_OK: return
        case RP_OJPH_UNSUPPORTED: kind = .unsupportedInput
        case RP_OJPH_MALFORMED: kind = .malformedData
        case RP_OJPH_LIMIT: kind = .unsupportedInput
        default: kind = .libraryFailure
        }
        let text = message
        throw CodecError(kind, codec: .htj2k, operation: operation,
                         detail: text.isEmpty ? "OpenJPH failed (status \(status.rawValue))" : text)
    }
}
