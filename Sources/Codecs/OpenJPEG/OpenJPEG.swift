import COpenJPEG
import Foundation
import ImageCore

// Every call into OpenJPEG lives in this file. Each handle (codec, stream, image)
// is owned by one final class that destroys it in `deinit`; raw pointers do not
// leave this file.

/// JPEG 2000 Part 1 codestreams through OpenJPEG, in memory.
enum OpenJPEG {
    /// The library's version string, e.g. `"2.5.0"`.
    static var version: String { String(cString: opj_version()) }

    /// How to spend bits.
    enum Target: Equatable {
        /// Reversible 5/3 wavelet, every bit kept.
        case lossless
        /// Irreversible 9/7 wavelet, rate allocation to a compression ratio
        /// (uncompressed bytes at the declared depth / codestream bytes). OpenJPEG
        /// can also allocate to a target PSNR (`tcp_distoratio`); `JPEG2000Codec`
        /// explains why the ratio is the knob.
        case ratio(Double)
    }

    /// Encoder settings (the knob is `target`; the rest are film defaults).
    struct EncodeSettings {
        var target: Target
        /// Worker threads inside OpenJPEG (1 = none).
        var threads: Int
        /// Wavelet decomposition levels wanted; reduced for small images.
        var decompositionLevels: Int
        /// Code-block width and height (a power of two, 4…64, area ≤ 4096).
        var codeBlockSize: Int = 64
        /// Write packet-length (PLT) and tile-length (TLM) markers.
        var lengthMarkers: Bool = false
    }

    // MARK: Encoding

    /// Encodes `pixels` to a JPEG 2000 codestream (no container).
    /// - Throws: `CodecError` (`.unsupportedInput` for a frame OpenJPEG cannot take,
    ///   `.libraryFailure` with the library's messages otherwise).
    static func encode(_ pixels: PixelBuffer, settings: EncodeSettings) throws -> Data {
        let messages = MessageLog()
        func failure(_ what: String) -> CodecError {
            CodecError(.libraryFailure, codec: .j2k, operation: "encode", detail: messages.detail(what))
        }
        let image = try Image(pixels)
        let codec = try CodecHandle(compressing: true, messages: messages)

        var parameters = opj_cparameters_t()
        opj_set_default_encoder_parameters(&parameters)
        parameters.tcp_numlayers = 1
        parameters.cblockw_init = Int32(settings.codeBlockSize)
        parameters.cblockh_init = Int32(settings.codeBlockSize)
        // Each level halves the image; OpenJPEG refuses more levels than the
        // smaller side can hold (2^levels ≤ side).
        let side = min(pixels.width, pixels.height)
        let maxLevels = Int.bitWidth - 1 - side.leadingZeroBitCount   // floor(log2(side))
        parameters.numresolution = Int32(max(0, min(settings.decompositionLevels, maxLevels)) + 1)
        parameters.tcp_mct = pixels.channels >= 3 ? 1 : 0
        switch settings.target {
        case .lossless:
            parameters.irreversible = 0
            parameters.cp_disto_alloc = 1
            parameters.tcp_rates.0 = 0          // 0 = lossless layer
        case .ratio(let ratio):
            parameters.irreversible = 1
            parameters.cp_disto_alloc = 1
            parameters.tcp_rates.0 = Float(max(ratio, 1))
        }

        guard opj_setup_encoder(codec.handle, &parameters, image.pointer) != 0 else {
            throw failure("OpenJPEG refused the encoder settings")
        }
        if settings.lengthMarkers {
            let ok = withCStrings(["PLT=YES", "TLM=YES"]) { opj_encoder_set_extra_options(codec.handle, $0) }
            guard ok != 0 else { throw failure("OpenJPEG refused the PLT/TLM options") }
        }
        try codec.setThreads(settings.threads)

        let stream = try Stream(writingWith: messages, codec: .j2k)
        guard opj_start_compress(codec.handle, image.pointer, stream.handle) != 0 else { throw failure("start of compression failed") }
        guard opj_encode(codec.handle, stream.handle) != 0 else { throw failure("compression failed") }
        guard opj_end_compress(codec.handle, stream.handle) != 0 else { throw failure("end of compression failed") }
        return stream.buffer.output
    }

    // MARK: Decoding

