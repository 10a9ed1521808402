import CCAArch
import CCAPlatform
import RMIHost
import Testing

private let dram0: UInt64 = 0x8000_0000

/// The review's edge cases, against the real RMM with the platform's fault injection.
@Suite("RMIHost against the real RMM")
struct RealMachineTests {
    func ready(_ policy: RetryPolicy = RetryPolicy()) throws -> (Machine, HostRMI) {
        let machine = try Machine()
        let host = machine.host(retryPolicy: policy)
        try host.initialize()
        return (machine, host)
    }

    @Test("size 0 succeeds without an SMC")
    func sizeZero() throws {
        let (machine, host) = try ready()
        let before = machine.counters.snapshot().smc
        let outcome = host.delegate(base: PhysicalAddress(dram0), size: 0)
        #expect(outcome.succeeded && outcome.smcCount == 0)
        #expect(machine.counters.snapshot().smc == before)
    }

    @Test("a wrapping range is rejected before any SMC")
    func wrapAround() throws {
        let (machine, host) = try ready()
        let before = machine.counters.snapshot().smc
        let outcome = host.delegate(base: PhysicalAddress(0xFFFF_FFFF_FFFF_F000), size: 0x2000)
        #expect(outcome.failure?.kind == "overflow")
        #expect(machine.counters.snapshot().smc == before)
    }

    @Test("a zero-progress RMM ends the call with no_progress after one SMC")
    func zeroProgress() throws {
        let (machine, host) = try ready()
        try machine.faultInjector.inject(.zeroProgress, count: 1)
        let outcome = host.delegate(base: PhysicalAddress(dram0), size: 0x10000)
        #expect(outcome.failure?.kind == "no_progress")
        #expect(outcome.smcCount == 1)
        #expect(outcome.top == PhysicalAddress(dram0))
    }

    @Test("a BUSY storm ends as stalled within the budget, with nothing moved")
    func busyStorm() throws {
        let (machine, host) = try ready(RetryPolicy(attemptBudget: 8, blockedAttemptBudget: 2, spinsBeforeYield: 2))
        try machine.faultInjector.inject(.busy, count: 100)
        let outcome = host.delegate(base: PhysicalAddress(dram0), size: 0x10000)
        #expect(outcome.failure?.kind == "stalled")
        #expect(outcome.smcCount == 8)
        #expect(machine.inspect(PhysicalAddress(dram0)).state == .undelegated)
    }

    @Test("a delegation EL3 refuses half way reports its prefix, and rollback undelegates exactly that")
    func halfFailed() throws {
        let (machine, host) = try ready()
        // Delegate the first 4 granules, then make EL3 refuse the next run.
        #expect(host.delegate(base: PhysicalAddress(dram0), size: 0x4000).succeeded)
        machine.rmm.inspectGranule(at: PhysicalAddress(dram0)).map { #expect($0.state == .delegated) }
        try machine.faultInjector.inject(.el3Refuse, count: 1)
        let outcome = host.delegate(base: PhysicalAddress(dram0), size: 0x8000)
        #expect(!outcome.succeeded)
        #expect(outcome.top == PhysicalAddress(dram0 + 0x4000))
        let rollback = host.rollback(outcome)
        #expect(rollback.succeeded && rollback.top == PhysicalAddress(dram0 + 0x4000))
        #expect(machine.inspect(PhysicalAddress(dram0)).state == .undelegated)
        #expect(machine.checkInvariants().isEmpty)
    }

    @Test("an interrupted delegation is driven to the end through OP_CONTINUE")
    func interrupted() throws {
        let (machine, host) = try ready()
        try machine.faultInjector.inject(.irq, count: 1)
        let outcome = host.delegate(base: PhysicalAddress(dram0), size: 0x20_0000)
        #expect(outcome.succeeded && outcome.top == PhysicalAddress(dram0 + 0x20_0000))
        #expect(outcome.smcCount == 2)
        #expect(machine.checkInvariants().isEmpty)
    }

    @Test("BLOCKED answers are retried within their own budget")
    func blocked() throws {
        let (machine, host) = try ready(RetryPolicy(attemptBudget: 16, blockedAttemptBudget: 3, spinsBeforeYield: 2))
        try machine.faultInjector.inject(.blocked, count: 2)
        let outcome = host.delegate(base: PhysicalAddress(dram0), size: 0x1000)
        #expect(outcome.succeeded && outcome.smcCount == 3)
    }
}
