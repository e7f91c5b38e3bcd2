import ImageCore

/// Conversion between Reelpack's planar code values and libjxl's interleaved
/// 16-bit samples.
///
/// libjxl 0.7 reads `JXL_TYPE_UINT16` input as 0…65535 whatever `bits_per_sample`
/// says, and quantises to the declared depth as `round(u · max / 65535)`; it
/// writes decoded samples back the same way. A `b`-bit code `v` (max = 2^b − 1)
/// is therefore sent as `up(v) = round(v · 65535 / max)` and a decoded `u` is
/// taken back as `down(u) = round(u · max / 65535)`.
///
/// Exactness: `up(v) = v · 65535/max + e` with `|e| ≤ 1/2`, so
/// `down(up(v)) = round(v + e · max/65535)` and `|e · max/65535| ≤ max/131070 < 1/2`
/// for every depth up to 16: the result is `v`. (Bit replication, as TIFF uses, is
/// also within that bound, but rounding is exactly the inverse of what libjxl
/// computes, so it is the one chosen.) `JPEGXLSampleLayoutTests` checks every
/// code of every depth, and the lossless round-trip tests check it through libjxl.
enum JXLSampleLayout {
    /// `round(v · 65535 / max)` for a `bitDepth`-bit code.
    @inline(__always)
    static func scaleUp(_ v: UInt16, max: UInt32) -> UInt16 {
        UInt16(truncatingIfNeeded: (UInt32(v) &* 65535 &+ max / 2) / max)
    }

    /// `round(u · max / 65535)` back to a `bitDepth`-bit code.
    @inline(__always)
    static func scaleDown(_ u: UInt16, max: UInt32) -> UInt16 {
        UInt16(truncatingIfNeeded: (UInt32(u) &* max &+ 32767) / 65535)
    }

    /// Planar code values → libjxl's interleaved 0…65535 samples.
    /// Samples above the declared depth (which callers reject first) are clamped.
    static func interleave(_ pixels: PixelBuffer) -> JXLInterleavedImage {
        let channels = pixels.channels
        let n = pixels.planeSize
        let max = UInt32(pixels.maxValue)
        var out = [UInt16](repeating: 0, count: n * channels)
        pixels.samples.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for c in 0..<channels {
                    let plane = c * n
                    if max == 65535 {
                        for i in 0..<n { dst[i * channels + c] = src[plane + i] }
                    } else {
                        for i in 0..<n {
                            let v = Swift.min(UInt32(src[plane + i]), max)
                            dst[i * channels + c] = scaleUp(UInt16(v), max: max)
                        }
                    }
                }
            }
        }
        let colour = channels >= 3 ? 3 : 1
        return JXLInterleavedImage(width: pixels.width, height: pixels.height, colorChannels: colour,
                                   hasAlpha: channels == 2 || channels == 4, bitDepth: pixels.bitDepth, samples: out)
    }

    /// libjxl's interleaved 0…65535 samples → planar codes at `image.bitDepth`.
    static func deinterleave(_ image: JXLInterleavedImage) throws(PixelBufferError) -> PixelBuffer {
        let channels = image.channelCount
        let n = image.width * image.height
        let max = UInt32((1 << image.bitDepth) - 1)
        guard image.samples.count == n * channels else {
            throw .sampleCountMismatch(expected: n * channels, actual: image.samples.count)
        }
        var planar = [UInt16](repeating: 0, count: n * channels)
        image.samples.withUnsafeBufferPointer { src in
            planar.withUnsafeMutableBufferPointer { dst in
                for c in 0..<channels {
                    let plane = c * n
                    if max == 65535 {
                        for i in 0..<n { dst[plane + i] = src[i * channels + c] }
                    } else {
                        for i in 0..<n { dst[plane + i] = scaleDown(src[i * channels + c], max: max) }
                    }
                }
            }
        }
        return try PixelBuffer(width: image.width, height: image.height, channels: channels,
                               bitDepth: image.bitDepth, samples: planar)
    }
}
