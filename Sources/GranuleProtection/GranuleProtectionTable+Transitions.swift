public import CCAArch
import Synchronization

extension GranuleProtectionTable {
    /// Delegates a run of granules: Non-secure to Realm, as EL3 does it (gpt.md section 3, TF-A
    /// gpt_delegate_pas, extended to a run as FIRME_GM_GPI_SET allows).
    ///
    /// For each lock block the run touches, in address order: take the block's lock, check that each granule is
    /// NS (stopping at the first that is not), shatter any contiguous descriptor the run cuts (TLBI RPALOS of the
    /// block's size and DSB each), clean+invalidate the run to the PoPA in the Realm PAS, DSB, write GPI = Realm a
    /// whole L1 word (or a whole contiguous block) at a time where the run covers it, DSB, TLBI RPALOS per aligned
    /// block, DSB, clean+invalidate in the NS PAS, fuse the uniform blocks around the run up to the eager limit
    /// and the settled ones above it (`GPTOptions.fuseDelay`), unlock.
    ///
    /// - Returns: the granules changed (a prefix of the run), why it stopped, and the maintenance performed.
    public func delegate(
        _ base: PhysicalAddress, count: UInt64, lockPolicy: GPTLockPolicy = .wait
    ) -> GPTTransitionResult {
        let result = transition(base, count: count, from: .nonSecure, through: .realm, lockPolicy: lockPolicy)
        _checkInvariants()
        return result
    }

    /// Undelegates a run of granules: Realm to no access to Non-secure (gpt.md section 3, TF-A gpt_undelegate_pas).
    ///
    /// As `delegate`, but the write pass is done twice: GPI = no access, DSB, TLBI, DSB; clean+invalidate in the
    /// Realm PAS and then the NS PAS; GPI = NS, DSB, TLBI, DSB. The RMM scrubs the granules before it asks.
    public func undelegate(
        _ base: PhysicalAddress, count: UInt64, lockPolicy: GPTLockPolicy = .wait
    ) -> GPTTransitionResult {
        let result = transition(
            base, count: count, from: .realm, through: .noAccess, then: .nonSecure, lockPolicy: lockPolicy)
        _checkInvariants()
        return result
    }

    /// Moves `count` granules from `base` whose GPI is `source` to `pass`, and then to `second` if there is one;
    /// then, when it is due, visits one quiet lock block with changes waiting to settle (`_FuseDeferral`), holding no
    /// other lock.
    func transition(
        _ base: PhysicalAddress, count: UInt64, from source: GPI, through pass: GPI, then second: GPI? = nil,
        lockPolicy: GPTLockPolicy
    ) -> GPTTransitionResult {
        var visit = false
        var result = transition(
            base, count: count, from: source, through: pass, then: second, lockPolicy: lockPolicy, visit: &visit)
        if visit { visitPendingBlock(into: &result.maintenance) }
        return result
    }

    /// Visits the next lock block with changes waiting to settle, if any and if no other CPU holds it: advances its
    /// clock by one and fuses what has settled, adding the L1 words written to `maintenance`.
    func visitPendingBlock(into maintenance: inout GPTMaintenance) {
        // Relaxed: the cursor only spreads visits round robin; a lost update visits some block twice.
        guard let lock = memory.nextPending(from: visitCursor.load(ordering: .relaxed)) else { return }
        visitCursor.store(lock + 1, ordering: .relaxed)
        guard memory.tryLock(lock) else { return }
        defer { memory.unlock(lock) }
        let locksPerRegion = 1 << (l0Shift - options.lockBlockShift)
        let region = lock / locksPerRegion
        guard memory.loadL0(region) & 0xF == GPTL0Descriptor.tableType, let table = memory.l1(region) else {
            memory.setPending(lock, false)
            return
        }
        var writer = _L1Writer(table: table, geometry: self)
        memory.setPending(lock, fusing.age(lock: lock % locksPerRegion, writer: &writer))
        maintenance.l1DescriptorWrites += writer.writes
    }

