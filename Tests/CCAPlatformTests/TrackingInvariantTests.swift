import CCAArch
import CCAPlatform
import GranuleProtection
import MachineHost
import RMIHost
import RMM
import Testing

private let mb2: UInt64 = 0x20_0000
private let unit: UInt64 = 0x8020_0000

/// The machine's invariant checker holds every tracking region's GPIs against its tracking state: a COARSE unit's
/// granules against the unit, and memory tracked NONE against the Non-secure GPI.
@Suite("Machine invariants: GPIs against tracking states")
struct TrackingInvariantTests {
    func machine() throws -> Machine {
        var configuration = PlatformConfiguration.default
        configuration.trackingRegionSize = mb2
        let machine = try Machine(configuration: configuration)
        try machine.host().initialize()
        return machine
    }

    func smc(_ machine: Machine, _ id: FunctionID, _ x1: UInt64, _ x2: UInt64 = 0, _ x3: UInt64 = 0) -> SMCReturn {
        machine.smc(SMCArguments(id.rawValue, x1, x2, x3))
    }

    @Test("memory tracked NONE with the Realm GPI is reported")
    func untrackedRealmGPIReported() throws {
        let machine = try machine()
        #expect(smc(machine, .granuleTrackingSet, unit, 0, UInt64(TrackingState.none.rawValue)).x0 == 0)
        #expect(machine.checkInvariants().isEmpty)
        // EL3 moves a granule of the untracked region behind the RMM's back.
        #expect(machine.gpt.delegate(PhysicalAddress(unit + 0x3000), count: 1).processed == 1)
        #expect(
            machine.checkInvariants() == [
                "granule 0x80203000 is untracked (TRACKING_NONE) but its GPI is REALM"
            ])
    }

    @Test("a DELEGATED COARSE unit refuses NONE on the real machine, and every invariant still holds")
    func coarseDelegatedRefusesNone() throws {
        let machine = try machine()
        #expect(smc(machine, .granuleTrackingSet, unit, 0, UInt64(TrackingState.coarse.rawValue)).x0 == 0)
        #expect(smc(machine, .granuleRangeDelegate, unit, unit + mb2) == SMCReturn(0, unit + mb2))
        #expect(machine.checkInvariants().isEmpty)
        let refused = smc(machine, .granuleTrackingSet, unit, 0, UInt64(TrackingState.none.rawValue))
        #expect(RMIResult(rawValue: refused.x0).status == .errorInput)
        #expect(machine.inspect(PhysicalAddress(unit + 0x5000)).state == .delegated)
        #expect(machine.checkInvariants().isEmpty)
    }

    @Test("a COARSE unit's granules are held to the unit's state")
    func coarseUnitGPIChecked() throws {
        let machine = try machine()
        #expect(smc(machine, .granuleTrackingSet, unit, 0, UInt64(TrackingState.coarse.rawValue)).x0 == 0)
        #expect(machine.gpt.delegate(PhysicalAddress(unit + mb2 - 0x1000), count: 1).processed == 1)
        #expect(machine.checkInvariants().contains { $0.contains("granule 0x803ff000 is UNDELEGATED but its GPI is") })
    }

    @Test("host-supplied metadata: INTERNAL metadata granules are held to the Realm GPI, and every region's tracking")
    func donatedMetadataGranulesChecked() throws {
        var configuration = PlatformConfiguration.default
        configuration.trackingMetadata = .donated
        let machine = try Machine(configuration: configuration)
        try machine.host().initialize()
        #expect(machine.checkInvariants().isEmpty)
        #expect(machine.inspect(PhysicalAddress(0x8000_0000)).state == .internal)
        // EL3 hands a metadata granule back to Non-secure behind the RMM's back.
        #expect(machine.gpt.undelegate(PhysicalAddress(0x8000_0000), count: 1).processed == 1)
        #expect(machine.checkInvariants() == ["granule 0x80000000 is INTERNAL but its GPI is NS"])
    }
}
