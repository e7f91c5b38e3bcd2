import ArgumentParser
import Engine
import Foundation
import Review

/// `reelpack review OUT... [--source SRC]`: look at outputs beside their sources in a
/// browser and score them blind; `--summary` prints the scores (the paper's Table 2).
struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Look at outputs beside their sources in a browser, score them blind, and print the scores.",
        discussion: """
            Starts a web server on this machine and prints its address; open it in a browser.

              reelpack review archive/reel1-C0 archive/reel1-C1 --source scans/reel1/

            Browse: the frames of every catalog with SSIM, tile floor, PSNR, grain kept and
            banding for each folder side by side (click a column: worst first). Views: side
            by side, wipe (a slider), flicker (Space, or a timer), difference ×1/×4/×16, the
            grain of both (their high-pass band), and the error, grain and banding heat maps;
            zoom from the whole frame to 8:1 with the pan shared by every view. The page
            lists its keys. Frames are decoded here and sent as 8-bit PNG through a display
            transform, named on the page: Cineon log → Rec.709 for log scans (DPX printing
            density), Rec.709 as it is otherwise (--display overrides).

            Blind review: the page asks your name once, picks --frames key frames (the worst
            by each metric, smooth gradients, high detail, titles, then a random sample) and
            shows each beside its source, one folder at a time, in random order with the
            source on a random side. Score the perceived difference from 0 (none) to 5
            (very annoying), say which one you take for the original if you can, and add a
            comment. Scores go into each folder's catalog; coming back with the same name
            resumes the session.

            --summary prints, per folder (profile): the share of scores at or under
            --threshold (default 1, not noticeable), the mean score, how often reviewers
            picked the original (50 % is chance) and the comments. `reelpack report`
            adds the same table to report.html.

            Safe by default: the server listens on 127.0.0.1 only. --host ADDRESS shares it
            on a network and then requires a token, generated now and carried by the printed
            link. Only frames listed in the catalogs are served; a missing or damaged file
            shows an error tile. Stop the server with Ctrl-C.
            """)

    @Argument(help: "Output folders of `reelpack compress` (one per profile), each holding reelpack.sqlite.")
    var outputs: [String]

    @Option(help: "The source folder (or file); default: where compress read the sources.")
    var source: String?

    @Option(help: "Port to listen on; 0 takes any free port (the address is printed).")
    var port = 8086

    @Option(help: "Address to listen on instead of 127.0.0.1 (e.g. 0.0.0.0); requires the printed token.")
    var host: String?

    @Option(help: "Key frames a new blind session picks.")
    var frames = BlindPlan.defaultFrameCount

    @Option(help: "Display transform for every frame: auto (from each frame's metadata), cineon-log or rec709.")
    var display = "auto"

    @Flag(help: "Print the blind scores (the paper's Table 2) instead of starting the server.")
    var summary = false

    @Option(help: "With --summary: scores at or under this count as accepted (0-5).")
    var threshold = ReviewTable.defaultThreshold

    @Flag(help: "With --summary: print one JSON document on stdout.")
    var json = false

    func validate() throws {
        guard !outputs.isEmpty else { throw ValidationError("give at least one output folder") }
        guard (0...65_535).contains(port) else { throw ValidationError("--port takes 0 to 65535") }
        guard (1...1000).contains(frames) else { throw ValidationError("--frames takes 1 to 1000") }
        guard (0...5).contains(threshold) else { throw ValidationError("--threshold takes 0 to 5") }
        guard DisplayChoice(rawValue: display) != nil else {
            throw ValidationError("--display takes auto, cineon-log or rec709")
        }
        if json && !summary { throw ValidationError("--json goes with --summary") }
        if let host, host.isEmpty { throw ValidationError("--host needs an address") }
    }

    func run() async throws {
        let kind = (DisplayChoice(rawValue: display) ?? .auto).override
        let library: ReviewLibrary
        do {
            library = try ReviewLibrary(outputs: outputs.map { URL(fileURLWithPath: $0) },
                                        source: source.map { URL(fileURLWithPath: $0) }, display: kind)
        } catch let error as ReviewError where error.kind == .usage {
            Output.error(error.description)
            throw ExitCode(2)
        } catch {
            Output.error(String(describing: error))
            throw ExitCode(1)
        }
        let sessions = BlindSessions(library: library, frameCount: frames)
        if summary {
            let table = try failingWithExitCode1 { try sessions.table(threshold: threshold) }
            if json { try Output.printJSON(table) } else { print(table.text) }
            return
        }
        let bind = host ?? "127.0.0.1"
        let token = host == nil ? nil : Self.newToken()
        let api = ReviewAPI(library: library, sessions: sessions, token: token)
        let server = ReviewServer(api: api, host: bind, port: port)
        let frameCount = library.frames.count, folderCount = library.outputs.count
        do {
            try await server.run { port in
                let shown = bind == "0.0.0.0" || bind == "::" ? (ProcessInfo.processInfo.hostName) : bind
                let address = "http://\(shown.contains(":") ? "[\(shown)]" : shown):\(port)/"
                // Written straight to the file handle: stdout may be a pipe, and a script
                // reading the address must get it now, not when a buffer fills.
                let link = token.map { "\(address)?token=\($0)" } ?? address
                FileHandle.standardOutput.write(Data("reelpack review: \(frameCount) frames, \(folderCount) output folders\n\(link)\n".utf8))
                Output.note("listening on \(bind):\(port); Ctrl-C stops")
            }
        } catch {
            Output.error("the review server stopped: \(error)")
            throw ExitCode(1)
        }
    }

    /// 128 random bits as hex.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%08x", UInt32.random(in: 0...UInt32.max, using: &generator)) }.joined()
    }
}
