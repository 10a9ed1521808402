import CCAArch
import CCAPlatform
import GranuleProtection
import MachineHost
import RMIHost
import RMM
import Testing

private let ncoh: UInt64 = 0x1_0000_0000
private let coh: UInt64 = 0x1_4000_0000

/// Assignable device memory on the whole stack: banks the platform declares with a device category.
@Suite("Machine: device memory banks (bet3.md section 6)")
struct DeviceMemoryMachineTests {
    func machine() throws -> (Machine, HostRMI) {
        var configuration = PlatformConfiguration.default
        configuration.dramRegions += [
            MemoryRegion(name: "DEV_NCOH0", base: PhysicalAddress(ncoh), size: 4 << 20, category: .deviceNonCoherent),
            MemoryRegion(name: "DEV_COH0", base: PhysicalAddress(coh), size: 2 << 20, category: .deviceCoherent),
        ]
        let machine = try Machine(configuration: configuration)
        let host = machine.host()
        try host.initialize()
        return (machine, host)
    }

    @Test("bet3 6: the host's bring-up leaves device banks alone; its allocator never hands them out")
    func hostIgnoresDevices() throws {
        let (machine, host) = try machine()
        #expect(
            host.configuration.dramRegions.allSatisfy {
                $0.top.rawValue <= 0x9_0000_0000 && $0.base.rawValue >= 0x8000_0000
            })
        #expect(host.configuration.dramRegions.count == 2)
        let answer = machine.smc(SMCArguments(FunctionID.granuleTrackingGet.rawValue, ncoh, ncoh + (4 << 20)))
        #expect(answer == SMCReturn(0, 1, UInt64(TrackingState.fine.rawValue), ncoh + (4 << 20)))
    }

    @Test("bet3 6: device memory is delegated and undelegated by the range commands and never scrubbed")
    func delegateUndelegate() throws {
        let (machine, host) = try machine()
        _ = machine.memory.write64(.nonSecure, pa: PhysicalAddress(coh + 0x1000), value: 0xD0D0)
        #expect(host.delegate(base: PhysicalAddress(coh), size: 2 << 20).succeeded)
        #expect(machine.inspect(PhysicalAddress(coh + 0x1000)).gpi == .realm)
        #expect(machine.checkInvariants().isEmpty)
        let scrubbed = machine.counters.snapshot().scrubbedBytes
        #expect(host.undelegate(base: PhysicalAddress(coh), size: 2 << 20).succeeded)
        #expect(machine.counters.snapshot().scrubbedBytes == scrubbed)
        #expect(try machine.memory.read64(.nonSecure, pa: PhysicalAddress(coh + 0x1000)).get() == 0xD0D0)
        #expect(machine.checkInvariants().isEmpty)
    }

    @Test("bet3 6: plain MMIO stays a hole: category NONE, TRACKING_RESERVED, not delegable")
    func mmioStaysAHole() throws {
        let (machine, _) = try machine()
        let get = machine.smc(SMCArguments(FunctionID.granuleTrackingGet.rawValue, 0x1000, 0x2000))
        #expect(
            get == SMCReturn(0, UInt64(TrackingCategory.none.rawValue), UInt64(TrackingState.reserved.rawValue), 0x2000)
        )
        let delegate = machine.smc(SMCArguments(FunctionID.granuleRangeDelegate.rawValue, 0x1000, 0x2000))
        #expect(RMIResult(rawValue: delegate.x0).status == .errorInput)
    }

    @Test("bet3 6: banks of different categories may not share a 1 GiB tracking region")
    func mixedRegionRefused() {
        var configuration = PlatformConfiguration.default
        configuration.dramRegions = [
            MemoryRegion(name: "DRAM0", base: PhysicalAddress(0x8000_0000), size: 512 << 20),
            MemoryRegion(
                name: "DEV_NCOH0", base: PhysicalAddress(0xA000_0000), size: 2 << 20, category: .deviceNonCoherent),
        ]
        #expect(
            throws: PlatformConfigurationError.mixedTrackingRegion(first: "DRAM0", second: "DEV_NCOH0", size: 1 << 30)
        ) {
            try configuration.validate()
        }
    }
}
