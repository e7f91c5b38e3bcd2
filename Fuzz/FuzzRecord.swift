import Foundation
import Formats
import ImageCore

/// A DPX rebuild record (JSON, as a seal carries it) on arbitrary bytes, rebuilt with
/// samples of the geometry it claims when that geometry is small: every size in it
/// must be checked before anything is allocated.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecord(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    let data = Data(bytes: bytes, count: count)
    guard let record = try? DPXRebuildRecord.decode(data) else {
        _ = try? ImageFile.rebuild(pixels: small, record: data)
        return 0
    }
    let l = record.layout
    guard (1...64).contains(l.width), (1...64).contains(l.height), [1, 3, 4].contains(l.channels),
          let pixels = try? PixelBuffer(width: l.width, height: l.height, channels: l.channels, bitDepth: l.bitDepth) else {
        _ = try? DPXWriter.rebuild(pixels: small, record: record)
        return 0
    }
    _ = try? DPXWriter.rebuild(pixels: pixels, record: record)
    return 0
}

let small = try! PixelBuffer(width: 4, height: 2, channels: 1, bitDepth: 10)
