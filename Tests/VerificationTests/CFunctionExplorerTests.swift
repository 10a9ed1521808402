import Foundation
import Testing
import Verification

/// Builds C host code the way docs/c-host.md says (`cc -shared -fPIC -Iinclude code.c -o lib.so`), each library at
/// its own path (dlopen shares a handle per path).
enum CLibraryBuilder {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The path of a library built from `source` (with include/ and Examples/c-explore/ on the include path).
    static func build(_ source: String, includeHeader: Bool = true) throws -> String {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("swift-rmm-c-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let file = work.appendingPathComponent("code.c")
        let prelude = includeHeader ? "#include \"swift_rmm_linux.h\"\n#include \"rmi_ops.h\"\n" : ""
        try (prelude + source).write(to: file, atomically: true, encoding: .utf8)
        let library = work.appendingPathComponent("libcode.so").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            ProcessInfo.processInfo.environment["CC"] ?? "cc", "-shared", "-fPIC", "-Wall", "-Werror",
            "-I", packageRoot.appendingPathComponent("include").path,
            "-I", packageRoot.appendingPathComponent("Examples/c-explore").path, file.path, "-o", library,
        ]
        let pipe = Pipe()
        process.standardError = pipe
        try process.run()
        let errors = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(
                .fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(decoding: errors, as: UTF8.self)])
        }
        return library
    }

    /// The example's source file.
    static func example(_ name: String) throws -> String {
        try String(contentsOf: packageRoot.appendingPathComponent("Examples/c-explore/\(name)"), encoding: .utf8)
    }

    static func function(
        _ source: String, symbol: String = "f", shape: CHostFunction.Shape = .linuxRange,
        operation: CHostFunction.Operation = .delegate
    ) throws -> CHostFunction {
        let library = try CHostLibrary(path: try build(source))
        return try CHostFunction(library: library, symbol: symbol, shape: shape, operation: operation)
    }
}

@Suite("The explorer on C host code")
struct CFunctionExplorerTests {
    let bounds = ExplorationBounds(granules: 4, choiceDepth: 3)

    @Test("the v14-shaped loop in C shows the defects of the Swift port: BUSY and BLOCKED forever, a lost prefix")
    func v14ShapeDefects() throws {
        let library = try CHostLibrary(
            path: try CLibraryBuilder.build(try CLibraryBuilder.example("rmi_v14_shape.c"), includeHeader: false))
        let function = try CHostFunction(
            library: library, symbol: "rmi_delegate_range", shape: .linuxRange, operation: .delegate)
        let report = try CFunctionExplorer.run(function, bounds: bounds)
        let swiftPort = Explorer.run(helper: .linuxV14Delegate, bounds: bounds)
        #expect(report.violations.map(\.key) == swiftPort.violations.map(\.key))
        #expect(report.violations.map(\.cause).contains("RMI_BUSY"))
        #expect(report.violations.map(\.cause).contains("RMI_BLOCKED"))
        #expect(report.violations.contains { $0.kind == .progressMismatch })
        #expect(report.schedulesRun == swiftPort.schedulesRun)
    }

    @Test("the bounded loop with out_top is clean, also against forbidden answers")
    func boundedLoopClean() throws {
        let library = try CHostLibrary(
            path: try CLibraryBuilder.build(try CLibraryBuilder.example("rmi_bounded.c"), includeHeader: false))
        for (symbol, operation) in [
            ("rmi_delegate_range", CHostFunction.Operation.delegate), ("rmi_undelegate_range", .undelegate),
        ] {
            let function = try CHostFunction(
                library: library, symbol: symbol, shape: .linuxRangeOut, operation: operation)
            let report = try CFunctionExplorer.run(
                function, bounds: bounds, mode: ExplorationMode(answers: .includingForbidden))
            #expect(report.isClean, "\(report.violations)")
            #expect(report.schedulesRun > 100)
        }
    }

    @Test("a BUG_ON is a crash with its schedule, and the exploration goes on")
    func bugOnIsACrash() throws {
        let function = try CLibraryBuilder.function(
            """
            int f(phys_addr_t base, unsigned long size) {
                struct arm_smccc_res res;
                arm_smccc_1_1_invoke(SMC_RMI_GRANULE_RANGE_DELEGATE, base, base + size, &res);
                BUG_ON(res.a0 == RMI_BUSY);
                return 0;
            }
            """)
        let report = try CFunctionExplorer.run(function, bounds: ExplorationBounds(granules: 2, choiceDepth: 1))
        let crash = try #require(report.violations.first { $0.kind == .crash })
        #expect(crash.detail.hasPrefix("BUG_ON(res.a0 == RMI_BUSY) fired at "), "\(crash.detail)")
        #expect(crash.schedule.count == 1 && crash.schedule[0].answer == .refuse(.busy))
        // Every answer to the one call was run: the crash did not end the exploration.
        #expect(report.schedulesRun == 1 + crash.schedule[0].alternatives)
    }

