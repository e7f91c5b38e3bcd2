// swift-tools-version: 6.1
import Foundation
import PackageDescription

/// Settings that keep the code honest (see STYLE.md).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// Hot numeric loops (metrics) are worth unchecked arithmetic in release.
let fastSettings: [SwiftSetting] = strictSettings + [
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
]

/// The SSIM kernel vectorises 4 doubles wide with AVX2 + FMA instead of 2 with the
/// x86-64 baseline (about 1.7× less CPU, BENCHMARKS.md). Release builds use them when
/// the building machine has them, like `-march=native`: such a binary needs a CPU from
/// 2013 or later. `REELPACK_PORTABLE=1` builds for the baseline instead.
let hostHasAVX2: Bool = {
    #if arch(x86_64) && os(Linux)
    guard ProcessInfo.processInfo.environment["REELPACK_PORTABLE"] == nil,
          let cpu = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return false }
    let flags = cpu.split(separator: "\n").first { $0.hasPrefix("flags") }.map { Set($0.split(separator: " ")) } ?? []
    return flags.contains("avx2") && flags.contains("fma")
    #else
    return false
    #endif
}()

/// `REELPACK_FMA` lets the SSIM kernel fuse its filter multiply-adds (without FMA
/// hardware they would be library calls). Debug builds use the same target, so the
/// tests check the arithmetic the release binary runs.
let metricsSettings: [SwiftSetting] = fastSettings
    + (hostHasAVX2 ? [.unsafeFlags(["-target-cpu", "haswell"]), .define("REELPACK_FMA")] : [])

let package = Package(
    name: "Reelpack",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "reelpack", targets: ["reelpack"]),
        .executable(name: "reelpack-bench", targets: ["reelpack-bench"]),
        .library(name: "ReelpackEngine", targets: ["Engine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // MARK: C libraries (one system-library target each; Debian provides them)
        .systemLibrary(
            name: "CTIFF", pkgConfig: "libtiff-4",
            providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "COpenJPEG", pkgConfig: "libopenjp2",
            providers: [.apt(["libopenjp2-7-dev"])]),
        .systemLibrary(
            name: "CJXL", pkgConfig: "libjxl",
            providers: [.apt(["libjxl-dev"])]),
        // OpenJPH is C++ with exceptions and Debian's openjph.pc is empty: an
        // extern "C" shim catches the exceptions and links the library by name.
        .target(
            name: "COpenJPHShim",
            cxxSettings: [.unsafeFlags(["-std=c++17"])],
            linkerSettings: [.linkedLibrary("openjph"), .linkedLibrary("stdc++")]),

        // MARK: Parts (DESIGN.md §2)
        .target(name: "ImageCore", swiftSettings: fastSettings),
        // Formats parses untrusted headers: no -Ounchecked, its overflow checks stay.
        .target(name: "Formats", dependencies: ["ImageCore", "CTIFF"], swiftSettings: strictSettings),
        .target(name: "Metrics", dependencies: ["ImageCore"], swiftSettings: metricsSettings),
        .target(
            name: "Codecs",
            dependencies: ["ImageCore", "Formats", "COpenJPEG", "COpenJPHShim", "CJXL"],
            swiftSettings: strictSettings),
        .target(
            name: "Engine",
            dependencies: [
                "ImageCore", "Formats", "Metrics", "Codecs", "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings),
        // The browser review server: thin routes over the Engine's catalogs and decoders.
        .target(
            name: "Review",
            dependencies: [
                "ImageCore", "Formats", "Metrics", "Codecs", "Engine",
                // swift-metrics (under Hummingbird) also names a module Metrics: aliased so ours keeps its name.
                .product(name: "Hummingbird", package: "hummingbird", moduleAliases: ["Metrics": "SwiftMetrics"]),
            ],
            swiftSettings: strictSettings),
        // The shared work queue: runs, frames and their records in PostgreSQL, leased by workers.
        .target(
            name: "Queue",
            dependencies: [
                "Engine", "Codecs",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSettings),
        // The command line reaches the parts through the Engine (and the review server and queue) only.
        .executableTarget(
            name: "reelpack",
            dependencies: [
                "Engine", "Review", "Queue",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings),
        .executableTarget(
            name: "reelpack-bench",
            dependencies: ["ImageCore", "Formats", "Metrics", "Codecs", "Engine", "Review", "TestSupport"],
            swiftSettings: strictSettings),

        // MARK: Tests
        .target(name: "TestSupport", dependencies: ["ImageCore", "Formats"], swiftSettings: strictSettings),
        .testTarget(name: "ImageCoreTests", dependencies: ["ImageCore", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "FormatsTests", dependencies: ["Formats", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "Formats", "TestSupport"], exclude: ["Fixtures"], swiftSettings: strictSettings),
        .testTarget(name: "CodecsTests", dependencies: ["Codecs", "Formats", "Metrics", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "TestSupport"], exclude: ["Fixtures"], swiftSettings: strictSettings),
        .testTarget(
            name: "ReviewTests",
            dependencies: ["Review", "Engine", "ImageCore", "Formats", "Metrics", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings),
        .testTarget(name: "CLITests", dependencies: ["TestSupport"], swiftSettings: strictSettings),
        // The work queue through the built `reelpack`, against REELPACK_TEST_PG_URL (`make test` starts a server).
        .testTarget(name: "QueueTests", dependencies: ["Queue", "TestSupport"], swiftSettings: strictSettings),
    ],
    swiftLanguageModes: [.v6]
)
