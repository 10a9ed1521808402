import CCAArch
public import FirmwareSync
import GranuleProtection
import RMM

/// Why a machine could not be built.
public enum MachineError: Error, CustomStringConvertible, Sendable {
    case configuration(PlatformConfigurationError)
    case memory(PhysicalMemoryError)
    case gpt(GPTConfigurationError)

    public var description: String {
        switch self {
        case .configuration(let error): "invalid platform: \(error)"
        case .memory(let error): "cannot reserve physical memory: \(error)"
        case .gpt(let error): "cannot build the GPT: \(error)"
        }
    }
}

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
    public let rmm: RealmManagementMonitor<RealmWorldPort>
    let hostRouter: SMCRouter

    /// Where EL3 keeps its L1 tables: above the protected address space, out of any world's reach.
    static func l1Base(for configuration: PlatformConfiguration) -> PhysicalAddress {
        PhysicalAddress(configuration.physicalAddressSpaceSize)
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
        for device in configuration.deviceRegions {
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
        do {
            gpt = try GranuleProtectionTable(
                gpccr: GPCCR(pps: pps, pgs: configuration.granuleSize, l0gptsz: l0), regions: boot,
                defaultGPI: .noAccess, l1Base: Self.l1Base(for: configuration),
                options: GPTOptions(largestContiguousBlock: configuration.largestContiguousBlock.gptSize),
                observer: observer)
        } catch {
            throw .gpt(error)
        }
        el3 = EL3Service(gpt: gpt)
        memory = ProtectedMemory(
            memory: resources.memory, checker: GPTChecker(gpt), counters: resources.counters, tracer: resources.tracer)
        let el3Firmware = EL3FirmwareService(el3: el3, injector: resources.faultInjector, counters: resources.counters)
        let realmRouter = SMCRouter(
            rmi: NoRMIService(), el3: el3Firmware, counters: resources.counters, tracer: resources.tracer)
        port = RealmWorldPort(
            el3Router: realmRouter, memory: memory, interrupts: resources.interrupts, counters: resources.counters,
            allocator: resources.metadataAllocator)
        let manifest = RMMBootManifest(
            physicalAddressBits: configuration.physicalAddressBits, granuleSize: configuration.granuleSize,
            l0RegionBits: configuration.l0GPTSizeBits,
            banks: configuration.dramRegions.sorted { $0.base < $1.base }.map {
                MemoryBank(
                    base: $0.base, size: $0.size,
                    category: $0.category == .conventional ? .conventional : .deviceCoherent)
            },
            platformL1Regions: configuration.hostCreatedL1Tables ? [] : dramL0Regions,
            cpuCount: configuration.cpuCount, strictRangeState: configuration.strictRangeState,
            rangeWorkBudget: configuration.rangeWorkBudget)
        rmm = RealmManagementMonitor(manifest: manifest, port: port, observer: observer)
        hostRouter = SMCRouter(
            rmi: RMIService(rmm: rmm, injector: resources.faultInjector, interrupts: resources.interrupts),
            el3: el3Firmware, counters: resources.counters, tracer: resources.tracer)
    }

    /// An SMC from host CPU `cpu` (the Non-secure world), routed by function ID.
    public func smc(_ call: SMCArguments, cpu: Int = 0) -> SMCReturn {
        precondition(cpu >= 0 && cpu < configuration.cpuCount, "CPU index out of range")
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
}
