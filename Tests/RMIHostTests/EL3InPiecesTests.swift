import CCAArch
import CCAPlatform
import MachineHost
import RMIHost
import Testing

private let mb2: UInt64 = 2 << 20
/// A 2 MB tracking region of DRAM0 that the tests make COARSE: 512 granules.
private let unit = PhysicalAddress(0x8040_0000)

/// The host library against an EL3 that moves at most `maxGranules` granules per GPI change (bet3.md section 5),
/// with 2 MB tracking regions and the region at `unit` COARSE.
private func coarseMachine(maxGranules: UInt64) throws -> (Machine, HostRMI) {
    var configuration = PlatformConfiguration.default
    configuration.trackingRegionSize = mb2
    configuration.el3MaxGranulesPerCall = maxGranules
    let machine = try Machine(configuration: configuration)
    let host = machine.host()
    try host.initialize()
    let set = machine.smc(
        SMCArguments(FunctionID.granuleTrackingSet.rawValue, unit.rawValue, 0, UInt64(TrackingState.coarse.rawValue)))
    #expect(set == SMCReturn(0))
    return (machine, host)
}

@Suite("RMIHost against an EL3 that moves granules in pieces (--el3-max-granules, el3_busy)")
struct EL3InPiecesTests {
    @Test("a COARSE unit: the host drives RMI_INCOMPLETE by RMI_OP_CONTINUE, one EL3 call per SMC, to the whole unit")
    func coarseDelegationDriven() throws {
        let (machine, host) = try coarseMachine(maxGranules: 100)
        let before = machine.counters.snapshot()
        let outcome = host.delegate(base: unit, size: mb2)
        let after = machine.counters.snapshot()
        #expect(outcome.succeeded && outcome.top == unit + mb2)
        // 512 granules at 100 per EL3 call: the range SMC and five OP_CONTINUEs, one EL3 call each.
        #expect(outcome.smcCount == 6)
        #expect(after.el3Calls - before.el3Calls == 6)
        #expect(machine.inspect(unit + (mb2 - 0x1000)).state == .delegated)
        #expect(machine.checkInvariants().isEmpty)
        let back = host.undelegate(base: unit, size: mb2)
        #expect(back.succeeded && back.smcCount == 6)
        #expect(machine.inspect(unit).state == .undelegated)
        #expect(machine.checkInvariants().isEmpty)
    }

    @Test("a FINE range: each SMC answers SUCCESS with what EL3 moved, and the host's loop re-issues")
    func fineRangeInPieces() throws {
        let (machine, host) = try coarseMachine(maxGranules: 100)
        let base = PhysicalAddress(0x8000_0000)
        let outcome = host.delegate(base: base, size: 256 * 0x1000)
        #expect(outcome.succeeded && outcome.smcCount == 3)
        #expect(machine.checkInvariants().isEmpty)
    }

    /// A raw SMC's status.
    func status(_ answer: SMCReturn) -> RMIStatus { RMIResult(rawValue: answer.x0).status }

    func call(_ machine: Machine, _ fid: FunctionID, _ x1: UInt64, _ x2: UInt64 = 0) -> SMCReturn {
        machine.smc(SMCArguments(fid.rawValue, x1, x2))
    }

    @Test("el3_busy while a COARSE unit moves: the operation stays pending, RMI_INCOMPLETE again, until EL3 moves")
    func el3BusyPending() throws {
        let (machine, _) = try coarseMachine(maxGranules: 256)
        // The first EL3 call moves half; the next two answer BUSY; the fourth moves the rest.
        let first = call(machine, .granuleRangeDelegate, unit.rawValue, (unit + mb2).rawValue)
        #expect(status(first) == .incomplete)
        try machine.faultInjector.inject(.el3Busy, count: 2)
        #expect(status(call(machine, .opContinue, first.x1)) == .incomplete)
        #expect(status(call(machine, .opContinue, first.x1)) == .incomplete)
        #expect(machine.inspect(unit).state == .partial)
        #expect(call(machine, .opContinue, first.x1) == SMCReturn(0, (unit + mb2).rawValue))
        #expect(machine.checkInvariants().isEmpty)
    }

    @Test("the generic driver (execute) takes a COARSE delegation through EL3 BUSY answers to its final answer")
    func executeDrivesThroughBusy() throws {
        let (machine, host) = try coarseMachine(maxGranules: 128)
        try machine.faultInjector.inject(.el3Busy, count: 3)
        let outcome = host.execute(
            SMCArguments(FunctionID.granuleRangeDelegate.rawValue, unit.rawValue, (unit + mb2).rawValue),
            transfersMemory: false)
        // The command's own EL3 call answers BUSY (RMI_BUSY, retried), then two continuations meet BUSY.
        #expect(outcome.end == .completed(SMCReturn(0, (unit + mb2).rawValue)))
        #expect(machine.inspect(unit).state == .delegated)
        #expect(machine.checkInvariants().isEmpty)
    }

    @Test("an EL3 refusal part way: RMI_ERROR_TRACKING after the roll-back, the unit UNDELEGATED and Non-secure")
    func refusalPartWay() throws {
        let (machine, host) = try coarseMachine(maxGranules: 256)
        let first = call(machine, .granuleRangeDelegate, unit.rawValue, (unit + mb2).rawValue)
        #expect(status(first) == .incomplete)
        try machine.faultInjector.inject(.el3Refuse, count: 1)
        #expect(status(call(machine, .opContinue, first.x1)) == .incomplete)
        #expect(status(call(machine, .opContinue, first.x1)) == .errorTracking)
        #expect(machine.inspect(unit).state == .undelegated && machine.inspect(unit).gpi == .nonSecure)
        #expect(machine.checkInvariants().isEmpty)
        // After the roll-back the unit delegates as if nothing had happened.
        machine.faultInjector.clear()
        let outcome = host.delegate(base: unit, size: mb2)
        #expect(outcome.succeeded)
    }

    @Test("el3_busy on a FINE run answers RMI_BUSY, which the host retries")
    func el3BusyFine() throws {
        let (machine, host) = try coarseMachine(maxGranules: 100)
        try machine.faultInjector.inject(.el3Busy, count: 1)
        let base = PhysicalAddress(0x8000_0000)
        #expect(status(call(machine, .granuleRangeDelegate, base.rawValue, (base + 0x1000).rawValue)) == .busy)
        try machine.faultInjector.inject(.el3Busy, count: 1)
        let outcome = host.delegate(base: base, size: 0x1000)
        #expect(outcome.succeeded && outcome.smcCount == 2)
    }
}
