import Foundation
import ImageCore
import Testing

/// The scikit-image reference values in `Fixtures/reference.json` and the raw planar
/// little-endian UInt16 images they were computed on (regenerate with
/// `python3 scripts/reference_metrics.py`).
struct ReferenceCase: Decodable, Sendable, CustomTestStringConvertible {
    struct Tile: Decodable, Sendable { var x, y, width, height: Int }
    var name: String
    var source: String?
    var reference: String
    var test: String
    var width: Int
    var height: Int
    var channels: Int
    var bitDepth: Int
    var ssim: Double
    var ssimPerChannel: [Double]
    var tileFloor: Double
    var worstTile: Tile
    var psnr: Double?
    var identical: Bool
    var maxError: Int
    var mse: Double

    var testDescription: String { name }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    private struct Document: Decodable {
        var cases: [ReferenceCase]
        var corpusPairs: [ReferenceCase]
    }

    private static let document: Document? = {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent("reference.json")) else { return nil }
        return try? JSONDecoder().decode(Document.self, from: data)
    }()

    /// Every fixture-image case in `reference.json` (empty when the file is missing,
    /// which the fixture-count test reports).
    static let all: [ReferenceCase] = document?.cases ?? []

    /// Whole corpus frames compared with each other; `reference` and `test` are corpus paths.
    static let corpusPairs: [ReferenceCase] = document?.corpusPairs ?? []

    /// Loads a fixture image as a frame of this case's geometry.
    func load(_ file: String) throws -> PixelBuffer {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent(file))
        let count = width * height * channels
        guard data.count == count * 2 else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: file])
        }
        var samples = [UInt16](repeating: 0, count: count)
        data.withUnsafeBytes { raw in
            for i in 0..<count {
                samples[i] = UInt16(raw[2 * i]) | UInt16(raw[2 * i + 1]) << 8
            }
        }
        return try PixelBuffer(width: width, height: height, channels: channels, bitDepth: bitDepth, samples: samples)
    }
}
