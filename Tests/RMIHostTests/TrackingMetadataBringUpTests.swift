import CCAArch
import CCAPlatform
import MachineHost
import RMIHost
import RMM
import Testing

private let gib: UInt64 = 1 << 30
private let mib: UInt64 = 1 << 20

/// Bring-up against an RMM whose tracking metadata the host supplies (bet3.md section 3).
@Suite("Host bring-up with host-supplied tracking metadata")
struct TrackingMetadataBringUpTests {
    func machine(
        dram: [(UInt64, UInt64)]? = nil, regionSize: UInt64? = nil
    ) throws -> Machine {
        var configuration = PlatformConfiguration.default
        configuration.trackingMetadata = .donated
        if let dram {
            configuration.dramRegions = dram.enumerated().map {
                MemoryRegion(name: "DRAM\($0.offset)", base: PhysicalAddress($0.element.0), size: $0.element.1)
            }
        }
        configuration.trackingRegionSize = regionSize
        return try Machine(configuration: configuration)
    }

    func trackingState(_ machine: Machine, _ base: UInt64, _ top: UInt64) -> SMCReturn {
        machine.smc(SMCArguments(FunctionID.granuleTrackingGet.rawValue, base, top))
    }

    @Test("the bootstrap: the first COARSE region describes itself, the others are fed from it, all end FINE")
    func bootstrapOnTheDefaultPlatform() throws {
        let machine = try machine()
        let host = machine.host()
        let free = host.allocator.freeGranuleCount
        try host.initialize()
        #expect(trackingState(machine, 0x8000_0000, 0x1_0000_0000).x2 == UInt64(TrackingState.fine.rawValue))
        #expect(trackingState(machine, 0x8_8000_0000, 0x9_0000_0000).x3 == 0x9_0000_0000)
        let records = host.trackingMetadata
        #expect(records.map(\.region.rawValue) == [0x8000_0000, 0xC000_0000, 0x8_8000_0000, 0x8_C000_0000])
        #expect(records.allSatisfy { $0.metadata.size == mib })
        // The bootstrap region's metadata is its own first MiB; the others come from its FINE memory.
        #expect(records[0].metadata.base == PhysicalAddress(0x8000_0000))
        #expect(records.dropFirst().allSatisfy { $0.metadata.base.rawValue >> 30 == 2 })
        // The allocator accounts for the metadata: 4 MiB fewer free granules, none of them free or recorded.
        #expect(host.allocator.freeGranuleCount == free - 4 * 256)
        #expect(records.allSatisfy { !host.allocator.isFree($0.metadata.base) })
        #expect(host.recordedDelegatedRanges.isEmpty)
        #expect(machine.inspect(PhysicalAddress(0x8000_0000)).state == .internal)
        #expect(machine.checkInvariants().isEmpty)
        // Granules of every region move one by one now.
        let outcome = host.delegate(base: PhysicalAddress(0x8_C000_0000), size: 0x2000)
        #expect(outcome.failure == nil)
        #expect(host.undelegate(base: PhysicalAddress(0x8_C000_0000), size: 0x2000).failure == nil)
        #expect(machine.checkInvariants().isEmpty)
    }

    @Test("a NONE region (a bank ending inside it) is made FINE with metadata from the bootstrap region")
    func noneRegionMadeFine() throws {
        let machine = try machine(dram: [(0x8000_0000, gib), (0x1_0000_0000, 512 * mib)])
        #expect(machine.rmm.lifecycleState == .initial)
        let host = machine.host()
        try host.initialize()
        #expect(trackingState(machine, 0x1_0000_0000, 0x1_2000_0000).x2 == UInt64(TrackingState.fine.rawValue))
        #expect(host.trackingMetadata.map(\.region.rawValue) == [0x8000_0000, 0x1_0000_0000])
        #expect(host.delegate(base: PhysicalAddress(0x1_1000_0000), size: 0x1000).failure == nil)
        #expect(machine.checkInvariants().isEmpty)
    }

