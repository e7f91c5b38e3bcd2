import Foundation
import Formats
import ImageCore
import Testing
@testable import Codecs
import TestSupport

@Suite("JPEG 2000 (OpenJPEG)")
struct JPEG2000CodecTests {
    let codec = JPEG2000Codec(threads: 2)
    static let seal = Data(#"{"tool":"reelpack","codec":"j2k"}"#.utf8)

    // MARK: Lossless

    @Test(arguments: [8, 10, 12, 16], [1, 2, 3, 4])
    func losslessRoundTripIsExact(bitDepth: Int, channels: Int) throws {
        // Odd sizes exercise partial code-blocks and the level limit.
        let frame = JPEG2000TestFrames.frame(width: 131, height: 77, channels: channels, bitDepth: bitDepth, grain: 0.03)
        let payload = try codec.encode(frame, mode: .lossless)
        let file = try codec.wrap(payload: payload, seal: Self.seal)
        let decoded = try codec.decode(file)
        #expect(decoded.pixels == frame)
        #expect(decoded.seal == Self.seal)
        #expect(try codec.decode(payload).pixels == frame)
        #expect(payload.count < frame.samples.count * 2, "lossless should compress a structured frame")
    }

    /// Real frames written by other software, read by Reelpack's reader, come back
    /// exactly, and are the samples ffmpeg reads from the same files.
    @Test(arguments: [
        ("photos/Cannon_log10.dpx", 10, 3), ("photos/Carrots_709_12.dpx", 12, 3),
        ("photos/Desk_bw_log10.dpx", 10, 3), ("third-party/ffmpeg_gray16be.dpx", 16, 1),
        ("third-party/ffmpeg_rgba64be.dpx", 16, 4), ("third-party/ffmpeg_rgb24.dpx", 8, 3),
    ])
    func corpusFramesRoundTripExactly(path: String, bitDepth: Int, channels: Int) throws {
        let frame = try ImageFile.read(contentsOf: Corpus.url(path)).pixels
        #expect(frame == (try FFmpegFrames.read(path, bitDepth: bitDepth, channels: channels)))
        let file = try codec.wrap(payload: try codec.encode(frame, mode: .lossless), seal: Self.seal)
        #expect(try codec.decode(file).pixels == frame)
        let source = try Data(contentsOf: Corpus.url(path)).count
        #expect(file.count < source, "\(path): \(file.count) bytes is not smaller than the source's \(source)")
    }

    /// A `.jp2` written by OpenJPEG's own tool (its own boxes) decodes to its input.
    @Test func readsAFileWrittenByOpjCompress() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let frame = JPEG2000TestFrames.frame(width: 50, height: 40, channels: 3, bitDepth: 12)
        var ppm = Data("P6\n50 40\n4095\n".utf8)
        for i in 0..<frame.planeSize { for c in 0..<3 { ISOBox.appendUInt16(&ppm, frame.samples[c * frame.planeSize + i]) } }
        try ppm.write(to: dir.file("in.ppm"))
        try ExternalTool.run(["opj_compress", "-i", dir.file("in.ppm").path, "-o", dir.file("theirs.jp2").path])
        let decoded = try codec.decode(try Data(contentsOf: dir.file("theirs.jp2")))
        #expect(decoded.pixels == frame && decoded.seal == nil)
    }

    @Test(arguments: [(1, 1), (1, 9), (3, 2), (2, 300)])
    func tinyImagesRoundTrip(width: Int, height: Int) throws {
        let frame = JPEG2000TestFrames.frame(width: width, height: height, channels: 3, bitDepth: 12)
        #expect(try codec.decode(try codec.encode(frame, mode: .lossless)).pixels == frame)
    }

    @Test func singleThreadAndManyThreadsGiveTheSameBytes() throws {
        let frame = JPEG2000TestFrames.frame(width: 300, height: 200, channels: 3, bitDepth: 10)
        let one = try JPEG2000Codec(threads: 1).encode(frame, mode: .lossless)
        let four = try JPEG2000Codec(threads: 4).encode(frame, mode: .lossless)
        #expect(one == four)
        #expect(try JPEG2000Codec(threads: 4).decode(one).pixels == frame)
    }

