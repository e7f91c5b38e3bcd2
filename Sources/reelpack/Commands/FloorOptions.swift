import ArgumentParser
import Engine

/// The floor overrides `compress` and `compare` share: each replaces the profile's
/// floor (DESIGN.md §4); 0 turns a grain, banding or SSIMULACRA 2 floor off.
struct FloorOptions: ParsableArguments {
    @Option(help: "Minimum frame SSIM (overrides the profile's).")
    var ssim: Double?

    @Option(help: "Minimum PSNR in dB (overrides the profile's).")
    var psnr: Double?

    @Option(name: .customLong("tile-ssim"), help: "Minimum 64×64-tile SSIM (overrides the profile's).")
    var tileSSIM: Double?

    @Option(name: .customLong("grain-retention"),
            help: """
            Minimum share of the source's film grain kept in the worst 64×64 tile, 0…1 \
            (profiles: C0 0.9, C1 0.7, C2 0.4; 0 turns the grain floor off). New noise a \
            codec adds does not count as grain kept; frames without measurable grain are exempt.
            """)
    var grainRetention: Double?

    @Option(help: """
            Highest CAMBI banding index an output may have (0 = none; a smooth gradient \
            re-quantised to steps of one 10-bit code reads about 5). A source already above \
            it may not get worse. Profiles: C0 3, C1 6, C2 none; 0 turns it off.
            """)
    var banding: Double?

    @Option(name: .customLong("banding-rise"),
            help: "Highest rise of the CAMBI index over the source's (profiles: C0 1, C1 2, C2 none; 0 turns it off).")
    var bandingRise: Double?

    @Option(help: """
            Lowest SSIMULACRA 2 score (of the display rendering: Cineon log through a Rec.709 \
            display transform for log scans, Rec.709 as it is) every output must reach, e.g. 90. \
            Off by default: it costs about a second of CPU per 4K candidate.
            """)
    var ssimulacra2: Double?

    /// Checks the values; a problem is a usage error.
    func check() throws(ValidationError) {
        for (name, v) in [("--ssim", ssim), ("--tile-ssim", tileSSIM)] {
            if let v, !(v > -1 && v <= 1) { throw ValidationError("\(name) must be in (-1, 1]") }
        }
        if let psnr, !(psnr > 0 && psnr.isFinite) { throw ValidationError("--psnr must be a positive number of dB") }
        for (name, value) in [("--banding", banding), ("--banding-rise", bandingRise), ("--ssimulacra2", ssimulacra2)] {
            if let value, !(value >= 0 && value <= 100) { throw ValidationError("\(name) must be between 0 (off) and 100") }
        }
        if let grainRetention, !(grainRetention >= 0 && grainRetention <= 1.5) {
            throw ValidationError("--grain-retention must be between 0 (off) and 1.5")
        }
    }

    /// `profile`'s floors with these overrides.
    func floor(for profile: Profile) -> QualityFloor {
        profile.floor(ssim: ssim, psnr: psnr, tileSSIM: tileSSIM, grainRetention: grainRetention,
                      banding: banding, bandingRise: bandingRise, ssimulacra2: ssimulacra2)
    }
}
