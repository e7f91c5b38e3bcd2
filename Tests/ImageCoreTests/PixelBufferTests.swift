import ImageCore
import Testing

@Suite struct PixelBufferTests {
    @Test func planarIndexingPutsChannelsOneAfterAnother() throws {
        var buffer = try PixelBuffer(width: 3, height: 2, channels: 3, bitDepth: 10)
        buffer[2, 1, 1] = 1023
        #expect(buffer.samples[1 * 6 + 1 * 3 + 2] == 1023)
        #expect(buffer.maxValue == 1023)
        #expect(buffer.planeRange(2) == 12..<18)
    }

    @Test(arguments: [(0, 10), (10, 0), (70_000, 2), (4, -1)])
    func absurdDimensionsAreRefusedBeforeAllocating(width: Int, height: Int) {
        #expect(throws: PixelBufferError.badDimensions(width: width, height: height)) {
            _ = try PixelBuffer(width: width, height: height, channels: 3, bitDepth: 10)
        }
    }

    @Test func sampleCountMustMatchGeometry() {
        #expect(throws: PixelBufferError.sampleCountMismatch(expected: 12, actual: 11)) {
            _ = try PixelBuffer(width: 2, height: 2, channels: 3, bitDepth: 8, samples: Array(repeating: 0, count: 11))
        }
    }

    @Test func monochromeMeansEqualRGBEverywhere() throws {
        var buffer = try PixelBuffer(width: 4, height: 4, channels: 3, bitDepth: 12,
                                     samples: (0..<48).map { UInt16($0 % 16) })
        #expect(buffer.isMonochrome)
        buffer[3, 3, 2] += 1
        #expect(!buffer.isMonochrome)
    }

    @Test func redeclaringRefusesSamplesTheNewDepthCannotHold() throws {
        let buffer = try PixelBuffer(width: 1, height: 1, channels: 1, bitDepth: 16, samples: [1024])
        #expect(throws: PixelBufferError.self) { _ = try buffer.redeclared(bitDepth: 10) }
        #expect(try buffer.redeclared(bitDepth: 11).bitDepth == 11)
    }
}
