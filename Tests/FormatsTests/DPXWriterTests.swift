import Foundation
import Formats
import ImageCore
import TestSupport
import Testing

/// New DPX files carry their samples and metadata; odd sizes survive.
@Suite struct DPXWriterTests {
    @Test(arguments: [(4, 4), (4300, 64), (1, 1), (5, 3)], [8, 10, 12, 16])
    func tinyAndThinFramesRoundTrip(_ size: (Int, Int), _ bits: Int) throws {
        let packings: [DPXPacking] = bits == 8 || bits == 16 ? [.packed] : DPXPacking.allCases
        for packing in packings {
            for channels in size.0 > 1000 ? [1, 3] : [1, 3, 4] {
                let pixels = try DPXInteropTests.synthetic(width: size.0, height: size.1, channels: channels, bitDepth: bits)
                let data = try DPXWriter.write(pixels, options: DPXWriteOptions(packing: packing, byteOrder: .little))
                let read = try DPXReader.read(data)
                let same = read.pixels == pixels
                #expect(same, "\(size) \(bits)-bit \(packing) \(channels)ch")
                #expect(read.header.warnings.isEmpty, "\(read.header.warnings)")
                // And the rebuild record reproduces the file.
                let frame = try ImageFile.read(data)
                let rebuilt = try ImageFile.rebuild(pixels: frame.pixels, record: frame.rebuildRecord) == data
                #expect(rebuilt)
            }
        }
    }

    @Test func metadataSurvivesAWriteAndRead() throws {
        var m = FrameMetadata()
        m.transfer = "printing density"; m.colorimetric = "printing density"
        m.orientation = 0; m.frameRate = 24; m.timecode = "01:02:03:04"
        m.framePosition = 86400; m.sequenceLength = 1000
        m.creator = "Scanner 9000"; m.creationDate = "2024:01:02:03:04:05Z"
        m.inputDevice = "ARRISCAN"; m.inputDeviceSerial = "SN42"
        m.project = "Reel 7"; m.copyright = "Archive"; m.originalFileName = "reel7_0086400.dpx"
        m.extra["dpx.filmManufacturerID"] = "KK"; m.extra["dpx.filmType"] = "01"
        m.extra["dpx.filmPrefix"] = "123456"; m.extra["dpx.filmCount"] = "7890"; m.extra["dpx.perfsOffset"] = "03"
        let pixels = try DPXInteropTests.synthetic(width: 8, height: 4, channels: 3, bitDepth: 10)
        let read = try DPXReader.read(try DPXWriter.write(pixels, metadata: m))
        let r = read.metadata
        #expect(r.transfer == m.transfer && r.colorimetric == m.colorimetric)
        #expect(r.frameRate == 24 && r.timecode == "01:02:03:04")
        #expect(r.framePosition == 86400 && r.sequenceLength == 1000)
        #expect(r.creator == m.creator && r.creationDate == m.creationDate)
        #expect(r.inputDevice == "ARRISCAN" && r.inputDeviceSerial == "SN42")
        #expect(r.project == "Reel 7" && r.copyright == "Archive" && r.originalFileName == m.originalFileName)
        #expect(r.keycode == "KK 01 123456 7890 +03")
        #expect(read.header.file.version == "V2.0" && read.header.layout.dataOffset == 2048)
    }

    @Test func nonZeroPaddingBitsAndTrailingBytesAreKeptByTheRecord() throws {
        let pixels = try DPXInteropTests.synthetic(width: 10, height: 3, channels: 3, bitDepth: 10)
        var data = try DPXWriter.write(pixels)
        for offset in stride(from: 2048 + 3, to: data.count, by: 4 * 7) { data[offset] |= 0x03 }   // padding bits
        data.append(Data("trailing user bytes".utf8))
        let frame = try ImageFile.read(data)
        let samePixels = frame.pixels == pixels
        #expect(samePixels)
        let rebuilt = try ImageFile.rebuild(pixels: frame.pixels, record: frame.rebuildRecord) == data
        #expect(rebuilt)
        let record = try DPXRebuildRecord.decode(frame.rebuildRecord)
        #expect(record.patches != nil)
        #expect(record.trailer != nil)
    }

    @Test func userDataAndOffsetPast2048AreReadAndRebuilt() throws {
        let pixels = try DPXInteropTests.synthetic(width: 6, height: 5, channels: 1, bitDepth: 16)
        let plain = try DPXWriter.write(pixels)
        // Insert a 4096-byte user data section: image data moves to 6144.
        var data = plain.prefix(2048)
        var user = Data("USERID-reelpack-test".utf8); user.append(Data(count: 4096 - user.count))
        user[100] = 0x5A
        data.append(user); data.append(plain.suffix(from: 2048))
        func put(_ o: Int, _ v: UInt32) { withUnsafeBytes(of: v.bigEndian) { data.replaceSubrange(o..<(o + 4), with: $0) } }
        put(4, 6144); put(808, 6144); put(32, 4096); put(16, UInt32(data.count))
        let image = try DPXReader.read(data)
        let samePixels = image.pixels == pixels
        #expect(samePixels)
        #expect(image.header.file.userDataSize == 4096)
        #expect(image.header.file.userDataID == "USERID-reelpack-test")
        #expect(image.header.warnings.isEmpty)
        let frame = try ImageFile.read(data)
        let rebuilt = try ImageFile.rebuild(pixels: frame.pixels, record: frame.rebuildRecord) == data
        #expect(rebuilt)
    }

    @Test(arguments: [DPXByteOrder.big, .little])
    func endOfLinePaddingIsSkippedAndKept(_ order: DPXByteOrder) throws {
        let pixels = try DPXInteropTests.synthetic(width: 7, height: 4, channels: 3, bitDepth: 10)
        let plain = try DPXWriter.write(pixels, options: DPXWriteOptions(byteOrder: order))
        let rowBytes = 7 * 4, pad = 12
        var data = plain.prefix(2048)
        for y in 0..<4 {
            data.append(plain.subdata(in: (2048 + y * rowBytes)..<(2048 + (y + 1) * rowBytes)))
            data.append(Data(repeating: UInt8(0xA0 + y), count: pad))   // non-zero padding bytes
        }
        func put(_ o: Int, _ v: UInt32) {
            let b = order == .big ? v.bigEndian : v.littleEndian
            withUnsafeBytes(of: b) { data.replaceSubrange(o..<(o + 4), with: $0) }
        }
        put(812, UInt32(pad)); put(16, UInt32(data.count))
        let image = try DPXReader.read(data)
        #expect(image.header.layout.rowStride == rowBytes + pad)
        let samePixels = image.pixels == pixels
        #expect(samePixels)
        let frame = try ImageFile.read(data)
        let rebuilt = try ImageFile.rebuild(pixels: frame.pixels, record: frame.rebuildRecord) == data
        #expect(rebuilt)
    }

    @Test func twoChannelsAndOddDepthsAreRefused() throws {
        let two = try PixelBuffer(width: 4, height: 4, channels: 2, bitDepth: 10)
        #expect(throws: FormatError.self) { try DPXWriter.write(two) }
        let nine = try PixelBuffer(width: 4, height: 4, channels: 3, bitDepth: 9)
        #expect(throws: FormatError.self) { try DPXWriter.write(nine) }
    }
}