    @Test("2 MiB tracking regions: one granule of metadata each, every region FINE")
    func twoMegabyteRegions() throws {
        let machine = try machine(dram: [(0x8000_0000, 16 * mib)], regionSize: 2 * mib)
        let host = machine.host()
        try host.initialize()
        #expect(host.trackingMetadata.count == 8)
        #expect(host.trackingMetadata.allSatisfy { $0.metadata.size == 0x1000 })
        #expect(trackingState(machine, 0x8000_0000, 0x8100_0000).x3 == 0x8100_0000)
        #expect(trackingState(machine, 0x8000_0000, 0x8100_0000).x2 == UInt64(TrackingState.fine.rawValue))
        #expect(machine.checkInvariants().isEmpty)
    }

    @Test("nothing FINE and no whole COARSE region: bring-up fails with the tracking kind, memory given back")
    func noBootstrapRegion() throws {
        let machine = try machine(dram: [(0x8000_0000, 512 * mib)])
        let host = machine.host()
        let free = host.allocator.freeGranuleCount
        #expect(throws: HostInitError.trackingMetadata(region: PhysicalAddress(0x8000_0000), status: nil)) {
            try host.initialize()
        }
        #expect(HostInitError.trackingMetadata(region: PhysicalAddress(0x8000_0000), status: nil).kind == "tracking")
        #expect(host.allocator.freeGranuleCount == free)
        #expect(machine.rmm.lifecycleState == .initial)
        #expect(!host.isAvailable)
    }

    @Test("a host that does not supply metadata stops at a COARSE region, as Linux does")
    func hostWithoutMetadataStops() throws {
        let machine = try machine()
        var configuration = machine.hostConfiguration()
        #expect(configuration.suppliesTrackingMetadata)
        configuration.suppliesTrackingMetadata = false
        let host = HostRMI(
            conduit: MachineConduit(machine: machine, cpu: 0), memory: MachineHostMemory(machine: machine),
            configuration: configuration)
        #expect {
            try host.initialize()
        } throws: { error in
            (error as? HostInitError)?.trackingState == .coarse
        }
    }

    @Test("deactivate hands the metadata back (the fed regions NONE, the bootstrap region COARSE), then re-initialises")
    func deactivateHandsMetadataBack() throws {
        let machine = try machine()
        let host = machine.host()
        let free = host.allocator.freeGranuleCount
        try host.initialize()
        try host.deactivate()
        #expect(host.trackingMetadata.isEmpty)
        #expect(machine.rmm.lifecycleState == .initial)
        #expect(host.allocator.freeGranuleCount == free)
        #expect(host.leakLedger.leakedRanges.isEmpty)
        #expect(machine.checkInvariants().isEmpty)
        // The next bring-up finds the COARSE layout again and bootstraps anew.
        try host.initialize()
        #expect(host.trackingMetadata.count == 4)
        #expect(machine.checkInvariants().isEmpty)
    }

    @Test("deactivate refuses, naming the region, while part of the bootstrap region is the caller's")
    func deactivateRefusedWhileBootstrapRegionInUse() throws {
        let machine = try machine()
        let host = machine.host()
        try host.initialize()
        let page = try #require(host.allocator.allocatePage())
        #expect(page.rawValue >> 30 == 2)  // in the bootstrap region, past its metadata
        #expect(throws: HostDeactivateError.trackingMetadata(region: PhysicalAddress(0x8000_0000), status: nil)) {
            try host.deactivate()
        }
        #expect(machine.rmm.lifecycleState == .active)
        #expect(host.isAvailable)
        // Refused before any SMC: every region is still FINE with its metadata.
        #expect(host.trackingMetadata.count == 4)
        #expect(trackingState(machine, 0x8000_0000, 0x9_0000_0000).x2 == UInt64(TrackingState.fine.rawValue))
        #expect(machine.checkInvariants().isEmpty)
        host.allocator.freePage(page)
        try host.deactivate()
        #expect(machine.rmm.lifecycleState == .initial)
    }

    @Test("with preallocated metadata the host neither supplies nor records any")
    func preallocatedUnchanged() throws {
        let machine = try Machine(configuration: .default)
        let host = machine.host()
        #expect(!host.configuration.suppliesTrackingMetadata)
        try host.initialize()
        #expect(host.trackingMetadata.isEmpty)
        #expect(machine.inspect(PhysicalAddress(0x8000_0000)).state == .undelegated)
    }
}
