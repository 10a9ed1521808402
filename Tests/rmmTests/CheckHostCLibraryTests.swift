import ArgumentParser
import Foundation
import Testing
import Verification

@testable import rmm

@Suite("rmm check host --c-library: exit codes and output")
struct CheckHostCLibraryTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Builds an example of Examples/c-explore as docs/c-host.md says, at a path of its own.
    static func buildExample(_ name: String) throws -> String {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("swift-rmm-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let library = work.appendingPathComponent("lib\(name).so").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            ProcessInfo.processInfo.environment["CC"] ?? "cc", "-shared", "-fPIC", "-I",
            packageRoot.appendingPathComponent("include").path,
            packageRoot.appendingPathComponent("Examples/c-explore/\(name).c").path, "-o", library,
        ]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        return library
    }

    /// The exit code `rmm check host ARGUMENTS` ends with (0 when run returns).
    static func exitCode(_ arguments: [String]) throws -> Int32 {
        let command = try CheckHostCommand.parse(arguments)
        do {
            try command.run()
            return 0
        } catch let code as ExitCode {
            return code.rawValue
        }
    }

    @Test("a defective loop exits 1, a correct one 0")
    func violationsAndClean() throws {
        let v14 = try Self.buildExample("rmi_v14_shape")
        #expect(
            try Self.exitCode([
                "--c-library", v14, "--symbol", "rmi_delegate_range", "--shape", "linux-range", "--operation",
                "delegate", "--depth", "2",
            ]) == 1)
        let bounded = try Self.buildExample("rmi_bounded")
        #expect(
            try Self.exitCode([
                "--c-library", bounded, "--symbol", "rmi_undelegate_range", "--shape", "linux-range-out",
                "--operation", "undelegate", "--depth", "2",
            ]) == 0)
    }

    @Test(
        "bad input exits 2: a missing library, a missing symbol, a wrong or missing shape or operation",
        arguments: [
            [
                "--c-library", "/nonexistent/lib.so", "--symbol", "f", "--shape", "linux-range", "--operation",
                "delegate",
            ],
            ["--c-library", "LIB", "--symbol", "nothing_here", "--shape", "linux-range", "--operation", "delegate"],
            [
                "--c-library", "LIB", "--symbol", "rmi_delegate_range", "--shape", "linux-range", "--operation",
                "delegate",
            ],
            [
                "--c-library", "LIB", "--symbol", "rmi_delegate_range", "--shape", "linux-range-in", "--operation",
                "delegate",
            ],
            ["--c-library", "LIB", "--symbol", "rmi_delegate_range", "--shape", "linux-range-out"],
            ["--symbol", "rmi_delegate_range", "--shape", "linux-range-out", "--operation", "delegate"],
        ])
    func badInput(arguments: [String]) throws {
        // rmi_bounded.c's functions take out_top: the shape linux-range does not match them.
        let library = try Self.buildExample("rmi_bounded")
        #expect(try Self.exitCode(arguments.map { $0 == "LIB" ? library : $0 }) == 2)
    }

    @Test("the summary names the call, the shape, the range and the SMC bound, then tells each counterexample")
    func summary() throws {
        let library = try Self.buildExample("rmi_v14_shape")
        let function = try CHostFunction(
            library: CHostLibrary(path: library), symbol: "rmi_undelegate_range", shape: .linuxRange,
            operation: .undelegate)
        let report = try CFunctionExplorer.run(function, bounds: ExplorationBounds(granules: 2, choiceDepth: 1))
        let text = CheckHostCommand.render(report, library: "librmi.so")
        #expect(
            text.hasPrefix(
                "C function rmi_undelegate_range(base, size) from librmi.so (shape linux-range, undelegate of a "
                    + "2-granule range that starts delegated)"), "\(text)")
        #expect(text.contains("  SMC bound 36: 2 x 3 x (4 + 2)"), "\(text)")
        #expect(text.contains("counterexample 1 of "), "\(text)")
        #expect(text.contains("why it is a violation: "), "\(text)")
    }
}
