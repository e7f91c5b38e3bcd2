import Foundation
import ImageCore

/// The fast numeric kernels that turn DPX image data into planar samples and back.
/// A layout whose samples span rows is walked as one long row (`DPXLayout.kernelView`).
///
/// Unsafe pointers are confined to this file. The Formats module keeps Swift's overflow
/// checks (it parses untrusted headers); the per-sample index arithmetic of these loops
/// alone is wrapping (`&+`, `&*`): the bounds are checked once, before the loops, and the
/// checked forms cost 2-4x in decode speed (FUZZING.md).
///
/// Unsafe pointers are confined to this file. Callers check that the buffers are as
/// large as the layout says (`DPXLayout.dataOffset + dataBytes <= file size`, planes of
/// `width * height * channels` samples) before calling; the loops then run without
/// per-sample bounds checks.
enum DPXSampleCodec {
    /// Decodes every row of `layout` from `file` into `planes` (planar, `channels` planes).
    /// Precondition (checked by the caller): the file holds `dataOffset + dataBytes` bytes.
    static func decode(file: UnsafeRawBufferPointer, layout: DPXLayout, planes: UnsafeMutablePointer<UInt16>) {
        let layout = layout.kernelView
        guard let base = file.baseAddress else { return }
        let n = layout.samplesPerRow, w = layout.width, c = layout.channels
        let planeSize = w * layout.height
        let big = layout.byteOrder == .big
        // Fast path: three channels, three samples per word, one pixel per word.
        if layout.bitDepth == 10, c == 3, layout.packing != .packed {
            let shifts: (UInt32, UInt32, UInt32) = layout.packing == .filledA ? (22, 12, 2) : (20, 10, 0)
            let r = planes, g = planes + planeSize, b = planes + 2 * planeSize
            // One loop per byte order, so the swap is not decided per word.
            @inline(__always) func rows(swap: Bool) {
                for y in 0..<layout.height {
                    let row = base + layout.dataOffset + y * layout.rowStride
                    let o = y * w
                    for x in 0..<w {
                        let raw = row.loadUnaligned(fromByteOffset: 4 &* x, as: UInt32.self)
                        let v = swap ? raw.byteSwapped : raw
                        r[o &+ x] = UInt16(truncatingIfNeeded: (v >> shifts.0) & 0x3FF)
                        g[o &+ x] = UInt16(truncatingIfNeeded: (v >> shifts.1) & 0x3FF)
                        b[o &+ x] = UInt16(truncatingIfNeeded: (v >> shifts.2) & 0x3FF)
                    }
                }
            }
            // Words are stored in the file's order; swap when it is not the machine's.
            if big == (1.bigEndian == 1) { rows(swap: false) } else { rows(swap: true) }
            return
        }
        let tmp = UnsafeMutablePointer<UInt16>.allocate(capacity: n + 8)
        defer { tmp.deallocate() }
        for y in 0..<layout.height {
            let row = UnsafeRawPointer(base + layout.dataOffset + y * layout.rowStride)
            unpackRow(row, count: n, layout: layout, big: big, into: tmp)
            scatter(tmp, width: w, channels: c, into: planes + y * w, planeSize: planeSize)
        }
    }

    /// Encodes `planes` into `out` (which must hold `dataBytes` bytes, zero-filled): all
    /// padding bits, row tails and end-of-line padding stay zero.
    static func encode(planes: UnsafePointer<UInt16>, layout: DPXLayout, into out: UnsafeMutableRawPointer) {
        let layout = layout.kernelView
        forEachEncodedRow(planes: planes, layout: layout, rowBuffer: { out + $0 * layout.rowStride }) { _, _ in }
    }

