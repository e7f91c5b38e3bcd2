import Foundation
import ImageCore

/// A black-and-white frame scanned as RGB is stored as one plane (`FrameFeatures.monochrome`,
/// `CompressionSettings.storeMonochromeAsOneChannel`); these turn it back and compare it
/// with the source without building the three-plane copy where that can be avoided.
enum Monochrome {
    /// True when a frame is stored as one plane: the setting allows it, the frame has
    /// three channels, and its analysis found them equal.
    static func storesOnePlane(allowed: Bool, channels: Int, features: FrameFeatures) -> Bool {
        allowed && channels == 3 && features.monochrome
    }

    /// The first plane of a frame as a one-channel frame.
    static func firstPlane(_ p: PixelBuffer) throws -> PixelBuffer {
        try PixelBuffer(width: p.width, height: p.height, channels: 1, bitDepth: p.bitDepth,
                        samples: Array(p.samples[p.planeRange(0)]))
    }

    /// `Digest.sha256(samples:)` of `expand(stored, to: channels)`, without building
    /// the expansion: a one-channel frame's plane is hashed `channels` times.
    static func restoredSHA256(_ stored: PixelBuffer, channels: Int) -> String {
        Digest.sha256(samples: stored, repeated: stored.channels == 1 ? channels : 1)
    }

    /// True when `expand(stored, to: source.channels)` equals `source` (compared plane
    /// by plane, without building the expansion).
    static func expands(_ stored: PixelBuffer, to source: PixelBuffer) -> Bool {
        guard stored.channels == 1, source.channels > 1 else { return stored == source }
        guard stored.width == source.width, stored.height == source.height, stored.bitDepth == source.bitDepth else {
            return false
        }
        return (0..<source.channels).allSatisfy { source.samples[source.planeRange($0)].elementsEqual(stored.samples) }
    }

    /// A one-channel frame copied into `channels` identical planes.
    static func expand(_ p: PixelBuffer, to channels: Int) throws -> PixelBuffer {
        guard p.channels == 1, channels > 1 else { return p }
        var samples: [UInt16] = []
        samples.reserveCapacity(p.samples.count * channels)
        for _ in 0..<channels { samples += p.samples }
        return try PixelBuffer(width: p.width, height: p.height, channels: channels, bitDepth: p.bitDepth, samples: samples)
    }
}
