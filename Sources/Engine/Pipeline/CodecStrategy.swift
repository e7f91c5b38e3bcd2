import Codecs
import Foundation
import ImageCore

/// Which codecs a frame tries and which result it keeps: one named codec, or `auto`
/// (DESIGN.md §4). Every rule of `auto` lives here; the shot history only remembers
/// what it settled on.
///
/// At a lossy profile `auto` is HTJ2K (`lossyCandidates`). The rule for several
/// lossy candidates (`ceiling`, `pick` with `autoMargin`) applies when that list holds
/// more than one codec.
///
/// For the lossless profile `auto` weighs time as well as size, because lossless files
/// of one frame differ by a few percent to a few tens of percent between codecs while
/// their times differ by up to ten times: on the first frame of each shot each codec
/// of `losslessCandidates` encodes the centre of the frame (`losslessSample`, a quarter
/// of it), and a costlier codec is kept only where its sample is smaller than the
/// cheaper choice's by its margin. The frame and the rest of its shot are then encoded
/// with that codec alone.
struct CodecStrategy: Sendable {
    var choice: CodecChoice
    /// True for the lossless profile (`auto` then chooses by `losslessCandidates`).
    var lossless = false

    /// How much larger HTJ2K's file may be and still be kept by `auto` at a lossy
    /// profile. Measured at C1 on 24-frame 4096×2160 10-bit reels on two cores
    /// (`reelpack-bench throughput`, BENCHMARKS.md): JPEG 2000 took 2.3× HTJ2K's CPU on
    /// both reels (each candidate's OpenJPEG encode and decode costs 3-6 s on one core
    /// against HTJ2K's 0.3-1.2 s); its files were 18 % smaller on the photographs and no
    /// smaller on synthetic grain over the shot (6.660:1 against HTJ2K's 6.696:1), where
    /// a 5 % margin had kept it from the first frame. As for lossless, JPEG 2000 must save
    /// 30 % to pay for its time; `--codec j2k` gives the smaller files.
    static let autoMargin = 1.30

    /// The lossy candidates of `auto`. JPEG 2000 is not one: with `autoMargin` it still
    /// cost a JPEG 2000 encode on every shot's first frame, and on the 24-frame 4K
    /// photographs' reel at C1 it won one shot and saved 0.1 % of the reel's bytes
    /// (19.375:1 against 19.353:1) for 1.9× the CPU (119 s against 63 s) and 10.4× a
    /// frame's memory per frame in flight against 7.1× (BENCHMARKS.md "throughput").
    static let lossyCandidates: [CodecID] = [.htj2k]

    /// The lossless candidates of `auto`, cheapest first, each with the factor by which
    /// its file must be smaller than the cheaper choice's to be kept. Measured on
    /// 4096×2160 frames with one library thread (`reelpack-bench stages` and
    /// `throughput`, BENCHMARKS.md): an HTJ2K encode and decode takes 0.6-1.4 s, JPEG
    /// 2000's (OpenJPEG) 2.5-9.6 s. HTJ2K keeps a lossless run near FFV1's CPU time and
    /// within 6× a frame's samples of memory per frame in flight; JPEG 2000 made a run
    /// 4.6-6.7× FFV1's time, so it must save 30 % of the size. JPEG XL
    /// is not a candidate: effort 1-2 took 2.1-3.9 s for FFV1's ratio on grain (a run
    /// 2.3× FFV1's time, 15× a frame's memory) and made larger files than HTJ2K on the
    /// photographs; effort 3 took 5.3-6.7 s.
    static let losslessCandidates: [(id: CodecID, margin: Double)] = [(.htj2k, 1), (.j2k, 1.30)]

    /// The codec the lossless `auto` keeps, from the sizes each candidate's encoding of
    /// the same sample took (cheapest first; a costlier codec replaces the choice when
    /// its size is smaller by its margin).
    static func losslessChoice(_ sizes: [CodecID: Int]) -> CodecID? {
        var kept: (id: CodecID, bytes: Int)?
        for (id, margin) in losslessCandidates {
            guard let bytes = sizes[id] else { continue }
            if let k = kept, Double(bytes) * margin >= Double(k.bytes) { continue }
            kept = (id, bytes)
        }
        return kept?.id
    }

    /// The part of a frame the lossless candidates are tried on: its centre, half its
    /// width and half its height (a quarter of the samples; the trial then costs about
    /// a quarter of encoding the frame with every candidate), or the whole frame when
    /// it is under 256 pixels a side.
    static func losslessSample(_ p: PixelBuffer) throws -> PixelBuffer {
        guard p.width >= 256, p.height >= 256 else { return p }
        let w = p.width / 2, h = p.height / 2, x0 = p.width / 4, y0 = p.height / 4
        var samples: [UInt16] = []
        samples.reserveCapacity(w * h * p.channels)
        for c in 0..<p.channels {
            let plane = p.planeRange(c).lowerBound
            for y in y0..<(y0 + h) {
                let row = plane + y * p.width + x0
                samples += p.samples[row..<(row + w)]
            }
        }
        return try PixelBuffer(width: w, height: h, channels: p.channels, bitDepth: p.bitDepth, samples: samples)
    }

    /// The codecs to search, in order: the named one; for `auto` the codec the shot
    /// settled on, or `lossyCandidates` (a later one's target-size knob can be held to
    /// the sizes that could still win, see `ceiling`); lossless, `losslessCandidates`.
    func candidates(settled: CodecID?) -> [CodecID] {
        if let id = choice.codecID { return [id] }
        if let settled { return [settled] }
        if lossless { return Self.losslessCandidates.map(\.id) }
        return Self.lossyCandidates
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
    /// `autoMargin` times the smallest, otherwise the smallest; lossless, see
    /// `losslessCandidates`.
    func pick(_ results: [EncodedCandidate]) -> EncodedCandidate? {
        guard results.count > 1 else { return results.first }
        if lossless, let id = Self.losslessChoice(Dictionary(results.map { ($0.codec.id, $0.payload.count) },
                                                              uniquingKeysWith: min)),
           let kept = results.first(where: { $0.codec.id == id }) {
            return kept
        }
        let smallest = results.min { $0.payload.count < $1.payload.count } ?? results[0]
        if let ht = results.first(where: { $0.codec.id == .htj2k }),
           Double(ht.payload.count) <= Double(smallest.payload.count) * Self.autoMargin { return ht }
        return smallest
    }
}
