import Codecs
import Foundation
import ImageCore

/// Which codecs a frame tries and which result it keeps: one named codec, or `auto`
/// (DESIGN.md §4). Every rule of `auto` lives here; the shot history only remembers
/// what it settled on.
///
/// `auto` tries HTJ2K and JPEG 2000 on the first frame of each shot and keeps HTJ2K
/// unless JPEG 2000's file is more than 5 % smaller (HTJ2K encodes and decodes about
/// ten times faster); the frames after it in the shot use the codec it kept.
struct CodecStrategy: Sendable {
    var choice: CodecChoice

    /// How much larger HTJ2K's file may be and still be kept by `auto`.
    static let autoMargin = 1.05

    /// The codecs to search, in order: the named one; for `auto` the codec the shot
    /// settled on, or HTJ2K then JPEG 2000 (whose target-size knob can then be held
    /// to the sizes that could still win, see `ceiling`).
    func candidates(settled: CodecID?) -> [CodecID] {
        if let id = choice.codecID { return [id] }
        if let settled { return [settled] }
        return [.htj2k, .j2k]
    }

    /// True when the frame's result should be remembered for its shot.
    var remembersChoice: Bool { choice == .auto }

    /// The highest setting worth searching for `codec` after the codecs in `done`
    /// were searched: on a target-size knob, the size under HTJ2K's by the margin,
    /// known before encoding (a search held under it needs one encode to learn that it
    /// cannot win). Nil (no limit) with one candidate, on other knobs, when HTJ2K fell
    /// back to lossless, or when nothing was searched before.
    func ceiling(for codec: any Codec, candidates: Int, pixels: PixelBuffer, after done: [EncodedCandidate]) -> Double? {
        guard candidates > 1, let ht = done.first(where: { $0.codec.id == .htj2k }), ht.parameter != nil else { return nil }
        return codec.knob.setting(forPayloadBytes: ht.payload.count, dividedBy: Self.autoMargin, width: pixels.width,
                                  height: pixels.height, channels: pixels.channels, bitDepth: pixels.bitDepth)
    }

    /// The result to keep: the only one, or for `auto` HTJ2K when its file is at most
    /// 5 % larger than the smallest, otherwise the smallest.
    func pick(_ results: [EncodedCandidate]) -> EncodedCandidate? {
        guard results.count > 1 else { return results.first }
        let smallest = results.min { $0.payload.count < $1.payload.count } ?? results[0]
        if let ht = results.first(where: { $0.codec.id == .htj2k }),
           Double(ht.payload.count) <= Double(smallest.payload.count) * Self.autoMargin { return ht }
        return smallest
    }
}
