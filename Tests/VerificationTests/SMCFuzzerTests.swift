import CCAArch
import Testing

@testable import Verification

@Suite("SMC fuzzer against the real RMM")
struct SMCFuzzerTests {
    @Test(
        "a seed's fixed number of calls finds no violation: legal statuses, failures change nothing, invariants hold",
        arguments: [(UInt64(1), false), (2, false), (3, true), (4, true)])
    func seedsAreClean(seed: UInt64, hostCreatedL1Tables: Bool) throws {
        let report = try SMCFuzzer(seed: seed, hostCreatedL1Tables: hostCreatedL1Tables).run(iterations: 300)
        #expect(report.violations.isEmpty, "\(report.violations)")
        #expect(report.iterations == 300)
        // The calls reach past the input checks: some succeed and some start stateful operations.
        #expect(report.statusCounts[UInt64(RMIStatus.success.rawValue), default: 0] > 0)
        #expect(report.statusCounts.keys.count >= 4)
    }

    @Test("--el3-max-granules and --el3-busy: an EL3 moving in pieces and answering BUSY, still no violation")
    func el3InPieces() throws {
        let configuration = SMCFuzzer.configuration(seed: 5, el3MaxGranules: 16)
        #expect(configuration.el3MaxGranulesPerCall == 16 && configuration.trackingRegionSize == 2 << 20)
        #expect(SMCFuzzer.configuration(seed: 5).el3MaxGranulesPerCall == nil)
        let report = try SMCFuzzer(seed: 5, el3MaxGranules: 16, el3Busy: true).run(iterations: 600)
        #expect(report.violations.isEmpty, "\(report.violations)")
        #expect(report.statusCounts[UInt64(RMIStatus.busy.rawValue), default: 0] > 0)
    }

    @Test("a seed replays the same sequence of calls and answers")
    func deterministic() throws {
        let first = try SMCFuzzer(seed: 9).run(iterations: 200)
        let second = try SMCFuzzer(seed: 9).run(iterations: 200)
        #expect(first.statusCounts == second.statusCounts)
        #expect(try SMCFuzzer(seed: 10).run(iterations: 200).statusCounts != first.statusCounts)
    }

    @Test("a violation names the seed, the call's index, its registers and the answer")
    func violationDescription() {
        let violation = FuzzViolation(
            seed: 7, iteration: 42, call: SMCArguments(0xC400_01F1, 0x8000_0000, 0x8000_1000),
            answer: SMCReturn(RMIResult(.errorRealm).rawValue), problem: "RMI_ERROR_REALM is not an answer it may give")
        #expect(
            violation.description
                == "seed 7, call #42: [0xc40001f1, 0x80000000, 0x80001000, 0x0, 0x0, 0x0, 0x0] answered 0x2: "
                + "RMI_ERROR_REALM is not an answer it may give")
    }

    @Test("the statuses each command may give come from its failure conditions; unlisted commands are NOT_SUPPORTED")
    func allowedStatuses() {
        #expect(AllowedStatuses.allowed(.granuleRangeDelegate)?.contains(.errorRealm) == false)
        #expect(AllowedStatuses.allowed(.gptL1Create)?.contains(.incomplete) == true)
        #expect(AllowedStatuses.allowed(.recCreate)?.contains(.success) == false)
        #expect(AllowedStatuses.allowed(.rttFold) == [.errorNotSupported])
        // An RD argument naming a granule an unfinished operation holds (PARTIAL) answers RMI_BLOCKED, as for
        // every command that locks it (docs/spec-reading.md); the libFuzzer target found this answer missing here.
        #expect(AllowedStatuses.allowed(.rttReadEntry)?.contains(.blocked) == true)
        #expect(AllowedStatuses.allowed(FunctionID(0x8400_0000)) == nil)
        #expect(!AllowedStatuses.failureChangesNothing(.opContinue, .errorInput))
        #expect(AllowedStatuses.failureChangesNothing(.granuleRangeDelegate, .errorInput))
    }
}
