import ArgumentParser
import Engine
import Foundation

/// `reelpack synth`: writes a synthetic film reel as a DPX sequence, the demo reel and
/// a test source (see `FilmSynthesizer` for what each kind shows).
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a synthetic film reel as a DPX sequence (demo reel, test source).",
        discussion: """
            Frames are made from the seed alone: the same options give the same samples on
            every run and machine. Files are named NAME_NNNNNNN.dpx from --start (7 digits),
            with timecode from the frame number at 24 fps (86400 is 01:00:00:00), frame
            rate 24, frame position and sequence length, creator "Reelpack synth", and
            printing-density transfer for 10 bits (linear otherwise).

            Kinds:
              grain     colour film: sky, hills, fine fence edges, moving balls, slow pan,
                        colour chart and grey card, film grain
              bw        the same scene in black and white (R = G = B), heavier grain
              gradient  smooth skies and glows with very little grain (shows banding)
              action    fast pans and motion, a cut every 6 frames (scene changes)
              titles    shots of 8 frames in turn: a title card (white text on black,
                        grain), the grain scene with subtitles (white or yellow text with
                        a dark outline near the bottom), the same scene without text
            """)

    @Option(name: [.short, .customLong("output")], help: "Folder to write the frames into (created if missing).")
    var output: String

    @Option(help: "Number of frames.")
    var frames: Int = 24

    @Option(help: "Frame size WIDTHxHEIGHT in pixels.")
    var size: String = "2048x1080"

    @Option(help: "Bits per sample: 10, 12 or 16 (8 also works).")
    var bits: Int = 10

    @Option(help: "What the reel shows: grain, bw, gradient, action or titles.")
    var kind: String = "grain"

    @Option(help: "Frame number of the first frame (86400 = 01:00:00:00 at 24 fps).")
    var start: Int = 86400

    @Option(help: "File name prefix: frames are NAME_0086400.dpx, ….")
    var name: String = "reel"

    @Option(help: "Seed of every random choice (same seed, same frames).")
    var seed: UInt64 = 1

    @Option(help: "Grain at mid grey, in code values at --bits (default: the kind's own, e.g. 6 at 10 bits).")
    var grain: Double?

    @Flag(help: "Replace frames of the same name already in the folder.")
    var overwrite = false

    @Flag(help: "Print a JSON summary on stdout.")
    var json = false

    /// Highest frame number that fits the 7-digit names.
    static let maxFrameNumber = SyntheticReel.maxFrameNumber

    func validate() throws {
        guard frames >= 1, frames <= 1_000_000 else {
            throw ValidationError("--frames \(frames): give a number of frames from 1 to 1000000")
        }
        _ = try Self.parseSize(size)
        guard SyntheticReel.supportedBitDepths.contains(bits) else {
            throw ValidationError("--bits \(bits): choose 10, 12 or 16 bits per sample (8 also works); "
                + "film scans are usually 10-bit log DPX")
        }
        _ = try Self.parseKind(kind)
        guard start >= 0, start <= Self.maxFrameNumber - (frames - 1) else {
            throw ValidationError("--start \(start) with --frames \(frames): frame numbers must stay within "
                + "0…\(Self.maxFrameNumber) to fit 7-digit names")
        }
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
            throw ValidationError("--name '\(name)': give a plain file name prefix such as 'reel' "
                + "(no '/', not starting with '.')")
        }
        if let grain, !(grain >= 0 && grain <= Double((1 << bits) - 1) / 8) {
            throw ValidationError("--grain \(grain): give a grain in code values from 0 to \(((1 << bits) - 1) / 8) "
                + "at \(bits) bits (the default is the kind's own)")
        }
    }

    func run() throws {
        let (width, height) = try Self.parseSize(size)
        let synthKind = try Self.parseKind(kind)
        let reel: SyntheticReel
        do {
            reel = try SyntheticReel(width: width, height: height, bitDepth: bits, kind: synthKind, seed: seed, grainSigma: grain)
        } catch let error as EngineError {
            throw ValidationError(error.reason)
        }

        let folder = URL(fileURLWithPath: output, isDirectory: true)
        let names = (0..<frames).map { Self.fileName(name, frame: start + $0) }
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: folder.path, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw ValidationError("-o \(output): a file of that name exists; give a folder")
            }
            if !overwrite, let clash = names.first(where: { fm.fileExists(atPath: folder.appendingPathComponent($0).path) }) {
                throw ValidationError("\(output) already holds \(clash); choose another folder or --name, "
                    + "or pass --overwrite to replace it")
            }
        }

        try failingWithExitCode1 {
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
            let began = Date()
            let progress = ProgressLog(total: names.count)
            try reel.write(names: names, start: start, to: folder) { count, name in progress.done(count, name) }
            let seconds = Date().timeIntervalSince(began)
            Output.note(String(format: "synth: wrote %d frames (%@ … %@) to %@ in %.1f s (%.1f frames/s)",
                               frames, names[0], names[names.count - 1], folder.path, seconds,
                               Double(frames) / max(seconds, 1e-9)))
        }
        if json {
            try Output.printJSON(SynthSummary(
                directory: folder.path, pattern: "\(name)_%07d.dpx", firstFrame: start,
                lastFrame: start + frames - 1, frameCount: frames, files: names, width: width, height: height,
                bitDepth: bits, kind: synthKind.rawValue, seed: seed, grainSigma: reel.grainSigma))
        }
    }

    static func fileName(_ prefix: String, frame: Int) -> String {
        SyntheticReel.fileName(prefix, frame: frame)
    }

    // MARK: Parsing

    static func parseSize(_ text: String) throws -> (Int, Int) {
        let parts = text.lowercased().split(whereSeparator: { $0 == "x" || $0 == "×" })
        let teach = "expected WIDTHxHEIGHT in pixels, such as 2048x1080 (2K), 1920x1080 (HD) or 4096x2160 (4K)"
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]) else {
            throw ValidationError("--size \(text): \(teach)")
        }
        guard w >= SyntheticReel.minimumWidth, h >= SyntheticReel.minimumHeight,
              w <= 16384, h <= 16384 else {
            throw ValidationError("--size \(text): each side must be from \(SyntheticReel.minimumWidth)×"
                + "\(SyntheticReel.minimumHeight) up to 16384×16384 pixels; \(teach)")
        }
        return (w, h)
    }

    static func parseKind(_ text: String) throws -> SyntheticReel.Kind {
        guard let kind = SyntheticReel.Kind(rawValue: text.lowercased()) else {
            throw ValidationError("--kind \(text): choose grain (colour film with grain), bw (black-and-white "
                + "film, R = G = B), gradient (smooth skies, shows banding), action (fast motion, scene cuts) "
                + "or titles (title cards and subtitles)")
        }
        return kind
    }
}

