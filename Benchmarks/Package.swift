// swift-tools-version: 6.1
// Benchmarks for swift-rmm, in their own package so the main build never fetches the benchmark harness.
// Run from this directory: `swift package benchmark`.

import PackageDescription

let package = Package(
    name: "Benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // Named so the product references hold in any checkout directory (main, worktrees).
        .package(name: "swift-rmm", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "GranuleProtectionBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CCAArch", package: "swift-rmm"),
                .product(name: "GranuleProtection", package: "swift-rmm"),
            ],
            path: "GranuleProtectionBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "DelegationBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CCAArch", package: "swift-rmm"),
                .product(name: "CCAPlatform", package: "swift-rmm"),
                .product(name: "MachineHost", package: "swift-rmm"),
                .product(name: "RMIHost", package: "swift-rmm"),
            ],
            path: "DelegationBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "PlatformBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CCAArch", package: "swift-rmm"),
                .product(name: "CCAPlatform", package: "swift-rmm"),
                .product(name: "MachineHost", package: "swift-rmm"),
            ],
            path: "PlatformBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "SMCPathBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CCAArch", package: "swift-rmm"),
                .product(name: "CCAPlatform", package: "swift-rmm"),
                .product(name: "GranuleProtection", package: "swift-rmm"),
                .product(name: "SwiftRMMStatic", package: "swift-rmm"),
            ],
            path: "SMCPathBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The SMC path's calls in a long loop, for perf and flame graphs (flamegraph.sh); not a benchmark.
        .executableTarget(
            name: "SMCPathLoop",
            dependencies: [
                .product(name: "CCAArch", package: "swift-rmm"),
                .product(name: "CCAPlatform", package: "swift-rmm"),
                .product(name: "GranuleProtection", package: "swift-rmm"),
                .product(name: "SwiftRMMStatic", package: "swift-rmm"),
            ],
            path: "SMCPathLoop"
        ),
    ],
    swiftLanguageModes: [.v6]
)
