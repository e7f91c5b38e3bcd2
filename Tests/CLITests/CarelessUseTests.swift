import Foundation
import TestSupport
import Testing

/// The commands used as a careless user would (issue 17, items 4 and 12-18): each
/// mistake is refused with a message that names it, or handled, never silently lossy.
@Suite struct CarelessUseTests {
    static func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }

    /// A source folder with one small corpus frame in it, named `name`.
    static func source(_ dir: TemporaryDirectory, name: String = "ffmpeg_gray.dpx") throws -> URL {
        let src = dir.file("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Corpus.url("third-party/ffmpeg_gray.dpx"), to: src.appendingPathComponent(name))
        return src
    }

    static func compress(_ src: URL, _ out: URL) throws -> (status: Int32, stdout: Data, stderr: Data) {
        try ReelpackBinary.run(["compress", src.path, "-o", out.path, "--profile", "lossless", "--codec", "htj2k", "--jobs", "1"])
    }

    @Test("4: a FIFO named *.dpx in a source folder is listed and skipped, not read forever")
    func fifoIsSkipped() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.source(dir)
        #expect(mkfifo(src.appendingPathComponent("trap_0001.dpx").path, 0o644) == 0)
        let analyze = try ReelpackBinary.run(["analyze", src.path, "--json"])
        #expect(analyze.status == 0, "\(Self.text(analyze.stderr))")
        let r = try Self.compress(src, dir.file("out"))
        #expect(r.status == 0, "\(Self.text(r.stderr))")
        #expect(Self.text(r.stderr).contains("not a regular file (trap_0001.dpx)"), "\(Self.text(r.stderr))")
    }

    @Test("12: compress -o \"\" and restore -o \"\" are usage errors, not the current folder")
    func emptyOutputIsAUsageError() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.source(dir)
        let c = try ReelpackBinary.run(["compress", src.path, "-o", "", "--profile", "lossless"])
        #expect(c.status == 2)
        #expect(Self.text(c.stderr).contains("-o/--output must name a folder"))
        let out = dir.file("out")
        #expect(try Self.compress(src, out).status == 0)
        let r = try ReelpackBinary.run(["restore", out.path, "-o", ""])
        #expect(r.status == 2)
        #expect(Self.text(r.stderr).contains("-o/--output must name a folder"))
    }

    @Test("13: compress into a folder holding the user's files is refused, and they are kept")
    func foreignFolderIsRefused() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.source(dir)
        let out = dir.file("mine")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("my notes".utf8).write(to: out.appendingPathComponent("summary.json"))
        let r = try Self.compress(src, out)
        #expect(r.status == 2)
        #expect(Self.text(r.stderr).contains("is not empty and not a Reelpack output"), "\(Self.text(r.stderr))")
        #expect(try Data(contentsOf: out.appendingPathComponent("summary.json")) == Data("my notes".utf8))
        // An empty folder is fine.
        let empty = dir.file("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(try Self.compress(src, empty).status == 0)
    }

    @Test("14: convert refuses an existing destination without --overwrite")
    func convertKeepsAnExistingDestination() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let dst = dir.file("frame.tif")
        try Data("precious".utf8).write(to: dst)
        let src = Corpus.url("third-party/ffmpeg_gray.dpx").path
        let r = try ReelpackBinary.run(["convert", src, dst.path])
        #expect(r.status == 2)
        #expect(Self.text(r.stderr).contains("already exists (pass --overwrite"))
        #expect(try Data(contentsOf: dst) == Data("precious".utf8))
        #expect(try ReelpackBinary.run(["convert", src, dst.path, "--overwrite"]).status == 0)
        #expect(try Data(contentsOf: dst) != Data("precious".utf8))
    }

    @Test("16: verify --threads 100000 is a usage error and records no fixity failure")
    func absurdThreadsAreRefused() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.source(dir)
        let out = dir.file("out")
        #expect(try Self.compress(src, out).status == 0)
        for command in ["verify", "restore"] {
            let extra = command == "restore" ? ["-o", dir.file("r").path] : []
            let r = try ReelpackBinary.run([command, out.path, "--threads", "100000"] + extra)
            #expect(r.status == 2, "\(command)")
            #expect(Self.text(r.stderr).contains("--threads must be at most 256"))
        }
        let events = try ExternalTool.run(["sqlite3", out.appendingPathComponent("reelpack.sqlite").path,
                                           "SELECT COUNT(*) FROM events WHERE outcome = 'failure'"])
        #expect(Self.text(events).trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        #expect(try ReelpackBinary.run(["verify", out.path, "--threads", "256"]).status == 0)
    }

    @Test("17: a newline in a source file name is escaped in the manifest: the fresh archive verifies and restores")
    func newlineInANameVerifies() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try Self.source(dir, name: "reel\nfirst%0A.dpx")
        let out = dir.file("out")
        let c = try Self.compress(src, out)
        #expect(c.status == 0, "\(Self.text(c.stderr))")
        let manifest = try String(contentsOf: out.appendingPathComponent("manifest-sha256.txt"), encoding: .utf8)
        #expect(manifest.split(separator: "\n").count == 1)
        #expect(manifest.contains("frames/reel%0Afirst%250A.jph"))
        let v = try ReelpackBinary.run(["verify", out.path, "--source", src.path])
        #expect(v.status == 0, "\(Self.text(v.stderr))")
        let r = try ReelpackBinary.run(["restore", out.path, "-o", dir.file("r").path])
        #expect(r.status == 0, "\(Self.text(r.stderr))")
        #expect(FileManager.default.fileExists(atPath: dir.file("r").appendingPathComponent("reel\nfirst%0A.dpx").path))
    }

    @Test("18: a 240-character source name compresses: temporary names are short")
    func longNameCompresses() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let name = String(repeating: "n", count: 236) + ".dpx"
        let src = try Self.source(dir, name: name)
        let out = dir.file("out")
        let c = try Self.compress(src, out)
        #expect(c.status == 0, "\(Self.text(c.stderr))")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("frames/\(String(repeating: "n", count: 236)).jph").path))
        #expect(try ReelpackBinary.run(["verify", out.path]).status == 0)
    }
}

