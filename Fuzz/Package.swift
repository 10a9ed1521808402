// swift-tools-version: 6.2
// The libFuzzer target over the SMC interface (docs/fuzzing.md). A package of its own: an executable whose main
// is libFuzzer's cannot be a target of the root package, which plain `swift build` must keep building. Build and
// run it with Fuzz/run.sh.

import PackageDescription

let package = Package(
    name: "swift-rmm-fuzz",
    dependencies: [
        .package(name: "swift-rmm", path: "..")
    ],
    targets: [
        // LLVMFuzzerTestOneInput: the input decoded as a FuzzProgram, run on a fresh machine with SMCOracle.
        .executableTarget(
            name: "SMCFuzzTarget",
            dependencies: [.product(name: "Verification", package: "swift-rmm")],
            swiftSettings: [
                .enableUpcomingFeature("InternalImportsByDefault"),
                .strictMemorySafety(),
                .unsafeFlags(["-parse-as-library"]),
            ]
        )
    ],
    swiftLanguageModes: [.v6]
)
