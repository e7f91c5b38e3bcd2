import CTIFF
import Foundation

// Every libtiff call in Reelpack is in this file. `LibTIFFFile` owns one `TIFF*`
// over an in-memory `MemoryStream` and closes it in `deinit`; libtiff's error and
// warning messages for that handle are collected into its `MessageLog` and end up
// in the thrown `FormatError`. Raw pointers stay here.

/// The libtiff version string, e.g. `"libtiff 4.5.0"`.
let libTIFFVersion: String = {
    guard let raw = TIFFGetVersion() else { return "libtiff" }
    let text = String(cString: raw)
    // "LIBTIFF, Version 4.5.0\nCopyright ..."
    if let range = text.range(of: "Version ") {
        let version = text[range.upperBound...].prefix { !$0.isWhitespace }
        return "libtiff \(version)"
    }
    return text.split(separator: "\n").first.map(String.init) ?? "libtiff"
}()

/// Tag numbers libtiff and Reelpack use (baseline, extension and pseudo-tags).
enum TIFFTag {
    static let imageWidth: UInt32 = 256, imageLength: UInt32 = 257, bitsPerSample: UInt32 = 258
    static let compression: UInt32 = 259, photometric: UInt32 = 262
    static let documentName: UInt32 = 269, imageDescription: UInt32 = 270
    static let make: UInt32 = 271, model: UInt32 = 272, orientation: UInt32 = 274
    static let samplesPerPixel: UInt32 = 277, rowsPerStrip: UInt32 = 278
    static let planarConfig: UInt32 = 284, software: UInt32 = 305, dateTime: UInt32 = 306
    static let artist: UInt32 = 315, hostComputer: UInt32 = 316, predictor: UInt32 = 317
    static let tileWidth: UInt32 = 322, tileLength: UInt32 = 323
    static let extraSamples: UInt32 = 338, sampleFormat: UInt32 = 339, copyright: UInt32 = 33432
    /// libtiff pseudo-tags (never written to the file): codec levels.
    static let zipQuality: UInt32 = 65557, zstdLevel: UInt32 = 65564
}

// MARK: - Private tags

/// Field descriptions of Reelpack's two private tags: UNDEFINED bytes of any
/// length (count passed as uint32), custom, changeable while writing.
// nonisolated(unsafe): filled once by the lazy initialiser, only read afterwards (by libtiff).
nonisolated(unsafe) private let reelpackFieldInfo: UnsafeMutablePointer<TIFFFieldInfo> = {
    let fields = UnsafeMutablePointer<TIFFFieldInfo>.allocate(capacity: 2)
    for (i, (tag, name)) in [(TIFF.frameRecordTag, "ReelpackFrame"), (TIFF.sealTag, "ReelpackSeal")].enumerated() {
        fields[i] = TIFFFieldInfo(
            field_tag: tag, field_readcount: Int16(TIFF_VARIABLE2), field_writecount: Int16(TIFF_VARIABLE2),
            field_type: TIFF_UNDEFINED, field_bit: UInt16(FIELD_CUSTOM), field_oktochange: 1,
            field_passcount: 1, field_name: strdup(name))   // lives as long as the process
    }
    return fields
}()

/// The tag extender that was installed before ours (chained, as libtiff asks).
// nonisolated(unsafe): written once inside `libTIFFSetUp` (a lazy global, run once
// before any handle exists), only read afterwards.
nonisolated(unsafe) private var parentExtender: TIFFExtendProc?

private func reelpackTagExtender(_ tif: OpaquePointer?) {
    if let tif { _ = TIFFMergeFieldInfo(tif, reelpackFieldInfo, 2) }
    parentExtender?(tif)
}

/// Installs the tag extender and silences libtiff's process-wide stderr handlers
/// (every handle has its own handlers), once, before the first handle is opened.
private let libTIFFSetUp: Void = {
    parentExtender = TIFFSetTagExtender(reelpackTagExtender)
    _ = TIFFSetErrorHandler(nil)
    _ = TIFFSetWarningHandler(nil)
}()

// MARK: - Messages

/// libtiff's messages for one handle, in order. Used by one handle on one thread.
final class MessageLog {
    var errors: [String] = []
    var warnings: [String] = []

    /// Errors (or, when there are none, warnings) joined for a `FormatError`.
    var summary: String? {
        let lines = errors.isEmpty ? warnings : errors
        return lines.isEmpty ? nil : lines.suffix(4).joined(separator: "; ")
    }
}

