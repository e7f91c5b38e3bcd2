// Every libjxl call in Reelpack is in this file. Each C handle is owned by one
// final class and released in its deinit; raw pointers do not leave this file.
import CJXL
import Foundation
import ImageCore

/// The libjxl version this binary runs against, e.g. `"libjxl 0.7.0"`.
let libJXLVersion: String = {
    let v = JxlEncoderVersion()
    return "libjxl \(v / 1_000_000).\(v / 1_000 % 1_000).\(v % 1_000)"
}()

/// Samples laid out the way libjxl takes and gives them: interleaved, 16 bits
/// spanning 0…65535 whatever the true depth (see `JXLSampleLayout`).
struct JXLInterleavedImage {
    var width: Int
    var height: Int
    /// 1 (grey) or 3 (RGB).
    var colorChannels: Int
    /// Whether an alpha channel follows the colour channels in each pixel.
    var hasAlpha: Bool
    /// The true bit depth written into the codestream (`bits_per_sample`).
    var bitDepth: Int
    /// `width * height * (colorChannels + (hasAlpha ? 1 : 0))` samples.
    var samples: [UInt16]

    var channelCount: Int { colorChannels + (hasAlpha ? 1 : 0) }
}

/// Encoder settings that reach libjxl.
struct JXLEncodeSettings {
    /// Modular lossless when true; VarDCT/XYB at `distance` otherwise.
    var lossless: Bool
    /// Butteraugli distance for lossy frames (0.01…15, lower is better).
    var distance: Float
    /// Encoder effort 1 (fastest) … 9 (slowest).
    var effort: Int
    /// Worker threads of the parallel runner.
    var threads: Int
}

/// Owns a `JxlThreadParallelRunner` with a fixed number of worker threads.
final class JXLThreadRunner {
    let opaque: UnsafeMutableRawPointer

    init(threads: Int, operation: String) throws(CodecError) {
        guard let runner = JxlThreadParallelRunnerCreate(nil, max(1, threads)) else {
            throw CodecError(.libraryFailure, codec: .jxl, operation: operation,
                             detail: "libjxl could not start \(threads) worker threads")
        }
        opaque = runner
    }

    deinit { JxlThreadParallelRunnerDestroy(opaque) }
}

/// Owns a `JxlEncoder` and encodes one frame to a bare codestream.
final class JXLEncoder {
    private let encoder: OpaquePointer
    private let runner: JXLThreadRunner

    init(threads: Int) throws(CodecError) {
        guard let enc = JxlEncoderCreate(nil) else {
            throw CodecError(.libraryFailure, codec: .jxl, operation: "encode", detail: "JxlEncoderCreate failed")
        }
        encoder = enc
        do {
            runner = try JXLThreadRunner(threads: threads, operation: "encode")
        } catch {
            JxlEncoderDestroy(enc)
            throw error
        }
    }

    deinit { JxlEncoderDestroy(encoder) }

    /// Encodes `image` into a bare JPEG XL codestream (starting FF 0A).
    func encode(_ image: JXLInterleavedImage, settings: JXLEncodeSettings) throws(CodecError) -> Data {
        try check(JxlEncoderSetParallelRunner(encoder, JxlThreadParallelRunner, runner.opaque), "setting the thread runner")
        try check(JxlEncoderUseContainer(encoder, JXL_FALSE), "choosing a bare codestream")

        var info = JxlBasicInfo()
        JxlEncoderInitBasicInfo(&info)
        info.xsize = UInt32(image.width)
        info.ysize = UInt32(image.height)
        info.bits_per_sample = UInt32(image.bitDepth)
        info.exponent_bits_per_sample = 0
        info.num_color_channels = UInt32(image.colorChannels)
        info.num_extra_channels = image.hasAlpha ? 1 : 0
        info.alpha_bits = image.hasAlpha ? UInt32(image.bitDepth) : 0
        info.alpha_exponent_bits = 0
        info.alpha_premultiplied = JXL_FALSE
        // Lossless keeps the samples as given; lossy converts to XYB.
        info.uses_original_profile = settings.lossless ? JXL_TRUE : JXL_FALSE
        try check(JxlEncoderSetBasicInfo(encoder, &info), "setting basic info (\(image.width)×\(image.height), \(image.bitDepth) bit)")

        var color = JxlColorEncoding()
        JxlColorEncodingSetToSRGB(&color, image.colorChannels == 1 ? JXL_TRUE : JXL_FALSE)
        try check(JxlEncoderSetColorEncoding(encoder, &color), "setting the colour encoding")

        guard let frame = JxlEncoderFrameSettingsCreate(encoder, nil) else {
            throw failure("creating frame settings")
        }
        try check(JxlEncoderFrameSettingsSetOption(frame, JXL_ENC_FRAME_SETTING_EFFORT, Int64(settings.effort)),
                  "setting effort \(settings.effort)")
        if settings.lossless {
            try check(JxlEncoderSetFrameLossless(frame, JXL_TRUE), "selecting lossless")
        } else {
            try check(JxlEncoderSetFrameDistance(frame, settings.distance), "setting distance \(settings.distance)")
        }

        var format = JxlPixelFormat(num_channels: UInt32(image.channelCount), data_type: JXL_TYPE_UINT16,
                                    endianness: JXL_NATIVE_ENDIAN, align: 0)
        let added = image.samples.withUnsafeBytes { raw in
            JxlEncoderAddImageFrame(frame, &format, raw.baseAddress, raw.count)
        }
        try check(added, "adding the frame")
        JxlEncoderCloseInput(encoder)

        var output = Data()
        var chunk = [UInt8](repeating: 0, count: max(1 << 16, image.samples.count / 2))
        while true {
            var produced = 0
            let status = chunk.withUnsafeMutableBufferPointer { buffer -> JxlEncoderStatus in
                guard let base = buffer.baseAddress else { return JXL_ENC_ERROR }
                var next: UnsafeMutablePointer<UInt8>? = base
                var available = buffer.count
                let status = JxlEncoderProcessOutput(encoder, &next, &available)
                produced = buffer.count - available
                return status
            }
            output.append(contentsOf: chunk[0..<produced])
            if status == JXL_ENC_SUCCESS { return output }
            if status != JXL_ENC_NEED_MORE_OUTPUT { throw failure("writing the codestream") }
            if chunk.count < 1 << 26 { chunk = [UInt8](repeating: 0, count: chunk.count * 2) }
        }
    }

