import CCAArch
import Synchronization

/// Counters of the architectural events the machine performs, safe to bump from every CPU thread at once.
///
/// Each CPU counts in a row of its own (one cache-line-aligned run of counters per CPU), so CPUs never contend on a
/// counter line. A CPU runs one SMC at a time, so only its own thread writes its row: a count there is a relaxed
/// load and store, no atomic read-modify-write (a host SMC costs one, an EL3 call one more; two threads that
/// issued SMCs on one CPU index at once would lose counts, nothing else). Events no CPU is named for (a scrub, a
/// failed granule protection check of a memory access) count in one shared row, with atomic adds. `snapshot()`
/// sums the rows.
///
/// Every operation is relaxed: each counter is a statistic that is read on its own (`snapshot()`), never used to
/// publish or order other memory, so atomicity of each increment is all it needs. A snapshot taken while CPUs
/// run is a set of individually exact values, not a consistent cut across counters.
public final class ArchitecturalCounters: Sendable {
    /// Function numbers 0x000..<0x500 of the standard secure service owner (the RMI and the EL3 ranges) each have
    /// their own counter; every other function ID counts as "other".
    public static let countedFunctionNumbers: Range<UInt64> = 0x000..<0x500

    /// The most CPUs counted one by one: the largest platform the configuration allows.
    public static let maxCPUs = 64

    /// The columns of a row: one per counted function number, then the other counters.
    private enum Column {
        static let otherSMC = Int(countedFunctionNumbers.count)
        static let el3Calls = otherSMC + 1
        static let tlbi = otherSMC + 2
        static let dsb = otherSMC + 3
        static let cipapaLines = otherSMC + 4
        static let scrubbedBytes = otherSMC + 5
        static let gpcFaults = otherSMC + 6
        static let l1DescriptorWrites = otherSMC + 7
        /// Columns in use, rounded up to whole 64-byte cache lines so that no two rows share a line.
        static let stride = (l1DescriptorWrites + 1 + 7) & ~7
    }

    /// The number of CPUs with a row of their own; row `cpuCount` is the shared one.
    public let cpuCount: Int
    private let table: _AtomicCounterTable

    /// Counters for a platform of `cpuCount` CPUs (at most `maxCPUs`).
    public init(cpuCount: Int = ArchitecturalCounters.maxCPUs) {
        precondition(cpuCount > 0 && cpuCount <= Self.maxCPUs, "a CPU count the counters can hold")
        self.cpuCount = cpuCount
        table = _AtomicCounterTable(count: (cpuCount + 1) * Column.stride)
    }

    /// The row of `cpu`, or the shared row for `nil`.
    @inline(__always)
    private func row(_ cpu: Int?) -> Int {
        guard let cpu else { return cpuCount * Column.stride }
        precondition(cpu >= 0 && cpu < cpuCount, "CPU index out of range")
        return cpu * Column.stride
    }

    /// Counts one SMC issued by host CPU `cpu`, by its function ID (the SVE hint and bits 63:32 are ignored).
    public func recordHostSMC(functionID: UInt64, cpu: Int) {
        let column = Self.countedFunctionNumber(functionID).map { Int($0) } ?? Column.otherSMC
        table.addUnshared(1, at: row(cpu) + column)
    }

    /// Counts one call from the RMM to EL3 made on CPU `cpu`.
    public func recordEL3Call(cpu: Int) {
        table.addUnshared(1, at: row(cpu) + Column.el3Calls)
    }

    /// Host SMCs and EL3 calls CPU `cpu` made since creation (0 for an index without a row).
    public func perCPU(_ cpu: Int) -> (hostSMCs: UInt64, el3Calls: UInt64) {
        guard (0..<cpuCount).contains(cpu) else { return (0, 0) }
        let base = row(cpu)
        var smcs: UInt64 = 0
        for column in 0...Column.otherSMC { smcs &+= table.load(base + column) }
        return (smcs, table.load(base + Column.el3Calls))
    }

    /// The calls from the RMM to EL3 on every CPU since creation: the GPT changes only in one of them.
    public func el3CallCount() -> UInt64 {
        var calls: UInt64 = 0
        for cpu in 0..<cpuCount { calls &+= table.load(row(cpu) + Column.el3Calls) }
        return calls
    }

    /// Counts the GPT maintenance one EL3 call on CPU `cpu` did: TLB invalidations by PA (TLBI RPALOS and
    /// friends), data synchronization barriers, and cache lines cleaned and invalidated to the point of physical
    /// aliasing (DC CIPAPA), and the L1 GPT words it stored (GPI writes, shattering and fusing).
    public func recordMaintenance(
        tlbi: UInt64, dsb: UInt64, cleanedCacheLines: UInt64, l1DescriptorWrites: UInt64 = 0, cpu: Int
    ) {
        let base = row(cpu)
        if tlbi != 0 { table.addUnshared(tlbi, at: base + Column.tlbi) }
        if dsb != 0 { table.addUnshared(dsb, at: base + Column.dsb) }
        if cleanedCacheLines != 0 { table.addUnshared(cleanedCacheLines, at: base + Column.cipapaLines) }
        if l1DescriptorWrites != 0 { table.addUnshared(l1DescriptorWrites, at: base + Column.l1DescriptorWrites) }
    }

    /// Counts `count` bytes wiped on the way back to Non-secure.
    public func recordScrubbedBytes(_ count: UInt64) {
        table.add(count, at: row(nil) + Column.scrubbedBytes)
    }

    /// Counts one failed granule protection check of a memory access.
    public func recordGPCFault() {
        table.add(1, at: row(nil) + Column.gpcFaults)
    }

    /// The current values: every row summed.
    public func snapshot() -> ArchitecturalCountersSnapshot {
        // Relaxed loads: each value is exact on its own; see the type's comment.
        func total(_ column: Int) -> UInt64 {
            var sum: UInt64 = 0
            for cpu in 0...cpuCount { sum &+= table.load(cpu * Column.stride + column) }
            return sum
        }
        var byFunction: [UInt64: UInt64] = [:]
        var smcs: UInt64 = 0
        for column in 0..<Column.otherSMC {
            let value = total(column)
            smcs &+= value
            if value != 0 { byFunction[Self.countedFunctionNumbers.lowerBound + UInt64(column)] = value }
        }
        let other = total(Column.otherSMC)
        return ArchitecturalCountersSnapshot(
            smc: smcs &+ other, el3Calls: total(Column.el3Calls), tlbi: total(Column.tlbi), dsb: total(Column.dsb),
            cipapaLines: total(Column.cipapaLines), scrubbedBytes: total(Column.scrubbedBytes),
            gpcFaults: total(Column.gpcFaults), smcByFunctionNumber: byFunction, otherSMC: other,
            l1DescriptorWrites: total(Column.l1DescriptorWrites))
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