private func formatMessage(_ module: UnsafePointer<CChar>?, _ fmt: UnsafePointer<CChar>?,
                           _ args: CVaListPointer) -> String {
    guard let fmt else { return "" }
    var buffer = [CChar](repeating: 0, count: 512)
    _ = buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, fmt, args) }
    let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    if let module, module.pointee != 0 { return "\(String(cString: module)): \(text)" }
    return text
}

private let errorHandler: TIFFErrorHandlerExtR = { _, user, module, fmt, args in
    guard let user, let args else { return 0 }
    Unmanaged<MessageLog>.fromOpaque(user).takeUnretainedValue().errors.append(formatMessage(module, fmt, args))
    return 1
}

private let warningHandler: TIFFErrorHandlerExtR = { _, user, module, fmt, args in
    guard let user, let args else { return 0 }
    Unmanaged<MessageLog>.fromOpaque(user).takeUnretainedValue().warnings.append(formatMessage(module, fmt, args))
    return 1
}

// MARK: - In-memory I/O

/// A byte buffer with a position: what libtiff reads from and writes to. Either an
/// owned, growable buffer (writing, updating, and decoding, where libtiff maps it),
/// or a borrowed `Data` read by copying (header reads, which touch a few bytes of
/// what may be a large memory-mapped file).
final class MemoryStream {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var count: Int
    private var capacity: Int
    private var position = 0
    let writable: Bool
    /// The borrowed bytes, when not owned.
    private let borrowed: Data?
    /// True when libtiff may map `base` (owned, read-only: it never moves).
    var mappable: Bool { !writable && borrowed == nil }

    init(borrowing data: Data) {
        borrowed = data
        capacity = 1
        base = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 16)
        count = data.count
        writable = false
    }

    init(copying data: Data, writable: Bool) {
        capacity = max(data.count, 1)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        data.withUnsafeBytes { if let src = $0.baseAddress, !$0.isEmpty { buffer.copyMemory(from: src, byteCount: $0.count) } }
        base = buffer
        count = data.count
        self.writable = writable
        borrowed = nil
    }

    init(emptyWithCapacity initial: Int) {
        capacity = max(initial, 4096)
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        count = 0
        writable = true
        borrowed = nil
    }

    deinit { base.deallocate() }

    var data: Data { Data(bytes: base, count: count) }

    func read(_ into: UnsafeMutableRawPointer, _ size: Int) -> Int {
        guard size >= 0 else { return -1 }
        let n = max(0, min(size, count - position))
        if n > 0 {
            if let borrowed {
                let start = borrowed.startIndex + position
                borrowed.copyBytes(to: UnsafeMutableRawBufferPointer(start: into, count: n).bindMemory(to: UInt8.self),
                                   from: start..<(start + n))
            } else {
                into.copyMemory(from: base + position, byteCount: n)
            }
        }
        position += n
        return n
    }

    func write(_ from: UnsafeRawPointer, _ size: Int) -> Int {
        guard writable, size >= 0 else { return -1 }
        let end = position + size
        if end > capacity {
            var newCapacity = capacity
            while newCapacity < end { newCapacity *= 2 }
            let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
            grown.copyMemory(from: base, byteCount: count)
            base.deallocate()
            base = grown
            capacity = newCapacity
        }
        if position > count { (base + count).initializeMemory(as: UInt8.self, repeating: 0, count: position - count) }
        (base + position).copyMemory(from: from, byteCount: size)
        position = end
        count = max(count, end)
        return size
    }

    func seek(_ offset: UInt64, _ whence: Int32) -> UInt64 {
        let delta = Int64(bitPattern: offset)
        let origin: Int64
        switch whence {
        case SEEK_SET: origin = 0
        case SEEK_CUR: origin = Int64(position)
        case SEEK_END: origin = Int64(count)
        default: return UInt64.max
        }
        let (target, overflow) = origin.addingReportingOverflow(delta)
        guard !overflow, target >= 0, target <= Int64(Int32.max) * 4 else { return UInt64.max }
        if !writable && target > Int64(count) { return UInt64.max }
        position = Int(target)
        return UInt64(target)
    }
}

private func stream(_ handle: UnsafeMutableRawPointer?) -> MemoryStream? {
    handle.map { Unmanaged<MemoryStream>.fromOpaque($0).takeUnretainedValue() }
}

