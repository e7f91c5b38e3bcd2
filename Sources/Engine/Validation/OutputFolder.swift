import Codecs
import Foundation
import ImageCore

/// An output folder as `compress` leaves it (DESIGN.md §6): `frames/`, the BagIt-style
/// `manifest-sha256.txt`, and the catalog when present. `verify` and `restore` read it;
/// neither needs the catalog.
public struct OutputFolder: Sendable {
    /// The folder (OUT).
    public var url: URL

    /// OUT at `url`.
    public init(url: URL) { self.url = url }

    /// `OUT/frames`.
    public var framesFolder: URL { url.appendingPathComponent("frames") }
    /// `OUT/manifest-sha256.txt`.
    public var manifestURL: URL { url.appendingPathComponent("manifest-sha256.txt") }
    /// `OUT/reelpack.sqlite`.
    public var catalogURL: URL { url.appendingPathComponent(Catalog.fileName) }

    /// The manifest read: digests by path relative to OUT (`frames/<name>`), and the
    /// lines that could not be understood (each named with its line number).
    public struct Manifest: Sendable, Equatable {
        /// Lowercase hex SHA-256 by path relative to OUT.
        public var digests: [String: String]
        /// Lines that are not `<sha256>  <path>`, or repeat a path.
        public var problems: [String]

        /// A path as a manifest line holds it, BagIt style (RFC 8493 §2.1.3): `%`, LF
        /// and CR percent-encoded, so a file name with a newline stays on its line.
        public static func escape(_ path: String) -> String {
            path.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\n", with: "%0A")
                .replacingOccurrences(of: "\r", with: "%0D")
        }

        /// The path a manifest line holds (`escape` undone).
        public static func unescape(_ field: String) -> String {
            guard field.contains("%") else { return field }
            return field.replacingOccurrences(of: "%0A", with: "\n").replacingOccurrences(of: "%0a", with: "\n")
                .replacingOccurrences(of: "%0D", with: "\r").replacingOccurrences(of: "%0d", with: "\r")
                .replacingOccurrences(of: "%25", with: "%")
        }
    }

    /// Reads `manifest-sha256.txt` (`<sha256>  frames/<name>` per line).
    /// - Throws: `EngineError.io` when the manifest cannot be read.
    public func readManifest() throws -> Manifest {
        let text: String
        do {
            text = try String(contentsOf: manifestURL, encoding: .utf8)
        } catch {
            throw EngineError(.io, file: manifestURL.path, "cannot read the manifest: \(error.localizedDescription)", cause: error)
        }
        var digests: [String: String] = [:]
        var problems: [String] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let hex = line.prefix(64)
            let rest = line.dropFirst(64)
            guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit }), rest.hasPrefix("  "), rest.count > 2 else {
                problems.append("manifest line \(number + 1) is not \"<sha256>  <path>\": \(line.prefix(100))")
                continue
            }
            let path = Manifest.unescape(String(rest.dropFirst(2)))
            if digests[path] != nil { problems.append("manifest line \(number + 1) repeats \(path)") }
            digests[path] = hex.lowercased()
        }
        return Manifest(digests: digests, problems: problems)
    }

    /// Files in `frames/` as paths relative to OUT (`frames/<name>`), hidden files
    /// (a killed run's temporaries) excluded, sorted.
    public func frameFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: framesFolder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { "frames/\($0)" }
    }

    /// The codec that wrote an output file: by extension (`jp2`, `jph`, `jxl`, `tif`/`tiff`),
    /// else by the file's magic bytes; nil when neither says.
    public static func codecID(name: String, data: Data) -> CodecID? {
        switch (name as NSString).pathExtension.lowercased() {
        case "jp2", "j2k", "j2c": return .j2k
        case "jph", "jhc": return .htj2k
        case "jxl": return .jxl
        case "tif", "tiff": return .tiff
        default: break
        }
        let m = [UInt8](data.prefix(24))
        guard m.count >= 12 else { return nil }
        if m.starts(with: [0x49, 0x49, 0x2A, 0x00]) || m.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if m.starts(with: [0xFF, 0x0A]) || m.starts(with: [0, 0, 0, 0x0C, 0x4A, 0x58, 0x4C, 0x20]) { return .jxl }
        if m.starts(with: [0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20]) {
            // JP2 family: the file type box's brand tells Part 15 ("jph ") from Part 1.
            return m.count >= 24 && Array(m[20..<24]) == [0x6A, 0x70, 0x68, 0x20] ? .htj2k : .j2k
        }
        return nil
    }

    /// An output decoded: samples as restored (a monochrome-stored plane copied back
    /// into the source's channels), its seal, and the codec that read it.
    public struct DecodedOutput: Sendable {
        /// The codec that decoded the file.
        public var codec: CodecID
        /// Samples as stored in the file.
        public var stored: PixelBuffer
        /// Samples as restored (what `Seal.decodedSHA256` is the digest of).
        public var restored: PixelBuffer
        /// The seal read from the file.
        public var seal: Seal
    }

    /// Decodes an output file's bytes with its codec and reads its seal.
    /// - Throws: `EngineError.verificationFailed` naming `name` when the codec is unknown,
    ///   the seal is absent or unreadable; the codec's `CodecError` for corrupt data.
    public static func decode(_ data: Data, name: String, services: EngineServices = .standard,
                              threads: Int = 1) throws -> DecodedOutput {
        guard let id = codecID(name: name, data: data) else {
            throw EngineError(.verificationFailed, file: name, "not a Reelpack output (unknown extension and magic)")
        }
        let frame = try services.codec(id, threads).decode(data)
        guard let sealBytes = frame.seal else {
            throw EngineError(.verificationFailed, file: name, "carries no seal")
        }
        let seal: Seal
        do {
            seal = try Seal.decode(sealBytes)
        } catch {
            throw EngineError(.verificationFailed, file: name, "the seal cannot be read: \(error)", cause: error)
        }
        let restored = seal.monochromeStored ? try Monochrome.expand(frame.pixels, to: seal.channels) : frame.pixels
        return DecodedOutput(codec: id, stored: frame.pixels, restored: restored, seal: seal)
    }

    /// Records a PREMIS-style event in the catalog when there is one; returns whether it did.
    @discardableResult
    public func recordEvent(type: String, agent: String, outcome: String, detail: String) -> Bool {
        guard FileManager.default.fileExists(atPath: catalogURL.path),
              let catalog = try? Catalog(url: catalogURL) else { return false }
        return (try? catalog.recordEvent(type: type, agent: agent, outcome: outcome, detail: detail)) != nil
    }
}
