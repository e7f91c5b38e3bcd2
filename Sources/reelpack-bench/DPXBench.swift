import Foundation
import Formats
import ImageCore
import TestSupport

/// DPX read and write throughput on a 4096×2160 10-bit filled-A frame, against ffmpeg
/// decoding the same file to rawvideo (whole process, `gbrp10le`).
enum DPXBench {
    static func run() throws {
        let width = 4096, height = 2160
        var pixels = try PixelBuffer(width: width, height: height, channels: 3, bitDepth: 10)
        pixels.samples.withUnsafeMutableBufferPointer { s in
            var seed: UInt32 = 7
            for i in s.indices {
                seed = seed &* 1_664_525 &+ 1_013_904_223
                s[i] = UInt16(truncatingIfNeeded: seed >> 22)
            }
        }
        let dir = try TemporaryDirectory("reelpack-dpx-bench"); defer { dir.remove() }
        let url = dir.file("frame_4k_10b_filledA.dpx")
        let written = try DPXWriter.write(pixels)
        try written.write(to: url)
        let bytes = Double(written.count), megapixels = Double(width * height) / 1e6
        let repeats = 5

        func best(_ body: () throws -> Void) rethrows -> Double {
            var times: [Double] = []
            for _ in 0..<repeats {
                let t0 = DispatchTime.now().uptimeNanoseconds
                try body()
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            return times.min() ?? .nan
        }
        let data = try Data(contentsOf: url)
        var check = 0
        let decode = try best { check &+= Int(try DPXReader.read(data).pixels.samples[12345]) }
        let readWithRecord = try best { check &+= try ImageFile.read(data).rebuildRecord.count }
        let encode = try best { check &+= try DPXWriter.write(pixels).count }
        let ffmpeg = try best {
            try ExternalTool.run(["ffmpeg", "-v", "error", "-i", url.path, "-f", "rawvideo", "-pix_fmt", "gbrp10le", "-y", "/dev/null"])
        }
        func line(_ label: String, _ t: Double) -> String {
            label.padding(toLength: 34, withPad: " ", startingAt: 0)
                + String(format: " %8.4f s  %6.2f GB/s  %8.1f MP/s", t, bytes / t / 1e9, megapixels / t)
        }
        print("frame: \(width)x\(height) RGB 10-bit filled A big-endian, \(written.count) bytes; best of \(repeats)")
        print(line("DPXReader.read (decode)", decode))
        print(line("ImageFile.read (decode + record)", readWithRecord))
        print(line("DPXWriter.write (encode)", encode))
        print(line("ffmpeg -> rawvideo gbrp10le", ffmpeg))
        print(String(format: "ratio ffmpeg / DPXReader.read: %.1fx faster; ffmpeg / ImageFile.read: %.1fx", ffmpeg / decode, ffmpeg / readWithRecord))
        if check == 42 { print("") }   // keeps the work observable
    }
}