    @Test("abort(), a division by zero and a trap are crashes named by their signals")
    func signalsAreCrashes() throws {
        let function = try CLibraryBuilder.function(
            """
            #include <stdlib.h>
            int f(phys_addr_t base, unsigned long size) {
                struct arm_smccc_res res;
                arm_smccc_1_1_invoke(SMC_RMI_GRANULE_RANGE_DELEGATE, base, base + size, &res);
                if (res.a0 == RMI_BLOCKED) abort();
                volatile int zero = 0;
                if (res.a0 == RMI_BUSY) return 100 / zero; /* gcc turns 1 / x into a comparison */
                if (res.a0 == RMI_INCOMPLETE) __builtin_trap();
                return 0;
            }
            """)
        let report = try CFunctionExplorer.run(function, bounds: ExplorationBounds(granules: 2, choiceDepth: 1))
        let crashes = report.violations.filter { $0.kind == .crash }.map(\.detail)
        #expect(crashes.contains("f was killed by SIGABRT (abort)"), "\(crashes)")
        #expect(crashes.contains("f was killed by SIGFPE (arithmetic fault)"), "\(crashes)")
        // __builtin_trap is ud2 (SIGILL) on x86-64 and brk (SIGTRAP) on arm64.
        #expect(
            crashes.contains { $0.hasPrefix("f was killed by SIGILL") || $0.hasPrefix("f was killed by SIGTRAP") },
            "\(crashes)")
    }

    @Test("a function that never returns is stopped at the SMC bound; one that loops without SMCs by the watchdog")
    func nonTermination() throws {
        let function = try CLibraryBuilder.function(
            """
            int f(phys_addr_t base, unsigned long size) {
                struct arm_smccc_res res;
                arm_smccc_1_1_invoke(SMC_RMI_GRANULE_RANGE_DELEGATE, base, base + size, &res);
                if (res.a0 == RMI_BLOCKED) for (volatile int spin = 0;; spin++) { }
                for (;;) arm_smccc_1_1_invoke(SMC_RMI_GRANULE_RANGE_DELEGATE, base, base + size, &res);
            }
            """)
        let report = try CFunctionExplorer.run(function, bounds: ExplorationBounds(granules: 1, choiceDepth: 1))
        let stuck = report.violations.filter { $0.kind == .smcBoundExceeded }
        #expect(stuck.contains { $0.detail.contains("was still looping after 19 SMCs (the bound is 18)") })
        #expect(stuck.contains { $0.detail.contains("without calling the RMM after 1 SMC: it would not return") })
    }

    @Test("an access to a granule the RMM holds is a granule protection fault naming its physical address")
    func granuleProtectionFault() throws {
        let function = try CLibraryBuilder.function(
            """
            int f(phys_addr_t base, unsigned long size) {
                struct arm_smccc_res res;
                char *linear = phys_to_virt(base);
                linear[0] = 1; /* still Non-secure: allowed */
                arm_smccc_1_1_invoke(SMC_RMI_GRANULE_RANGE_DELEGATE, base, base + size, &res);
                linear[PAGE_SIZE + 8] = 1; /* delegated when the RMM moved two granules */
                return res.a0 == RMI_SUCCESS && res.a1 == base + size ? 0 : 1;
            }
            """)
        let report = try CFunctionExplorer.run(function, bounds: ExplorationBounds(granules: 2, choiceDepth: 1))
        let fault = try #require(report.violations.first { $0.kind == .granuleProtectionFault })
        #expect(fault.detail.contains("accessed PA 0x80001008"), "\(fault.detail)")
        #expect(fault.schedule.count == 1 && fault.schedule[0].answer == .progress(outTop: 0x8000_2000))
    }

    @Test("WARN_ON is counted per site, not fatal")
    func warningsCounted() throws {
        let function = try CLibraryBuilder.function(
            """
            int f(phys_addr_t base, unsigned long size) {
                struct arm_smccc_res res;
                arm_smccc_1_1_invoke(SMC_RMI_GRANULE_RANGE_DELEGATE, base, base + size, &res);
                if (WARN_ON(res.a0 != RMI_SUCCESS)) return -1;
                return res.a1 == base + size ? 0 : -1;
            }
            """)
        let report = try CFunctionExplorer.run(function, bounds: ExplorationBounds(granules: 1, choiceDepth: 1))
        #expect(report.warnings.count == 1)
        #expect(report.warnings.first?.site.hasSuffix(": WARN_ON(res.a0 != RMI_SUCCESS)") == true)
        // One answer of the choice point is the cooperative RMI_SUCCESS; every other one warns.
        #expect(report.warnings.first?.runs == report.schedulesRun - 2)
    }

    @Test("bad input: a missing library, a library without the header, a missing symbol")
    func badLibraries() throws {
        #expect(throws: CHostError.self) { try CHostLibrary(path: "/nonexistent/libnothing.so") }
        do {
            _ = try CHostLibrary(path: "/nonexistent/libnothing.so")
        } catch {
            #expect(error.description.hasPrefix("cannot load the C library /nonexistent/libnothing.so: "))
        }
        let bare = try CLibraryBuilder.build(
            "int f(unsigned long a, unsigned long b) { return (int)(a + b); }", includeHeader: false)
        #expect(throws: CHostError.hooksMissing(path: bare)) { try CHostLibrary(path: bare) }
        let library = try CHostLibrary(
            path: try CLibraryBuilder.build("int f(phys_addr_t b, unsigned long s) { return 0; }"))
        #expect(throws: CHostError.symbolMissing(symbol: "g", path: library.path)) {
            try CHostFunction(library: library, symbol: "g", shape: .linuxRange, operation: .delegate)
        }
    }

    @Test("bad input: a shape that does not match the function, either way")
    func shapeMismatch() throws {
        let withOut = """
            int f(phys_addr_t base, unsigned long size, phys_addr_t *out_top) { *out_top = base; return 0; }
            """
        let function = try CLibraryBuilder.function(withOut, shape: .linuxRange)
        do {
            _ = try CFunctionExplorer.run(function, bounds: bounds)
            Issue.record("a function writing through out_top passed as linux-range")
        } catch {
            #expect(error.description.contains("use --shape linux-range-out"), "\(error)")
        }
        let withoutOut = try CLibraryBuilder.function(
            "int f(phys_addr_t base, unsigned long size) { return 0; }", shape: .linuxRangeOut)
        do {
            _ = try CFunctionExplorer.run(withoutOut, bounds: bounds)
            Issue.record("a function that never writes out_top passed as linux-range-out")
        } catch {
            #expect(error.description.contains("is it a linux-range function?"), "\(error)")
        }
    }

    @Test("bad input: an access outside the host's memory stops the exploration with the address")
    func outsideHostMemory() throws {
        let function = try CLibraryBuilder.function(
            "int f(phys_addr_t base, unsigned long size) { *(volatile int *)16 = 1; return 0; }")
        do {
            _ = try CFunctionExplorer.run(function, bounds: bounds)
            Issue.record("a write to address 16 passed")
        } catch {
            guard case .outsideHostMemory(_, let address, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(address == 16)
        }
    }

    @Test("every run starts from zeroed memory: what one run wrote, the next cannot see")
    func runsDoNotShareMemory() throws {
        let function = try CLibraryBuilder.function(
            """
            int f(phys_addr_t base, unsigned long size) {
                struct arm_smccc_res res;
                char *linear = phys_to_virt(base);
                BUG_ON(linear[0] != 0); /* an earlier run's mark */
                linear[0] = 1;
                arm_smccc_1_1_invoke(SMC_RMI_GRANULE_RANGE_DELEGATE, base, base + size, &res);
                return res.a0 == RMI_SUCCESS && res.a1 == base + size ? 0 : 1;
            }
            """)
        let report = try CFunctionExplorer.run(function, bounds: ExplorationBounds(granules: 1, choiceDepth: 1))
        #expect(!report.violations.contains { $0.kind == .crash }, "\(report.violations)")
    }

    @Test("progress reports a share done that rises and stays within 0 and 1")
    func progressRises() throws {
        let library = try CHostLibrary(
            path: try CLibraryBuilder.build(try CLibraryBuilder.example("rmi_v14_shape.c"), includeHeader: false))
        let function = try CHostFunction(
            library: library, symbol: "rmi_delegate_range", shape: .linuxRange, operation: .delegate)
        var shares: [Double] = []
        _ = try CFunctionExplorer.run(function, bounds: ExplorationBounds()) { shares.append($0.fractionDone) }
        #expect(shares.count >= 2)
        #expect(shares.allSatisfy { $0 > 0 && $0 <= 1 }, "\(shares)")
        #expect(shares == shares.sorted(), "\(shares)")
    }
}
