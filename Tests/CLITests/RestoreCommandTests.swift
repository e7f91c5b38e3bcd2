import Foundation
import TestSupport
import Testing

@Suite struct RestoreCommandTests {
    @Test func restoresByteForByteAndRefusesToOverwrite() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let out = try CLIFixture.compress(dir)
        let dest = dir.file("restored")
        let r = try ReelpackBinary.run(["restore", out.path, "-o", dest.path, "--json"])
        #expect(r.status == 0, "\(String(decoding: r.stderr, as: UTF8.self))")
        let doc = try CLIFixture.json(r.stdout)
        #expect(doc["restored"] as? Int == 2)
        #expect(doc["byteExact"] as? Int == 2)
        #expect(doc["failed"] as? Int == 0)
        for file in CLIFixture.files {
            let name = (file as NSString).lastPathComponent
            let same = try Data(contentsOf: dest.appendingPathComponent(name)) == Data(contentsOf: Corpus.url(file))
            #expect(same, "\(file)")
        }
        let again = try ReelpackBinary.run(["restore", out.path, "-o", dest.path])
        #expect(again.status == 1)
        #expect(String(decoding: again.stderr, as: UTF8.self).contains("--overwrite"))
        let forced = try ReelpackBinary.run(["restore", out.path, "-o", dest.path, "--overwrite"])
        #expect(forced.status == 0)
    }

    @Test func usageErrors() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let out = try CLIFixture.compress(dir, files: ["third-party/ffmpeg_gray.dpx"])
        let badFormat = try ReelpackBinary.run(["restore", out.path, "-o", dir.file("r").path, "--format", "exr"])
        #expect(badFormat.status == 2)
        let intoFrames = try ReelpackBinary.run(["restore", out.path, "-o", out.appendingPathComponent("frames").path])
        #expect(intoFrames.status == 2)
        let tiff = try ReelpackBinary.run(["restore", out.path, "-o", dir.file("t").path, "--format", "tiff"])
        #expect(tiff.status == 0, "\(String(decoding: tiff.stderr, as: UTF8.self))")
        #expect(FileManager.default.fileExists(atPath: dir.file("t/ffmpeg_gray.tif").path))
    }
}
