import CCAArch
import Synchronization

/// Counters of the architectural events the machine performs, safe to bump from every CPU thread at once.
///
/// Every operation is relaxed: each counter is a statistic that is read on its own (`snapshot()`), never used to
/// publish or order other memory, so atomicity of each increment is all it needs. A snapshot taken while CPUs
/// run is a set of individually exact values, not a consistent cut across counters.
public final class ArchitecturalCounters: Sendable {
    /// Function numbers 0x000..<0x500 of the standard secure service owner (the RMI and the EL3 ranges) each have
    /// their own counter; every other function ID counts as "other".
    public static let countedFunctionNumbers: Range<UInt64> = 0x000..<0x500

    private let smcs = Atomic<UInt64>(0)
    private let el3Calls = Atomic<UInt64>(0)
    private let tlbInvalidations = Atomic<UInt64>(0)
    private let l1DescriptorWrites = Atomic<UInt64>(0)
    private let dataSynchronizationBarriers = Atomic<UInt64>(0)
    private let cacheLinesCleaned = Atomic<UInt64>(0)
    private let scrubbedBytes = Atomic<UInt64>(0)
    private let gpcFaults = Atomic<UInt64>(0)
    private let otherSMCs = Atomic<UInt64>(0)
    private let perFunction: _AtomicCounterTable
    /// Host SMCs and EL3 calls by CPU index (0..<maxCPUs); calls from a larger index count only in the totals.
    private let perCPUHostSMCs: _AtomicCounterTable
    private let perCPUEL3Calls: _AtomicCounterTable

    /// The most CPUs counted one by one: the largest platform the configuration allows.
    public static let maxCPUs = 64

    public init() {
        perFunction = _AtomicCounterTable(count: Int(Self.countedFunctionNumbers.count))
        perCPUHostSMCs = _AtomicCounterTable(count: Self.maxCPUs)
        perCPUEL3Calls = _AtomicCounterTable(count: Self.maxCPUs)
    }

    /// Counts one SMC issued by host CPU `cpu`, in the totals (`recordHostSMC(functionID:)`) and for that CPU.
    public func recordHostSMC(functionID: UInt64, cpu: Int) {
        recordHostSMC(functionID: functionID)
        if (0..<Self.maxCPUs).contains(cpu) { perCPUHostSMCs.increment(cpu) }
    }

    /// Counts one call from the RMM to EL3 made on CPU `cpu`.
    public func recordEL3Call(cpu: Int) {
        recordEL3Call()
        if (0..<Self.maxCPUs).contains(cpu) { perCPUEL3Calls.increment(cpu) }
    }

    /// Host SMCs and EL3 calls CPU `cpu` made since creation (0 for an index beyond `maxCPUs`).
    public func perCPU(_ cpu: Int) -> (hostSMCs: UInt64, el3Calls: UInt64) {
        guard (0..<Self.maxCPUs).contains(cpu) else { return (0, 0) }
        return (perCPUHostSMCs.load(cpu), perCPUEL3Calls.load(cpu))
    }

    /// Counts one SMC issued by a host CPU, by its function ID (SVE hint bit already masked or not: it is
    /// ignored here).
    public func recordHostSMC(functionID: UInt64) {
        // Relaxed throughout: statistics, see the type's comment.
        smcs.add(1, ordering: .relaxed)
        if let number = Self.countedFunctionNumber(functionID) {
            perFunction.increment(Int(number))
        } else {
            otherSMCs.add(1, ordering: .relaxed)
        }
    }

    /// Counts one call from the RMM to EL3.
    public func recordEL3Call() {
        el3Calls.add(1, ordering: .relaxed)  // Relaxed: a statistic.
    }

    /// Counts `count` TLB invalidations by PA (TLBI RPALOS and friends).
    public func recordTLBInvalidations(_ count: UInt64 = 1) {
        tlbInvalidations.add(count, ordering: .relaxed)  // Relaxed: a statistic.
    }

    /// Counts `count` L1 GPT words EL3 stored (GPI writes, shattering and fusing).
    public func recordL1DescriptorWrites(_ count: UInt64) {
        l1DescriptorWrites.add(count, ordering: .relaxed)  // Relaxed: a statistic.
    }

    /// Counts `count` data synchronization barriers.
    public func recordDSB(_ count: UInt64 = 1) {
        dataSynchronizationBarriers.add(count, ordering: .relaxed)  // Relaxed: a statistic.
    }

