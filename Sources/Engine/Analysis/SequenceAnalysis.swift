import Foundation
import Formats
import ImageCore

/// Analysis of a list of frames in sequence order (`reelpack analyze`): each frame's
/// features, with the scene-change signal against the frame before it.
public enum SequenceAnalysis {
    /// One frame's features, or why it could not be read. Encodes as one flat JSON
    /// object: `source`, the features' keys (`bitDepth`, `bitsUsed`, `monochrome`,
    /// `noiseSigma`, …, `textKind`, `textScore`, `textBand`), `contentType`
    /// (`FrameFeatures.contentType`) and `error` when it failed.
    public struct FrameEntry: Sendable, Encodable {
        public var source: String
        public var features: FrameFeatures?
        public var error: String?

        private enum Keys: String, CodingKey { case source, contentType, error }

        public func encode(to encoder: any Encoder) throws {
            if let features { try features.encode(to: encoder) }
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(source, forKey: .source)
            if let features { try c.encode(features.contentType, forKey: .contentType) }
            if let error { try c.encode(error, forKey: .error) }
        }
    }

    /// Analyses `items` in order with `services.read`; a frame that cannot be read is
    /// reported with its error and the next frame is compared with the last good one.
    /// Scene cuts are found as `compress` finds them (`ShotHistory.recordFrame`).
    public static func analyze(_ items: [WorkItem], services: EngineServices = .standard) -> [FrameEntry] {
        var history = ShotHistory()
        return items.enumerated().map { index, item in
            do {
                let data = try Data(contentsOf: item.source, options: .mappedIfSafe)
                let frame = try services.read(data, item.source.path)
                let result = FrameAnalyzer.analyze(frame.pixels)
                let change = history.recordFrame(result, index: index)
                var features = result.features
                features.sceneChange = change.distance
                features.isSceneCut = change.isCut
                return FrameEntry(source: item.source.path, features: features, error: nil)
            } catch {
                return FrameEntry(source: item.source.path, features: nil, error: String(describing: error))
            }
        }
    }
}