/// What `reelpack synth --json` prints.
struct SynthSummary: Encodable {
    var directory: String
    var pattern: String
    var firstFrame: Int
    var lastFrame: Int
    var frameCount: Int
    var files: [String]
    var width: Int
    var height: Int
    var bitDepth: Int
    var kind: String
    var seed: UInt64
    var grainSigma: Double
}

/// Progress on stderr from concurrent frame writers: a line rewritten in place on a
/// terminal, periodic plain lines otherwise.
// @unchecked Sendable: every stored property is read and written under `lock` only.
private final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private let every: Int
    private let live: Bool
    private let began = Date()

    init(total: Int) {
        self.total = total
        live = isatty(STDERR_FILENO) != 0
        every = live ? 1 : max(1, total / 20)
    }

    func done(_ count: Int, _ name: String) {
        lock.withLock {
            guard count % every == 0 || count == total else { return }
            let elapsed = Date().timeIntervalSince(began)
            let fps = Double(count) / max(elapsed, 1e-9)
            let line = String(format: "synth: %d/%d frames (%@), %.1f frames/s", count, total, name, fps)
            if live {
                let eta = Double(total - count) / max(fps, 1e-9)
                let end = count == total ? "\n" : ""
                FileHandle.standardError.write(Data(("\r\u{1B}[K" + line + String(format: ", ETA %.0f s", eta) + end).utf8))
            } else {
                Output.note(line)
            }
        }
    }
}
