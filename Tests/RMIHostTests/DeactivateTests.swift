import CCAArch
import CCAPlatform
import MachineHost
import RMIHost
import Testing

private let dram0: UInt64 = 0x8000_0000

/// `HostRMI.deactivate()` against the real RMM: the host's own records first, then RMI_RMM_DEACTIVATE.
@Suite("RMIHost deactivation")
struct HostDeactivateTests {
    func ready(_ configuration: PlatformConfiguration = .default) throws -> (Machine, HostRMI) {
        let machine = try Machine(configuration: configuration)
        let host = machine.host()
        try host.initialize()
        return (machine, host)
    }

    @Test("deactivate before bring-up throws notInitialized without an SMC")
    func notInitialized() throws {
        let machine = try Machine()
        let host = machine.host()
        #expect(throws: HostDeactivateError.notInitialized) { try host.deactivate() }
        #expect(machine.counters.snapshot().smc == 0)
    }

    @Test("granules the host delegated make deactivate throw stillDelegated without an SMC")
    func stillDelegated() throws {
        let (machine, host) = try ready()
        #expect(host.delegate(base: PhysicalAddress(dram0), size: 0x2000).succeeded)
        let before = machine.counters.snapshot().smc
        let range = try GranuleRange(base: PhysicalAddress(dram0), size: 0x2000)
        #expect(throws: HostDeactivateError.stillDelegated([range])) { try host.deactivate() }
        #expect(machine.counters.snapshot().smc == before)
        #expect(host.isAvailable && machine.rmm.lifecycleState == .active)
    }

    @Test("granules on the leak ledger make deactivate throw leaked without an SMC")
    func leaked() throws {
        let (machine, host) = try ready()
        let range = try GranuleRange(base: PhysicalAddress(dram0 + 0x4000), size: 0x1000)
        host.leakLedger.record(range)
        let before = machine.counters.snapshot().smc
        #expect(throws: HostDeactivateError.leaked([range])) { try host.deactivate() }
        #expect(machine.counters.snapshot().smc == before)
    }

    /// GPT_INFO's owner of the L1 table of the L0 region at `base` (X2), while the RMM is ACTIVE.
    func l1Owner(_ machine: Machine, _ base: UInt64) -> GPTL1Owner? {
        let answer = machine.smc(SMCArguments(FunctionID.gptInfo.rawValue, base, base + 0x4000_0000))
        return GPTL1Owner(rawValue: UInt8(truncatingIfNeeded: answer.x2))
    }

    @Test("L1 GPT tables the host created are destroyed and their memory reclaimed; initialize creates them again")
    func l1TablesHandedBack() throws {
        var configuration = PlatformConfiguration.default
        configuration.hostCreatedL1Tables = true
        let machine = try Machine(configuration: configuration)
        let host = machine.host()
        let free = host.allocator.freeGranuleCount
        try host.initialize()
        let created = try #require(host.info?.createdL1Tables)
        #expect(created.count == 4)
        #expect(host.allocator.freeGranuleCount < free)
        #expect(created.allSatisfy { l1Owner(machine, $0.rawValue) == .hostCreated })
        try host.deactivate()
        #expect(machine.rmm.lifecycleState == .initial)
        #expect(host.allocator.freeGranuleCount == free)
        #expect(host.leakLedger.leakedRanges.isEmpty)
        #expect(machine.checkInvariants().isEmpty)
        // A second bring-up creates every table again, from the same memory.
        try host.initialize()
        #expect(host.info?.createdL1Tables == created)
        #expect(created.allSatisfy { l1Owner(machine, $0.rawValue) == .hostCreated })
        #expect(host.delegate(base: PhysicalAddress(dram0), size: 0x1000).succeeded)
        #expect(machine.checkInvariants().isEmpty)
    }

