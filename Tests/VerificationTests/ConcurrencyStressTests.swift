import Testing

@testable import Verification

/// Runs in CI a second time under ThreadSanitizer (the `ConcurrencyStressTests` filter of `.ci/run`).
@Suite("Concurrency stress: several CPUs on real threads")
struct ConcurrencyStressTests {
    @Test("random delegations, undelegations and realm operations from four CPUs break no invariant")
    func fourCPUs() throws {
        let report = try ConcurrencyStress(seed: 1, cpus: 4).run(rounds: 3, callsPerCPU: 150)
        #expect(report.violations.isEmpty, "\(report.violations)")
        #expect(report.calls == 3 * 4 * 150)
    }

    @Test("--el3-max-granules and --el3-busy: four CPUs also racing a COARSE unit EL3 moves in pieces")
    func el3InPieces() throws {
        let report = try ConcurrencyStress(seed: 3, cpus: 4, el3MaxGranules: 32, el3Busy: true).run(
            rounds: 2, callsPerCPU: 150)
        #expect(report.violations.isEmpty, "\(report.violations)")
        #expect(report.calls == 2 * 4 * 150)
    }

    @Test("--el3-max-granules alone: four CPUs racing a COARSE unit EL3 moves in pieces, no injection")
    func el3InPiecesWithoutInjection() throws {
        let report = try ConcurrencyStress(seed: 5, cpus: 4, el3MaxGranules: 32).run(rounds: 2, callsPerCPU: 150)
        #expect(report.violations.isEmpty, "\(report.violations)")
        #expect(report.calls == 2 * 4 * 150)
    }

    @Test("--lock-contention spin: four CPUs whose range commands wait for a held first granule break no invariant")
    func spinLockContention() throws {
        let stress = ConcurrencyStress(seed: 4, cpus: 4, lockContention: .spin)
        let report = try stress.run(rounds: 3, callsPerCPU: 150)
        #expect(report.violations.isEmpty, "\(report.violations)")
        #expect(report.calls == 3 * 4 * 150)
    }

    @Test("the same with two CPUs and another seed")
    func twoCPUs() throws {
        let report = try ConcurrencyStress(seed: 2, cpus: 2).run(rounds: 2, callsPerCPU: 200)
        #expect(report.violations.isEmpty, "\(report.violations)")
        #expect(report.calls == 2 * 2 * 200)
    }
}