    private func check(_ status: JxlEncoderStatus, _ what: String) throws(CodecError) {
        guard status == JXL_ENC_SUCCESS else { throw failure(what) }
    }

    private func failure(_ what: String) -> CodecError {
        let code = JxlEncoderGetError(encoder)
        let reason: String
        let kind: CodecError.Kind
        switch code {
        case JXL_ENC_ERR_BAD_INPUT: reason = "bad input"; kind = .unsupportedInput
        case JXL_ENC_ERR_NOT_SUPPORTED: reason = "not supported"; kind = .unsupportedInput
        case JXL_ENC_ERR_OOM: reason = "out of memory"; kind = .libraryFailure
        case JXL_ENC_ERR_API_USAGE: reason = "API usage error"; kind = .libraryFailure
        default: reason = "error code \(code.rawValue)"; kind = .libraryFailure
        }
        return CodecError(kind, codec: .jxl, operation: "encode", detail: "\(libJXLVersion) failed \(what): \(reason)")
    }
}

/// Owns a `JxlDecoder` and the output buffer it writes into; decodes the first
/// frame of a codestream (or container) to interleaved 16-bit samples.
final class JXLDecoder {
    private let decoder: OpaquePointer
    private let runner: JXLThreadRunner
    /// The image out buffer handed to libjxl: it must stay alive (and unmoved)
    /// across every `JxlDecoderProcessInput` call, so this object owns it.
    private var outBuffer: UnsafeMutableRawBufferPointer?

    init(threads: Int) throws(CodecError) {
        guard let dec = JxlDecoderCreate(nil) else {
            throw CodecError(.libraryFailure, codec: .jxl, operation: "decode", detail: "JxlDecoderCreate failed")
        }
        decoder = dec
        do {
            runner = try JXLThreadRunner(threads: threads, operation: "decode")
        } catch {
            JxlDecoderDestroy(dec)
            throw error
        }
    }

    deinit {
        JxlDecoderDestroy(decoder)
        outBuffer?.deallocate()
    }

    /// Decodes `data` (a codestream or container) to samples at the codestream's
    /// declared depth, still scaled to 0…65535 (see `JXLSampleLayout`).
    /// - Throws: `CodecError.malformedData` for corrupt or truncated data,
    ///   `.unsupportedInput` for float samples or depths above 16 bits.
    func decode(_ data: Data) throws(CodecError) -> JXLInterleavedImage {
        // libjxl prints its internal trace on stderr when a codestream is corrupt: it
        // goes into the error instead of onto the terminal.
        try LibraryTrace.shared.run({ () throws(CodecError) -> JXLInterleavedImage in try decodeUntraced(data) },
                                    annotate: { error, trace in
            guard !trace.isEmpty else { return error }
            var traced = error
            traced.detail += "; libjxl trace: " + trace.joined(separator: " | ")
            return traced
        })
    }

