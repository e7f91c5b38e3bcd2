import Foundation
import Formats
import ImageCore

/// DPX files laid out as film scanners write them, built byte by byte here (not by
/// `DPXWriter`), so a reader is checked against an independent packing.
///
/// Scanity and Lasergraphics scanners store 10-bit luma (descriptor 6) and RGBA filled
/// (method A or B) with the samples running three to a 32-bit word straight across row
/// ends: a row does not start a new word. Some add frame padding after the last word,
/// some leave the two spare bits of every word set.
public struct ScannerDPX: Sendable {
    /// Which writer the header names (RAWcooked and Reelpack recognise both).
    public enum Writer: Sendable, CaseIterable, CustomStringConvertible {
        /// Input device "Scanity V3.0" in the orientation header.
        case scanity
        /// Creator "Lasergraphics Inc." in the file header.
        case lasergraphics
        /// No scanner name: only the file's size tells the layout.
        case unnamed

        public var description: String {
            switch self {
            case .scanity: "Scanity"
            case .lasergraphics: "Lasergraphics"
            case .unnamed: "unnamed"
            }
        }
    }

    public var width: Int
    public var height: Int
    /// 1 (luma) or 4 (RGBA).
    public var channels: Int = 1
    /// `.filledA` or `.filledB`.
    public var packing: DPXPacking
    public var byteOrder: DPXByteOrder = .big
    public var writer: Writer = .scanity
    /// Set the two spare bits of every word and every unused bit of the last word.
    public var paddingBitsSet = false
    /// Bytes after the last word (filled with 0xFF, as a scanner pads a frame).
    public var framePadding = 0
    /// Offset of the image data (the tiny scanner files use 4096).
    public var dataOffset = 4096
    public var seed: UInt64 = 7

    public init(width: Int, height: Int, channels: Int = 1, packing: DPXPacking, byteOrder: DPXByteOrder = .big,
                writer: Writer = .scanity, paddingBitsSet: Bool = false, framePadding: Int = 0, dataOffset: Int = 4096) {
        self.width = width; self.height = height; self.channels = channels; self.packing = packing
        self.byteOrder = byteOrder; self.writer = writer; self.paddingBitsSet = paddingBitsSet
        self.framePadding = framePadding; self.dataOffset = dataOffset
    }

    /// The samples the file holds (planar, 10-bit, deterministic noise).
    public func pixels() throws -> PixelBuffer {
        var random = SeededRandom(seed: seed)
        let samples = (0..<(width * height * channels)).map { _ in UInt16(random.next() % 1024) }
        return try PixelBuffer(width: width, height: height, channels: channels, bitDepth: 10, samples: samples)
    }

    /// Bytes of the image data: `ceil(width·height·channels / 3)` words.
    public var imageDataBytes: Int { (width * height * channels + 2) / 3 * 4 }

    /// The whole file.
    public func file() throws -> Data {
        let pixels = try pixels()
        var out = Data(count: dataOffset)
        let big = byteOrder == .big
        func put32(_ o: Int, _ v: UInt32) {
            withUnsafeBytes(of: big ? v.bigEndian : v.littleEndian) { out.replaceSubrange(o..<(o + 4), with: $0) }
        }
        func put16(_ o: Int, _ v: UInt16) {
            withUnsafeBytes(of: big ? v.bigEndian : v.littleEndian) { out.replaceSubrange(o..<(o + 2), with: $0) }
        }
        func text(_ o: Int, _ s: String) { out.replaceSubrange(o..<(o + s.utf8.count), with: Array(s.utf8)) }
        // Generic header: every numeric field undefined unless set below.
        out.replaceSubrange(768..<2048, with: [UInt8](repeating: 0xFF, count: 1280))
        put32(0, 0x5344_5058)
        put32(4, UInt32(dataOffset))
        text(8, "V2.0")
        put32(16, UInt32(dataOffset + imageDataBytes + framePadding))
        put32(20, 1)
        put32(24, 1664); put32(28, 384); put32(32, 0)
        text(36, "frame_0086400.dpx")
        text(136, "2025:05:06:07:08:09Z")
        if writer == .lasergraphics { text(160, "Lasergraphics Inc.") }
        put16(768, 0); put16(770, 1)
        put32(772, UInt32(width)); put32(776, UInt32(height))
        put32(780, 0); put32(784, 0); put32(792, 1023)
        out[800] = channels == 1 ? 6 : 51
        out[801] = 2; out[802] = 2; out[803] = 10
        put16(804, UInt16(packing.code)); put16(806, 0)
        put32(808, UInt32(dataOffset)); put32(812, 0); put32(816, 0)
        out.replaceSubrange(820..<852, with: [UInt8](repeating: 0, count: 32))
        out.replaceSubrange(1432..<1620, with: [UInt8](repeating: 0, count: 188))
        if writer == .scanity { text(1556, "Scanity V3.0") }
        // Image data: sample i (row-major, channels interleaved) goes to word i / 3.
        let n = width * height * channels
        var words = [UInt32](repeating: 0, count: (n + 2) / 3)
        let shifts: [UInt32] = packing == .filledA ? [22, 12, 2] : [20, 10, 0]
        let plane = width * height
        for i in 0..<n {
            let pixel = i / channels, channel = i % channels
            words[i / 3] |= UInt32(pixels.samples[channel * plane + pixel]) << shifts[i % 3]
        }
        if paddingBitsSet {
            let spare: UInt32 = packing == .filledA ? 0x3 : 0xC000_0000
            for k in words.indices { words[k] |= spare }
            let used = n - (words.count - 1) * 3   // samples in the last word
            for slot in used..<3 { words[words.count - 1] |= 0x3FF << shifts[slot] }
        }
        for w in words { withUnsafeBytes(of: big ? w.bigEndian : w.littleEndian) { out.append(contentsOf: $0) } }
        out.append(Data(repeating: 0xFF, count: framePadding))
        return out
    }
}
