import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The review's HTTP server: Hummingbird carrying requests to `ReviewAPI` and back.
public struct ReviewServer: Sendable {
    /// The address to bind: 127.0.0.1 unless `--host` says otherwise.
    public var host: String
    /// The port; 0 takes any free one (the bound one is reported by `onRunning`).
    public var port: Int
    public let api: ReviewAPI

    /// Largest request body read (scores are a few hundred bytes).
    static let maxBody = 64 * 1024

    public init(api: ReviewAPI, host: String = "127.0.0.1", port: Int = 0) {
        self.api = api; self.host = host; self.port = port
    }

    /// Runs until the process is interrupted; `onRunning` gets the bound port once the
    /// server listens.
    public func run(onRunning: @escaping @Sendable (Int) -> Void) async throws {
        let api = self.api
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            var query: [String: String] = [:]
            // Values arrive percent-decoded (the page encodes with encodeURIComponent, so
            // "+" is a plus, not a space).
            for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
            var body: [UInt8] = []
            if request.method == .post {
                let buffer = try await request.body.collect(upTo: Self.maxBody)
                body = Array(buffer.readableBytesView)
            }
            let answer = await api.respond(method: request.method.rawValue, path: request.uri.path, query: query, body: body)
            var headers = HTTPFields()
            headers[.contentType] = answer.contentType
            headers[.cacheControl] = "no-store"
            // The page is one self-contained file: nothing may be loaded from elsewhere.
            headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'"
            headers[.init("X-Content-Type-Options")!] = "nosniff"
            for (name, value) in answer.headers {
                if let field = HTTPField.Name(name) { headers[field] = value }
            }
            return Response(status: .init(code: answer.status), headers: headers,
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
        }
        var logger = Logger(label: "reelpack-review")
        logger.logLevel = .warning
        let app = Application(responder: responder,
                              configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "reelpack"),
                              onServerRunning: { channel in onRunning(channel.localAddress?.port ?? 0) },
                              logger: logger)
        try await app.runService()
    }
}
