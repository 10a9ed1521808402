import Testing

@testable import Verification

/// The RMM's locking under every interleaving of small scenarios (CHESS-style exhaustive search up to a bound on
/// preemptions), and the historical bugs the checker found, each pinned with the schedule it found on the code
/// before the fix. CI runs the whole catalogue again at its full bounds in release (`rmm check interleavings`).
@Suite("Interleavings of the RMM's shared-memory steps")
struct InterleavingScenarioTests {
    /// Every scenario but the GPT one and the COARSE unit at two preemptions; those (32 donated granules, a
    /// 512-granule unit, so thousands of interleavings) at one here.
    static let bounds: [(String, Int)] = InterleavingScenario.all.map {
        ($0.name, ["gpt-l1-delegate", "coarse-partial"].contains($0.name) ? 1 : 2)
    }

    @Test("every interleaving of the scenario within the preemption bound passes every check", arguments: bounds)
    func exhaustive(name: String, bound: Int) throws {
        let scenario = try #require(InterleavingScenario.named(name))
        let report = InterleavingChecker(scenario: scenario, preemptionBound: bound).explore()
        #expect(report.violation == nil, "\(report.violation.map(\.description) ?? "")")
        #expect(report.exhaustive)
        #expect(report.interleavings >= (name == "realm-self" ? 2 : 50), "the search explored almost nothing")
    }

    @Test("spin-contention under busy fails its check: some interleaving answers RMI_BUSY, so the check can fail")
    func spinContentionNeedsSpin() throws {
        let spin = try #require(InterleavingScenario.named("spin-contention"))
        #expect(spin.platform.lockContention == .spin)
        var platform = spin.platform
        platform.lockContention = .busy
        let busy = InterleavingScenario(
            name: spin.name, summary: spin.summary, platform: platform, prepare: spin.prepare,
            programs: spin.programs, check: spin.check)
        let report = InterleavingChecker(scenario: busy, preemptionBound: 1).explore()
        #expect(report.violation.map { "\($0)".contains("RANGE_DELEGATE answered RMI_BUSY without progress") } == true)
    }

    /// Found by `rmm check interleavings` on the code before each fix (each in under 20 interleavings), as the
    /// schedules it printed, each CPU's first stretch one step longer since every command enters its CPU's
    /// in-flight count (RMI_RMM_DEACTIVATE, issue 16) before anything else; they replay clean now.
    static let historical: [(String, String, String)] = [
        // issue 14: a release wrote back the word seen at lock time, dropping the reference CPU 0 added.
        ("lost-reference", "0*11,1*5,0*3", "lost reference count"),
        // RTT_CREATE(rd, rtt = rd) locked the RD twice (found first by the stress test, issue 7).
        ("realm-self", "0*8", "self-deadlock"),
        // RD locked first whatever the addresses: each CPU held one RD and waited for the other (issue 7).
        ("realms-cross", "0*7,1*8", "lock-order deadlock"),
        // issue 16 item 5: CPU 0's OP_CONTINUE finished the unit between CPU 1's look at it and its claim, and the
        // delegation answered RMI_ERROR_INPUT instead of skipping the DELEGATED unit.
        ("coarse-partial", "0*18,1*13,0*5", "finished unit not skipped"),
        // issue 16 item 5: an OP_CONTINUE that had to register as the region's user answered RMI_INCOMPLETE for as
        // long as a TRACKING_SET held the region, so CPU 0 spent its every continuation and left the unit PARTIAL.
        ("coarse-partial", "0*15,1*27,0*7158", "continuation starved by a tracking transition"),
        // issue 16 item 7: CPU 1's claim of the first granule failed on CPU 0's lock, CPU 0 published it DELEGATED
        // before CPU 1 looked at why, and the delegation answered RMI_ERROR_INPUT instead of looking again (in the
        // default busy mode too, where delegate-overlap's check let the status pass).
        ("spin-contention", "0*13,1*13,0*6", "granule released between the claim and the look"),
    ]

    @Test("the interleavings that broke the old code pass now", arguments: historical)
    func historicalBug(name: String, schedule: String, bug: String) throws {
        let scenario = try #require(InterleavingScenario.named(name))
        let steps = try #require(InterleavingSchedule.parse(schedule))
        let report = InterleavingChecker(scenario: scenario).replay(steps)
        #expect(report.violation == nil, "\(bug): \(report.violation.map(\.description) ?? "")")
    }

    @Test("--el3-max-granules: a scenario on an EL3 that moves one granule per call passes every interleaving")
    func el3MaxGranules() throws {
        let scenario = try #require(InterleavingScenario.named("delegate-overlap")).withEL3MaxGranules(1)
        #expect(scenario.platform.el3MaxGranulesPerCall == 1)
        let report = InterleavingChecker(scenario: scenario, preemptionBound: 1).explore()
        #expect(report.violation == nil, "\(report.violation.map(\.description) ?? "")")
        #expect(report.exhaustive && report.interleavings >= 10)
        // The COARSE scenario keeps its own limit.
        let coarse = try #require(InterleavingScenario.named("coarse-partial")).withEL3MaxGranules(1)
        #expect(coarse.platform.el3MaxGranulesPerCall == 256)
    }

    @Test("random interleavings (PCT) of a scenario pass")
    func randomInterleavings() throws {
        let scenario = try #require(InterleavingScenario.named("lost-reference"))
        let checker = InterleavingChecker(scenario: scenario)
        let report = checker.sample(runs: 100, seed: 7)
        #expect(report.violation == nil, "\(report.violation.map(\.description) ?? "")")
        #expect(report.interleavings == 100)
    }

    @Test("a failing interleaving prints its problems, a paragraph per CPU stretch and the schedule to replay it")
    func violationReport() {
        let steps = [
            InterleavingStep(cpu: 0, command: "RMI_RTT_CREATE", location: .init(.granule, 0x8000_1000), access: .load),
            InterleavingStep(cpu: 1, command: "RMI_RTT_CREATE", location: .init(.granule, 0x8000_1000), access: nil),
        ]
        let violation = InterleavingViolation(
            scenario: "lost-reference", problems: ["deadlock: cpu 1 waits for granule 0x80001000"],
            schedule: [0, 1, 1],
            steps: steps)
        #expect(
            violation.description == """
                scenario lost-reference: 1 problem
                  deadlock: cpu 1 waits for granule 0x80001000
                  interleaving (2 shared-memory steps, a paragraph per stretch of one CPU):
                    cpu 0 RMI_RTT_CREATE (1 step)
                      load granule 0x80001000
                    cpu 1 RMI_RTT_CREATE (1 step)
                      wait for granule 0x80001000
                  replay: rmm check interleavings --scenario lost-reference --replay 0,1*2
                """)
    }
}
