import Foundation
import ImageCore
import TestSupport

/// Synthetic frames and tool-output readers for the HTJ2K tests.
enum HTJ2KFixtures {
    /// A frame with structure a scanner produces: a diagonal gradient, a
    /// sinusoidal pattern, a hard-edged bright box, per-channel offsets and grain
    /// (deterministic for a given `seed`), using the full range of `bitDepth`.
    static func frame(width: Int, height: Int, channels: Int, bitDepth: Int, seed: UInt64 = 1) throws -> PixelBuffer {
        var pixels = try PixelBuffer(width: width, height: height, channels: channels, bitDepth: bitDepth)
        let maxValue = Double(pixels.maxValue)
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func noise() -> Double {  // xorshift, roughly uniform in -1...1
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Double(state % 2001) / 1000 - 1
        }
        for c in 0..<channels {
            for y in 0..<height {
                for x in 0..<width {
                    let gradient = Double(x + y) / Double(width + height)
                    let wave = 0.15 * sin(Double(x) * 0.21 + Double(c)) * cos(Double(y) * 0.13)
                    let box = (x > width / 3 && x < width / 2 && y > height / 4 && y < height / 2) ? 0.3 : 0
                    var v = (0.1 + 0.5 * gradient + wave + box + 0.04 * Double(c)) * maxValue
                    v += noise() * 0.02 * maxValue
                    if x == 0 && y == 0 { v = 0 }  // hit both ends of the range
                    if x == width - 1 && y == height - 1 { v = maxValue }
                    pixels[x, y, c] = UInt16(min(max(v.rounded(), 0), maxValue))
                }
            }
        }
        return pixels
    }

    /// Reads a binary PGM (P5) or PPM (P6) as written by `ojph_expand`:
    /// interleaved, big-endian when maxval > 255. Returns planar samples.
    static func readPNM(_ data: Data) throws -> (width: Int, height: Int, channels: Int, maxValue: Int, samples: [UInt16]) {
        let bytes = [UInt8](data)
        var at = 0
        func token() -> String {
            while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
            let start = at
            while at < bytes.count, !(bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09) { at += 1 }
            return String(decoding: bytes[start..<at], as: UTF8.self)
        }
        struct BadPNM: Error {}
        let magic = token()
        guard magic == "P5" || magic == "P6", let w = Int(token()), let h = Int(token()), let maxv = Int(token()) else {
            throw BadPNM()
        }
        at += 1
        let channels = magic == "P5" ? 1 : 3
        let wide = maxv > 255
        guard bytes.count - at == w * h * channels * (wide ? 2 : 1) else { throw BadPNM() }
        var planar = [UInt16](repeating: 0, count: w * h * channels)
        for i in 0..<(w * h) {
            for c in 0..<channels {
                let k = i * channels + c
                planar[c * w * h + i] = wide ? UInt16(bytes[at + 2 * k]) << 8 | UInt16(bytes[at + 2 * k + 1]) : UInt16(bytes[at + k])
            }
        }
        return (w, h, channels, maxv, planar)
    }

    /// Big-endian 16-bit planar samples (`opj_decompress … -o x.raw`).
    static func readBigEndian16(_ data: Data) -> [UInt16] {
        let bytes = [UInt8](data)
        return stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
    }

    /// Little-endian 16-bit planar samples (`opj_decompress … -o x.rawl`).
    static func readLittleEndian16(_ data: Data) -> [UInt16] {
        let bytes = [UInt8](data)
        return stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0 + 1]) << 8 | UInt16(bytes[$0]) }
    }
}
