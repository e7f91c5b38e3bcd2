import Codecs
import Foundation

/// Which codec a run writes.
public enum CodecChoice: String, Sendable, Codable, CaseIterable {
    /// Chosen per run on its first frames (see `CompressionSettings.codec`).
    case auto
    case j2k
    case htj2k
    case jxl

    /// The codec, or nil for `auto`.
    public var codecID: CodecID? {
        switch self {
        case .auto: nil
        case .j2k: .j2k
        case .htj2k: .htj2k
        case .jxl: .jxl
        }
    }
}

/// Everything a compression run is asked to do.
public struct CompressionSettings: Sendable, Codable {
    /// The profile and its floors after overrides.
    public var profile: Profile
    public var floor: QualityFloor
    /// The codec. `auto` chooses per shot, weighing time as well as size
    /// (`CodecStrategy`).
    public var codec: CodecChoice
    /// Frames in flight at once (default: the number of cores).
    public var jobs: Int
    /// Keep frames an earlier run completed (verified by hash); redo the rest.
    public var resume: Bool
    /// Free text kept with the run in the catalog.
    public var note: String?
    /// Search: stop when within this share of the smallest passing size (default 2 %).
    public var sizeTolerance: Double
    /// Search: at most this many evaluations per frame and codec.
    public var maxIterations: Int
    /// Store R = G = B frames as one channel (restored to three).
    public var storeMonochromeAsOneChannel: Bool

    /// Settings for `profile` with its floors (override them through `floor`).
    public init(profile: Profile, floor: QualityFloor? = nil, codec: CodecChoice = .auto,
                jobs: Int = ProcessInfo.processInfo.activeProcessorCount, resume: Bool = false, note: String? = nil,
                sizeTolerance: Double = 0.02, maxIterations: Int = 12, storeMonochromeAsOneChannel: Bool = true) {
        self.profile = profile
        self.floor = floor ?? profile.floor
        self.codec = codec
        self.jobs = max(1, jobs)
        self.resume = resume
        self.note = note
        self.sizeTolerance = sizeTolerance
        self.maxIterations = maxIterations
        self.storeMonochromeAsOneChannel = storeMonochromeAsOneChannel
    }
}

extension CompressionSettings {
    /// What the files of a run depend on: a run resumed with other values would mix
    /// frames made to different floors (or with another codec) in one folder.
    public func sameOutputs(as other: CompressionSettings) -> Bool {
        profile == other.profile && floor == other.floor && codec == other.codec
            && storeMonochromeAsOneChannel == other.storeMonochromeAsOneChannel
    }

    /// The profile, its floors and the codec in the words of the command line: passed to
    /// `compress` they ask for the same outputs (`sameOutputs`).
    public var outputDescription: String {
        var parts = ["--profile \(profile.rawValue)", "--codec \(codec.rawValue)"]
        if !floor.requiresIdentical {
            if let v = floor.ssim { parts.append("--ssim \(v)") }
            if let v = floor.psnr { parts.append("--psnr \(v)") }
            if let v = floor.tileSSIM { parts.append("--tile-ssim \(v)") }
            // Every floor that 0 turns off is written out, set or off, so the words are a
            // command line that asks for these floors whatever the profile's defaults.
            parts.append("--grain-retention \(floor.grainRetention ?? 0)")
            parts.append("--banding \(floor.banding ?? 0)")
            parts.append("--banding-rise \(floor.bandingRise ?? 0)")
            if let v = floor.ssimulacra2 { parts.append("--ssimulacra2 \(v)") }
        }
        return parts.joined(separator: " ")
    }
}