private let readProc: TIFFReadWriteProc = { handle, buffer, size in
    guard let s = stream(handle), let buffer else { return -1 }
    return tmsize_t(s.read(buffer, Int(size)))
}
private let writeProc: TIFFReadWriteProc = { handle, buffer, size in
    guard let s = stream(handle), let buffer else { return -1 }
    return tmsize_t(s.write(buffer, Int(size)))
}
private let seekProc: TIFFSeekProc = { handle, offset, whence in
    stream(handle)?.seek(offset, whence) ?? UInt64.max
}
private let closeProc: TIFFCloseProc = { _ in 0 }
private let sizeProc: TIFFSizeProc = { handle in UInt64(stream(handle)?.count ?? 0) }
private let mapProc: TIFFMapFileProc = { handle, base, size in
    // Only owned read-only buffers are mapped: they never move while the handle lives.
    guard let s = stream(handle), s.mappable, let base, let size else { return 0 }
    base.pointee = s.base
    size.pointee = UInt64(s.count)
    return 1
}
private let unmapProc: TIFFUnmapFileProc = { _, _, _ in }

// MARK: - The handle

/// One open TIFF in memory. Not thread-safe: used by one call at a time.
final class LibTIFFFile {
    /// The file's name for errors.
    let name: String?
    private let tif: OpaquePointer
    private let stream: MemoryStream
    private let log: MessageLog
    private var closed = false

    /// Largest single allocation libtiff may make for one file (strip arrays, buffers).
    private static let maxSingleAllocation = 1 << 30

    private init(stream: MemoryStream, mode: String, name: String?) throws(FormatError) {
        _ = libTIFFSetUp
        self.name = name
        self.stream = stream
        let log = MessageLog()
        self.log = log
        guard let options = TIFFOpenOptionsAlloc() else {
            throw FormatError(.io, file: name, "libtiff could not allocate its open options")
        }
        defer { TIFFOpenOptionsFree(options) }
        let logPointer = Unmanaged.passUnretained(log).toOpaque()
        TIFFOpenOptionsSetErrorHandlerExtR(options, errorHandler, logPointer)
        TIFFOpenOptionsSetWarningHandlerExtR(options, warningHandler, logPointer)
        TIFFOpenOptionsSetMaxSingleMemAlloc(options, tmsize_t(Self.maxSingleAllocation))
        let handle = TIFFClientOpenExt(
            name ?? "memory", mode, Unmanaged.passUnretained(stream).toOpaque(),
            readProc, writeProc, seekProc, closeProc, sizeProc, mapProc, unmapProc, options)
        guard let handle else {
            throw FormatError(.malformed, file: name, "not a readable TIFF (\(log.summary ?? "libtiff refused it"))")
        }
        tif = handle
    }

    /// Opens `data` for decoding (its first directory is read). The bytes are
    /// copied once into a buffer libtiff maps, so strips are decoded in place.
    convenience init(reading data: Data, name: String?) throws(FormatError) {
        try self.init(stream: MemoryStream(copying: data, writable: false), mode: "r", name: name)
    }

    /// Opens `data` for reading header fields only, without copying it (libtiff
    /// reads the few bytes it needs; nothing is mapped).
    convenience init(readingHeader data: Data, name: String?) throws(FormatError) {
        try self.init(stream: MemoryStream(borrowing: data), mode: "r", name: name)
    }

    /// Opens `data` for rewriting its directory (`r+`).
    convenience init(updating data: Data, name: String?) throws(FormatError) {
        // libtiff would start a new file in an empty or foreign buffer opened `r+`.
        guard TIFFDirectoryScan.hasTIFFHeader(data) else {
            throw FormatError(.malformed, file: name, "not a TIFF (no TIFF header)")
        }
        try self.init(stream: MemoryStream(copying: data, writable: true), mode: "r+", name: name)
    }

    /// Starts a new file in memory, classic TIFF or BigTIFF, in the host byte order.
    convenience init(writingBigTIFF bigTIFF: Bool, expectedBytes: Int) throws(FormatError) {
        try self.init(stream: MemoryStream(emptyWithCapacity: expectedBytes), mode: bigTIFF ? "w8" : "w", name: nil)
    }

    deinit { if !closed { TIFFClose(tif) } }

    /// An error of `kind` saying `what`, with libtiff's own messages appended.
    func error(_ kind: FormatError.Kind, _ what: String) -> FormatError {
        if let detail = log.summary { return FormatError(kind, file: name, "\(what) (libtiff: \(detail))") }
        return FormatError(kind, file: name, what)
    }

    /// libtiff's warnings so far.
    var warnings: [String] { log.warnings }

    // MARK: Fields

