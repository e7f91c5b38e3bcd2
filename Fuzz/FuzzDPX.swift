import Foundation
import Formats

/// The DPX header parser and sample decoder on arbitrary bytes, then the rebuild from
/// the record the reader made (which must give back the same bytes).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDPX(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    let data = Data(bytes: bytes, count: count)
    _ = try? DPXReader.header(data, name: "fuzz.dpx")
    guard let frame = try? ImageFile.read(data, name: "fuzz.dpx"), frame.format == .dpx else { return 0 }
    guard let rebuilt = try? ImageFile.rebuild(pixels: frame.pixels, record: frame.rebuildRecord), rebuilt == data else {
        fatalError("a DPX that reads does not rebuild byte for byte (\(count) bytes)")
    }
    return 0
}
