import Codecs
import Foundation
import Formats
import ImageCore
import Metrics

/// The parts the pipeline calls: reading and rebuilding sources, codecs, metrics.
/// `standard` binds them to the Formats, Codecs and Metrics modules; tests may
/// substitute any of them.
public struct EngineServices: Sendable {
    /// Reads a source file's bytes (`name` appears in errors).
    public var read: @Sendable (_ data: Data, _ name: String) throws -> SourceFrame
    /// Rebuilds a source file from samples and its rebuild record.
    public var rebuild: @Sendable (_ pixels: PixelBuffer, _ record: Data) throws -> Data
    /// A codec by id, with `threads` library threads.
    public var codec: @Sendable (_ id: CodecID, _ threads: Int) throws -> any Codec
    /// Measures `test` against `reference` with `threads` threads.
    public var measure: @Sendable (_ reference: PixelBuffer, _ test: PixelBuffer, _ threads: Int) throws -> QualityMeasurement
    /// True (the default): a frame without a warm start and without frames done before
    /// it in its run starts from the prior its own analysis predicts
    /// (`SearchPrior.forFrame`); false: from the codec's general prior, as before that
    /// prior existed (the cold-start benchmark measures one against the other).
    package var frameFeaturePrior = true

    /// Services from their parts.
    public init(read: @escaping @Sendable (Data, String) throws -> SourceFrame,
                rebuild: @escaping @Sendable (PixelBuffer, Data) throws -> Data,
                codec: @escaping @Sendable (CodecID, Int) throws -> any Codec,
                measure: @escaping @Sendable (PixelBuffer, PixelBuffer, Int) throws -> QualityMeasurement) {
        self.read = read
        self.rebuild = rebuild
        self.codec = codec
        self.measure = measure
    }

    /// The real formats, codecs and metrics.
    public static let standard = EngineServices(
        read: { data, name in try ImageFile.read(data, name: name) },
        rebuild: { pixels, record in try ImageFile.rebuild(pixels: pixels, record: record) },
        codec: { id, threads in try CodecRegistry.codec(id, threads: threads) },
        measure: { reference, test, threads in
            QualityMeasurement(report: try QualityMetrics.measure(reference: reference, test: test,
                                                                   bitDepth: reference.bitDepth, threads: threads))
        })
}
