import CZlib
import Foundation

/// zlib streams (RFC 1950) for the seal's rebuild record: a DPX header is mostly
/// padding and fixed-width text fields, and deflates to about a seventh.
enum Zlib {
    /// `data` as one zlib stream at the best compression level.
    static func compress(_ data: Data) -> Data {
        var bound = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(bound))
        let status = data.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer { dst in
                compress2(dst.baseAddress, &bound, src.bindMemory(to: Bytef.self).baseAddress, uLong(data.count), 9)
            }
        }
        // compress2 fails only on a too-small buffer or no memory; compressBound rules out the first.
        precondition(status == Z_OK, "zlib compress2 failed (\(status))")
        return Data(out[0..<Int(bound)])
    }

    /// The bytes of one zlib stream, or nil when `data` is not a complete, valid
    /// stream or would inflate to more than `limit` bytes.
    static func decompress(_ data: Data, limit: Int = 64 << 20) -> Data? {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var out = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        return data.withUnsafeBytes { raw -> Data? in
            let src = raw.bindMemory(to: Bytef.self)
            stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress)
            stream.avail_in = uInt(src.count)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { dst -> (Int32, Int) in
                    stream.next_out = dst.baseAddress
                    stream.avail_out = uInt(dst.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, dst.count - Int(stream.avail_out))
                }
                out.append(contentsOf: chunk[0..<produced])
                if out.count > limit { return nil }
                switch status {
                case Z_STREAM_END: return stream.avail_in == 0 ? out : nil
                case Z_OK: if produced == 0 && stream.avail_in == 0 { return nil }  // truncated
                default: return nil
                }
            }
        }
    }
}
