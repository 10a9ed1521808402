// swift-tools-version: 6.2
// swift-rmm: an executable model of Arm CCA memory delegation (RMM v2.0, EL3 granule protection, host helpers).

import PackageDescription

/// Targets that must stay firmware-grade: they also build as Embedded Swift for aarch64-none-none-elf (see .ci/run).
/// Debug builds compile in the scheduling points the interleaving checker takes over (FirmwareSync); release and
/// Embedded builds compile them out, so they cost nothing there. Strict memory safety: every unsafe expression is
/// marked, and the types that hold pointers say so.
let firmwareSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .define("SCHEDULING_POINTS", .when(configuration: .debug)),
    .strictMemorySafety(),
]

/// Every other target: imports are internal unless a file says `public import`, so no module leaks another's API;
/// strict memory safety everywhere, as in the firmware-grade targets (the verification tools' C interop is fenced
/// in the `@safe` types of Verification/CHost).
let hostSettings: [SwiftSetting] = [
    .enableUpcomingFeature("InternalImportsByDefault"),
    .strictMemorySafety(),
]

let package = Package(
    name: "swift-rmm",
    products: [
        .executable(name: "rmm", targets: ["rmm"]),
        .library(name: "CCAArch", targets: ["CCAArch"]),
        .library(name: "FirmwareSync", targets: ["FirmwareSync"]),
        .library(name: "GranuleProtection", targets: ["GranuleProtection"]),
        .library(name: "RMM", targets: ["RMM"]),
        .library(name: "CCAPlatform", targets: ["CCAPlatform"]),
        .library(name: "RMIHost", targets: ["RMIHost"]),
        .library(name: "MachineHost", targets: ["MachineHost"]),
        .library(name: "Verification", targets: ["Verification"]),
        // The C interface (include/swift_rmm.h) as a shared and a static library.
        .library(name: "SwiftRMM", type: .dynamic, targets: ["SwiftRMMC"]),
        .library(name: "SwiftRMMStatic", type: .static, targets: ["SwiftRMMC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: [
        // Architectural values only: encode, decode, validate.
        .target(name: "CCAArch", swiftSettings: firmwareSettings),
        // The firmware's shared-memory steps, each through one scheduling point an interleaving checker can take.
        .target(name: "FirmwareSync", swiftSettings: firmwareSettings),
        // EL3: the Granule Protection Table, the granule protection check, GPI transitions.
        .target(
            name: "GranuleProtection", dependencies: ["CCAArch", "FirmwareSync"], swiftSettings: firmwareSettings),
        // The Realm Management Monitor. It reaches EL3 only through SMC registers (its platform port), never through
        // the GranuleProtection module.
        .target(name: "RMM", dependencies: ["CCAArch", "FirmwareSync"], swiftSettings: firmwareSettings),
        // The host-side library: bring-up and delegation helpers done right. Knows nothing of the simulator.
        .target(name: "RMIHost", dependencies: ["CCAArch"], swiftSettings: hostSettings),
        // The simulated machine: memory, CPUs, SMC routing, tracing, fault injection.
        .target(
            name: "CCAPlatform", dependencies: ["CCAArch", "FirmwareSync", "GranuleProtection", "RMM"],
            swiftSettings: hostSettings),
        // The host library bound to a simulated machine: its SMC conduit and its view of memory.
        .target(name: "MachineHost", dependencies: ["CCAArch", "CCAPlatform", "RMIHost"], swiftSettings: hostSettings),
        // C host code at run time: the hooks of include/swift_rmm_linux.h and crash-proof calls into C functions.
        .target(name: "CHostRuntime"),
        // Adversarial RMM, schedule explorer, reference host loops, interleaving checker, fuzzer, stress.
        .target(
            name: "Verification",
            dependencies: [
                "CCAArch", "FirmwareSync", "GranuleProtection", "RMM", "RMIHost", "CCAPlatform", "MachineHost",
                "CHostRuntime",
            ],
            swiftSettings: hostSettings),
        // The C interface: @_cdecl exports declared in include/swift_rmm.h.
        .target(
            name: "SwiftRMMC", dependencies: ["CCAArch", "CCAPlatform", "RMIHost", "MachineHost", "Verification"],
            swiftSettings: hostSettings),
        .executableTarget(
            name: "rmm",
            dependencies: [
                "CCAArch", "FirmwareSync", "GranuleProtection", "RMM", "CCAPlatform", "RMIHost", "MachineHost",
                "Verification", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: hostSettings
        ),
        .testTarget(name: "CCAArchTests", dependencies: ["CCAArch"]),
        .testTarget(name: "GranuleProtectionTests", dependencies: ["CCAArch", "GranuleProtection"]),
        .testTarget(name: "RMMTests", dependencies: ["CCAArch", "FirmwareSync", "RMM", "CCAPlatform"]),
        .testTarget(
            name: "CCAPlatformTests",
            dependencies: ["CCAArch", "GranuleProtection", "RMM", "CCAPlatform", "RMIHost", "MachineHost"]),
        .testTarget(name: "RMIHostTests", dependencies: ["CCAArch", "RMIHost", "CCAPlatform", "MachineHost"]),
        .testTarget(
            name: "VerificationTests",
            dependencies: ["CCAArch", "FirmwareSync", "RMIHost", "CCAPlatform", "Verification"]),
        // The golden files are read from the source tree by path (#filePath), not bundled as resources.
        .testTarget(name: "rmmTests", dependencies: ["rmm"], exclude: ["Golden"]),
        .testTarget(name: "SwiftRMMCTests", dependencies: ["CCAArch", "SwiftRMMC"]),
    ],
    swiftLanguageModes: [.v6]
)