    @Test("a table RMI_GPT_L1_DESTROY refuses (gpt_l1_homo) throws l1TableDestroy; the ones before stay destroyed")
    func l1TableDestroyRefused() throws {
        var configuration = PlatformConfiguration.default
        configuration.hostCreatedL1Tables = true
        let (machine, host) = try ready(configuration)
        // A page the caller took from the allocator, delegated behind the host's back, makes its L0 region's GPIs
        // mixed.
        let page = try #require(host.allocator.allocatePage())
        let region = PhysicalAddress(page.rawValue & ~0x3FFF_FFFF)
        let created = try #require(host.info?.createdL1Tables)
        let index = try #require(created.firstIndex(of: region))
        let delegate = SMCArguments(FunctionID.granuleRangeDelegate.rawValue, page.rawValue, page.rawValue + 0x1000)
        #expect(machine.smc(delegate).x0 == 0)
        #expect(throws: HostDeactivateError.l1TableDestroy(l0Base: region, status: .errorInput)) {
            try host.deactivate()
        }
        #expect(machine.rmm.lifecycleState == .active)
        #expect(host.isAvailable)
        #expect(host.info?.createdL1Tables == Array(created[...index]))
        for (position, base) in created.enumerated() {
            #expect(l1Owner(machine, base.rawValue) == (position <= index ? .hostCreated : .hostNotCreated))
        }
        #expect(machine.checkInvariants().isEmpty)
        // Once the page is back, deactivation finishes the job.
        let undelegate = SMCArguments(
            FunctionID.granuleRangeUndelegate.rawValue, page.rawValue, page.rawValue + 0x1000)
        #expect(machine.smc(undelegate).x0 == 0)
        host.allocator.freePage(page)
        try host.deactivate()
        #expect(machine.rmm.lifecycleState == .initial)
        #expect(host.info == nil)
    }

    @Test("memory delegated behind the host's back: the RMM's ERROR_GLOBAL is reported and the host stays ready")
    func refusedByRMM() throws {
        let (machine, host) = try ready()
        let answer = machine.smc(SMCArguments(FunctionID.granuleRangeDelegate.rawValue, dram0, dram0 + 0x1000))
        #expect(answer.x0 == 0)
        #expect(throws: HostDeactivateError.rmmError(.errorGlobal)) { try host.deactivate() }
        #expect(host.isAvailable && machine.rmm.lifecycleState == .active)
    }

    @Test("deactivate takes the RMM to INIT after the host undelegated everything; initialize brings it up again")
    func roundTrip() throws {
        let (machine, host) = try ready()
        #expect(host.delegate(base: PhysicalAddress(dram0), size: 0x2000).succeeded)
        #expect(host.undelegate(base: PhysicalAddress(dram0), size: 0x2000).succeeded)
        try host.deactivate()
        #expect(!host.isAvailable)
        #expect(machine.rmm.lifecycleState == .initial)
        #expect(machine.checkInvariants().isEmpty)
        try host.initialize()
        #expect(machine.rmm.lifecycleState == .active)
        #expect(host.delegate(base: PhysicalAddress(dram0), size: 0x1000).succeeded)
    }

    @Test("a bring-up that fails after activation deactivates the RMM (INIT), as Linux does")
    func bringUpFailureDeactivates() throws {
        let machine = try Machine()
        var configuration = machine.hostConfiguration()
        // A "DRAM" region the platform does not have: TRACKING_GET reports it untracked after activation.
        configuration.dramRegions.append(try GranuleRange(base: PhysicalAddress(0x1_0000_0000), size: 0x1000))
        let host = HostRMI(
            conduit: MachineConduit(machine: machine, cpu: 0), memory: MemoryDouble(),
            configuration: configuration)
        #expect(throws: HostInitError.self) { try host.initialize() }
        #expect(machine.rmm.lifecycleState == .initial)
        #expect(machine.counters.snapshot().smc > 0)
        #expect(machine.checkInvariants().isEmpty)
    }
}
