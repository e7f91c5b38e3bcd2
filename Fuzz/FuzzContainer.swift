import Codecs
import Foundation

/// The JP2/JPH box reader and the JPEG XL container reader on arbitrary bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzContainer(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    let data = Data(bytes: bytes, count: count)
    _ = try? ISOBox.readAll(data, codec: .j2k)
    _ = try? JP2File.parse(data, codec: .j2k)
    _ = try? JP2File.parse(data, codec: .htj2k)
    _ = try? JXLContainer.read(data)
    return 0
}