    private func decodeUntraced(_ data: Data) throws(CodecError) -> JXLInterleavedImage {
        guard JxlDecoderSetParallelRunner(decoder, JxlThreadParallelRunner, runner.opaque) == JXL_DEC_SUCCESS else {
            throw CodecError(.libraryFailure, codec: .jxl, operation: "decode", detail: "setting the thread runner failed")
        }
        let events = Int32(JXL_DEC_BASIC_INFO.rawValue | JXL_DEC_FULL_IMAGE.rawValue)
        guard JxlDecoderSubscribeEvents(decoder, events) == JXL_DEC_SUCCESS else {
            throw CodecError(.libraryFailure, codec: .jxl, operation: "decode", detail: "subscribing to events failed")
        }
        // Keep samples in the codestream's orientation and never blend frames.
        _ = JxlDecoderSetKeepOrientation(decoder, JXL_TRUE)

        var bytes = [UInt8](data)
        return try bytes.withUnsafeMutableBufferPointer { input throws(CodecError) -> JXLInterleavedImage in
            guard let base = input.baseAddress, input.count > 0 else {
                throw malformed("empty input")
            }
            guard JxlDecoderSetInput(decoder, base, input.count) == JXL_DEC_SUCCESS else {
                throw malformed("input rejected")
            }
            JxlDecoderCloseInput(decoder)
            // libjxl holds `base` until released; it is valid only inside this closure.
            defer { _ = JxlDecoderReleaseInput(decoder) }
            var image: JXLInterleavedImage?
            var format = JxlPixelFormat(num_channels: 1, data_type: JXL_TYPE_UINT16, endianness: JXL_NATIVE_ENDIAN, align: 0)
            // Every iteration consumes input or produces an event; the step cap
            // is a guard against a library that stops making progress.
            for _ in 0..<10_000 {
                let status = JxlDecoderProcessInput(decoder)
                switch status {
                case JXL_DEC_ERROR:
                    throw malformed("libjxl reports a corrupt codestream")
                case JXL_DEC_NEED_MORE_INPUT:
                    throw malformed("the data ends before the image is complete (truncated)")
                case JXL_DEC_BASIC_INFO:
                    image = try readBasicInfo(&format)
                case JXL_DEC_NEED_IMAGE_OUT_BUFFER:
                    guard let image else { throw malformed("image data before basic info") }
                    var size = 0
                    guard JxlDecoderImageOutBufferSize(decoder, &format, &size) == JXL_DEC_SUCCESS,
                          size == image.width * image.height * image.channelCount * 2 else {
                        throw malformed("libjxl asks for an output buffer that does not match the header")
                    }
                    outBuffer?.deallocate()
                    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
                    outBuffer = buffer
                    guard JxlDecoderSetImageOutBuffer(decoder, &format, buffer.baseAddress, size) == JXL_DEC_SUCCESS else {
                        throw CodecError(.libraryFailure, codec: .jxl, operation: "decode", detail: "setting the output buffer failed")
                    }
                case JXL_DEC_FULL_IMAGE, JXL_DEC_SUCCESS:
                    guard var image, let buffer = outBuffer else {
                        throw malformed("the codestream holds no image")
                    }
                    let typed = buffer.bindMemory(to: UInt16.self)
                    image.samples = Array(typed)
                    return image
                default:
                    // Events not subscribed to (boxes, colour) need no action.
                    continue
                }
            }
            throw malformed("libjxl made no progress")
        }
    }

    private func readBasicInfo(_ format: inout JxlPixelFormat) throws(CodecError) -> JXLInterleavedImage {
        var info = JxlBasicInfo()
        guard JxlDecoderGetBasicInfo(decoder, &info) == JXL_DEC_SUCCESS else {
            throw malformed("unreadable basic info")
        }
        guard info.exponent_bits_per_sample == 0 else {
            throw CodecError(.unsupportedInput, codec: .jxl, operation: "decode",
                             detail: "floating-point samples (\(info.bits_per_sample) bit) are not supported")
        }
        let depth = Int(info.bits_per_sample)
        guard (1...16).contains(depth) else {
            throw CodecError(.unsupportedInput, codec: .jxl, operation: "decode",
                             detail: "\(depth)-bit samples are not supported (1…16)")
        }
        let colour = Int(info.num_color_channels)
        guard colour == 1 || colour == 3 else { throw malformed("\(colour) colour channels") }
        let alpha = info.alpha_bits > 0
        let channels = colour + (alpha ? 1 : 0)
        let width = Int(info.xsize), height = Int(info.ysize)
        do {
            try PixelBuffer.validate(width: width, height: height, channels: channels, bitDepth: depth)
        } catch {
            throw CodecError(.unsupportedInput, codec: .jxl, operation: "decode", detail: "header: \(error)")
        }
        format.num_channels = UInt32(channels)
        return JXLInterleavedImage(width: width, height: height, colorChannels: colour, hasAlpha: alpha,
                                   bitDepth: depth, samples: [])
    }

    private func malformed(_ detail: String) -> CodecError {
        CodecError(.malformedData, codec: .jxl, operation: "decode", detail: "\(detail) (\(libJXLVersion))")
    }
}