    /// The transition itself; sets `visit` when a lock block it changed is due to visit a quiet one.
    private func transition(
        _ base: PhysicalAddress, count: UInt64, from source: GPI, through pass: GPI, then second: GPI?,
        lockPolicy: GPTLockPolicy, visit: inout Bool
    ) -> GPTTransitionResult {
        guard base.isAligned(to: granuleSize.bytes) else {
            return GPTTransitionResult(processed: 0, stop: .misaligned(base), maintenance: .none)
        }
        guard count > 0 else { return GPTTransitionResult(processed: 0, stop: .invalidCount, maintenance: .none) }
        let shift = UInt64(granuleShift)
        let limitGranule = limit >> shift
        let first = base.rawValue >> shift
        guard first < limitGranule && count <= limitGranule - first else {
            return GPTTransitionResult(processed: 0, stop: .beyondPPS(at: PhysicalAddress(limit)), maintenance: .none)
        }
        let end = first + count
        let lockGranules = UInt64(1) << UInt64(options.lockBlockShift - granuleShift)
        let tableGranules = UInt64(1) << UInt64(granulesPerL1Shift)
        var maintenance = GPTMaintenance.none
        var granule = first
        while granule < end {
            let segmentEnd = min(end, (granule | (lockGranules - 1)) + 1)
            let here = PhysicalAddress(granule << shift)
            let l0 = Int(granule >> UInt64(granulesPerL1Shift))
            let lockIndex = Int(granule >> UInt64(options.lockBlockShift - granuleShift))
            switch lockPolicy {
            case .wait:
                memory.lock(lockIndex)
            case .tryLock:
                guard memory.tryLock(lockIndex) else {
                    return GPTTransitionResult(
                        processed: granule - first, stop: .lockContention(at: here), maintenance: maintenance)
                }
            }
            defer { memory.unlock(lockIndex) }
            // Read under the lock: L1 create and destroy take every lock of the region.
            let descriptor = memory.loadL0(l0)
            guard descriptor & 0xF == GPTL0Descriptor.tableType, let table = memory.l1(l0) else {
                let stop: GPTStopReason =
                    GPTL0Descriptor(rawValue: descriptor) == nil ? .malformedDescriptor(at: here) : .noL1Table(at: here)
                return GPTTransitionResult(processed: granule - first, stop: stop, maintenance: maintenance)
            }
            let tableBase = UInt64(l0) << UInt64(granulesPerL1Shift)
            let low = Int(granule - tableBase)
            let high = Int(segmentEnd - tableBase)
            precondition(UInt64(high) <= tableGranules, "lock block crosses an L1 table")
            let stopAt = scan(table, from: low, to: high, expecting: source)
            if stopAt > low {
                var writer = _L1Writer(table: table, geometry: self)
                writer.shatter(cutting: low..<stopAt)
                maintenance += changeMaintenance(granules: UInt64(stopAt - low), passes: second == nil ? 1 : 2)
                let tlbis = tlbiCount(tableBase + UInt64(low), tableBase + UInt64(stopAt))
                writer.write(pass, over: low..<stopAt)
                maintenance.tlbiByPA += tlbis
                if let second {
                    writer.write(second, over: low..<stopAt)
                    maintenance.tlbiByPA += tlbis
                }
                writer.fuse(around: low..<stopAt, through: fusing.eager)
                let recorded = fusing.record(low..<stopAt, writer: &writer)
                memory.setPending(lockIndex, recorded.pending)
                visit = visit || recorded.visit
                maintenance.l1DescriptorWrites += writer.writes
                maintenance.tlbiByPA += writer.shatteredBlocks
                maintenance.dsb += writer.shatteredBlocks
            }
            if stopAt < high {
                let at = PhysicalAddress((tableBase + UInt64(stopAt)) << shift)
                let stop: GPTStopReason =
                    if let found = gpi(at: at) { .wrongSourceGPI(at: at, found: found) } else {
                        .malformedDescriptor(at: at)
                    }
                return GPTTransitionResult(
                    processed: tableBase + UInt64(stopAt) - first, stop: stop, maintenance: maintenance)
            }
            granule = segmentEnd
        }
        return GPTTransitionResult(processed: count, stop: .completed, maintenance: maintenance)
    }