    /// Encodes row after row into the memory `rowBuffer(y)` gives (zero-filled where
    /// padding goes), calling `body(y, row)` after each row is complete.
    static func forEachEncodedRow(planes: UnsafePointer<UInt16>, layout: DPXLayout,
                                  rowBuffer: (Int) -> UnsafeMutableRawPointer,
                                  _ body: (Int, UnsafeMutableRawPointer) -> Void) {
        let layout = layout.kernelView
        let n = layout.samplesPerRow, w = layout.width, c = layout.channels
        let planeSize = w * layout.height
        let big = layout.byteOrder == .big
        if layout.bitDepth == 10, c == 3, layout.packing != .packed {
            let shifts: (UInt32, UInt32, UInt32) = layout.packing == .filledA ? (22, 12, 2) : (20, 10, 0)
            let r = planes, g = planes + planeSize, b = planes + 2 * planeSize
            @inline(__always) func rows(swap: Bool) {
                for y in 0..<layout.height {
                    let row = rowBuffer(y)
                    let o = y * w
                    for x in 0..<w {
                        let v = (UInt32(r[o &+ x] & 0x3FF) << shifts.0) | (UInt32(g[o &+ x] & 0x3FF) << shifts.1)
                            | (UInt32(b[o &+ x] & 0x3FF) << shifts.2)
                        row.storeBytes(of: swap ? v.byteSwapped : v, toByteOffset: 4 &* x, as: UInt32.self)
                    }
                    body(y, row)
                }
            }
            if big == (1.bigEndian == 1) { rows(swap: false) } else { rows(swap: true) }
            return
        }
        let tmp = UnsafeMutablePointer<UInt16>.allocate(capacity: n + 8)
        tmp.initialize(repeating: 0, count: n + 8)
        defer { tmp.deallocate() }
        for y in 0..<layout.height {
            let row = rowBuffer(y)
            gather(planes + y * w, width: w, channels: c, planeSize: planeSize, into: tmp)
            packRow(tmp, count: n, layout: layout, big: big, into: row)
            body(y, row)
        }
    }

