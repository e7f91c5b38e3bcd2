import Foundation

/// The tag numbers of a TIFF's first directory, read straight from the bytes
/// (libtiff has no call that lists the baseline tags a file holds).
///
/// Every offset is bounds-checked; a damaged directory gives an empty or partial list.
enum TIFFDirectoryScan {
    /// Tag numbers in the order stored, or `[]` when the header is not TIFF.
    static func firstDirectoryTags(_ data: Data) -> [UInt32] {
        let bytes = [UInt8](data.prefix(16))
        guard bytes.count >= 8 else { return [] }
        let little: Bool
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return []
        }
        func read(_ offset: Int, _ size: Int) -> UInt64? {
            guard offset >= 0, size > 0, offset <= data.count - size else { return nil }
            var value: UInt64 = 0
            let start = data.startIndex + offset
            for i in 0..<size {
                let byte = UInt64(data[start + (little ? size - 1 - i : i)])
                value = value << 8 | byte
            }
            return value
        }
        guard let magic = read(2, 2) else { return [] }
        let big = magic == 43
        guard magic == 42 || big else { return [] }
        guard let ifd = big ? read(8, 8) : read(4, 4), ifd < UInt64(data.count) else { return [] }
        let countSize = big ? 8 : 2, entrySize = big ? 20 : 12
        guard let count = read(Int(ifd), countSize), count <= 4096 else { return [] }
        var tags: [UInt32] = []
        for i in 0..<Int(count) {
            guard let tag = read(Int(ifd) + countSize + i * entrySize, 2) else { break }
            tags.append(UInt32(tag))
        }
        return tags
    }
}
