public import CCAArch
public import FirmwareSync
public import GranuleProtection
public import RMM

/// One simulated Arm CCA machine: sparse DRAM behind the granule protection check, EL3 with its GPT, the RMM,
/// and host CPUs that issue SMCs.
///
/// Every boundary has one choke point: `smc(_:cpu:)` for host SMCs, the Realm world's router for RMM-to-EL3
/// calls, and `ProtectedMemory` for memory accesses. Counting, tracing and fault injection live there.
public final class Machine: Sendable {
    public let configuration: PlatformConfiguration
    public let resources: PlatformResources
    public let gpt: GranuleProtectionTable
    public let el3: EL3Service
    public let memory: ProtectedMemory
    public let port: RealmWorldPort
    public let rmm: RealmManagementMonitor
    let hostRouter: SMCRouter<RMIService, EL3FirmwareService>

    /// Where EL3 keeps the platform's L1 tables, or `nil` if the address space has no room for them.
    ///
    /// An L0 Table descriptor holds the table's address in bits 51:12, so the tables must lie below 2^52. Below
    /// a 52-bit PPS they sit just above the protected address space, out of any world's reach. At 52 bits there is
    /// nothing above it, so they take the highest gap below 2^52 that no DRAM or device region uses.
    static func l1Base(for configuration: PlatformConfiguration, tableBytes: UInt64) -> PhysicalAddress? {
        let descriptorLimit: UInt64 = 1 << 52
        let space = configuration.physicalAddressSpaceSize
        let needed = UInt64(configuration.l0RegionsContainingDRAM().count) * tableBytes
        if space < descriptorLimit {
            return space <= descriptorLimit - needed ? PhysicalAddress(space) : nil
        }
        let used =
            configuration.dramRegions.map { ($0.base.rawValue, $0.size) }
            + configuration.mmioRegions.map { ($0.base.rawValue, $0.size) }
        guard needed <= descriptorLimit else { return nil }
        // Each step moves the candidate below a region it overlapped, so the search ends.
        var candidate = (descriptorLimit - needed) & ~UInt64(0xFFF)
        while let blocker = used.first(where: { $0.0 < candidate + needed && candidate < $0.0 + $0.1 }) {
            guard blocker.0 >= needed else { return nil }
            candidate = (blocker.0 - needed) & ~UInt64(0xFFF)
        }
        return PhysicalAddress(candidate)
    }

