import Engine
import Codecs
import Foundation
import ImageCore
import Metrics

/// What the review server answers, apart from HTTP: a request's method, path, query and
/// body in, a status, content type and body out. The Hummingbird server (`ReviewServer`)
/// only carries these across; tests call `respond` directly.
///
/// Routes (every one checks the token when the server has one):
/// - `GET /`: the page (`ReviewPage`).
/// - `GET /api/library`: outputs and frames with their metrics (JSON).
/// - `GET /api/tile?frame=&out=&view=&x=&y=&w=&h=&step=`: a PNG tile. Views: `source`,
///   `output`, `diff1`, `diff4`, `diff16`, `grain-source`, `grain-output`, and the heat
///   maps `heat-error`, `heat-grain`, `heat-banding` (whole frame, no crop).
/// - `GET /api/session?reviewer=`: starts or resumes the reviewer's blind session (JSON).
/// - `GET /api/blind?session=&item=&side=A|B&x=&y=&w=&h=&step=`: a blind tile.
/// - `POST /api/score` with JSON `{session, item, score, original, comment}`.
/// - `GET /api/summary`: the paper's Table 2 (JSON).
///
/// A tile whose source or output is missing or damaged is an error tile (status 200,
/// the reason in `X-Reelpack-Error`), so the page shows it in place.
public final class ReviewAPI: Sendable {
    /// An answer.
    public struct Response: Sendable {
        public var status: Int
        public var contentType: String
        public var body: [UInt8]
        public var headers: [String: String] = [:]

        static func json(_ value: some Encodable, status: Int = 200) -> Response {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            let body = (try? encoder.encode(value)).map { [UInt8]($0) } ?? [UInt8]("{}".utf8)
            return Response(status: status, contentType: "application/json", body: body)
        }

        static func error(_ status: Int, _ message: String) -> Response {
            json(["error": message], status: status)
        }
    }

    public let library: ReviewLibrary
    public let sessions: BlindSessions
    /// Required as `token` on every request when set (`--host`).
    public let token: String?
    let cache: FrameCache
    let maps: MapCache
    let services: EngineServices

    /// Largest tile served, in pixels (a whole 8K frame at step 1 is cut down to this).
    public static let maxTilePixels = 4096 * 2304

    public init(library: ReviewLibrary, sessions: BlindSessions, token: String? = nil,
                cache: FrameCache = FrameCache(), services: EngineServices = .standard) {
        self.library = library
        self.sessions = sessions
        self.token = token
        self.cache = cache
        self.maps = MapCache()
        self.services = services
    }

    /// Answers one request.
    public func respond(method: String, path: String, query: [String: String], body: [UInt8] = []) async -> Response {
        if let token {
            guard let given = query["token"], Self.constantTimeEqual(given, token) else {
                return .error(403, "this review server needs the token of the link it printed")
            }
        }
        do {
            switch (method, path) {
            case ("GET", "/"), ("GET", "/index.html"):
                return Response(status: 200, contentType: "text/html; charset=utf-8", body: [UInt8](ReviewPage.html.utf8))
            case ("GET", "/api/library"):
                return .json(libraryJSON())
            case ("GET", "/api/tile"):
                return await tile(query)
            case ("GET", "/api/session"):
                return .json(try sessionJSON(sessions.startOrResume(reviewer: query["reviewer"] ?? "")))
            case ("GET", "/api/blind"):
                return await blindTile(query)
            case ("POST", "/api/score"):
                let score = try JSONDecoder().decode(ScoreBody.self, from: Data(body))
                try sessions.record(session: score.session, item: score.item, score: score.score,
                                    originalGuess: score.original, comment: score.comment)
                return .json(["done": try sessions.done(score.session).count])
            case ("GET", "/api/summary"):
                return .json(try sessions.table(threshold: Int(query["threshold"] ?? "") ?? ReviewTable.defaultThreshold))
            default:
                return .error(404, "no such page")
            }
        } catch let error as ReviewError {
            switch error.kind {
            case .notFound: return .error(404, error.description)
            case .forbidden: return .error(403, error.description)
            default: return .error(400, error.description)
            }
        } catch is DecodingError {
            return .error(400, "the request body is not the expected JSON")
        } catch {
            return .error(500, "\(error)")
        }
    }

    // MARK: Library

    struct LibraryJSON: Encodable {
        struct Output: Encodable { var name: String; var profile: String }
        struct Metrics: Encodable {
            var status: String
            var ssim: Double?
            var tileFloor: Double?
            var psnr: Double?
            var identical: Bool?
            var grainRetention: Double?
            var banding: Double?
            var ratio: Double?
            var codec: String?
        }
        struct Frame: Encodable {
            var id: Int
            var name: String
            var width: Int
            var height: Int
            var transform: String
            var outputs: [Metrics?]
        }
        var outputs: [Output]
        var frames: [Frame]
        var tokenRequired: Bool
    }

