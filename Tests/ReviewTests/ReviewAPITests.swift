import Engine
import Formats
import Foundation
import ImageCore
import Review
import Testing
import TestSupport

@Suite("Review server answers: library, tiles, safety, blind scoring")
struct ReviewAPITests {
    @Test("Tiles are the decoded frames through the display transform; the second crop decodes nothing")
    func tilesAndCache() async throws {
        let reel = try await ReviewFixture.reel(count: 2)
        defer { reel.dir.remove() }
        let library = try ReviewLibrary(outputs: reel.outputs, source: reel.source)
        let cache = FrameCache()
        let api = ReviewAPI(library: library, sessions: BlindSessions(library: library), cache: cache)
        let lib = await api.respond(method: "GET", path: "/api/library", query: [:])
        #expect(lib.status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(lib.body)) as? [String: Any])
        #expect((json["frames"] as? [Any])?.count == 2)
        #expect((json["outputs"] as? [[String: Any]])?.map { $0["profile"] as? String } == ["C1", "C2"])

        let crop = ["frame": "0", "out": "1", "x": "10", "y": "5", "w": "64", "h": "48", "step": "1"]
        let source = await api.respond(method: "GET", path: "/api/tile", query: crop.merging(["view": "source"]) { $1 })
        #expect(source.status == 200 && source.contentType == "image/png" && source.headers["X-Reelpack-Error"] == nil)
        #expect(source.headers["X-Reelpack-Transform"]?.removingPercentEncoding == "Cineon log → Rec.709")
        let png = try #require(StoredPNG.decode(source.body))
        #expect(png.width == 64 && png.height == 48)
        // The same pixels as rendering the source file directly.
        let frame = try ImageFileReader.read(library.frames[0], in: reel.source)
        let expected = TileRenderer.picture(frame, transform: .cineonLog, crop: Crop(x: 10, y: 5, width: 64, height: 48))
        #expect(png.pixels == expected.pixels)
        let decodes = await cache.decodes
        for view in ["output", "diff1", "diff4", "diff16", "grain-source", "grain-output"] {
            let tile = await api.respond(method: "GET", path: "/api/tile", query: crop.merging(["view": view]) { $1 })
            #expect(tile.status == 200 && tile.headers["X-Reelpack-Error"] == nil, "\(view)")
        }
        // Source cached already; only the output of folder 1 was decoded, once.
        #expect(await cache.decodes == decodes + 1)
        let heat = await api.respond(method: "GET", path: "/api/tile", query: ["frame": "0", "out": "0", "view": "heat-error"])
        #expect(heat.status == 200 && StoredPNG.decode(heat.body) != nil)
        let whole = await api.respond(method: "GET", path: "/api/tile", query: ["frame": "1", "out": "0", "view": "output", "step": "2"])
        #expect(StoredPNG.decode(whole.body)?.width == 80)
    }

    @Test("Only ids: unknown frames are 404, paths in requests are nothing; a missing output is an error tile")
    func safety() async throws {
        let reel = try await ReviewFixture.reel(count: 2, profiles: [.c2])
        defer { reel.dir.remove() }
        let library = try ReviewLibrary(outputs: reel.outputs, source: reel.source)
        let api = ReviewAPI(library: library, sessions: BlindSessions(library: library))
        #expect(await api.respond(method: "GET", path: "/api/tile", query: ["frame": "9", "out": "0", "view": "output"]).status == 404)
        #expect(await api.respond(method: "GET", path: "/api/tile", query: ["frame": "../../etc/passwd", "out": "0", "view": "output"]).status == 400)
        #expect(await api.respond(method: "GET", path: "/etc/passwd", query: [:]).status == 404)
        // Remove frame 1's output and damage frame 0's: error tiles, and the server goes on.
        let outputs = OutputFolder(url: reel.outputs[0]).frameFiles()
        try FileManager.default.removeItem(at: reel.outputs[0].appendingPathComponent(outputs[1]))
        try Data("not a codestream".utf8).write(to: reel.outputs[0].appendingPathComponent(outputs[0]))
        for frame in ["0", "1"] {
            let tile = await api.respond(method: "GET", path: "/api/tile", query: ["frame": frame, "out": "0", "view": "output", "w": "100", "h": "50"])
            #expect(tile.status == 200 && tile.headers["X-Reelpack-Error"] != nil)
            #expect(StoredPNG.decode(tile.body)?.pixels.prefix(3) == [110, 18, 24])
        }
        #expect(await api.respond(method: "GET", path: "/api/tile", query: ["frame": "0", "view": "source"]).headers["X-Reelpack-Error"] == nil)
    }

