import Codecs
import Foundation
import GRDB

/// A row of the catalog's `results` table: how one frame was written in one run. GRDB
/// reads and writes its columns by this struct's coding keys, so the column list lives
/// here once; `init(_:frameID:runID:)` and `apply(to:)` are the one mapping between a
/// `FrameReport` and the row.
struct ResultRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "results"

    var frameId: Int64
    var runId: Int64
    var output: String?
    var outputBytes: Int?
    var outputSHA256: String?
    var decodedSHA256: String?
    var codec: String?
    var mode: String?
    var parameter: Double?
    var ssim: Double?
    var psnr: Double?
    var tileFloor: Double?
    var maxError: Int?
    var identical: Bool?
    var grainRetention: Double?
    var banding: Double?
    var bandingSource: Double?
    var ssimulacra2: Double?
    var iterations: Int
    var fellBackToLossless: Bool
    var monochromeStored: Bool
    var seconds: Double?
    var completedAt: String?

    /// The row of a done frame's report.
    init(_ r: FrameReport, frameID: Int64, runID: Int64, completedAt: String) {
        frameId = frameID
        runId = runID
        output = r.output
        outputBytes = r.outputBytes
        outputSHA256 = r.outputSHA256
        decodedSHA256 = r.decodedSHA256
        codec = r.codec?.rawValue
        mode = r.mode?.rawValue
        parameter = r.parameter
        ssim = r.ssim
        psnr = r.psnr
        tileFloor = r.tileFloor
        maxError = r.maxError
        identical = r.identical
        grainRetention = r.grainRetention
        banding = r.banding
        bandingSource = r.bandingSource
        ssimulacra2 = r.ssimulacra2
        iterations = r.iterations
        fellBackToLossless = r.fellBackToLossless
        monochromeStored = r.monochromeStored
        seconds = r.seconds
        self.completedAt = completedAt
    }

    /// Copies the row's fields into `report`.
    /// - Throws: `CatalogAuditError` for an output size no file can have.
    func apply(to report: inout FrameReport, frame name: String) throws {
        if let bytes = outputBytes, !(0...Catalog.largestPlausibleFileBytes).contains(bytes) {
            throw CatalogAuditError("frame \(name): outputBytes \(bytes) is not a plausible file size")
        }
        report.output = output
        report.outputBytes = outputBytes
        report.outputSHA256 = outputSHA256
        report.decodedSHA256 = decodedSHA256
        report.codec = codec.flatMap(CodecID.init(rawValue:))
        report.mode = mode.flatMap(FrameReport.Mode.init(rawValue:))
        report.parameter = parameter
        report.ssim = ssim
        report.psnr = psnr
        report.tileFloor = tileFloor
        report.maxError = maxError
        report.identical = identical
        report.grainRetention = grainRetention
        report.banding = banding
        report.bandingSource = bandingSource
        report.ssimulacra2 = ssimulacra2
        report.iterations = iterations
        report.fellBackToLossless = fellBackToLossless
        report.monochromeStored = monochromeStored
        report.seconds = seconds
    }
}
