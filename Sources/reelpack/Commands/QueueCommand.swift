import ArgumentParser
import Engine
import Foundation
import Queue

/// `--db`: the queue's PostgreSQL database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"),
            help: "The queue's database, postgresql://USER[:PASSWORD]@HOST[:PORT]/DB (?host=/socket/folder for a Unix socket); default REELPACK_DB, else the PG* variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE).")
    var url: String?

    /// Opens the database (no connection yet); a bad URL is a usage error (exit 2).
    func open() throws -> QueueDatabase {
        do {
            return try QueueDatabase(location: try QueueLocation.resolve(url))
        } catch let error as QueueError {
            Output.error(error.message)
            throw ExitCode(2)
        }
    }
}

/// Runs a queue command's body with the database `options` name, closing its
/// connections at the end: usage errors exit 2, the database's and the work's 1.
func withQueueDatabase(_ options: DatabaseOptions, _ body: (QueueDatabase) async throws -> Void) async throws {
    let database = try options.open()
    do {
        try await queueCommand { try await body(database) }
    } catch {
        await database.close()
        throw error
    }
    await database.close()
}

/// Runs a queue command's body: usage errors exit 2, the database's and the work's 1.
func queueCommand(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as QueueError {
        Output.error(error.message)
        throw ExitCode(error.kind == .usage ? 2 : 1)
    } catch let error as EngineError where error.kind == .usage {
        Output.error(error.description)
        throw ExitCode(2)
    } catch {
        Output.error(String(describing: error))
        throw ExitCode(1)
    }
}

/// `reelpack queue ...`: runs shared by many workers through PostgreSQL (DESIGN.md §8).
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Submit runs to a PostgreSQL work queue, follow them, and export them into their output folders.",
        discussion: """
            A run submitted with `queue submit` is done by any number of `reelpack worker`
            processes, on any hosts that see SRC and OUT at the same paths. `queue export`
            then writes OUT's catalog, manifest, summary and report, as a local run does.
            """,
        subcommands: [Submit.self, Status.self, Export.self])

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "submit",
            abstract: "Record a run and its frames in the queue; prints the run's id.",
            discussion: """
                SRC and OUT are recorded as absolute paths: workers must see them at the same
                paths. Submitting the same SRC and OUT again with the same settings prints the
                same id; with another profile, floors or codec it is refused.
                """)

        @Argument(help: "Source folders (image sequences) or DPX/TIFF files.")
        var sources: [String]

        @Option(name: [.short, .customLong("output")], help: "Output folder, on storage every worker sees.")
        var output: String

        @Option(help: "lossless, C0, C1 or C2.")
        var profile: Profile

        @Option(help: "auto, j2k, htj2k or jxl.")
        var codec: CodecChoice = .auto

        @OptionGroup var floors: FloorOptions

        @Option(name: .customLong("size-tolerance"), help: "As for `compress`.")
        var sizeTolerance: Double = 0.02

        @Option(name: .customLong("max-iterations"), help: "As for `compress`.")
        var maxIterations: Int = 12

        @Option(help: "A note kept with the run.")
        var note: String?

        @OptionGroup var db: DatabaseOptions

        func validate() throws {
            try floors.check()
            if output.isEmpty { throw ValidationError("-o/--output must name a folder (it is empty)") }
            if !(sizeTolerance >= 0.001 && sizeTolerance <= 0.5) { throw ValidationError("--size-tolerance must be between 0.001 and 0.5") }
            if !(2...100).contains(maxIterations) { throw ValidationError("--max-iterations must be between 2 and 100") }
        }

        func run() async throws {
            let settings = CompressionSettings(profile: profile, floor: floors.floor(for: profile), codec: codec, jobs: 1,
                                               note: note, sizeTolerance: sizeTolerance, maxIterations: maxIterations)
            try await withQueueDatabase(db) { database in
                try await QueueSchema.migrate(database)
                let result = try await QueueSubmission.submit(
                    sources: sources.map { URL(fileURLWithPath: $0).absoluteURL }, output: URL(fileURLWithPath: output).absoluteURL,
                    settings: settings, toolVersion: ReelpackVersion.string, database: database)
                for warning in result.warnings { Output.note("warning: \(warning)") }
                Output.note(result.created ? "run \(result.run): \(result.frames) frames queued"
                                           : "run \(result.run): already submitted with these settings (\(result.frames) frames)")
                print(result.run)
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Frames done, failed and leased, fps and ETA, per run and per worker.")

        @Argument(help: "Only this run.")
        var run: Int64?

        @Flag(help: "Print one JSON document on stdout.")
        var json = false

        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            try await withQueueDatabase(db) { database in
                let status = try await QueueStatus.load(database, run: run)
                if let run, status.runs.isEmpty { throw QueueError(.usage, "there is no run \(run)") }
                if json { try Output.printJSON(status) } else { print(status.text) }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write a finished run's catalog, manifest, summary and report into its output folder.",
            discussion: "Exit status: 0 every frame done, 1 some frames failed (the folder is still written), 2 usage error.")

        @Argument(help: "The run's id (`queue submit` printed it).")
        var run: Int64

        @OptionGroup var db: DatabaseOptions

        func run() async throws {
            var failed = 0
            try await withQueueDatabase(db) { database in
                let result = try await QueueExport.export(run: run, database: database)
                for note in result.notes { Output.note("report: \(note)") }
                Output.note("run \(run): \(result.done) of \(result.frames) frames done, \(result.failed) failed; exported into \(result.output.path)")
                failed = result.failed
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }
}

/// `reelpack worker`: processes frames from the queue until stopped (or idle).
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Lease frames from the PostgreSQL work queue and compress them.",
        discussion: """
            A worker leases chunks of consecutive frames, renews its leases while it works,
            and records each frame into the queue; a frame whose worker died is redone by
            another once its lease runs out. When the database goes away the worker ends
            or drops the frame in hand, waits and carries on when it is back. It runs until
            stopped, or with --exit-when-idle until no run has a frame left.
            """)

    @OptionGroup var db: DatabaseOptions

    @OptionGroup var jobs: JobOptions

    @Option(name: .customLong("lease-seconds"), help: "How long a lease lasts without renewal (renewed every third of it).")
    var leaseSeconds: Int = 60

    @Option(help: "Consecutive frames leased at once.")
    var chunk: Int = 4

    @Flag(name: .customLong("exit-when-idle"), help: "Exit when no run has frames pending or leased (for batch jobs).")
    var exitWhenIdle = false

    @Flag(help: "Print one JSON document with the worker's totals on stdout at the end.")
    var json = false

    func validate() throws {
        if !(2...86_400).contains(leaseSeconds) { throw ValidationError("--lease-seconds must be between 2 and 86400") }
        if !(1...10_000).contains(chunk) { throw ValidationError("--chunk must be between 1 and 10000") }
    }

    func run() async throws {
        try await withQueueDatabase(db) { database in
            let worker = QueueWorker(database: database, jobs: jobs.count, leaseSeconds: leaseSeconds, chunk: chunk,
                                     exitWhenIdle: exitWhenIdle, toolVersion: ReelpackVersion.string,
                                     log: { Output.note($0) })
            let totals = try await worker.run()
            let perFrame = totals.done + totals.failed > 0 ? totals.queueSeconds * 1000 / Double(totals.done + totals.failed) : 0
            Output.note("worker \(worker.id): \(totals.done) done, \(totals.failed) failed, \(totals.dropped) dropped; "
                        + "\(totals.queueCalls) queue calls, \(String(format: "%.1f", perFrame)) ms per frame")
            if json { try Output.printJSON(totals) }
        }
    }
}
