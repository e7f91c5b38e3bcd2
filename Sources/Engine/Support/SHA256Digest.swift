import Crypto
import Foundation
import ImageCore

/// SHA-256 digests as lowercase hex, of files, bytes and decoded samples.
public enum Digest {
    /// SHA-256 of `data`, lowercase hex.
    public static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 of a file's bytes.
    /// - Throws: the file system's error when it cannot be read.
    public static func sha256(contentsOf url: URL) throws -> String {
        sha256(try Data(contentsOf: url, options: .mappedIfSafe))
    }

    /// SHA-256 of a frame's samples: every sample as a little-endian `UInt16`, planes in
    /// order, preceded by nothing. Two frames with the same samples (whatever file they
    /// came from) have the same digest; `restore` and `verify` recompute it.
    public static func sha256(samples pixels: PixelBuffer) -> String {
        sha256(samples: pixels, repeated: 1)
    }

    /// The same digest for `pixels`' samples given `repeated` times in a row: a
    /// one-channel frame repeated 3 times hashes as its expansion to three identical
    /// planes, without building the expansion.
    static func sha256(samples pixels: PixelBuffer, repeated: Int) -> String {
        var hasher = SHA256()
        #if _endian(little)
        // The samples in memory are already their little-endian bytes: hashed in place.
        pixels.samples.withUnsafeBytes { bytes in
            for _ in 0..<max(1, repeated) { hasher.update(bufferPointer: bytes) }
        }
        #else
        pixels.samples.withUnsafeBufferPointer { s in
            let chunk = 1 << 16
            var bytes = [UInt8](repeating: 0, count: chunk * 2)
            for _ in 0..<max(1, repeated) {
                var i = 0
                while i < s.count {
                    let end = min(s.count, i + chunk)
                    for k in i..<end {
                        let v = s[k].littleEndian
                        bytes[2 * (k - i)] = UInt8(truncatingIfNeeded: v)
                        bytes[2 * (k - i) + 1] = UInt8(truncatingIfNeeded: v >> 8)
                    }
                    bytes.withUnsafeBufferPointer { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer($0)[0..<(2 * (end - i))])) }
                    i = end
                }
            }
        }
        #endif
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