    @Test func lengthMarkersKeepTheRoundTripExact() throws {
        let frame = JPEG2000TestFrames.frame(width: 200, height: 120, channels: 3, bitDepth: 12)
        let plain = try codec.encode(frame, mode: .lossless)
        let marked = try JPEG2000Codec(threads: 2, lengthMarkers: true).encode(frame, mode: .lossless)
        #expect(marked.count > plain.count)
        #expect(try codec.decode(marked).pixels == frame)
    }

    // MARK: Lossy knob

    /// Size and measured PSNR both rise with the knob; the size follows the
    /// requested percentage until the frame needs fewer bytes.
    @Test(arguments: [10, 12, 16])
    func lossySizeAndFidelityRiseWithQuality(bitDepth: Int) throws {
        let frame = JPEG2000TestFrames.frame(width: 256, height: 192, channels: 3, bitDepth: bitDepth, grain: 0.01)
        let raw = Double(frame.samples.count * bitDepth) / 8
        var previous: (bytes: Int, psnr: Double)?
        for quality in [0.25, 0.5, 1, 2, 4, 8, 16, 32, 50, 75] {
            let payload = try codec.encode(frame, mode: .lossy(quality: quality))
            let decoded = try codec.decode(payload).pixels
            #expect(decoded.bitDepth == bitDepth && decoded.width == 256)
            let psnr = JPEG2000TestFrames.psnr(frame, decoded)
            if let previous {
                #expect(payload.count >= previous.bytes, "size fell from \(previous.bytes) to \(payload.count) at quality \(quality)")
                #expect(psnr >= previous.psnr - 0.05, "PSNR fell from \(previous.psnr) to \(psnr) at quality \(quality)")
            }
            if quality <= 16 {
                // Rate control lands within a few percent (plus headers) of the target.
                #expect(abs(Double(payload.count) - raw * quality / 100) < raw * quality / 100 * 0.05 + 400)
            }
            previous = (payload.count, psnr)
        }
        #expect(previous!.psnr > 45)
    }