    func uint16(_ tag: UInt32, defaulted: Bool = false) -> UInt16? {
        var value: UInt16 = 0
        let ok = withUnsafeMutablePointer(to: &value) { p in
            withVaList([p]) { defaulted ? TIFFVGetFieldDefaulted(tif, tag, $0) : TIFFVGetField(tif, tag, $0) }
        }
        return ok == 1 ? value : nil
    }

    func uint32(_ tag: UInt32, defaulted: Bool = false) -> UInt32? {
        var value: UInt32 = 0
        let ok = withUnsafeMutablePointer(to: &value) { p in
            withVaList([p]) { defaulted ? TIFFVGetFieldDefaulted(tif, tag, $0) : TIFFVGetField(tif, tag, $0) }
        }
        return ok == 1 ? value : nil
    }

    func string(_ tag: UInt32) -> String? {
        var value: UnsafeMutablePointer<CChar>? = nil
        let ok = withUnsafeMutablePointer(to: &value) { p in withVaList([p]) { TIFFVGetField(tif, tag, $0) } }
        guard ok == 1, let value else { return nil }
        return String(cString: value)
    }

    /// The bytes of a private (UNDEFINED, uint32-counted) tag.
    func bytes(_ tag: UInt32) -> Data? {
        var count: UInt32 = 0
        var pointer: UnsafeMutableRawPointer? = nil
        let ok = withUnsafeMutablePointer(to: &count) { c in
            withUnsafeMutablePointer(to: &pointer) { p in withVaList([c, p]) { TIFFVGetField(tif, tag, $0) } }
        }
        guard ok == 1, let pointer else { return nil }
        return Data(bytes: pointer, count: Int(count))
    }