    /// The first granule index in `low..<high` of `table` whose GPI is not `source` (or whose descriptor is
    /// malformed), or `high`.
    func scan(_ table: _L1Words, from low: Int, to high: Int, expecting source: GPI) -> Int {
        let sourceBits = UInt64(source.rawValue)
        let wholeWord = GPTL1Granules(repeating: source).rawValue
        var granule = low
        while granule < high {
            let wordIndex = granule >> 4
            let word = table.load(wordIndex)
            if word & 0xF == GPTL1Descriptor.contiguousType {
                guard word >> 10 == 0, let size = GPTContiguousSize(rawValue: word[bits: 8..<10]),
                    word[bits: 4..<8] == sourceBits
                else { return granule }
                let blockGranules = contiguousWords(size) << 4
                granule = min(high, (granule & ~(blockGranules - 1)) + blockGranules)
            } else if word == wholeWord {
                granule = min(high, (wordIndex + 1) << 4)
            } else {
                let wordEnd = min(high, (wordIndex + 1) << 4)
                while granule < wordEnd {
                    guard word >> UInt64((granule & 15) * 4) & 0xF == sourceBits else { return granule }
                    granule += 1
                }
            }
        }
        return high
    }

    /// The L1 words of one contiguous block of `size`.
    @inline(__always)
    func contiguousWords(_ size: GPTContiguousSize) -> Int { 1 << (size.shift - granuleShift - 4) }

    /// The barriers and cache maintenance of changing `granules` granules with `passes` GPI writes (the TLBIs are
    /// counted by the caller): each write pass is bracketed by DSB OSHST and DSB OSH; two clean+invalidate passes
    /// (source-side PAS, then NS) each end with a DSB.
    func changeMaintenance(granules: UInt64, passes: Int) -> GPTMaintenance {
        let linesPerGranule = granuleSize.bytes / 64
        return GPTMaintenance(
            tlbiByPA: 0, dsb: UInt64(2 * passes + 2), cleanedCacheLines: 2 * granules * linesPerGranule,
            l1DescriptorWrites: 0)
    }

    /// The TLBI RPALOS operations that invalidate granules `first..<end` (global granule numbers).
    ///
    /// The run is widened to 2 MB boundaries (invalidating GPT TLB entries of unchanged granules is harmless, and
    /// it keeps a ragged run's head and tail to one operation each), then covered with the fewest naturally
    /// aligned blocks of the sizes TLBI RPALOS encodes from 2 MB up (2 MB, 32 MB, 512 MB, 1 GB, 16 GB, 64 GB,
    /// 512 GB). A run inside one 2 MB block is one operation.
    func tlbiCount(_ first: UInt64, _ end: UInt64) -> UInt64 {
        let unit = UInt64(1) << UInt64(21 - granuleShift)
        var granule = first & ~(unit - 1)
        let top = (end + unit - 1) & ~(unit - 1)
        // The common case, a page-wise call: one 2 MB block.
        if top - granule == unit { return 1 }
        let sizeShifts = [21, 25, 29, 30, 34, 36, 39]
        var operations: UInt64 = 0
        while granule < top {
            var chosen = unit
            for size in sizeShifts {
                let span = UInt64(1) << UInt64(size - granuleShift)
                if granule & (span - 1) == 0 && top - granule >= span { chosen = span }
            }
            granule += chosen
            operations += 1
        }
        return operations
    }
}