    @Test(arguments: [-1.0, 0, 0.1, 80, .nan])
    func qualityOutsideTheRangeIsRefused(_ quality: Double) {
        let frame = JPEG2000TestFrames.frame(width: 16, height: 16, channels: 1, bitDepth: 8)
        #expect { try codec.encode(frame, mode: .lossy(quality: quality)) } throws: {
            ($0 as? CodecError)?.kind == .unsupportedInput
        }
    }

    @Test func sampleAboveTheDeclaredDepthIsRefused() throws {
        var frame = JPEG2000TestFrames.frame(width: 16, height: 16, channels: 1, bitDepth: 10)
        frame.samples[5] = 1024
        #expect { try codec.encode(frame, mode: .lossless) } throws: { ($0 as? CodecError)?.kind == .unsupportedInput }
    }

    // MARK: Other decoders agree

    /// `opj_decompress` reads our `.jp2` (to planar little-endian raw) to the same samples.
    @Test(arguments: [(8, 1), (10, 3), (12, 4), (16, 3)], [true, false])
    func opjDecompressReadsTheSameSamples(format: (bits: Int, channels: Int), lossless: Bool) throws {
        let frame = JPEG2000TestFrames.frame(width: 96, height: 64, channels: format.channels, bitDepth: format.bits)
        let mode: CodecMode = lossless ? .lossless : .lossy(quality: 10)
        let file = try codec.wrap(payload: try codec.encode(frame, mode: mode), seal: Self.seal)
        let ours = try codec.decode(file).pixels
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try file.write(to: dir.file("f.jp2"))
        try ExternalTool.run(["opj_decompress", "-i", dir.file("f.jp2").path, "-o", dir.file("f.rawl").path])
        let raw = try Data(contentsOf: dir.file("f.rawl"))
        let bytesPerSample = format.bits > 8 ? 2 : 1
        #expect(raw.count == frame.samples.count * bytesPerSample)
        let theirs: [UInt16] = bytesPerSample == 1 ? [UInt8](raw).map { UInt16($0) } : littleEndian16(raw)
        #expect(theirs == ours.samples)
        if lossless { #expect(theirs == frame.samples) }
    }

    /// ffmpeg's own JPEG 2000 decoder reads our file to the same samples (it
    /// returns them shifted up to 16 bits, so shift back).
    @Test(arguments: [(8, 1), (10, 3), (12, 3), (16, 4)])
    func ffmpegReadsTheSameSamples(bits: Int, channels: Int) throws {
        let frame = JPEG2000TestFrames.frame(width: 80, height: 48, channels: channels, bitDepth: bits)
        let file = try codec.wrap(payload: try codec.encode(frame, mode: .lossless), seal: Self.seal)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try file.write(to: dir.file("f.jp2"))
        let pixelFormat = switch (channels, bits > 8) {
        case (1, false): "gray"
        case (1, true): "gray16le"
        case (3, false): "rgb24"
        case (3, true): "rgb48le"
        default: bits > 8 ? "rgba64le" : "rgba"
        }
        let raw = try ExternalTool.run(["ffmpeg", "-v", "error", "-i", dir.file("f.jp2").path,
                                        "-f", "rawvideo", "-pix_fmt", pixelFormat, "-"])
        let wide = bits > 8
        let shift = wide ? 16 - bits : 0
        #expect(raw.count == frame.samples.count * (wide ? 2 : 1))
        var mismatches = 0
        let bytes = [UInt8](raw)
        do {
            for y in 0..<frame.height {
                for x in 0..<frame.width {
                    for c in 0..<channels {
                        let i = (y * frame.width + x) * channels + c
                        let value: UInt16
                        if wide {
                            let low = UInt16(bytes[2 * i]), high = UInt16(bytes[2 * i + 1])
                            value = (low | high << 8) >> UInt16(shift)
                        } else {
                            value = UInt16(bytes[i])
                        }
                        if value != frame[x, y, c] { mismatches += 1 }
                    }
                }
            }
        }
        #expect(mismatches == 0)
    }

    /// Python's imagecodecs (its own OpenJPEG build) reads our `.jp2` to the same samples.
    @Test(arguments: [(10, 3), (16, 1), (12, 4)])
    func imagecodecsReadsTheSameSamples(bits: Int, channels: Int) throws {
        let frame = JPEG2000TestFrames.frame(width: 72, height: 40, channels: channels, bitDepth: bits)
        let file = try codec.wrap(payload: try codec.encode(frame, mode: .lossless), seal: Self.seal)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try file.write(to: dir.file("f.jp2"))
        let script = """
            import sys, imagecodecs, numpy as np
            a = imagecodecs.jpeg2k_decode(open(sys.argv[1], 'rb').read())
            a = a.reshape(a.shape[0], a.shape[1], -1)
            sys.stdout.buffer.write(np.ascontiguousarray(a.transpose(2, 0, 1)).astype('<u2').tobytes())
            """
        let raw = try ExternalTool.run(["python3", "-c", script, dir.file("f.jp2").path])
        let theirs = littleEndian16(raw)
        #expect(theirs == frame.samples)
    }

    /// OpenImageIO reads our `.jp2` (seal box and all) with the right geometry,
    /// depth and channel roles (its sample scaling differs, so samples are compared
    /// with the other decoders above).
    @Test(arguments: [(8, 1), (10, 3), (12, 4), (16, 3)])
    func oiiotoolReadsOurGeometry(bits: Int, channels: Int) throws {
        let frame = JPEG2000TestFrames.frame(width: 70, height: 30, channels: channels, bitDepth: bits)
        let file = try codec.wrap(payload: try codec.encode(frame, mode: .lossless), seal: Self.seal)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try file.write(to: dir.file("f.jp2"))
        let info = String(decoding: try ExternalTool.run(["oiiotool", "--info", "-v", dir.file("f.jp2").path]), as: UTF8.self)
        #expect(info.contains("70 x   30, \(channels) channel, uint\(bits) jpeg2000"), "oiiotool says: \(info)")
        if channels == 4 { #expect(info.contains("R, G, B, A")) }
    }

    // MARK: Damaged and foreign input

    /// Truncations at many points and flipped bytes give a `CodecError` (or, for a
    /// flip inside entropy-coded data, a frame of the right geometry), never a
    /// crash or a hang.
    @Test func truncatedAndCorruptedCodestreamsFailCleanly() throws {
        let frame = JPEG2000TestFrames.frame(width: 120, height: 80, channels: 3, bitDepth: 10)
        let file = try codec.wrap(payload: try codec.encode(frame, mode: .lossless), seal: Self.seal)
        let cuts = [0, 1, 8, 20, 40, 60, 80, 100, 150, 200, 300, file.count / 2, file.count - 100, file.count - 2, file.count - 1]
        for cut in cuts {
            #expect(throws: CodecError.self, "cut at \(cut) of \(file.count)") { try codec.decode(file.prefix(cut)) }
        }
        // A truncated codestream inside a container whose box length was fixed up.
        let parsed = try JP2File.parse(file)
        for cut in [50, parsed.codestream.count / 3, parsed.codestream.count - 3] {
            #expect(throws: CodecError.self) { try codec.decode(parsed.codestream.prefix(cut)) }
        }
        var generator = SeededRandom(seed: 7)
        var decodedAnyway = 0
        for _ in 0..<60 {
            var bad = parsed.codestream
            let at = Int(generator.next() % UInt64(bad.count))
            bad[at] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
            do {
                let pixels = try codec.decode(bad).pixels
                #expect(pixels.width == 120 && pixels.height == 80)
                decodedAnyway += 1
            } catch let error as CodecError {
                #expect(!error.detail.isEmpty)
            }
        }
        _ = decodedAnyway
        // Flips in the main header (SIZ, COD, QCD) where sizes and counts live.
        let headerLength = min(parsed.codestream.count, 120)
        for _ in 0..<80 {
            var bad = parsed.codestream
            let at = 2 + Int(generator.next() % UInt64(headerLength - 2))
            bad[at] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
            do {
                let pixels = try codec.decode(bad).pixels
                #expect(pixels.channels >= 1 && pixels.channels <= 4)
            } catch let error as CodecError {
                #expect(!error.detail.isEmpty)
            }
        }
    }

    @Test func errorsCarryTheLibrarysMessages() throws {
        let frame = JPEG2000TestFrames.frame(width: 64, height: 64, channels: 1, bitDepth: 8)
        let codestream = try codec.encode(frame, mode: .lossless)
        do {
            _ = try codec.decode(codestream.prefix(codestream.count / 2))
            Issue.record("a truncated codestream decoded")
        } catch let error as CodecError {
            #expect(error.kind == .malformedData && error.codec == .j2k)
            #expect(error.detail.contains("OpenJPEG"), "detail: \(error.detail)")
        }
    }

    @Test func subsampledComponentsAreRefusedClearly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var ppm = Data("P6\n32 32\n255\n".utf8)
        ppm.append(contentsOf: (0..<32 * 32 * 3).map { UInt8($0 % 251) })
        try ppm.write(to: dir.file("in.ppm"))
        try ExternalTool.run(["opj_compress", "-i", dir.file("in.ppm").path, "-o", dir.file("sub.j2k").path, "-s", "2,2"])
        let data = try Data(contentsOf: dir.file("sub.j2k"))
        #expect { try codec.decode(data) } throws: { error in
            guard let error = error as? CodecError else { return false }
            return error.kind == .unsupportedInput && error.detail.contains("subsampled")
        }
    }

    @Test func htj2kFilesAreRedirected() throws {
        let file = try JP2File.wrap(codestream: fakeCodestream(width: 8, height: 8, channels: 1, bitDepth: 8),
                                    width: 8, height: 8, channels: 1, bitDepth: 8, brand: .jph, seal: nil)
        #expect { try codec.decode(file) } throws: { ($0 as? CodecError)?.kind == .unsupportedInput }
    }

    @Test func describesItself() throws {
        #expect(codec.libraryVersion.hasPrefix("OpenJPEG 2."))
        #expect(codec.fileExtension == "jp2" && codec.id == .j2k && codec.supportsLossy)
        #expect(try CodecRegistry.codec(.j2k, threads: 1).id == .j2k)
        #expect(CodecRegistry.available().map(\.id) == CodecID.allCases)
        #expect(try CodecID.allCases.allSatisfy { try CodecRegistry.codec($0).id == $0 })
    }
}

/// Little-endian 16-bit samples from raw bytes.
func littleEndian16(_ raw: Data) -> [UInt16] {
    let bytes = [UInt8](raw)
    return (0..<bytes.count / 2).map { UInt16(bytes[2 * $0]) | UInt16(bytes[2 * $0 + 1]) << 8 }
}