    func extraSamples() -> [UInt16] {
        var count: UInt16 = 0
        var pointer: UnsafeMutablePointer<UInt16>? = nil
        let ok = withUnsafeMutablePointer(to: &count) { c in
            withUnsafeMutablePointer(to: &pointer) { p in withVaList([c, p]) { TIFFVGetField(tif, TIFFTag.extraSamples, $0) } }
        }
        guard ok == 1, let pointer else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: Int(count)))
    }

    private func set(_ tag: UInt32, _ args: [any CVarArg], what: String) throws(FormatError) {
        let ok = withVaList(args) { TIFFVSetField(tif, tag, $0) }
        guard ok == 1 else { throw error(.unsupported, "cannot set \(what)") }
    }

    /// Sets a SHORT tag (varargs promote it to int).
    func set(_ tag: UInt32, uint16 value: UInt16) throws(FormatError) {
        try set(tag, [Int32(value)], what: "tag \(tag) = \(value)")
    }

    func set(_ tag: UInt32, uint32 value: UInt32) throws(FormatError) {
        try set(tag, [value], what: "tag \(tag) = \(value)")
    }

    /// Sets an int pseudo-tag (codec levels).
    func set(_ tag: UInt32, int32 value: Int32) throws(FormatError) {
        try set(tag, [value], what: "tag \(tag) = \(value)")
    }

    func set(_ tag: UInt32, string value: String) throws(FormatError) {
        let ok = value.withCString { p in withVaList([p]) { TIFFVSetField(tif, tag, $0) } }
        guard ok == 1 else { throw error(.unsupported, "cannot set tag \(tag)") }
    }

    /// Sets a private UNDEFINED tag to `value`.
    func set(_ tag: UInt32, bytes value: Data) throws(FormatError) {
        let copy = [UInt8](value)
        try copy.withUnsafeBufferPointer { (p) throws(FormatError) in
            guard let base = p.baseAddress else { return }
            try set(tag, [UInt32(p.count), base], what: "tag \(tag)")
        }
    }

    /// Removes a tag from the current directory.
    func unset(_ tag: UInt32) {
        _ = TIFFUnsetField(tif, tag)
    }

    func setExtraSamples(_ values: [UInt16]) throws(FormatError) {
        try values.withUnsafeBufferPointer { (p) throws(FormatError) in
            guard let base = p.baseAddress else { return }
            try set(TIFFTag.extraSamples, [Int32(p.count), base], what: "ExtraSamples")
        }
    }

    // MARK: Layout

    var isBigEndian: Bool { TIFFIsBigEndian(tif) != 0 }
    var isBigTIFF: Bool { TIFFIsBigTIFF(tif) != 0 }
    var isTiled: Bool { TIFFIsTiled(tif) != 0 }
    var directoryCount: Int { Int(TIFFNumberOfDirectories(tif)) }
    var fileSize: Int { stream.count }
    var strileCount: Int { Int(isTiled ? TIFFNumberOfTiles(tif) : TIFFNumberOfStrips(tif)) }
    /// Bytes of one decoded row of a strip (one plane's row when planar).
    var scanlineBytes: Int { Int(clamping: TIFFScanlineSize64(tif)) }
    /// Bytes of one decoded row of a tile.
    var tileRowBytes: Int { Int(clamping: TIFFTileRowSize64(tif)) }
    var tileBytes: Int { Int(clamping: TIFFTileSize64(tif)) }
    func stripBytes(rows: Int) -> Int { Int(clamping: TIFFVStripSize64(tif, UInt32(clamping: rows))) }
    /// Compressed bytes stored for strip or tile `index`.
    func storedBytes(_ index: Int) -> UInt64 { TIFFGetStrileByteCount(tif, UInt32(clamping: index)) }
    /// File offset of strip or tile `index`'s stored bytes.
    func storedOffset(_ index: Int) -> UInt64 { TIFFGetStrileOffset(tif, UInt32(clamping: index)) }
    func strip(row: Int, plane: Int) -> Int { Int(TIFFComputeStrip(tif, UInt32(clamping: row), UInt16(clamping: plane))) }
    func tile(x: Int, y: Int, plane: Int) -> Int {
        Int(TIFFComputeTile(tif, UInt32(clamping: x), UInt32(clamping: y), 0, UInt16(clamping: plane)))
    }

    /// libtiff's name for `tag` (registered or anonymous), or nil.
    func fieldName(_ tag: UInt32) -> String? {
        // TIFF_NOTYPE is TIFF_ANY: any field type.
        guard let field = TIFFFindField(tif, tag, TIFF_NOTYPE), let name = TIFFFieldName(field) else { return nil }
        return String(cString: name)
    }

    /// Whether this libtiff can decode and encode compression `scheme`.
    static func isCodecConfigured(_ scheme: UInt16) -> Bool {
        _ = libTIFFSetUp
        return TIFFIsCODECConfigured(scheme) != 0
    }

    // MARK: Data

    /// Decodes strip or tile `index` into `buffer` (which must hold `expected`
    /// bytes) and checks that exactly `expected` bytes came out.
    func readChunk(_ index: Int, tiled: Bool, into buffer: inout [UInt8], expected: Int) throws(FormatError) {
        guard buffer.count >= expected else { throw error(.malformed, "internal buffer too small") }
        let warningsBefore = log.warnings.count
        let got = buffer.withUnsafeMutableBytes { b in
            tiled ? TIFFReadEncodedTile(tif, UInt32(index), b.baseAddress, tmsize_t(expected))
                  : TIFFReadEncodedStrip(tif, UInt32(index), b.baseAddress, tmsize_t(expected))
        }
        guard got >= 0 else { throw error(.malformed, "cannot decode \(tiled ? "tile" : "strip") \(index)") }
        // libtiff's PackBits (and other) decoders drop what overruns the chunk with
        // only a warning: data that decodes to more than the chunk holds is not this image.
        if log.warnings.dropFirst(warningsBefore).contains(where: { $0.localizedCaseInsensitiveContains("overrun") }) {
            throw FormatError(.malformed, file: name, "\(tiled ? "tile" : "strip") \(index) decodes to more than its \(expected) bytes: "
                              + "its compressed data does not match the image's size")
        }
        guard got == tmsize_t(expected) else {
            throw error(.malformed, "\(tiled ? "tile" : "strip") \(index) holds \(got) bytes, expected \(expected)")
        }
    }

    /// Encodes strip `index` from the first `count` bytes of `bytes`.
    func writeStrip(_ index: Int, _ bytes: inout [UInt8], count: Int) throws(FormatError) {
        let written = bytes.withUnsafeMutableBytes { b in TIFFWriteEncodedStrip(tif, UInt32(index), b.baseAddress, tmsize_t(count)) }
        guard written >= 0 else { throw error(.io, "cannot write strip \(index)") }
    }

    /// Writes the current directory in place of the old one (update mode).
    func rewriteDirectory() throws(FormatError) {
        guard TIFFRewriteDirectory(tif) == 1 else { throw error(.io, "cannot rewrite the TIFF directory") }
    }

    /// Writes the directory (write mode), closes the handle, and returns the file's bytes.
    func finish(writeDirectory: Bool) throws(FormatError) -> Data {
        if writeDirectory {
            guard TIFFWriteDirectory(tif) == 1 else { throw error(.io, "cannot write the TIFF directory") }
        }
        closed = true
        TIFFClose(tif)
        guard log.errors.isEmpty else { throw error(.io, "writing the TIFF failed") }
        return stream.data
    }
}
