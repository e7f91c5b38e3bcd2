import Codecs
import Foundation
import ImageCore

/// The fixed methods `compare` sets against Reelpack's per-frame search.
public enum MethodID: String, Sendable, Codable, CaseIterable {
    /// JPEG 2000 Part 1, irreversible 9/7, one rate for the reel (OpenJPEG).
    case j2k
    /// HTJ2K, one quantisation step for the reel (OpenJPH).
    case htj2k
    /// H.265 intra-only, 4:4:4 at the source's depth, one CRF (ffmpeg + libx265).
    case h265
    /// JPEG XL, one distance for the reel (libjxl).
    case jxl
}

/// One encoder at one setting for the whole reel: what a user of a plain encoder does.
///
/// The knob is oriented so that a larger knob gives larger files (H.265's CRF runs the
/// other way, so its knob is 51 − CRF); `setting` says it in the encoder's own terms.
public protocol FixedMethod: Sendable {
    var id: MethodID { get }
    /// A short name for tables ("JPEG 2000 (one rate)").
    var title: String { get }
    /// The meaningful knob range for frames of `bitDepth` bits.
    func knobRange(bitDepth: Int) -> ClosedRange<Double>
    /// True when the search should move the knob on a log scale (a rate).
    var logScale: Bool { get }
    /// About how much ln(reel bytes) grows per unit of the search's scale (ln knob for
    /// a log-scale knob): the first step of the searches.
    var typicalSlope: Double { get }
    /// The setting in the encoder's own terms ("rate 4.17 %", "CRF 23.5").
    func setting(_ knob: Double) -> String
    /// The setting as one number in the encoder's own unit (rate %, step, CRF, distance).
    func nativeValue(_ knob: Double) -> Double
    /// Library or tool versions, by name.
    var versions: [String: String] { get }
    /// Encodes one frame at `knob`; the bytes a user would store.
    func encode(_ frame: PixelBuffer, knob: Double) throws -> Data
    /// Decodes what `encode` made for `source`, at the source's geometry and depth.
    func decode(_ payload: Data, source: PixelBuffer) throws -> PixelBuffer
    /// Every frame of the reel encoded at `knob`, `jobs` frames at a time: the files a user
    /// of the encoder would store for the reel (a failed frame is its error).
    func encodeReel(_ frames: [PixelBuffer], knob: Double, jobs: Int) -> [Result<Data, any Error>]
    /// True when `decodeReel` decodes many frames in one pass (one process for the reel),
    /// so the caller should decode through it rather than frame by frame.
    var decodesReel: Bool { get }
    /// Decodes `payloads` (made for `sources`) in this order, handing each frame to `body`
    /// as it is ready; stops when `body` returns false.
    func decodeReel(_ payloads: [Data], sources: [PixelBuffer],
                    body: (Int, Result<PixelBuffer, any Error>) -> Bool)
    /// The method held at `knob` with a second, finer setting as its knob, for when `knob`
    /// moves the reel's size in steps too coarse for the equal-size match (H.265: libx265's
    /// `aq-strength` at one CRF); nil when the method has none. Its knob's middle value
    /// leaves the method as it is.
    func fineTuning(at knob: Double) -> (any FixedMethod)?
}

extension FixedMethod {
    /// Frame by frame with `encode`, `jobs` at once.
    public func encodeReel(_ frames: [PixelBuffer], knob: Double, jobs: Int) -> [Result<Data, any Error>] {
        ParallelWork.map(Array(frames.indices), jobs: jobs) { i in Result { try encode(frames[i], knob: knob) } }
    }

    public var decodesReel: Bool { false }

    public func fineTuning(at knob: Double) -> (any FixedMethod)? { nil }

    /// Frame by frame with `decode`, in order.
    public func decodeReel(_ payloads: [Data], sources: [PixelBuffer],
                           body: (Int, Result<PixelBuffer, any Error>) -> Bool) {
        for i in payloads.indices {
            if !body(i, Result { try decode(payloads[i], source: sources[i]) }) { return }
        }
    }
}

/// JPEG 2000, HTJ2K and JPEG XL through Reelpack's own codecs at one fixed setting.
public struct CodecMethod: FixedMethod {
    public let id: MethodID
    let codec: any Codec

    /// The method `id` (not `.h265`) through `services`' codecs with `threads` library threads.
    /// - Throws: `CodecError` when the codec is not in this build.
    public init(_ id: MethodID, services: EngineServices = .standard, threads: Int = 1) throws {
        self.id = id
        switch id {
        case .j2k: codec = try services.codec(.j2k, threads)
        case .htj2k: codec = try services.codec(.htj2k, threads)
        case .jxl: codec = try services.codec(.jxl, threads)
        case .h265: throw EngineError(.unavailable, "H.265 is not one of Reelpack's codecs: use H265Method")
        }
    }

    public var title: String {
        switch id {
        case .j2k: "JPEG 2000 (one rate)"
        case .htj2k: "HTJ2K (one step)"
        case .jxl: "JPEG XL (one distance)"
        case .h265: "H.265"
        }
    }

    public func knobRange(bitDepth: Int) -> ClosedRange<Double> {
        switch id {
        case .htj2k: 1...Double(min(20, bitDepth + 3))
        default: codec.qualityRange
        }
    }

    public var logScale: Bool { id == .j2k }

    public var typicalSlope: Double {
        switch id {
        case .j2k: 1.0          // the knob is the size
        case .htj2k: 0.6        // step halved per unit
        default: 0.5            // distance halved per unit
        }
    }

    public func setting(_ knob: Double) -> String {
        switch id {
        case .j2k: String(format: "rate %.3g %% (opj_compress -r %.3g)", knob, 100 / knob)
        case .htj2k: String(format: "step 2^-%.2f", knob)
        default: String(format: "distance %.3g", nativeValue(knob))
        }
    }

    public func nativeValue(_ knob: Double) -> Double {
        switch id {
        case .j2k: knob
        case .htj2k: pow(2, -knob)
        default: pow(2, -knob)
        }
    }

    public var versions: [String: String] {
        switch id {
        case .j2k: ["OpenJPEG": codec.libraryVersion]
        case .htj2k: ["OpenJPH": codec.libraryVersion]
        default: ["libjxl": codec.libraryVersion]
        }
    }

    public func encode(_ frame: PixelBuffer, knob: Double) throws -> Data {
        let range = knobRange(bitDepth: frame.bitDepth)
        return try codec.encode(frame, mode: .lossy(quality: min(max(knob, range.lowerBound), range.upperBound)))
    }

    public func decode(_ payload: Data, source: PixelBuffer) throws -> PixelBuffer {
        try codec.decode(payload).pixels
    }
}
