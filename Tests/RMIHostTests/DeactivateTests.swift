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

    @Test("a host that created L1 GPT tables throws l1TablesCreated without an SMC")
    func l1TablesCreated() throws {
        var configuration = PlatformConfiguration.default
        configuration.hostCreatedL1Tables = true
        let (machine, host) = try ready(configuration)
        let created = try #require(host.info?.createdL1Tables)
        #expect(!created.isEmpty)
        let before = machine.counters.snapshot().smc
        #expect(throws: HostDeactivateError.l1TablesCreated(created)) { try host.deactivate() }
        #expect(machine.counters.snapshot().smc == before)
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