    func libraryJSON() -> LibraryJSON {
        LibraryJSON(
            outputs: library.outputs.map { .init(name: $0.name, profile: $0.profile) },
            frames: library.frames.map { frame in
                LibraryJSON.Frame(id: frame.id, name: frame.name, width: frame.width, height: frame.height,
                                  transform: library.transform(metadata: frame.metadata).name,
                                  outputs: library.outputs.map { output in
                                      output.reports[frame.name].map {
                                          .init(status: $0.status.rawValue, ssim: $0.ssim, tileFloor: $0.tileFloor,
                                                psnr: $0.psnr, identical: $0.identical, grainRetention: $0.grainRetention,
                                                banding: $0.banding, ratio: $0.ratio, codec: $0.codec?.rawValue)
                                      }
                                  })
            },
            tokenRequired: token != nil)
    }

    // MARK: Tiles

    /// The views of a frame a tile can show.
    enum View: String, CaseIterable {
        case source, output, diff1, diff4, diff16
        case grainSource = "grain-source", grainOutput = "grain-output"
        case heatError = "heat-error", heatGrain = "heat-grain", heatBanding = "heat-banding"
    }

    func tile(_ query: [String: String]) async -> Response {
        do {
            guard let view = View(rawValue: query["view"] ?? "") else {
                return .error(400, "view is one of \(View.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let frame = try library.frame(try int(query, "frame"))
            let out = view == .source || view == .grainSource ? 0 : try int(query, "out")
            _ = try library.output(out)
            return try await render(view: view, frame: frame, output: out, query: query)
        } catch let error as ReviewError where error.kind == .missing || error.kind == .damaged {
            return errorTile(error, query: query)
        } catch let error as ReviewError {
            return .error(error.kind == .notFound ? 404 : 400, error.description)
        } catch {
            return errorTile(ReviewError(.damaged, "tile", "\(error)"), query: query)
        }
    }

    func blindTile(_ query: [String: String]) async -> Response {
        do {
            let (_, plan) = try sessions.session(query["session"] ?? "")
            let index = try int(query, "item")
            guard plan.items.indices.contains(index) else { throw ReviewError(.notFound, "item \(index)", "not in the session") }
            let item = plan.items[index]
            guard let side = query["side"], side == "A" || side == "B" else { throw ReviewError(.badRequest, "side", "A or B") }
            guard let frame = library.frames.first(where: { $0.name == item.frame }),
                  let out = library.outputs.firstIndex(where: { $0.name == item.output }) else {
                throw ReviewError(.notFound, item.frame, "not in the library")
            }
            return try await render(view: side == item.sourceSide ? .source : .output, frame: frame, output: out,
                                    query: query)
        } catch let error as ReviewError where error.kind == .missing || error.kind == .damaged {
            return errorTile(error, query: query)
        } catch let error as ReviewError {
            return .error(error.kind == .notFound ? 404 : 400, error.description)
        } catch {
            return errorTile(ReviewError(.damaged, "tile", "\(error)"), query: query)
        }
    }

    func render(view: View, frame: ReviewLibrary.Frame, output: Int, query: [String: String]) async throws -> Response {
        let needsSource = view != .output && view != .heatBanding
        let needsOutput = view != .source && view != .grainSource
        // Both decodes at once: a cold difference view waits for the slower one only.
        async let sourceDecode = needsSource ? sourceFrame(frame) : nil
        async let outputDecode = needsOutput ? outputFrame(frame, output: output) : nil
        let source = try await sourceDecode, decoded = try await outputDecode
        let geometry = (source ?? decoded)!.pixels
        let transform = library.transform(metadata: source?.metadata ?? decoded?.metadata ?? frame.metadata)
        // Header values are Latin-1 on the wire: the name (with its arrow) goes percent-encoded.
        let headers = ["X-Reelpack-Transform": transform.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "",
                       "X-Reelpack-Frame-Size": "\(geometry.width)x\(geometry.height)"]
        let picture: RGBImage
        switch view {
        case .heatError, .heatGrain, .heatBanding:
            let png = try await maps.map(view.rawValue, frame: frame.id, output: output) {
                try Self.heatMap(view, source: source?.pixels, output: decoded!.pixels)
            }
            return Response(status: 200, contentType: "image/png", body: png, headers: headers)
        default:
            let crop = try self.crop(query, frame: geometry)
            switch view {
            case .source: picture = TileRenderer.picture(source!.pixels, transform: transform, crop: crop)
            case .output: picture = TileRenderer.picture(decoded!.pixels, transform: transform, crop: crop)
            case .diff1, .diff4, .diff16:
                let gain = view == .diff1 ? 1 : view == .diff4 ? 4 : 16
                picture = try TileRenderer.difference(reference: source!.pixels, test: decoded!.pixels,
                                                      transform: transform, crop: crop, gain: gain)
            default:
                let sigma = frame.features.map(\.noiseSigma).flatMap { $0 > 0 ? $0 : nil }
                    ?? TileRenderer.bandSigma(source!.pixels, crop: crop)
                if let decoded { try TileRenderer.sameGeometry(source!.pixels, decoded.pixels) }
                picture = TileRenderer.grain(view == .grainSource ? source!.pixels : decoded!.pixels, crop: crop, sigma: sigma)
            }
        }
        return Response(status: 200, contentType: "image/png", body: try picture.png(), headers: headers)
    }

    func sourceFrame(_ frame: ReviewLibrary.Frame) async throws -> DecodedFrame {
        let library = self.library, services = self.services
        return try await cache.frame(.source(frame: frame.id)) { try library.decodeSource(frame, services: services) }
    }

    func outputFrame(_ frame: ReviewLibrary.Frame, output: Int) async throws -> DecodedFrame {
        let library = self.library, services = self.services
        let threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
        return try await cache.frame(.output(frame: frame.id, output: output)) {
            try library.decodeOutput(frame, output: output, services: services, threads: threads)
        }
    }

    static func heatMap(_ view: View, source: PixelBuffer?, output: PixelBuffer) throws -> [UInt8] {
        switch view {
        case .heatError:
            try TileRenderer.sameGeometry(source!, output)
            return try Preview.errorHeatMap(reference: source!, test: output, maxWidth: 480).picture.png()
        case .heatGrain:
            try TileRenderer.sameGeometry(source!, output)
            guard let grain = try GrainReference(source: source!).retention(decoded: output) else {
                return try TileRenderer.errorTile("no measurable grain in the source", width: 480, height: 60).png()
            }
            return try Preview.tileMap(grain.tileMap, tilesAcross: grain.tilesAcross, tilesDown: grain.tilesDown,
                                       frameWidth: output.width, frameHeight: output.height, low: 0, high: 1, maxWidth: 480).png()
        default:
            let banding = CAMBI.measure(output)
            return try Preview.tileMap(banding.tileMap.map { -$0 }, tilesAcross: banding.tilesWide, tilesDown: banding.tilesHigh,
                                       frameWidth: output.width, frameHeight: output.height, low: -10, high: 0, maxWidth: 480).png()
        }
    }

    func crop(_ query: [String: String], frame: PixelBuffer) throws -> Crop {
        let w = Int(query["w"] ?? "") ?? frame.width, h = Int(query["h"] ?? "") ?? frame.height
        var crop = Crop(x: Int(query["x"] ?? "") ?? 0, y: Int(query["y"] ?? "") ?? 0, width: w, height: h,
                        step: Int(query["step"] ?? "") ?? 1).clamped(width: frame.width, height: frame.height)
        while crop.outputWidth * crop.outputHeight > Self.maxTilePixels { crop.step += 1 }
        return crop
    }

    func errorTile(_ error: ReviewError, query: [String: String]) -> Response {
        let step = max(1, Int(query["step"] ?? "") ?? 1)
        let w = (Int(query["w"] ?? "") ?? 640) / step, h = (Int(query["h"] ?? "") ?? 360) / step
        let png = (try? TileRenderer.errorTile(error.description, width: w, height: h).png()) ?? []
        let message = String(error.description.unicodeScalars.map { $0.isASCII && $0.value >= 32 ? Character($0) : "?" })
        return Response(status: 200, contentType: "image/png", body: png, headers: ["X-Reelpack-Error": String(message.prefix(300))])
    }

    // MARK: Sessions

    struct SessionJSON: Encodable {
        struct Item: Encodable { var index: Int; var done: Bool; var width: Int; var height: Int; var transform: String }
        var id: String
        var reviewer: String
        var resumed: Bool
        var items: [Item]
    }

    func sessionJSON(_ state: BlindSessions.State) -> SessionJSON {
        SessionJSON(id: state.session.id, reviewer: state.session.reviewer, resumed: !state.isNew,
                    items: state.plan.items.enumerated().map { i, item in
                        let frame = library.frames.first { $0.name == item.frame }
                        return .init(index: i, done: state.done.contains(i), width: frame?.width ?? 0, height: frame?.height ?? 0,
                                     transform: library.transform(metadata: frame?.metadata).name)
                    })
    }

    struct ScoreBody: Decodable {
        var session: String
        var item: Int
        var score: Int
        var original: String?
        var comment: String?
    }

    // MARK: Helpers

    func int(_ query: [String: String], _ key: String) throws -> Int {
        guard let text = query[key], let value = Int(text) else { throw ReviewError(.badRequest, key, "an integer is needed") }
        return value
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Heat maps computed once per frame and output (grain and banding take a second or more at 4K).
actor MapCache {
    private var maps: [String: [UInt8]] = [:]
    private var order: [String] = []

    func map(_ kind: String, frame: Int, output: Int, make: @escaping @Sendable () throws -> [UInt8]) async throws -> [UInt8] {
        let key = "\(kind)/\(frame)/\(output)"
        if let hit = maps[key] { return hit }
        let png = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(with: Result { try make() }) }
        }
        maps[key] = png
        order.append(key)
        if order.count > 64 { maps[order.removeFirst()] = nil }
        return png
    }
}
