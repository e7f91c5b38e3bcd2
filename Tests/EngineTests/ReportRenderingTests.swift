import Engine
import Foundation
import ImageCore
import TestSupport
import Testing

/// The report opened in a real browser (headless Chromium): the plots must be on
/// screen, not only in the markup.
@Suite struct ReportRenderingTests {
    @Test func chromiumRendersThePlotsAndThumbnails() throws {
        var model = ReportPageTests.model()
        var frame = try PixelBuffer(width: 96, height: 64, channels: 3, bitDepth: 10)
        for y in 0..<64 { for x in 0..<96 { for c in 0..<3 { frame[x, y, c] = UInt16((x * 10 + y * 4 + c * 200) % 1024) } } }
        var decoded = frame
        for x in 40..<50 { decoded[x, 30, 0] = 0 }
        model.worst = [.init(name: "reel_86401.dpx",
                             source: try Preview.thumbnail(frame).png(),
                             output: try Preview.thumbnail(decoded).png(),
                             heatMap: try Preview.errorHeatMap(reference: frame, test: decoded).picture.png(), heatMapScale: 1023)]

        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try ReportFiles.write(model, to: dir.url)
        let shot = dir.file("shot.png")
        let browser = ExternalTool.path(of: "chromium") ?? ExternalTool.path(of: "chromium-browser") ?? "chromium"
        try ExternalTool.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                              "--window-size=1280,3000", "--screenshot=\(shot.path)",
                              dir.file(ReportFiles.html).absoluteString])
        // Count pixels of each plot colour in the screenshot (independent PNG decoder).
        let out = try ExternalTool.run(["python3", "-c", """
            import imagecodecs, sys, numpy as np
            a = imagecodecs.png_decode(open(sys.argv[1], 'rb').read())[:, :, :3].astype(int)
            def near(rgb): return int((np.abs(a - np.array(rgb)).sum(axis=2) < 40).sum())
            print(near((0x15,0x65,0xc0)), near((0x2e,0x7d,0x32)), near((0xc6,0x28,0x28)), near((0x6a,0x1b,0x9a)))
            """, shot.path])
        let counts = String(decoding: out, as: UTF8.self).split(separator: " ")
            .compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(counts.count == 4)
        #expect(counts[0] > 2000, "SSIM line and histogram (blue) not on screen")
        #expect(counts[1] > 2000, "PSNR line and histogram (green) not on screen")
        #expect(counts[2] > 300, "floor lines (red) not on screen")
        #expect(counts[3] > 300, "tile floor line (purple) not on screen")
    }
}
