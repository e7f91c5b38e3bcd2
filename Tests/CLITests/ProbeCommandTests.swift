import Foundation
import TestSupport
import Testing

/// `reelpack probe` prints header fields as text or one JSON document, and names bad files.
@Suite struct ProbeCommandTests {
    func json(_ data: Data) throws -> Any { try JSONSerialization.jsonObject(with: data) }

    @Test(arguments: [
        ("third-party/oiio_rgb10_filledA.dpx", 780, 566, 3, 10, "filledA", "little"),
        ("third-party/ffmpeg_gbrp12be.dpx", 780, 566, 3, 12, "filledA", "big"),
        ("third-party/oiio_luma10.dpx", 780, 566, 1, 10, "packed", "little"),
        ("third-party/dpx_nuke_16bits_rgba.dpx", 512, 512, 4, 10, "filledA", "big"),
    ])
    func jsonForOneDPXIsAnObjectWithTheStableKeys(_ path: String, _ w: Int, _ h: Int, _ c: Int, _ bits: Int,
                                                   _ packing: String, _ order: String) throws {
        let result = try ReelpackBinary.run(["probe", "--json", Corpus.url(path).path])
        #expect(result.status == 0, "\(String(decoding: result.stderr, as: UTF8.self))")
        let object = try #require(try json(result.stdout) as? [String: Any])
        #expect(object["format"] as? String == "dpx")
        #expect(object["width"] as? Int == w && object["height"] as? Int == h)
        #expect(object["channels"] as? Int == c && object["bitDepth"] as? Int == bits)
        #expect(object["packing"] as? String == packing && object["byteOrder"] as? String == order)
        #expect(object["warnings"] is [String])
        #expect(object.keys.contains("timecode") && object.keys.contains("userDataSize"))
    }

    @Test func nukeWarningIsShownInText() throws {
        let result = try ReelpackBinary.run(["probe", Corpus.url("third-party/dpx_nuke_16bits_rgba.dpx").path])
        #expect(result.status == 0)
        let text = String(decoding: result.stdout, as: UTF8.self)
        #expect(text.contains("warnings") && text.contains("file size"))
        #expect(text.contains("Nuke"))
    }

    @Test func severalFilesGiveOneJSONArray() throws {
        let files = ["third-party/ffmpeg_gray.dpx", "photos/Cannon_srgb16.tif"].map { Corpus.url($0).path }
        let result = try ReelpackBinary.run(["probe", "--json"] + files)
        #expect(result.status == 0, "\(String(decoding: result.stderr, as: UTF8.self))")
        let array = try #require(try json(result.stdout) as? [[String: Any]])
        #expect(array.count == 2)
        #expect(array.first?["format"] as? String == "dpx" && array.first?["bitDepth"] as? Int == 8)
        #expect(array.last?["format"] as? String == "tiff" && array.last?["bitDepth"] as? Int == 16)
        #expect(array.last?["compression"] as? String == "none")
    }

    @Test func truncatedFileExitsOneWithALineNamingIt() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let bad = dir.file("broken_0001.dpx")
        try Data(try Data(contentsOf: Corpus.url("third-party/oiio_rgb10_filledA.dpx")).prefix(5000)).write(to: bad)
        let result = try ReelpackBinary.run(["probe", "--json", bad.path])
        #expect(result.status == 1)
        let message = String(decoding: result.stderr, as: UTF8.self)
        #expect(message.contains(bad.path))
        #expect(message.trimmingCharacters(in: .newlines).split(separator: "\n").count == 1)
        #expect(result.stdout.isEmpty)
    }
}
