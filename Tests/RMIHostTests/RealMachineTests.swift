import CCAArch
import CCAPlatform
import MachineHost
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

    @Test("a range that fails half way (it runs off the end of DRAM) reports its prefix; rollback undoes exactly that")
    func halfFailed() throws {
        let (machine, host) = try ready()
        let end: UInt64 = 0x1_0000_0000  // the top of DRAM0; a hole follows
        let outcome = host.delegate(base: PhysicalAddress(end - 0x4000), size: 0x8000)
        #expect(outcome.failure?.kind == "rmm_error")
        #expect(outcome.failure?.status == .errorInput)
        #expect(outcome.top == PhysicalAddress(end))
        #expect(machine.inspect(PhysicalAddress(end - 0x1000)).state == .delegated)
        let rollback = host.rollback(outcome)
        #expect(
            rollback.succeeded && rollback.base == PhysicalAddress(end - 0x4000) && rollback.top == PhysicalAddress(end)
        )
        #expect(machine.inspect(PhysicalAddress(end - 0x4000)).state == .undelegated)
        #expect(machine.checkInvariants().isEmpty)
    }

    @Test("an EL3 refusal at base fails the delegation with nothing moved")
    func el3Refusal() throws {
        let (machine, host) = try ready()
        try machine.faultInjector.inject(.el3Refuse, count: 1)
        let outcome = host.delegate(base: PhysicalAddress(dram0), size: 0x8000)
        #expect(outcome.failure?.status == .errorInput)
        #expect(outcome.top == PhysicalAddress(dram0))
        #expect(machine.inspect(PhysicalAddress(dram0)).state == .undelegated)
    }

    /// A delegated RD and starting table taken from the host's allocator, and realm parameters naming the table
    /// in a Non-secure page from it: (rd, table, params).
    func realmPages(_ machine: Machine, _ host: HostRMI) throws -> (PhysicalAddress, PhysicalAddress, PhysicalAddress) {
        let block = try #require(host.allocator.allocateBlock(bytes: 0x2000, alignment: 0x2000))
        let params = try #require(host.allocator.allocatePage())
        #expect(host.delegate(base: block.base, size: 0x2000).succeeded)
        for (offset, value) in [
            (UInt64(0x8), UInt64(39)), (0x18, 1), (0x20, 1), (0x808, block.base.rawValue), (0x810, 1), (0x818, 1),
        ] {
            #expect((try? machine.memory.write64(.nonSecure, pa: params + offset, value: value).get()) != nil)
        }
        return (block.base + 0x1000, block.base, params)
    }

    @Test("undelegating a granule a realm object uses fails, and the granule lands in the leak ledger")
    func inUseLeaks() throws {
        let (machine, host) = try ready()
        let (rd, _, params) = try realmPages(machine, host)
        let create = host.execute(SMCArguments(FunctionID.realmCreate.rawValue, rd.rawValue, params.rawValue))
        #expect(create.status == .success)
        let outcome = host.undelegate(base: rd, size: 0x1000)
        #expect(!outcome.succeeded)
        #expect(host.leakLedger.isLeaked(rd))
        #expect(machine.inspect(rd).state == .rd)
    }

    @Test("REALM_CREATE and REALM_DESTROY through the SRO driver: the RD's auxiliary pages go to the RMM and come back")
    func realmAuxiliaryPages() throws {
        let (machine, host) = try ready()
        let (rd, table, params) = try realmPages(machine, host)
        let free = host.allocator.freeGranuleCount
        let create = host.execute(SMCArguments(FunctionID.realmCreate.rawValue, rd.rawValue, params.rawValue))
        #expect(create.status == .success && create.handle != nil)
        let lent = free - host.allocator.freeGranuleCount
        #expect(lent > 0, "the donated pages left the allocator")
        var auxiliary: UInt64 = 0
        machine.rmm.forEachGranuleRun { _, size, info in
            if info.state == .rdAux { auxiliary += size / 0x1000 }
        }
        #expect(auxiliary == lent)
        #expect(host.execute(SMCArguments(FunctionID.realmTerminate.rawValue, rd.rawValue)).status == .success)
        let destroy = host.execute(SMCArguments(FunctionID.realmDestroy.rawValue, rd.rawValue))
        #expect(destroy.status == .success && destroy.handle != nil)
        #expect(host.allocator.freeGranuleCount == free, "reclaimed pages were undelegated and freed")
        #expect(machine.inspect(rd).state == .delegated && machine.inspect(table).state == .delegated)
        #expect(host.undelegate(base: table, size: 0x2000).succeeded)
        #expect(host.leakLedger.leakedGranuleCount == 0)
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
