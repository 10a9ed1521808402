import CCAArch
import CCAPlatform
import MachineHost
import RMIHost
import Testing

/// The host's choice of tracking region size (bet3.md section 2) against the real RMM.
@Suite("RMIHost tracking region size")
struct TrackingRegionSizeTests {
    @Test("bet3 2: a host configured for 2 MB regions brings the RMM up with them and delegates across regions")
    func twoMegabyteBringUp() throws {
        var configuration = PlatformConfiguration.default
        configuration.trackingRegionSize = 2 << 20
        let machine = try Machine(configuration: configuration)
        let host = machine.host()
        #expect(host.configuration.trackingRegionSizeEncoding == 1)
        try host.initialize()
        #expect(machine.rmm.trackingRegionSize == 2 << 20)
        // 8 MiB from 1 MiB into DRAM0 spans five 2 MB regions: one SMC stops at each boundary.
        let outcome = host.delegate(base: PhysicalAddress(0x8010_0000), size: 8 << 20)
        #expect(outcome.succeeded && outcome.smcCount == 5)
        #expect(machine.checkInvariants().isEmpty)
        #expect(host.undelegate(base: PhysicalAddress(0x8010_0000), size: 8 << 20).succeeded)
    }

    @Test("a host wanting 1 GB regions does not adopt an RMM already ACTIVE with 2 MB ones")
    func adoptionComparesTrackingSize() throws {
        let machine = try Machine()
        // Someone else brought the RMM up with 2 MB regions, by raw SMCs.
        let page = PhysicalAddress(0x8000_0000)
        _ = machine.memory.write64(.nonSecure, pa: page, value: 1)
        #expect(machine.smc(SMCArguments(FunctionID.rmmConfigSet.rawValue, page.rawValue)).x0 == 0)
        #expect(machine.smc(SMCArguments(FunctionID.rmmActivate.rawValue)).x0 == 0)
        #expect {
            try machine.host().initialize()
        } throws: { error in
            guard case .activeWithOtherConfiguration(_, _, let tracking) = error as? HostInitError else { return false }
            return tracking == 1
        }
    }

    @Test("an unsupported tracking region size is refused by platform validation, in a sentence")
    func unsupportedSize() {
        var configuration = PlatformConfiguration.default
        configuration.trackingRegionSize = 4 << 20
        #expect(throws: PlatformConfigurationError.unsupportedTrackingRegionSize(4 << 20, granuleSize: .size4KB)) {
            try configuration.validate()
        }
    }
}
