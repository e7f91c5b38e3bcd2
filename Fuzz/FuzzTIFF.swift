import Foundation
import Formats

/// Our TIFF directory reader and what libtiff hands it, on arbitrary bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTIFF(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    let data = Data(bytes: bytes, count: count)
    _ = try? TIFF.info(data, name: "fuzz.tif")
    _ = try? TIFF.read(data, name: "fuzz.tif")
    return 0
}
