import Foundation

/// The entries of a TIFF's first directory, read straight from the bytes: libtiff
/// has no call that lists the baseline tags a file holds, and it skips a tag whose
/// value lies past the end of a truncated file with only a warning.
///
/// Every offset is bounds-checked; a damaged directory gives an empty or partial list.
enum TIFFDirectoryScan {
    /// One directory entry: its tag and whether its value lies inside the file.
    struct Entry: Equatable {
        var tag: UInt32
        var valueInsideFile: Bool
    }

    /// Entries in the order stored, or `[]` when the header is not TIFF.
    static func firstDirectory(_ data: Data) -> [Entry] {
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
        let countSize = big ? 8 : 2, entrySize = big ? 20 : 12, inline = big ? 8 : 4
        guard let count = read(Int(ifd), countSize), count <= 4096 else { return [] }
        var entries: [Entry] = []
        for i in 0..<Int(count) {
            let at = Int(ifd) + countSize + i * entrySize
            guard let tag = read(at, 2), let type = read(at + 2, 2),
                  let valueCount = read(at + 4, big ? 8 : 4) else { break }
            var inside = true
            let (size, overflow) = valueCount.multipliedReportingOverflow(by: typeSize(type))
            if overflow {
                inside = false
            } else if size > UInt64(inline) {
                let valueAt = at + 4 + (big ? 8 : 4)
                if let offset = read(valueAt, inline) {
                    let (end, o) = offset.addingReportingOverflow(size)
                    inside = !o && end <= UInt64(data.count)
                } else {
                    inside = false
                }
            }
            entries.append(Entry(tag: UInt32(tag), valueInsideFile: inside))
        }
        return entries
    }

    /// Bytes the header and the first directory (its entry count, entries and next
    /// offset) take, or nil when they cannot be read: stored image data must lie apart.
    static func headerAndFirstDirectory(_ data: Data) -> (header: Range<UInt64>, directory: Range<UInt64>)? {
        let bytes = [UInt8](data.prefix(16))
        guard bytes.count >= 8, bytes[0] == bytes[1], bytes[0] == 0x49 || bytes[0] == 0x4D else { return nil }
        let little = bytes[0] == 0x49
        func read(_ offset: UInt64, _ size: Int) -> UInt64? {
            guard offset <= UInt64(data.count), size <= data.count - Int(offset) else { return nil }
            var value: UInt64 = 0
            let start = data.startIndex + Int(offset)
            for i in 0..<size { value = value << 8 | UInt64(data[start + (little ? size - 1 - i : i)]) }
            return value
        }
        guard let magic = read(2, 2), magic == 42 || magic == 43 else { return nil }
        let big = magic == 43
        guard let ifd = big ? read(8, 8) : read(4, 4), let count = read(ifd, big ? 8 : 2), count <= 4096 else { return nil }
        let size = UInt64(big ? 8 + 20 * Int(count) + 8 : 2 + 12 * Int(count) + 4)
        return (0..<UInt64(big ? 16 : 8), ifd..<(ifd + size))
    }

    /// True when `data` starts with a classic or BigTIFF header in either byte order.
    static func hasTIFFHeader(_ data: Data) -> Bool {
        let m = [UInt8](data.prefix(4))
        return m == [0x49, 0x49, 42, 0] || m == [0x4D, 0x4D, 0, 42] || m == [0x49, 0x49, 43, 0] || m == [0x4D, 0x4D, 0, 43]
    }

    /// Bytes per value of TIFF field type `type` (1 for unknown types).
    static func typeSize(_ type: UInt64) -> UInt64 {
        switch type {
        case 3, 8: 2                 // SHORT, SSHORT
        case 4, 9, 11, 13: 4         // LONG, SLONG, FLOAT, IFD
        case 5, 10, 12, 16, 17, 18: 8   // RATIONAL, SRATIONAL, DOUBLE, LONG8, SLONG8, IFD8
        default: 1                   // BYTE, ASCII, SBYTE, UNDEFINED
        }
    }
}