/// Clear errors (issue 17, items 20 and 23): every message names the file and says
/// what is wrong in words, not a Foundation error domain and code.
@Suite struct ClearErrorTests {
    @Test("20: probe on a corrupt jp2/jph/jxl names the file")
    func corruptOutputIsNamed() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try CarelessUseTests.source(dir)
        for codec in ["j2k", "htj2k", "jxl"] {
            let out = dir.file("out-\(codec)")
            #expect(try ReelpackBinary.run(["compress", src.path, "-o", out.path, "--profile", "lossless", "--codec", codec]).status == 0)
            let file = try #require(try FileManager.default.contentsOfDirectory(at: out.appendingPathComponent("frames"),
                                                                               includingPropertiesForKeys: nil).first)
            let cut = dir.file("cut-" + file.lastPathComponent)
            try Data(contentsOf: file).prefix(600).write(to: cut)
            let r = try ReelpackBinary.run(["probe", cut.path])
            #expect(r.status == 1)
            #expect(CarelessUseTests.text(r.stderr).contains(cut.path), "\(CarelessUseTests.text(r.stderr))")
        }
    }

    @Test("21: libjxl's trace on a corrupt codestream goes into the error, not onto stderr as lines of its own")
    func libjxlTraceIsInTheError() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let src = try CarelessUseTests.source(dir)
        let out = dir.file("out")
        #expect(try ReelpackBinary.run(["compress", src.path, "-o", out.path, "--profile", "lossless", "--codec", "jxl"]).status == 0)
        let file = try #require(try FileManager.default.contentsOfDirectory(at: out.appendingPathComponent("frames"),
                                                                           includingPropertiesForKeys: nil).first)
        // Garble a stretch of the codestream (not its end): libjxl reads on and fails deep inside.
        var data = try Data(contentsOf: file)
        let from = data.count / 3
        for i in from..<min(data.count, from + 200) { data[i] ^= 0x5A }
        let bad = dir.file("garbled.jxl")
        try data.write(to: bad)
        let r = try ReelpackBinary.run(["probe", bad.path])
        let lines = CarelessUseTests.text(r.stderr).split(separator: "\n")
        #expect(r.status == 1)
        #expect(lines.count == 1, "\(lines)")
        #expect(lines.allSatisfy { !$0.hasPrefix("./lib/") }, "\(lines)")
        #expect(lines.first?.contains(bad.path) == true)
        #expect(lines.first?.contains("libjxl trace: ") == true, "\(lines)")
    }

    @Test("23: probe on a folder, a FIFO or /dev/zero says what it is, without error domains")
    func notAFileIsNamed() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let fifo = dir.file("pipe.dpx")
        #expect(mkfifo(fifo.path, 0o644) == 0)
        for (path, says) in [(dir.url.path, "is a folder"), (fifo.path, "is not a regular file"), ("/dev/zero", "is not a regular file")] {
            let r = try ReelpackBinary.run(["probe", path])
            let text = CarelessUseTests.text(r.stderr)
            #expect(r.status == 1)
            #expect(text.contains(path) && text.contains(says), "\(text)")
            #expect(!text.contains("NSCocoaErrorDomain") && !text.contains("permission"))
        }
    }
}
