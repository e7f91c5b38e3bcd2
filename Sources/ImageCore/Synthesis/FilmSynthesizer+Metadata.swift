extension FilmSynthesizer {
    /// Frames per second of a synthetic reel (timecode and header frame rate).
    public static let frameRate = 24

    /// The header fields of a synthetic reel's frame: timecode from `frameNumber` at
    /// 24 fps (86400 is 01:00:00:00), frame rate 24, `position` (1-based) of `length`
    /// frames, creator "Reelpack synth", the settings in the project field, and
    /// printing-density transfer and colorimetry at 10 bits (linear transfer otherwise).
    public func metadata(frameNumber: Int, position: Int, length: Int, fileName: String? = nil) -> FrameMetadata {
        var m = FrameMetadata()
        m.descriptor = .rgb
        m.orientation = 0
        m.frameRate = Double(Self.frameRate)
        m.timecode = Self.timecode(frameNumber: frameNumber)
        m.framePosition = position
        m.sequenceLength = length
        m.creator = "Reelpack synth"
        m.originalFileName = fileName
        let grain = (grainSigma * 100).rounded() / 100
        m.project = "Reelpack synthetic reel: kind \(kind.rawValue), seed \(seed), grain \(grain) codes at \(bitDepth) bits"
        if bitDepth == 10 {
            m.transfer = "printing density"
            m.colorimetric = "printing density"
        } else {
            m.transfer = "linear"
        }
        return m
    }

    /// `HH:MM:SS:FF` of a frame number counted from 00:00:00:00 at `fps` (hours wrap
    /// at 24; negative numbers count as 0).
    public static func timecode(frameNumber: Int, fps: Int = frameRate) -> String {
        let n = max(frameNumber, 0), rate = max(fps, 1)
        let seconds = n / rate
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(two((seconds / 3600) % 24)):\(two((seconds / 60) % 60)):\(two(seconds % 60)):\(two(n % rate))"
    }
}