    /// Runs of bytes (offsets from the start of the image data) where the file's image
    /// data differs from the zero-padded encoding of `planes`; runs closer than 16 bytes
    /// are merged. Encodes one row at a time, so no second image is held in memory.
    /// Precondition (checked by the caller): the file holds `dataOffset + dataBytes` bytes.
    static func differences(file: UnsafeRawBufferPointer, planes: UnsafePointer<UInt16>, layout: DPXLayout) -> [Range<Int>] {
        let layout = layout.kernelView
        guard let base = file.baseAddress, layout.rowStride > 0 else { return [] }
        let stride = layout.rowStride
        let row = UnsafeMutableRawPointer.allocate(byteCount: stride + 8, alignment: 8)
        row.initializeMemory(as: UInt8.self, repeating: 0, count: stride + 8)
        defer { row.deallocate() }
        var runs: [Range<Int>] = []
        forEachEncodedRow(planes: planes, layout: layout, rowBuffer: { _ in row }) { y, encoded in
            let original = base + layout.dataOffset + y * stride
            guard memcmp(original, encoded, stride) != 0 else { return }
            let start = y * stride
            var i = 0
            while i < stride {
                if i + 8 <= stride,
                   original.loadUnaligned(fromByteOffset: i, as: UInt64.self) == encoded.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                    i += 8; continue
                }
                if original.load(fromByteOffset: i, as: UInt8.self) != encoded.load(fromByteOffset: i, as: UInt8.self) {
                    let at = start + i
                    if let last = runs.last, at - last.upperBound < 16 {
                        runs[runs.count - 1] = last.lowerBound..<(at + 1)
                    } else {
                        runs.append(at..<(at + 1))
                    }
                }
                i += 1
            }
        }
        return runs
    }

    // MARK: Rows

    @inline(__always)
    private static func load32(_ p: UnsafeRawPointer, _ byteOffset: Int, _ big: Bool) -> UInt32 {
        let raw = p.loadUnaligned(fromByteOffset: byteOffset, as: UInt32.self)
        return big ? UInt32(bigEndian: raw) : UInt32(littleEndian: raw)
    }

    @inline(__always)
    private static func load16(_ p: UnsafeRawPointer, _ byteOffset: Int, _ big: Bool) -> UInt16 {
        let raw = p.loadUnaligned(fromByteOffset: byteOffset, as: UInt16.self)
        return big ? UInt16(bigEndian: raw) : UInt16(littleEndian: raw)
    }

    /// Unpacks `count` interleaved samples of one row; `out` holds `count + 8`.
    private static func unpackRow(_ row: UnsafeRawPointer, count n: Int, layout: DPXLayout, big: Bool,
                                  into out: UnsafeMutablePointer<UInt16>) {
        switch (layout.bitDepth, layout.packing) {
        case (8, _):
            let p = row.assumingMemoryBound(to: UInt8.self)
            for i in 0..<n { out[i] = UInt16(p[i]) }
        case (16, _):
            for i in 0..<n { out[i] = load16(row, 2 &* i, big) }
        case (12, .filledA):
            for i in 0..<n { out[i] = load16(row, 2 &* i, big) >> 4 }
        case (12, .filledB):
            for i in 0..<n { out[i] = load16(row, 2 &* i, big) & 0xFFF }
        case (10, .filledA), (10, .filledB):
            let s: (UInt32, UInt32, UInt32) = layout.packing == .filledA ? (22, 12, 2) : (20, 10, 0)
            let words = (n + 2) / 3
            for k in 0..<words {
                let v = load32(row, 4 &* k, big)
                out[3 &* k] = UInt16(truncatingIfNeeded: (v >> s.0) & 0x3FF)
                out[3 &* k &+ 1] = UInt16(truncatingIfNeeded: (v >> s.1) & 0x3FF)
                out[3 &* k &+ 2] = UInt16(truncatingIfNeeded: (v >> s.2) & 0x3FF)
            }
        default:   // packed 10 or 12: lowest bits first, across word boundaries
            let bits = UInt64(layout.bitDepth), mask = (UInt64(1) << bits) - 1
            let words = layout.rowBytes / 4
            var acc: UInt64 = 0, have: UInt64 = 0, k = 0, i = 0
            while i < n {
                if have < bits, k < words {
                    acc |= UInt64(load32(row, 4 &* k, big)) << have
                    have &+= 32; k &+= 1
                }
                out[i] = UInt16(truncatingIfNeeded: acc & mask)
                acc >>= bits; have &-= min(bits, have); i &+= 1
            }
        }
    }

    /// Packs `count` interleaved samples into one row (zero padding).
    private static func packRow(_ tmp: UnsafeMutablePointer<UInt16>, count n: Int, layout: DPXLayout, big: Bool,
                                into row: UnsafeMutableRawPointer) {
        @inline(__always) func store32(_ v: UInt32, _ o: Int) {
            row.storeBytes(of: big ? v.bigEndian : v.littleEndian, toByteOffset: o, as: UInt32.self)
        }
        @inline(__always) func store16(_ v: UInt16, _ o: Int) {
            row.storeBytes(of: big ? v.bigEndian : v.littleEndian, toByteOffset: o, as: UInt16.self)
        }
        switch (layout.bitDepth, layout.packing) {
        case (8, _):
            let p = row.assumingMemoryBound(to: UInt8.self)
            for i in 0..<n { p[i] = UInt8(truncatingIfNeeded: tmp[i]) }
        case (16, _):
            for i in 0..<n { store16(tmp[i], 2 &* i) }
        case (12, .filledA):
            for i in 0..<n { store16((tmp[i] & 0xFFF) << 4, 2 &* i) }
        case (12, .filledB):
            for i in 0..<n { store16(tmp[i] & 0xFFF, 2 &* i) }
        case (10, .filledA), (10, .filledB):
            let s: (UInt32, UInt32, UInt32) = layout.packing == .filledA ? (22, 12, 2) : (20, 10, 0)
            let words = (n + 2) / 3
            // Samples past `n` in the last word must be zero.
            for i in n..<(3 * words) { tmp[i] = 0 }
            for k in 0..<words {
                let v = (UInt32(tmp[3 &* k] & 0x3FF) << s.0) | (UInt32(tmp[3 &* k &+ 1] & 0x3FF) << s.1)
                    | (UInt32(tmp[3 &* k &+ 2] & 0x3FF) << s.2)
                store32(v, 4 &* k)
            }
        default:
            let bits = UInt64(layout.bitDepth), mask = (UInt64(1) << bits) - 1
            var acc: UInt64 = 0, have: UInt64 = 0, k = 0
            for i in 0..<n {
                acc |= (UInt64(tmp[i]) & mask) << have
                have &+= bits
                if have >= 32 {
                    store32(UInt32(truncatingIfNeeded: acc), 4 * k)
                    acc >>= 32; have &-= 32; k &+= 1
                }
            }
            if have > 0 { store32(UInt32(truncatingIfNeeded: acc), 4 * k) }
        }
    }

    // MARK: Interleaving

    @inline(__always)
    private static func scatter(_ tmp: UnsafeMutablePointer<UInt16>, width w: Int, channels c: Int,
                                into plane0: UnsafeMutablePointer<UInt16>, planeSize: Int) {
        if c == 1 { plane0.update(from: tmp, count: w); return }
        for ch in 0..<c {
            let p = plane0 + ch * planeSize
            for x in 0..<w { p[x] = tmp[x &* c &+ ch] }
        }
    }

    @inline(__always)
    private static func gather(_ plane0: UnsafePointer<UInt16>, width w: Int, channels c: Int, planeSize: Int,
                               into tmp: UnsafeMutablePointer<UInt16>) {
        if c == 1 { tmp.update(from: plane0, count: w); return }
        for ch in 0..<c {
            let p = plane0 + ch * planeSize
            for x in 0..<w { tmp[x &* c &+ ch] = p[x] }
        }
    }
}
