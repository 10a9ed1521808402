import Foundation
import Testing

/// Builds Examples/c-host/host.c with the system C compiler and runs it.
///
/// `swift test` does not build the SwiftRMM dynamic library product, and a nested `swift build` would contend
/// for the build lock this test run holds. So the test links the same library itself, from the objects this
/// test build already compiled (`<bin>/<Target>.build/*.o` for SwiftRMMC and every module it depends on),
/// with `swiftc -emit-library`, the way SwiftPM links the product. Then `cc` compiles host.c against
/// include/swift_rmm.h and that library, with an rpath so it runs, and the host's exit status decides.
@Suite("The C example")
struct CExampleTests {
    /// The modules the SwiftRMM product links: SwiftRMMC and its dependency closure.
    static let modules = [
        "CCAArch", "FirmwareSync", "GranuleProtection", "RMM", "RMIHost", "CCAPlatform", "MachineHost", "Verification",
        "SwiftRMMC",
    ]
    /// The C modules among them, one object per source file.
    static let cObjects = ["CHostRuntime.build/CHostRuntime.c.o"]

    /// The repository root, from this file's path.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The build products directory of this test run: the directory of the running test executable.
    static func binPath() throws -> URL {
        #if os(Linux)
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        return URL(fileURLWithPath: executable).deletingLastPathComponent()
        #else
        return packageRoot.appendingPathComponent(".build/debug")
        #endif
    }

    /// Runs `arguments` through `/usr/bin/env` (so PATH finds the tool); returns the status and the output.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("The C example builds against the header and the library, and passes")
    func buildAndRun() throws {
        let bin = try Self.binPath()
        let fileManager = FileManager.default
        var objects: [String] = []
        for module in Self.modules {
            // The module's current objects, from the compiler's output file map: objects of since renamed or
            // deleted sources may still lie in the directory and would clash at link time.
            let map = bin.appendingPathComponent("\(module).build/output-file-map.json")
            let entries = try JSONSerialization.jsonObject(with: Data(contentsOf: map)) as? [String: Any] ?? [:]
            let names = entries.values.compactMap { ($0 as? [String: String])?["object"] }
            #expect(!names.isEmpty, "no objects for \(module) in \(map.path)")
            objects += names.sorted()
        }
        objects += Self.cObjects.map { bin.appendingPathComponent($0).path }
        let work = fileManager.temporaryDirectory.appendingPathComponent("swift-rmm-c-host-\(UUID().uuidString)")
        try fileManager.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(at: work) }
        #if canImport(Darwin)
        let library = work.appendingPathComponent("libSwiftRMM.dylib")
        #else
        let library = work.appendingPathComponent("libSwiftRMM.so")
        #endif

        let link = try Self.run(["swiftc", "-emit-library", "-o", library.path] + objects)
        try #require(link.status == 0, "linking libSwiftRMM failed:\n\(link.output)")

        let compiler = ProcessInfo.processInfo.environment["CC"] ?? "cc"
        let host = work.appendingPathComponent("host")
        let compile = try Self.run([
            compiler, "-std=c11", "-Wall", "-Wextra", "-Werror",
            "-I", Self.packageRoot.appendingPathComponent("include").path,
            Self.packageRoot.appendingPathComponent("Examples/c-host/host.c").path,
            "-o", host.path, "-L", work.path, "-lSwiftRMM", "-Wl,-rpath,\(work.path)",
        ])
        try #require(compile.status == 0, "compiling host.c failed:\n\(compile.output)")

        let result = try Self.run([host.path])
        #expect(result.status == 0, "host.c failed:\n\(result.output)")
        #expect(result.output.contains("host: all checks passed"))
    }
}