    /// Decodes a JPEG 2000 codestream (no container) to samples at its declared
    /// precision.
    /// - Throws: `CodecError(.malformedData)` for corrupt or truncated codestreams,
    ///   `.unsupportedInput` for valid ones Reelpack does not read (subsampled or
    ///   signed components, more than 16 bits or 4 components).
    static func decode(_ codestream: Data, threads: Int) throws -> PixelBuffer {
        let messages = MessageLog()
        func malformed(_ what: String) -> CodecError {
            CodecError(.malformedData, codec: .j2k, operation: "decode", detail: messages.detail(what))
        }
        func unsupported(_ what: String) -> CodecError {
            CodecError(.unsupportedInput, codec: .j2k, operation: "decode", detail: what)
        }
        let codec = try CodecHandle(compressing: false, messages: messages)
        var parameters = opj_dparameters_t()
        opj_set_default_decoder_parameters(&parameters)
        guard opj_setup_decoder(codec.handle, &parameters) != 0 else {
            throw CodecError(.libraryFailure, codec: .j2k, operation: "decode", detail: messages.detail("decoder setup failed"))
        }
        // Strict: a truncated codestream is an error, not a partially decoded frame.
        opj_decoder_set_strict_mode(codec.handle, 1)
        try codec.setThreads(threads)

        let stream = try Stream(reading: codestream, messages: messages, codec: .j2k)
        var raw: UnsafeMutablePointer<opj_image_t>?
        guard opj_read_header(stream.handle, codec.handle, &raw) != 0, let raw else {
            throw malformed("the codestream header could not be read")
        }
        let image = Image(owning: raw)

        // Check the geometry before the samples are decoded and allocated.
        let header = raw.pointee
        let count = Int(header.numcomps)
        guard header.x1 > header.x0, header.y1 > header.y0, let comps = header.comps else {
            throw malformed("the codestream declares an empty image")
        }
        let width = Int(header.x1 - header.x0), height = Int(header.y1 - header.y0)
        guard (1...4).contains(count) else { throw unsupported("\(count) components (1 to 4 are read)") }
        let precision = Int(comps[0].prec)
        for c in 0..<count {
            let comp = comps[c]
            guard comp.dx == 1, comp.dy == 1 else {
                throw unsupported("component \(c) is subsampled \(comp.dx)×\(comp.dy); only full-resolution components are read")
            }
            guard comp.prec == comps[0].prec else {
                throw unsupported("components have different precisions (\((0..<count).map { comps[$0].prec }))")
            }
            guard comp.sgnd == 0 else { throw unsupported("component \(c) is signed") }
        }
        guard (1...16).contains(precision) else { throw unsupported("\(precision)-bit samples (1 to 16 are read)") }
        do {
            try PixelBuffer.validate(width: width, height: height, channels: count, bitDepth: precision)
        } catch {
            throw unsupported("\(error)")
        }

        guard opj_decode(codec.handle, stream.handle, raw) != 0 else { throw malformed("decoding failed") }
        guard opj_end_decompress(codec.handle, stream.handle) != 0 else { throw malformed("the end of the codestream is damaged") }

        var pixels = try PixelBuffer(width: width, height: height, channels: count, bitDepth: precision)
        let maxValue = Int32(pixels.maxValue)
        let planeSize = pixels.planeSize
        try pixels.samples.withUnsafeMutableBufferPointer { out in
            for c in 0..<count {
                let comp = comps[c]
                guard comp.w == UInt32(width), comp.h == UInt32(height), let data = comp.data else {
                    throw malformed("component \(c) decoded to \(comp.w)×\(comp.h) instead of \(width)×\(height)")
                }
                let base = c * planeSize
                for i in 0..<planeSize {
                    // OpenJPEG clamps to the precision already; clamp again so a
                    // library quirk can never put an out-of-range code in a frame.
                    out[base + i] = UInt16(truncatingIfNeeded: min(max(data[i], 0), maxValue))
                }
            }
        }
        withExtendedLifetime((image, stream, codec)) {}
        return pixels
    }
}

// MARK: - Owned handles

extension OpenJPEG {
    /// The library's error, warning and info messages for one call. OpenJPEG may
    /// call the handlers from its worker threads, hence the lock.
    final class MessageLog: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []

        func append(_ level: String, _ message: UnsafePointer<CChar>?) {
            guard let message else { return }
            let text = String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
            lock.withLock { if lines.count < 50 { lines.append("\(level): \(text)") } }
        }

        /// `what`, followed by what the library said (errors and warnings).
        func detail(_ what: String) -> String {
            let said = lock.withLock { lines.filter { !$0.hasPrefix("info") } }
            return said.isEmpty ? what : "\(what) (OpenJPEG: \(said.joined(separator: "; ")))"
        }
    }

    /// An `opj_codec_t*`, destroyed in `deinit`; its message handlers write to a log
    /// the codec keeps alive.
    final class CodecHandle {
        let handle: UnsafeMutablePointer<opj_codec_t?>
        private let messages: MessageLog

        init(compressing: Bool, messages: MessageLog) throws {
            let made = compressing ? opj_create_compress(OPJ_CODEC_J2K) : opj_create_decompress(OPJ_CODEC_J2K)
            guard let made else {
                throw CodecError(.libraryFailure, codec: .j2k, operation: compressing ? "encode" : "decode",
                                 detail: "OpenJPEG could not create a codec")
            }
            handle = made
            self.messages = messages
            let context = Unmanaged.passUnretained(messages).toOpaque()
            opj_set_error_handler(handle, { message, context in
                guard let context else { return }
                Unmanaged<MessageLog>.fromOpaque(context).takeUnretainedValue().append("error", message)
            }, context)
            opj_set_warning_handler(handle, { message, context in
                guard let context else { return }
                Unmanaged<MessageLog>.fromOpaque(context).takeUnretainedValue().append("warning", message)
            }, context)
            opj_set_info_handler(handle, { message, context in
                guard let context else { return }
                Unmanaged<MessageLog>.fromOpaque(context).takeUnretainedValue().append("info", message)
            }, context)
        }

        /// Sets OpenJPEG's worker threads (ignored when built without thread support).
        func setThreads(_ threads: Int) throws {
            guard threads > 1, opj_has_thread_support() != 0 else { return }
            guard opj_codec_set_threads(handle, Int32(min(threads, 256))) != 0 else {
                throw CodecError(.libraryFailure, codec: .j2k, operation: "threads",
                                 detail: messages.detail("OpenJPEG refused \(threads) threads"))
            }
        }

        deinit { opj_destroy_codec(handle) }
    }

    /// An `opj_image_t*`, destroyed in `deinit`.
    final class Image {
        let pointer: UnsafeMutablePointer<opj_image_t>

        init(owning pointer: UnsafeMutablePointer<opj_image_t>) { self.pointer = pointer }

        /// An image holding `pixels` (unsigned, full resolution, precision = bit depth).
        convenience init(_ pixels: PixelBuffer) throws {
            var parameters = [opj_image_cmptparm_t](repeating: opj_image_cmptparm_t(), count: pixels.channels)
            for c in parameters.indices {
                parameters[c].dx = 1
                parameters[c].dy = 1
                parameters[c].w = UInt32(pixels.width)
                parameters[c].h = UInt32(pixels.height)
                parameters[c].prec = UInt32(pixels.bitDepth)
                parameters[c].sgnd = 0
            }
            let space = pixels.channels >= 3 ? OPJ_CLRSPC_SRGB : OPJ_CLRSPC_GRAY
            guard let made = opj_image_create(UInt32(pixels.channels), &parameters, space) else {
                throw CodecError(.libraryFailure, codec: .j2k, operation: "encode",
                                 detail: "OpenJPEG could not allocate a \(pixels.width)×\(pixels.height)×\(pixels.channels) image")
            }
            self.init(owning: made)
            made.pointee.x0 = 0
            made.pointee.y0 = 0
            made.pointee.x1 = UInt32(pixels.width)
            made.pointee.y1 = UInt32(pixels.height)
            let planeSize = pixels.planeSize
            pixels.samples.withUnsafeBufferPointer { samples in
                for c in 0..<pixels.channels {
                    if c == 3 { made.pointee.comps[c].alpha = 1 }
                    guard let data = made.pointee.comps[c].data else { continue }
                    let base = c * planeSize
                    for i in 0..<planeSize { data[i] = Int32(samples[base + i]) }
                }
            }
        }

        deinit { opj_image_destroy(pointer) }
    }

    /// Bytes behind a stream: the input being read, or the output being written.
    final class MemoryBuffer {
        let input: Data
        var output = Data()
        var position = 0
        let isInput: Bool

        init(input: Data) { self.input = input; isInput = true }
        init() { input = Data(); isInput = false }

        var length: Int { isInput ? input.count : output.count }
    }

    /// An `opj_stream_t*` over a `MemoryBuffer`, destroyed in `deinit`.
    final class Stream {
        let handle: UnsafeMutablePointer<opj_stream_t?>
        let buffer: MemoryBuffer

        /// A stream reading `data`.
        convenience init(reading data: Data, messages: MessageLog, codec: CodecID) throws {
            try self.init(buffer: MemoryBuffer(input: data), codec: codec)
            opj_stream_set_user_data_length(handle, UInt64(data.count))
        }

        /// A stream collecting what the encoder writes.
        convenience init(writingWith messages: MessageLog, codec: CodecID) throws {
            try self.init(buffer: MemoryBuffer(), codec: codec)
        }

        private init(buffer: MemoryBuffer, codec: CodecID) throws {
            guard let made = opj_stream_create(Int(OPJ_J2K_STREAM_CHUNK_SIZE), buffer.isInput ? 1 : 0) else {
                throw CodecError(.libraryFailure, codec: codec, operation: buffer.isInput ? "decode" : "encode",
                                 detail: "OpenJPEG could not create a stream")
            }
            handle = made
            self.buffer = buffer
            // The stream does not own the buffer (no free function): `self` does.
            opj_stream_set_user_data(handle, Unmanaged.passUnretained(buffer).toOpaque(), nil)
            opj_stream_set_read_function(handle, { destination, count, context in
                guard let destination, let context else { return OPJ_SIZE_T.max }
                let buffer = Unmanaged<MemoryBuffer>.fromOpaque(context).takeUnretainedValue()
                let remaining = buffer.input.count - buffer.position
                guard remaining > 0 else { return OPJ_SIZE_T.max }   // (OPJ_SIZE_T)-1: end of stream
                let n = min(Int(count), remaining)
                buffer.input.withUnsafeBytes { source in
                    guard let base = source.baseAddress else { return }
                    destination.copyMemory(from: base + buffer.position, byteCount: n)
                }
                buffer.position += n
                return OPJ_SIZE_T(n)
            })
            opj_stream_set_write_function(handle, { source, count, context in
                guard let source, let context else { return OPJ_SIZE_T.max }
                let buffer = Unmanaged<MemoryBuffer>.fromOpaque(context).takeUnretainedValue()
                let bytes = UnsafeRawBufferPointer(start: source, count: Int(count))
                let end = buffer.position + bytes.count
                if buffer.position == buffer.output.count {
                    buffer.output.append(contentsOf: bytes)
                } else {
                    if end > buffer.output.count { buffer.output.append(Data(count: end - buffer.output.count)) }
                    buffer.output.replaceSubrange(buffer.position ..< end, with: bytes)
                }
                buffer.position = end
                return count
            })
            opj_stream_set_skip_function(handle, { offset, context in
                guard let context else { return -1 }
                let buffer = Unmanaged<MemoryBuffer>.fromOpaque(context).takeUnretainedValue()
                var target = buffer.position + Int(offset)
                if buffer.isInput {
                    target = min(max(target, 0), buffer.input.count)
                } else {
                    guard target >= 0 else { return -1 }
                    if target > buffer.output.count { buffer.output.append(Data(count: target - buffer.output.count)) }
                }
                let moved = target - buffer.position
                buffer.position = target
                return OPJ_OFF_T(moved)
            })
            opj_stream_set_seek_function(handle, { offset, context in
                guard let context else { return 0 }
                let buffer = Unmanaged<MemoryBuffer>.fromOpaque(context).takeUnretainedValue()
                let target = Int(offset)
                guard target >= 0 else { return 0 }
                if buffer.isInput {
                    guard target <= buffer.input.count else { return 0 }
                } else if target > buffer.output.count {
                    buffer.output.append(Data(count: target - buffer.output.count))
                }
                buffer.position = target
                return 1
            })
        }

        deinit { opj_stream_destroy(handle) }
    }

    /// Calls `body` with a NULL-terminated array of C strings.
    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