    /// A machine for `configuration`. An `observer` sees every shared-memory step the RMM and EL3 take (an
    /// interleaving checker's scheduler); it must outlive the machine.
    public init(
        configuration: PlatformConfiguration = .default, observer: (any SchedulingObserver)? = nil
    ) throws(MachineError) {
        do {
            try configuration.validate()
        } catch {
            throw .configuration(error)
        }
        self.configuration = configuration
        do {
            resources = try PlatformResources(configuration: configuration)
        } catch {
            throw .memory(error)
        }
        let l0Size = configuration.l0RegionSize
        let dramL0Regions = configuration.l0RegionsContainingDRAM()
        // DRAM is Non-secure: granule-protected from boot, unless the host creates the L1 tables (Blocks until then).
        var boot: [GPTBootRegion] = dramL0Regions.map {
            let range = GranuleRange(uncheckedBase: $0, top: $0 + l0Size, granuleSize: configuration.granuleSize)
            return configuration.hostCreatedL1Tables
                ? .block(range, gpi: .nonSecure) : .granular(range, initialGPI: .nonSecure)
        }
        // Device memory is Non-secure; its L0 regions stay Block descriptors.
        var deviceL0: [PhysicalAddress] = []
        for device in configuration.mmioRegions {
            var region = device.base.alignedDown(to: l0Size)
            while region.rawValue < device.base.rawValue + device.size {
                if !dramL0Regions.contains(region) && !deviceL0.contains(region) { deviceL0.append(region) }
                region = region + l0Size
            }
        }
        boot += deviceL0.map {
            .block(
                GranuleRange(uncheckedBase: $0, top: $0 + l0Size, granuleSize: configuration.granuleSize),
                gpi: .nonSecure)
        }
        let pps = ProtectedPhysicalAddressSize(bits: configuration.physicalAddressBits)!
        let l0 = L0GPTSize(shift: configuration.l0GPTSizeBits)!
        // One 4-bit GPI per granule of an L0 region.
        let tableBytes = (l0Size >> UInt64(configuration.granuleSize.shift)) / 2
        guard let l1Base = Self.l1Base(for: configuration, tableBytes: tableBytes) else {
            throw .noRoomForL1Tables(bytes: UInt64(dramL0Regions.count) * tableBytes)
        }
        do {
            gpt = try GranuleProtectionTable(
                gpccr: GPCCR(pps: pps, pgs: configuration.granuleSize, l0gptsz: l0), regions: boot,
                defaultGPI: .noAccess, l1Base: l1Base,
                options: GPTOptions(largestContiguousBlock: configuration.largestContiguousBlock.gptSize),
                observer: observer)
        } catch {
            throw .gpt(error)
        }
        el3 = EL3Service(gpt: gpt, maxGranulesPerCall: configuration.el3MaxGranulesPerCall)
        memory = ProtectedMemory(
            memory: resources.memory, checker: GPTChecker(gpt), counters: resources.counters, tracer: resources.tracer)
        let el3Firmware = EL3FirmwareService(
            el3: el3, injector: resources.faultInjector, counters: resources.counters,
            hostView: resources.memory.hostView, granuleSize: configuration.granuleSize)
        let realmRouter = SMCRouter(
            rmi: UnimplementedService(), el3: el3Firmware, cpuCount: configuration.cpuCount,
            counters: resources.counters, tracer: resources.tracer)
        port = RealmWorldPort(
            el3Router: realmRouter, memory: memory, interrupts: resources.interrupts, counters: resources.counters,
            allocator: resources.metadataAllocator)
        let manifest = RMMBootManifest(
            physicalAddressBits: configuration.physicalAddressBits, granuleSize: configuration.granuleSize,
            l0RegionBits: configuration.l0GPTSizeBits,
            banks: configuration.dramRegions.sorted { $0.base < $1.base }.map {
                MemoryBank(base: $0.base, size: $0.size, category: $0.category)
            },
            platformL1Regions: configuration.hostCreatedL1Tables ? [] : dramL0Regions,
            cpuCount: configuration.cpuCount, strictRangeState: configuration.strictRangeState,
            rangeWorkBudget: configuration.rangeWorkBudget,
            operationContextsPerCPU: configuration.operationContextsPerCPU,
            trackingMetadata: configuration.trackingMetadata, lockContention: configuration.lockContention)
        rmm = RealmManagementMonitor(manifest: manifest, port: port, observer: observer)
        hostRouter = SMCRouter(
            rmi: RMIService(rmm: rmm, injector: resources.faultInjector, interrupts: resources.interrupts),
            el3: el3Firmware, cpuCount: configuration.cpuCount, counters: resources.counters, tracer: resources.tracer)
    }

    /// An SMC from host CPU `cpu` (the Non-secure world), routed by function ID. `cpu` must be below the
    /// configuration's CPU count (the router traps otherwise).
    public func smc(_ call: SMCArguments, cpu: Int = 0) -> SMCReturn {
        return hostRouter.hostSMC(call, cpu: cpu)
    }

    public var counters: ArchitecturalCounters { resources.counters }
    public var faultInjector: FaultInjector { resources.faultInjector }
    public var tracer: Tracer { resources.tracer }

    /// What the RMM and the GPT say about one granule: a debug port, not an architectural interface.
    ///
    /// Before activation the RMM tracks nothing, yet every DRAM granule is architecturally UNDELEGATED (the
    /// default platform's starting state), so DRAM reads UNDELEGATED then; `nil` means no tracked memory.
    public func inspect(_ pa: PhysicalAddress) -> (state: GranuleState?, gpi: GPI?, refcount: UInt32) {
        let info = rmm.inspectGranule(at: pa)
        var state = info?.state
        if state == nil, rmm.lifecycleState != .active, configuration.dramRegion(containing: pa) != nil {
            state = .undelegated
        }
        return (state, gpt.gpi(at: pa), info?.refcount ?? 0)
    }
}

extension ContiguousBlockSize {
    var gptSize: GPTContiguousSize {
        switch self {
        case .size2MB: .size2MB
        case .size32MB: .size32MB
        case .size512MB: .size512MB
        }
    }
}

/// The GPT as the memory choke point's checker.
final class GPTChecker: GranuleProtectionChecking {
    let gpt: GranuleProtectionTable
    init(_ gpt: GranuleProtectionTable) { self.gpt = gpt }
    func check(_ pa: PhysicalAddress, accessedBy state: SecurityState) -> GPCFault? {
        gpt.check(pa, accessedBy: state)
    }
    func firstFault(
        from pa: PhysicalAddress, through last: UInt64, granuleBytes: UInt64, accessedBy state: SecurityState
    ) -> GPCFault? {
        gpt.firstFault(from: pa, through: last, accessedBy: state)
    }
}