    /// Counts `count` cache lines cleaned and invalidated to the point of physical aliasing (DC CIPAPA).
    public func recordCacheLinesCleaned(_ count: UInt64) {
        cacheLinesCleaned.add(count, ordering: .relaxed)  // Relaxed: a statistic.
    }

    /// Counts `count` bytes wiped on the way back to Non-secure.
    public func recordScrubbedBytes(_ count: UInt64) {
        scrubbedBytes.add(count, ordering: .relaxed)  // Relaxed: a statistic.
    }

    /// Counts one failed granule protection check of a memory access.
    public func recordGPCFault() {
        gpcFaults.add(1, ordering: .relaxed)  // Relaxed: a statistic.
    }

    /// The current values.
    public func snapshot() -> ArchitecturalCountersSnapshot {
        // Relaxed loads: each value is exact on its own; see the type's comment.
        var byFunction: [UInt64: UInt64] = [:]
        for index in 0..<perFunction.count {
            let value = perFunction.load(index)
            if value != 0 { byFunction[Self.countedFunctionNumbers.lowerBound + UInt64(index)] = value }
        }
        return ArchitecturalCountersSnapshot(
            smc: smcs.load(ordering: .relaxed), el3Calls: el3Calls.load(ordering: .relaxed),
            tlbi: tlbInvalidations.load(ordering: .relaxed), dsb: dataSynchronizationBarriers.load(ordering: .relaxed),
            cipapaLines: cacheLinesCleaned.load(ordering: .relaxed),
            scrubbedBytes: scrubbedBytes.load(ordering: .relaxed), gpcFaults: gpcFaults.load(ordering: .relaxed),
            smcByFunctionNumber: byFunction, otherSMC: otherSMCs.load(ordering: .relaxed),
            l1DescriptorWrites: l1DescriptorWrites.load(ordering: .relaxed))
    }

    /// The function number (bits 15:0) of an SMC64 fast call of the standard secure service owner (0xC4xx_xxxx)
    /// that has its own counter, or `nil`.
    static func countedFunctionNumber(_ functionID: UInt64) -> UInt64? {
        let id = FunctionID(dispatching: functionID)
        let number = UInt64(id.functionNumber)
        guard id.isStandardSecureSMC64, countedFunctionNumbers.contains(number) else { return nil }
        return number
    }
}

/// The values of `ArchitecturalCounters` at one moment. Field names follow the serve protocol's `stats`.
public struct ArchitecturalCountersSnapshot: Hashable, Sendable {
    /// SMCs issued by host CPUs.
    public var smc: UInt64
    /// Calls from the RMM to EL3.
    public var el3Calls: UInt64
    /// TLB invalidations by PA.
    public var tlbi: UInt64
    /// Data synchronization barriers.
    public var dsb: UInt64
    /// Cache lines cleaned and invalidated to the point of physical aliasing.
    public var cipapaLines: UInt64
    /// Bytes wiped on the way back to Non-secure.
    public var scrubbedBytes: UInt64
    /// Failed granule protection checks of memory accesses.
    public var gpcFaults: UInt64
    /// Host SMCs by function number (bits 15:0 of an 0xC4xx_xxxx function ID below 0x500); only non-zero ones.
    public var smcByFunctionNumber: [UInt64: UInt64]
    /// Host SMCs whose function ID has no counter of its own.
    public var otherSMC: UInt64
    /// L1 GPT words EL3 stored: GPI writes, shattering and fusing.
    public var l1DescriptorWrites: UInt64

    public init(
        smc: UInt64 = 0, el3Calls: UInt64 = 0, tlbi: UInt64 = 0, dsb: UInt64 = 0, cipapaLines: UInt64 = 0,
        scrubbedBytes: UInt64 = 0, gpcFaults: UInt64 = 0, smcByFunctionNumber: [UInt64: UInt64] = [:],
        otherSMC: UInt64 = 0, l1DescriptorWrites: UInt64 = 0
    ) {
        self.smc = smc
        self.el3Calls = el3Calls
        self.tlbi = tlbi
        self.dsb = dsb
        self.cipapaLines = cipapaLines
        self.scrubbedBytes = scrubbedBytes
        self.gpcFaults = gpcFaults
        self.smcByFunctionNumber = smcByFunctionNumber
        self.otherSMC = otherSMC
        self.l1DescriptorWrites = l1DescriptorWrites
    }

    /// Host SMCs with the function ID `functionID` (0 for one without a counter of its own).
    public func smcCount(functionID: UInt64) -> UInt64 {
        guard let number = ArchitecturalCounters.countedFunctionNumber(functionID) else { return 0 }
        return smcByFunctionNumber[number, default: 0]
    }
}
