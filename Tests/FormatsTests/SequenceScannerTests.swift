import Foundation
import Formats
import ImageCore
import TestSupport
import Testing

/// A small DPX frame with the given geometry, written by `DPXWriter`.
private func writeDPXHeader(_ url: URL, width: Int = 16, height: Int = 8, bitDepth: Int = 10,
                            channels: Int = 3, bigEndian: Bool = true) throws {
    let pixels = try PixelBuffer(width: width, height: height, channels: channels, bitDepth: bitDepth)
    try DPXWriter.write(pixels, options: DPXWriteOptions(byteOrder: bigEndian ? .big : .little)).write(to: url)
}

/// A temporary folder holding header-only DPX frames with the given names.
private func folder(with names: [String], _ body: (TemporaryDirectory) throws -> Void) throws {
    let dir = try TemporaryDirectory("sequence-scan")
    defer { dir.remove() }
    for name in names { try writeDPXHeader(dir.file(name)) }
    try body(dir)
}

@Suite struct SequenceScannerTests {
    @Test func aCompleteSequenceComesBackInFrameOrderWithoutWarnings() throws {
        let names = (86398...86402).map { String(format: "reel_%07d.dpx", $0) }
        try folder(with: names.shuffled()) { dir in
            let scan = try SequenceScanner.scan(dir.url)
            #expect(scan.sequences.count == 1)
            let sequence = try #require(scan.sequences.first)
            #expect(sequence.pattern == "reel_%07d.dpx")
            #expect(sequence.frames.map(\.name) == names)
            #expect(scan.frames.compactMap(\.frameNumber) == Array(86398...86402))
            #expect(sequence.firstFrame == 86398 && sequence.lastFrame == 86402)
            #expect(sequence.frames.first?.stem == "reel_0086398")
            #expect(sequence.geometries == [GeometryCount(geometry: FrameGeometry(width: 16, height: 8, bitDepth: 10, channels: 3),
                                                          frameCount: 5, frameNumbers: Array(86398...86402))])
            #expect(scan.warnings.isEmpty, "\(scan.warnings)")
            #expect(scan.ignoredCount == 0 && scan.singles.isEmpty)
        }
    }

    @Test func gapsAreReportedAsRangesAndInWords() throws {
        let names = [1, 2, 3, 6, 7, 10].map { String(format: "scan.%04d.dpx", $0) }
        try folder(with: names) { dir in
            let scan = try SequenceScanner.scan(dir.url)
            let sequence = try #require(scan.sequences.first)
            #expect(sequence.pattern == "scan.%04d.dpx")
            #expect(sequence.missingFrames == [4...5, 8...9])
            #expect(sequence.missingCount == 4)
            #expect(scan.hasGaps)
            #expect(scan.frames.count == 6, "frames around a gap are all kept")
            let warning = try #require(scan.warnings.first { $0.contains("missing") })
            #expect(warning.contains("4 frames are missing") && warning.contains("4–5") && warning.contains("8–9"))
        }
    }

    @Test func interleavedSequencesAreSeparated() throws {
        let names = ["left_0001.dpx", "right_0001.dpx", "left_0002.dpx", "right_0002.dpx", "left_0003.dpx"]
        try folder(with: names) { dir in
            // Given as an interleaved list of files and as the folder: the same grouping.
            for scan in [try SequenceScanner.scan(names.map(dir.file)), try SequenceScanner.scan(dir.url)] {
                #expect(scan.sequences.map(\.pattern) == ["left_%04d.dpx", "right_%04d.dpx"])
                #expect(scan.sequences.map(\.frames.count) == [3, 2])
                #expect(scan.frames.map(\.name) == ["left_0001.dpx", "left_0002.dpx", "left_0003.dpx",
                                                    "right_0001.dpx", "right_0002.dpx"])
                #expect(scan.warnings.contains { $0.contains("found 2 sequences") })
            }
        }
    }

    @Test func mixedGeometriesAreReportedNotSkipped() throws {
        let dir = try TemporaryDirectory("sequence-scan")
        defer { dir.remove() }
        for n in 1...4 { try writeDPXHeader(dir.file("reel_\(String(format: "%04d", n)).dpx"), width: 64, height: 32) }
        try writeDPXHeader(dir.file("reel_0005.dpx"), width: 60, height: 32)
        try writeDPXHeader(dir.file("reel_0006.dpx"), width: 64, height: 32, bitDepth: 12)
        let scan = try SequenceScanner.scan(dir.url)
        let sequence = try #require(scan.sequences.first)
        #expect(sequence.frames.count == 6)
        #expect(sequence.hasMixedGeometry && scan.hasMixedGeometry)
        #expect(sequence.geometries.map(\.frameCount) == [4, 1, 1])
        #expect(sequence.geometries[1].geometry == FrameGeometry(width: 60, height: 32, bitDepth: 10, channels: 3))
        #expect(sequence.geometries[1].frameNumbers == [5])
        let warning = try #require(scan.warnings.first { $0.contains("differ in geometry") })
        #expect(warning.contains("60×32") && warning.contains("12-bit") && warning.contains("4 frames"))
    }

    @Test func unpaddedNumbersSortNumerically() throws {
        let names = (1...12).map { "shot_\($0).dpx" }
        try folder(with: names) { dir in
            let scan = try SequenceScanner.scan(dir.url)
            let sequence = try #require(scan.sequences.first)
            #expect(scan.sequences.count == 1)
            #expect(sequence.padding == 0 && sequence.pattern == "shot_%d.dpx")
            #expect(sequence.frames.compactMap(\.frameNumber) == Array(1...12))
            #expect(sequence.missingFrames.isEmpty)
        }
    }

    @Test func numbersOutgrowingTheirPaddingStayInTheSequence() throws {
        try folder(with: ["r_0998.dpx", "r_0999.dpx", "r_1000.dpx", "r_1001.dpx", "r_10000.dpx"]) { dir in
            let scan = try SequenceScanner.scan(dir.url)
            #expect(scan.sequences.count == 1)
            #expect(scan.sequences.first?.padding == 4)
            #expect(scan.sequences.first?.missingCount == 10000 - 1002)
        }
    }

    @Test func junkHiddenFilesAndSubfoldersAreSkippedWithACount() throws {
        try folder(with: ["reel_0001.dpx", "reel_0002.dpx", "poster.dpx"]) { dir in
            try Data("notes".utf8).write(to: dir.file("notes.txt"))
            try Data([0]).write(to: dir.file(".DS_Store"))
            try writeDPXHeader(dir.file("._reel_0001.dpx"))
            try Data([0xFF, 0xD8]).write(to: dir.file("thumb.jpg"))
            try FileManager.default.createDirectory(at: dir.file("old"), withIntermediateDirectories: false)
            let scan = try SequenceScanner.scan(dir.url)
            #expect(scan.sequences.map(\.frames.count) == [2])
            #expect(scan.singles.map(\.name) == ["poster.dpx"])
            #expect(scan.frames.map(\.name) == ["reel_0001.dpx", "reel_0002.dpx", "poster.dpx"])
            #expect(scan.ignoredCount == 5)
            #expect(Set(scan.ignored.map(\.reason)) == [.hidden, .notAnImage, .folder])
            #expect(scan.warnings.contains { $0.contains("2 hidden files") && $0.contains("notes.txt") && $0.contains("old") })
            #expect(scan.warnings.contains { $0.contains("not part of a numbered sequence: poster.dpx") })
        }
    }

    @Test func anEmptyFolderIsAClearError() throws {
        let dir = try TemporaryDirectory("sequence-scan")
        defer { dir.remove() }
        let error = try #require(throws: SequenceScanError.self) { try SequenceScanner.scan(dir.url) }
        #expect(error.kind == .noFrames)
        #expect(error.description.contains(dir.url.path) && error.description.contains("the folder is empty"))

        try Data("x".utf8).write(to: dir.file("readme.txt"))
        let junkOnly = try #require(throws: SequenceScanError.self) { try SequenceScanner.scan(dir.url) }
        #expect(junkOnly.kind == .noFrames && junkOnly.description.contains("readme.txt"))
    }

    @Test func aMissingPathIsAClearError() throws {
        let dir = try TemporaryDirectory("sequence-scan")
        defer { dir.remove() }
        let missing = dir.file("no-such-reel")
        let error = try #require(throws: SequenceScanError.self) { try SequenceScanner.scan(missing) }
        #expect(error.kind == .notFound)
        #expect(error.description == "\(missing.path): no such file or folder")
    }

    @Test func singleAndExplicitFilesAreTakenAsGiven() throws {
        try folder(with: ["reel_0100.dpx", "reel_0101.dpx", "slate.dpx", ".hidden_0001.dpx"]) { dir in
            let one = try SequenceScanner.scan(dir.file("reel_0100.dpx"))
            #expect(one.sequences.map(\.frames.count) == [1] && one.warnings.isEmpty)

            let slate = try SequenceScanner.scan(dir.file("slate.dpx"))
            #expect(slate.sequences.isEmpty && slate.singles.map(\.name) == ["slate.dpx"])
            #expect(slate.frames.count == 1 && slate.warnings.isEmpty)

            // Named explicitly, a hidden frame is taken; a repeated file is read once.
            let explicit = try SequenceScanner.scan([dir.file(".hidden_0001.dpx"), dir.file("reel_0101.dpx"),
                                                     dir.file("reel_0101.dpx")])
            #expect(explicit.frames.map(\.name) == [".hidden_0001.dpx", "reel_0101.dpx"])
            #expect(explicit.warnings.contains { $0.contains("read once: reel_0101.dpx") })

            try Data("x".utf8).write(to: dir.file("cue.txt"))
            let withJunk = try SequenceScanner.scan([dir.file("reel_0100.dpx"), dir.file("cue.txt")])
            #expect(withJunk.frames.count == 1 && withJunk.ignoredCount == 1)
            #expect(withJunk.warnings == ["skipped 1 file that is not DPX or TIFF: cue.txt"])
        }
    }

    @Test func aLoneNameEndingInAnUnpaddedNumberIsAStillNotAFrame() throws {
        try folder(with: ["rgb8.dpx", "gray16.dpx", "shot1.dpx", "shot2.dpx", "reel_0100.dpx"]) { dir in
            let scan = try SequenceScanner.scan(dir.url)
            #expect(scan.sequences.map(\.pattern).sorted() == ["reel_%04d.dpx", "shot%d.dpx"])
            #expect(scan.singles.map(\.name) == ["gray16.dpx", "rgb8.dpx"])
            #expect(scan.singles.allSatisfy { $0.frameNumber == nil })
            #expect(scan.warnings.contains("2 files are not part of a numbered sequence: gray16.dpx, rgb8.dpx"))
        }
    }

    @Test func differentExtensionsAreDifferentSequences() throws {
        try folder(with: ["reel_0001.dpx", "reel_0002.dpx"]) { dir in
            try Data("II*\0".utf8).write(to: dir.file("reel_0001.tif"))
            let scan = try SequenceScanner.scan(dir.url)
            #expect(scan.sequences.map(\.pattern) == ["reel_%04d.dpx", "reel_%04d.tif"])
        }
    }

    @Test func damagedHeadersAreNamedInWarnings() throws {
        try folder(with: ["reel_0001.dpx"]) { dir in
            try Data("SDPX".utf8 + [UInt8](repeating: 0, count: 100)).write(to: dir.file("reel_0002.dpx"))
            try Data("not an image".utf8).write(to: dir.file("reel_0003.dpx"))
            let scan = try SequenceScanner.scan(dir.url)
            let frames = try #require(scan.sequences.first).frames
            #expect(frames.count == 3, "damaged frames stay in the sequence, to fail visibly later")
            #expect(frames[1].geometry == nil && frames[1].geometryProblem?.isEmpty == false)
            #expect(frames[2].geometryProblem?.contains("neither a DPX nor a TIFF") == true)
            #expect(scan.warnings.contains { $0.hasPrefix("2 headers could not be read") && $0.contains("reel_0002.dpx") })
        }
    }

    @Test(arguments: [true, false])
    func dpxGeometryIsReadInEitherByteOrder(bigEndian: Bool) throws {
        let dir = try TemporaryDirectory("sequence-scan")
        defer { dir.remove() }
        try writeDPXHeader(dir.file("a_01.dpx"), width: 300, height: 200, bitDepth: 16, channels: 4,
                           bigEndian: bigEndian)
        try writeDPXHeader(dir.file("a_02.dpx"), width: 30, height: 20, bitDepth: 8, channels: 1,
                           bigEndian: bigEndian)
        let frames = try SequenceScanner.scan(dir.url).frames
        #expect(frames.map(\.geometry) == [FrameGeometry(width: 300, height: 200, bitDepth: 16, channels: 4),
                                           FrameGeometry(width: 30, height: 20, bitDepth: 8, channels: 1)])
    }

    /// A synthetic reel with frames removed and a frame of another size dropped in:
    /// what a conform gone wrong looks like.
    @Test func aDamagedSyntheticReelIsReportedFrameByFrame() throws {
        let dir = try TemporaryDirectory("sequence-scan")
        defer { dir.remove() }
        let files = try SyntheticFrames.writeDPXSequence(.grain, count: 10, to: dir.url, width: 64, height: 32)
        for index in [3, 4, 8] { try FileManager.default.removeItem(at: files[index]) }
        try SyntheticFrames.writeDPXSequence(.bw, count: 1, to: dir.url, start: 86404, width: 96, height: 54,
                                             bitDepth: 12)
        let scan = try SequenceScanner.scan(dir.url)
        let sequence = try #require(scan.sequences.first)
        #expect(scan.sequences.count == 1)
        #expect(sequence.frames.compactMap(\.frameNumber) == [86400, 86401, 86402, 86404, 86405, 86406, 86407, 86409])
        #expect(sequence.missingFrames == [86403...86403, 86408...86408])
        #expect(sequence.geometries.map(\.frameCount) == [7, 1])
        #expect(sequence.geometries.last?.frameNumbers == [86404])
        #expect(scan.warnings.count == 2, "\(scan.warnings)")
    }

    @Test func theCorpusSequenceIsOneCompleteSequence() throws {
        let scan = try SequenceScanner.scan(Corpus.url("sequence"))
        #expect(scan.sequences.count == 1)
        let sequence = try #require(scan.sequences.first)
        #expect(sequence.pattern == "beachball_%04d.dpx")
        #expect(sequence.frames.compactMap(\.frameNumber) == [1, 2, 3, 4])
        #expect(sequence.geometries.map(\.geometry) == [FrameGeometry(width: 2048, height: 1556, bitDepth: 10, channels: 3)])
        #expect(scan.warnings.isEmpty, "\(scan.warnings)")
    }

    /// Geometry from headers agrees with what oiiotool reports for files written by
    /// other software (SOURCES.md).
    @Test(arguments: [
        ("third-party/ffmpeg_gray.dpx", FrameGeometry(width: 780, height: 566, bitDepth: 8, channels: 1)),
        ("third-party/ffmpeg_rgba64be.dpx", FrameGeometry(width: 780, height: 566, bitDepth: 16, channels: 4)),
        ("third-party/ffmpeg_gbrp12le.dpx", FrameGeometry(width: 780, height: 566, bitDepth: 12, channels: 3)),
        ("third-party/oiio_luma10.dpx", FrameGeometry(width: 780, height: 566, bitDepth: 10, channels: 1)),
        ("third-party/dpx_nuke_16bits_rgba.dpx", FrameGeometry(width: 512, height: 512, bitDepth: 10, channels: 4)),
        ("photos/StillLife_709_12.dpx", FrameGeometry(width: 1240, height: 846, bitDepth: 12, channels: 3)),
    ])
    func corpusDPXGeometryMatchesOtherTools(path: String, expected: FrameGeometry) throws {
        let frame = try #require(try SequenceScanner.scan(Corpus.url(path)).frames.first)
        #expect(frame.geometry == expected, "\(frame.geometryProblem ?? "")")
    }

    /// TIFF geometry comes from `TIFF.info`, as tiffinfo reports it.
    @Test(arguments: [
        ("third-party/flower-minisblack-16.tif", FrameGeometry(width: 73, height: 43, bitDepth: 16, channels: 1)),
        ("third-party/oiio_rgb8.tif", FrameGeometry(width: 780, height: 566, bitDepth: 8, channels: 3)),
        ("third-party/oiio_rgb16_deflate.tif", FrameGeometry(width: 780, height: 566, bitDepth: 16, channels: 3)),
        ("photos/Cannon_srgb16.tif", FrameGeometry(width: 780, height: 566, bitDepth: 16, channels: 3)),
    ])
    func corpusTIFFGeometryMatchesTiffinfo(path: String, expected: FrameGeometry) throws {
        let frame = try #require(try SequenceScanner.scan(Corpus.url(path)).frames.first)
        #expect(frame.format == .tiff)
        #expect(frame.geometry == expected, "\(frame.geometryProblem ?? "")")
    }

    @Test func everyCorpusFrameGetsGeometry() throws {
        let paths = (Corpus.allDPX + Corpus.allTIFF).map(Corpus.url)
        let scan = try SequenceScanner.scan(paths)
        #expect(scan.frames.count == paths.count)
        #expect(scan.frames.filter { $0.geometry == nil }.map(\.name) == [])
    }
}
