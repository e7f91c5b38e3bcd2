import Foundation
import ImageCore
import Testing
import TestSupport
@testable import Engine

/// Output folders made from corpus frames with the real pipeline, for `verify` and `restore`.
enum ValidationFixture {
    /// Compresses `files` (corpus paths), copied into `dir/src`, into `dir/out`.
    /// Returns OUT and the copied sources folder.
    static func compress(_ files: [String], in dir: TemporaryDirectory, profile: Profile = .lossless,
                         codec: CodecChoice = .htj2k, maxIterations: Int = 6) async throws -> (out: URL, src: URL) {
        let src = dir.file("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        for file in files {
            let target = src.appendingPathComponent((file as NSString).lastPathComponent)
            try FileManager.default.copyItem(at: Corpus.url(file), to: target)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: target.path)
        }
        let out = dir.file("out")
        let settings = CompressionSettings(profile: profile, codec: codec, jobs: 2, maxIterations: maxIterations)
        let result = try await CompressionRun(sources: [src], output: out, settings: settings, toolVersion: "test").run()
        #expect(result.succeeded, "\(result.frames.compactMap(\.error))")
        return (out, src)
    }

    /// Flips every bit of the byte at `offset` (default: the middle) of a file.
    static func flipByte(_ url: URL, at offset: Int? = nil) throws {
        var data = try Data(contentsOf: url)
        let i = offset ?? data.count / 2
        data[i] ^= 0xFF
        try data.write(to: url)
    }

    /// The outputs in OUT/frames as `frames/<name>`.
    static func outputs(_ out: URL) -> [String] { OutputFolder(url: out).frameFiles() }
}
