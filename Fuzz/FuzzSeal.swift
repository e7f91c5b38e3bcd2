import Engine
import Formats
import Foundation
import ImageCore

/// A whole seal (the JSON document inside every output file) on arbitrary bytes: the
/// decoder, the encoder on what decoded, the rebuild record it carries (base64, zlib)
/// and, when that record claims a small geometry, the rebuild from it.
///
/// Property besides "no trap, no memory error": a seal that decodes encodes, and that
/// encoding decodes to the same seal (what `probe` prints and `verify` reads agree).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSeal(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    let data = Data(bytes: bytes, count: count)
    guard let seal = try? Seal.decode(data) else { return 0 }
    if let encoded = try? seal.encoded() {
        guard let again = try? Seal.decode(encoded), again == seal else {
            fatalError("a decoded seal does not survive its own encoding")
        }
    }
    guard let record = seal.rebuildRecordData else { return 0 }
    guard let dpx = try? DPXRebuildRecord.decode(record) else {
        if let pixels = smallPixels(seal.width, seal.height, seal.channels, seal.bitDepth) {
            _ = try? ImageFile.rebuild(pixels: pixels, record: record)
        }
        return 0
    }
    let l = dpx.layout
    if let pixels = smallPixels(l.width, l.height, l.channels, l.bitDepth) {
        _ = try? DPXWriter.rebuild(pixels: pixels, record: dpx)
    }
    return 0
}

/// Zeroed samples of the claimed geometry when it is small enough to allocate freely.
func smallPixels(_ width: Int, _ height: Int, _ channels: Int, _ bitDepth: Int) -> PixelBuffer? {
    guard (1...64).contains(width), (1...64).contains(height), [1, 3, 4].contains(channels) else { return nil }
    return try? PixelBuffer(width: width, height: height, channels: channels, bitDepth: bitDepth)
}
