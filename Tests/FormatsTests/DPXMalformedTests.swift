import Foundation
import Formats
import ImageCore
import TestSupport
import Testing

/// Damaged real files give a clean `FormatError` of the right kind that names the file.
@Suite struct DPXMalformedTests {
    static let sources = ["third-party/oiio_rgb10_filledA.dpx", "third-party/ffmpeg_gbrp12be.dpx",
                          "third-party/dpx_nuke_10bits_rgb.dpx"]

    /// A copy of `path` with `body` applied.
    func damaged(_ path: String, _ body: (inout Data, Bool) -> Void) throws -> Data {
        var data = try Data(contentsOf: Corpus.url(path))
        body(&data, data.prefix(4) == Data("SDPX".utf8))
        return data
    }

    func put32(_ data: inout Data, _ offset: Int, _ value: UInt32, big: Bool) {
        let v = big ? value.bigEndian : value.littleEndian
        withUnsafeBytes(of: v) { data.replaceSubrange(offset..<(offset + 4), with: $0) }
    }

    func expectError(_ data: Data, _ kind: FormatError.Kind, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try ImageFile.read(data, name: name)
            Issue.record("read succeeded", sourceLocation: sourceLocation)
        } catch let error as FormatError {
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
            #expect(error.file == name, sourceLocation: sourceLocation)
            #expect(error.description.hasPrefix(name), sourceLocation: sourceLocation)
            #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: sources, [0, 3, 100, 1000, 1663, 2047, 4000, -1, -4096])
    func truncatedFileIsMalformed(_ path: String, _ cut: Int) throws {
        let full = try Data(contentsOf: Corpus.url(path))
        let length = cut >= 0 ? cut : full.count + cut
        expectError(full.prefix(length), .malformed, "cut-\(length).dpx")
    }

    @Test(arguments: sources)
    func flippedMagicIsMalformed(_ path: String) throws {
        let data = try damaged(path) { d, _ in d[0] ^= 0xFF }
        expectError(data, .malformed, "magic.dpx")
    }

    @Test(arguments: sources)
    func hugeWidthIsALimitNotAnAllocation(_ path: String) throws {
        let data = try damaged(path) { d, big in put32(&d, 772, 1 << 31, big: big) }
        expectError(data, .limitExceeded, "wide.dpx")
    }

    @Test(arguments: sources)
    func hugeWidthAndHeightWithinSideLimitIsALimit(_ path: String) throws {
        let data = try damaged(path) { d, big in put32(&d, 772, 60000, big: big); put32(&d, 776, 60000, big: big) }
        expectError(data, .limitExceeded, "big.dpx")
    }

    @Test(arguments: sources)
    func zeroHeightIsMalformed(_ path: String) throws {
        let data = try damaged(path) { d, big in put32(&d, 776, 0, big: big) }
        expectError(data, .malformed, "flat.dpx")
    }

    @Test(arguments: sources)
    func offsetPastTheEndIsMalformed(_ path: String) throws {
        let data = try damaged(path) { d, big in
            put32(&d, 4, UInt32(d.count + 10), big: big); put32(&d, 808, UInt32(d.count + 10), big: big)
        }
        expectError(data, .malformed, "offset.dpx")
    }

    @Test(arguments: sources)
    func heightTooLargeForTheDataIsMalformed(_ path: String) throws {
        let data = try damaged(path) { d, big in put32(&d, 776, 5000, big: big) }
        expectError(data, .malformed, "tall.dpx")
    }

    @Test(arguments: [0 as UInt8, 100, 52])
    func unsupportedDescriptorIsRefusedClearly(_ descriptor: UInt8) throws {
        let data = try damaged(Self.sources[0]) { d, _ in d[800] = descriptor }
        expectError(data, .unsupported, "descriptor.dpx")
    }

    @Test(arguments: [1 as UInt8, 32, 64, 11])
    func unsupportedBitDepthIsRefusedClearly(_ bits: UInt8) throws {
        let data = try damaged(Self.sources[0]) { d, _ in d[803] = bits }
        expectError(data, .unsupported, "bits.dpx")
    }

    @Test func runLengthEncodingIsUnsupported() throws {
        let data = try damaged(Self.sources[1]) { d, _ in d[806] = 0; d[807] = 1 }
        expectError(data, .unsupported, "rle.dpx")
    }

    @Test func twoElementsAreUnsupported() throws {
        let data = try damaged(Self.sources[1]) { d, _ in d[770] = 0; d[771] = 2 }
        expectError(data, .unsupported, "elements.dpx")
    }
}
