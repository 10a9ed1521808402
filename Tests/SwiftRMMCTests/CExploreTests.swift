import Foundation
import Testing

@testable import SwiftRMMC

@Suite("srmm_explore: the explorer of C host code through the C interface")
struct CExploreTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Builds Examples/c-explore/NAME.c as docs/c-host.md says, at a path of its own.
    static func buildExample(_ name: String) throws -> String {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("swift-rmm-cx-\(UUID().uuidString)")
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

    /// Runs srmm_explore with the defaults, depth 3, and `change` applied; the code, the result and the report.
    static func explore(
        library: String, symbol: String, shape: UInt32, operation: UInt32,
        change: (inout _CExploreOptions) -> Void = { _ in }
    ) -> (code: Int32, result: _CExploreResult, report: String) {
        var options = unsafe _CExploreOptions.defaults
        _ = unsafe withUnsafeMutableBytes(of: &options) { unsafe srmm_explore_options_init($0.baseAddress) }
        var result = _CExploreResult(schedules: 0, smcs: 0, violations: 0, violatingRuns: 0, warnings: 0, smcBound: 0)
        var report = [CChar](repeating: 0, count: 1 << 16)
        let code = unsafe library.withCString { libraryName in
            unsafe symbol.withCString { symbolName in
                unsafe options.library = libraryName
                unsafe options.symbol = symbolName
                unsafe options.shape = shape
                unsafe options.operation = operation
                unsafe options.depth = 3
                unsafe change(&options)
                return unsafe withUnsafeBytes(of: &options) { optionBytes in
                    unsafe withUnsafeMutableBytes(of: &result) { resultBytes in
                        unsafe srmm_explore(
                            optionBytes.baseAddress, resultBytes.baseAddress, &report, UInt(report.count))
                    }
                }
            }
        }
        let text = unsafe report.withUnsafeBufferPointer { unsafe String(cString: $0.baseAddress!) }
        return (code, result, text)
    }

    @Test("the structs have the sizes the header asserts, and options_init sets the size and the CLI's defaults")
    func layoutsAndDefaults() {
        #expect(MemoryLayout<_CExploreOptions>.size == 72)
        #expect(MemoryLayout<_CExploreResult>.size == 48)
        var options = unsafe _CExploreOptions.defaults
        unsafe options.granules = 0
        _ = unsafe withUnsafeMutableBytes(of: &options) { unsafe srmm_explore_options_init($0.baseAddress) }
        #expect(unsafe options.structSize == 72 && options.granules == 4 && options.depth == 6)
        #expect(unsafe options.busyRetries == 2 && options.blockedRetries == 1 && options.continuations == 4)
        #expect(srmm_explore_options_init(nil) == ReturnCode.nullPointer.rawValue)
    }

    @Test("the v14-shaped loop has violations, told in the report; the bounded loop is clean")
    func verdicts() throws {
        let v14 = Self.explore(
            library: try Self.buildExample("rmi_v14_shape"), symbol: "rmi_delegate_range", shape: 0, operation: 0)
        #expect(v14.code == ReturnCode.ok.rawValue, "\(v14.report)")
        #expect(v14.result.violations == 3 && v14.result.schedules > 0 && v14.result.smcBound == 72)
        #expect(v14.report.contains("smc-bound-exceeded (RMI_BUSY)"), "\(v14.report)")
        let bounded = Self.explore(
            library: try Self.buildExample("rmi_bounded"), symbol: "rmi_undelegate_range", shape: 1, operation: 1)
        #expect(bounded.code == ReturnCode.ok.rawValue && bounded.result.violations == 0 && bounded.report.isEmpty)
    }

    @Test("bad input: each kind has its code and its text")
    func badInput() throws {
        let bounded = try Self.buildExample("rmi_bounded")
        let missing = Self.explore(library: "/nonexistent/lib.so", symbol: "f", shape: 0, operation: 0)
        #expect(missing.code == ReturnCode.library.rawValue)
        #expect(missing.report.hasPrefix("cannot load the C library /nonexistent/lib.so"))
        #expect(Self.explore(library: bounded, symbol: "nothing", shape: 1, operation: 0).code == -11)
        let shape = Self.explore(library: bounded, symbol: "rmi_delegate_range", shape: 0, operation: 0)
        #expect(shape.code == ReturnCode.shape.rawValue, "\(shape.report)")
        let size = Self.explore(library: bounded, symbol: "rmi_delegate_range", shape: 1, operation: 0) {
            unsafe $0.structSize = 64
        }
        #expect(size.code == ReturnCode.invalidArgument.rawValue)
        let shapeValue = Self.explore(library: bounded, symbol: "rmi_delegate_range", shape: 2, operation: 0)
        #expect(shapeValue.code == ReturnCode.invalidArgument.rawValue)
        #expect(srmm_explore(nil, nil, nil, 0) == ReturnCode.nullPointer.rawValue)
    }
}
