import Foundation
import Formats
import Testing
import TestSupport

/// `reelpack measure` as a user runs it (the built binary).
@Suite("reelpack measure")
struct MeasureCommandTests {
    /// True once `ImageFile.read` decodes the corpus's DPX and TIFF files.
    static let readersAvailable: Bool = {
        let dpx = try? ImageFile.read(contentsOf: Corpus.url("photos/Cannon_log10.dpx"))
        let tiff = try? ImageFile.read(contentsOf: Corpus.url("photos/Cannon_srgb16.tif"))
        return dpx != nil && tiff != nil
    }()

    @Test("an unreadable file fails with exit 1 and names the file")
    func missingFile() throws {
        let missing = "/nonexistent/reelpack-missing-frame.dpx"
        let result = try ReelpackBinary.run(["measure", missing, Corpus.url("photos/Cannon_log10.dpx").path])
        #expect(result.status == 1)
        #expect(String(decoding: result.stderr, as: UTF8.self).contains(missing))
        #expect(result.stdout.isEmpty)
    }

    @Test("a frame against itself: identical, psnr null in JSON", .enabled(if: readersAvailable))
    func identicalJSON() throws {
        let file = Corpus.url("photos/Cannon_log10.dpx").path
        let result = try ReelpackBinary.run(["measure", file, file, "--json"])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        #expect(object["ssim"] as? Double == 1)
        #expect((object["ssimPerChannel"] as? [Double])?.count == 3)
        #expect(object["tileFloor"] as? Double == 1)
        #expect(object["psnr"] is NSNull)
        #expect(object["identical"] as? Bool == true)
        #expect(object["maxError"] as? Int == 0)
        #expect(object["worstTile"] is [String: Any])
    }

    @Test("the same photo in two DPX packings is identical; text output says so", .enabled(if: readersAvailable))
    func packingsAgree() throws {
        let result = try ReelpackBinary.run(["measure", Corpus.url("third-party/oiio_rgb10_filledA.dpx").path,
                                             Corpus.url("third-party/oiio_rgb10_packed.dpx").path])
        #expect(result.status == 0)
        let text = String(decoding: result.stdout, as: UTF8.self)
        #expect(text.contains("identical"))
        #expect(text.contains("max error   0"))
    }

    @Test("frames of different sizes or depths fail with exit 1 and say why", .enabled(if: readersAvailable),
          arguments: [("photos/Cannon_log10.dpx", "photos/Carrots_log10.dpx", "different sizes"),
                      ("photos/Cannon_log10.dpx", "photos/Cannon_709_12.dpx", "different bit depths")])
    func mismatch(reference: String, test: String, reason: String) throws {
        let result = try ReelpackBinary.run(["measure", Corpus.url(reference).path, Corpus.url(test).path, "--json"])
        #expect(result.status == 1)
        #expect(String(decoding: result.stderr, as: UTF8.self).contains(reason))
        #expect(result.stdout.isEmpty)
    }
}
