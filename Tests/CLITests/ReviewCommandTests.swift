import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Testing

@Suite struct ReviewCommandTests {
    /// A two-frame reel compressed at C2 with the real binary.
    static func reel(_ dir: TemporaryDirectory) throws -> (scans: URL, out: URL) {
        let scans = dir.file("scans"), out = dir.file("reel-C2")
        #expect(try ReelpackBinary.run(["synth", "-o", scans.path, "--frames", "2", "--size", "96x64"]).status == 0)
        let compress = try ReelpackBinary.run(["compress", scans.path, "-o", out.path, "--profile", "C2", "--codec", "htj2k"])
        try #require(compress.status == 0, "\(String(decoding: compress.stderr, as: UTF8.self))")
        return (scans, out)
    }

    @Test func usageErrorsExit2AndNameTheProblem() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let notOutput = try ReelpackBinary.run(["review", dir.url.path, "--summary"])
        #expect(notOutput.status == 2)
        #expect(String(decoding: notOutput.stderr, as: UTF8.self).contains("not a reelpack output folder"))
        #expect(try ReelpackBinary.run(["review", dir.url.path, "--json"]).status == 2)
        #expect(try ReelpackBinary.run(["review", dir.url.path, "--threshold", "7", "--summary"]).status == 2)
        #expect(try ReelpackBinary.run(["review", dir.url.path, "--port", "70000"]).status == 2)
    }

    @Test func summaryBeforeAnyScoreListsTheProfileEmpty() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (_, out) = try Self.reel(dir)
        let result = try ReelpackBinary.run(["review", out.path, "--summary", "--json"])
        #expect(result.status == 0, "\(String(decoding: result.stderr, as: UTF8.self))")
        let json = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let rows = try #require(json["profiles"] as? [[String: Any]])
        #expect(rows.count == 1 && rows[0]["profile"] as? String == "C2" && rows[0]["scores"] as? Int == 0)
        #expect(json["threshold"] as? Int == 1)
    }

    @Test func hostRequiresTheTokenItPrints() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let (scans, out) = try Self.reel(dir)
        let process = Process()
        process.executableURL = ReelpackBinary.url
        process.arguments = ["review", out.path, "--source", scans.path, "--host", "127.0.0.1", "--port", "0"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        var printed = ""
        let deadline = Date().addingTimeInterval(30)
        while !printed.contains("token="), Date() < deadline {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            printed += String(decoding: chunk, as: UTF8.self)
        }
        let link = try #require(printed.split(separator: "\n").first { $0.hasPrefix("http://127.0.0.1:") }.map(String.init))
        let token = try #require(link.components(separatedBy: "token=").last)
        #expect(token.count == 32)
        let base = String(link.prefix { $0 != "?" })
        let refused = try await fetch("\(base)api/library")
        #expect(refused == 403)
        #expect(try await fetch("\(base)api/library?token=\(token)") == 200)
        #expect(try await fetch("\(base)api/tile?frame=0&view=source&token=\(token)") == 200)
    }

    func fetch(_ address: String) async throws -> Int {
        let (_, response) = try await URLSession.shared.data(from: URL(string: address)!)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }
}
