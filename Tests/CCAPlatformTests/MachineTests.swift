import CCAArch
import CCAPlatform
import GranuleProtection
import MachineHost
import RMIHost
import RMM
import Testing

private let dram0: UInt64 = 0x8000_0000
private let gib: UInt64 = 1 << 30

@Suite("Machine: the whole stack on the default platform")
struct MachineTests {
    @Test("an unknown function ID answers SMCCC NOT_SUPPORTED; EL3 IDs answer -1 to the host")
    func routing() throws {
        let machine = try Machine()
        #expect(machine.smc(SMCArguments(0x8400_0000)) == .notSupported)
        #expect(machine.smc(SMCArguments(EL3FunctionID.gpiSet.rawValue, dram0, 1, 0xB)) == .notSupported)
        #expect(machine.inspect(PhysicalAddress(dram0)).gpi == .nonSecure)
    }

    @Test("host bring-up succeeds: version 2.0, DRAM tracked FINE, L1 tables platform-made")
    func bringUp() throws {
        let machine = try Machine()
        let host = machine.host()
        try host.initialize()
        #expect(host.isAvailable)
        #expect(host.version == .v2_0)
        #expect(machine.rmm.lifecycleState == .active)
        #expect(machine.checkInvariants().isEmpty)
    }

    @Test("a 1 GiB range delegation takes one SMC, one EL3 call and at most 64 TLB invalidations")
    func oneGiB() throws {
        let machine = try Machine()
        let host = machine.host()
        try host.initialize()
        let before = machine.counters.snapshot()
        let outcome = host.delegate(base: PhysicalAddress(dram0), size: gib)
        let after = machine.counters.snapshot()
        #expect(outcome.succeeded && outcome.top == PhysicalAddress(dram0 + gib))
        #expect(outcome.smcCount == 1)
        #expect(after.smc - before.smc == 1)
        #expect(after.el3Calls - before.el3Calls == 1)
        #expect(after.tlbi - before.tlbi <= 64)
        #expect(machine.inspect(PhysicalAddress(dram0 + gib - 0x1000)).state == .delegated)
        #expect(machine.inspect(PhysicalAddress(dram0 + gib - 0x1000)).gpi == .realm)
        #expect(machine.checkInvariants().isEmpty)
    }

    @Test("the host takes a Granule Protection Fault on delegated memory, and a faulting write changes no byte")
    func hostFaults() throws {
        let machine = try Machine()
        let host = machine.host()
        try host.initialize()
        #expect(host.delegate(base: PhysicalAddress(dram0 + 0x1000), size: 0x1000).succeeded)
        guard
            case .failure(.protection(let fault)) = machine.memory.read(
                .nonSecure, pa: PhysicalAddress(dram0 + 0x1000), count: 8)
        else {
            Issue.record("expected a GPF")
            return
        }
        #expect(fault.kind == .gpf && fault.pa == PhysicalAddress(dram0 + 0x1000))
        let write = machine.memory.write(
            .nonSecure, pa: PhysicalAddress(dram0 + 0xFF0), bytes: [UInt8](repeating: 0xAA, count: 32))
        #expect((try? write.get()) == nil)
        #expect(
            (try? machine.memory.read(.nonSecure, pa: PhysicalAddress(dram0 + 0xFF0), count: 16).get())
                == [UInt8](repeating: 0, count: 16))
        #expect(machine.counters.snapshot().gpcFaults >= 2)
    }

    @Test("undelegation scrubs: the host reads zeros where the realm wrote, and scrubbed bytes are counted")
    func undelegateWipes() throws {
        let machine = try Machine()
        let host = machine.host()
        try host.initialize()
        #expect(host.delegate(base: PhysicalAddress(dram0), size: 0x4000).succeeded)
        #expect(
            (try? machine.memory.write(.realm, pa: PhysicalAddress(dram0 + 0x2000), bytes: [1, 2, 3, 4]).get()) != nil)
        #expect(host.undelegate(base: PhysicalAddress(dram0), size: 0x4000).succeeded)
        #expect(
            (try? machine.memory.read(.nonSecure, pa: PhysicalAddress(dram0 + 0x2000), count: 4).get()) == [0, 0, 0, 0])
        #expect(machine.counters.snapshot().scrubbedBytes >= 0x4000)
        #expect(machine.checkInvariants().isEmpty)
    }

    @Test("an RMM that EL3 refuses on undelegation halts loudly and the checker reports it")
    func invariantCheckerSeesHalt() throws {
        let machine = try Machine()
        let host = machine.host()
        try host.initialize()
        #expect(machine.checkInvariants().isEmpty)
        // Undelegation refusals are never injected by the protocol: provoke one by changing the GPI behind the
        // RMM's back, as a broken EL3 would.
        #expect(host.delegate(base: PhysicalAddress(dram0), size: 0x1000).succeeded)
        _ = machine.el3.gpiSet(base: PhysicalAddress(dram0), count: 1, target: .nonSecure, from: .realm)
        #expect(!machine.checkInvariants().isEmpty)
        _ = host.undelegate(base: PhysicalAddress(dram0), size: 0x1000)
        #expect(machine.rmm.isHalted)
        #expect(machine.checkInvariants().contains { $0.contains("RMM fatal error") })
    }
}