    @Test("With a token, every request without it is refused")
    func token() async throws {
        let reel = try await ReviewFixture.reel(count: 1, profiles: [.c2])
        defer { reel.dir.remove() }
        let library = try ReviewLibrary(outputs: reel.outputs, source: reel.source)
        let api = ReviewAPI(library: library, sessions: BlindSessions(library: library), token: "s3cret")
        #expect(await api.respond(method: "GET", path: "/", query: [:]).status == 403)
        #expect(await api.respond(method: "GET", path: "/api/library", query: ["token": "s3creT"]).status == 403)
        #expect(await api.respond(method: "GET", path: "/api/tile", query: ["frame": "0", "view": "source"]).status == 403)
        #expect(await api.respond(method: "GET", path: "/", query: ["token": "s3cret"]).status == 200)
    }

    @Test("Blind tiles show the source on the side the plan says; scores posted land in the catalog")
    func blind() async throws {
        let reel = try await ReviewFixture.reel(count: 2, profiles: [.c2])
        defer { reel.dir.remove() }
        let library = try ReviewLibrary(outputs: reel.outputs, source: reel.source)
        let sessions = BlindSessions(library: library, frameCount: 2)
        let api = ReviewAPI(library: library, sessions: sessions)
        let started = await api.respond(method: "GET", path: "/api/session", query: ["reviewer": "Ana"])
        let session = try #require(try JSONSerialization.jsonObject(with: Data(started.body)) as? [String: Any])
        let id = try #require(session["id"] as? String)
        let (_, plan) = try sessions.session(id)
        let item = plan.items[0]
        let frameID = try #require(library.frames.first { $0.name == item.frame }?.id)
        let source = await api.respond(method: "GET", path: "/api/tile", query: ["frame": "\(frameID)", "view": "source"])
        let a = await api.respond(method: "GET", path: "/api/blind", query: ["session": id, "item": "0", "side": "A"])
        let b = await api.respond(method: "GET", path: "/api/blind", query: ["session": id, "item": "0", "side": "B"])
        #expect((item.sourceSide == "A" ? a.body : b.body) == source.body)
        #expect((item.sourceSide == "A" ? b.body : a.body) != source.body)
        let body = #"{"session":"\#(id)","item":0,"score":2,"original":"B","comment":"ringing on the bar"}"#
        #expect(await api.respond(method: "POST", path: "/api/score", query: [:], body: Array(body.utf8)).status == 200)
        #expect(await api.respond(method: "POST", path: "/api/score", query: [:], body: Array("{".utf8)).status == 400)
        let bad = #"{"session":"\#(id)","item":0,"score":9}"#
        #expect(await api.respond(method: "POST", path: "/api/score", query: [:], body: Array(bad.utf8)).status == 400)
        let scores = try library.outputs[0].catalog.reviewScores()
        #expect(scores.map(\.score) == [2] && scores[0].comment == "ringing on the bar")
        #expect(scores[0].pickedOriginal == (item.sourceSide == "B"))
        let summary = await api.respond(method: "GET", path: "/api/summary", query: [:])
        let table = try JSONDecoder().decode(ReviewTable.self, from: Data(summary.body))
        #expect(table.profiles[0].scores == 1 && table.profiles[0].meanScore == 2)
    }
}

/// Reads a source frame the way `reelpack` does, for comparing served tiles.
enum ImageFileReader {
    static func read(_ frame: ReviewLibrary.Frame, in folder: URL) throws -> ImageCore.PixelBuffer {
        let url = folder.appendingPathComponent(frame.name)
        return try EngineServices.standard.read(try Data(contentsOf: url), url.path).pixels
    }
}
