public import CCAArch
import Synchronization

extension GranuleProtectionTable {
    /// Unfolds the Block of the L0 region at `region` into an L1 table at `l1Address` (FIRME_GM_L1_GPT_CREATE, as
    /// RMI_GPT_L1_CREATE uses it; DEN0137 A2.3.9).
    ///
    /// Every granule of the new table gets the Block's GPI (written as the largest contiguous descriptors fusing
    /// allows), then the Table descriptor is published. Takes every lock of the region, in address order.
    public func createL1Table(forRegionAt region: PhysicalAddress, l1Address: PhysicalAddress) -> GPTL1TableOutcome {
        guard region.isAligned(to: l0RegionSize.bytes) else { return .regionMisaligned }
        guard let index = l0Index(of: region) else { return .beyondPPS }
        guard l1Address.rawValue & ~UInt64.mask(bits: 12..<52) == 0 else { return .backingMisaligned }
        return withRegionLocked(index) {
            switch GPTL0Descriptor(rawValue: memory.loadL0(index)) {
            case nil:
                return .malformedDescriptor
            case .table?:
                return .alreadyTable
            case .block(let gpi)?:
                let fill = filledL1Word(gpi)
                let table = memory.l1Allocating(index, fill: fill)
                // A parked table from an earlier destroy holds stale words: refill it before publishing.
                for word in 0..<table.count { table.store(word, fill) }
                for word in 0..<table.sideCount { table.storeSide(word, 0) }
                memory.storeL0(index, GPTL0Descriptor.table(l1Address: l1Address).rawValue)
                // Relaxed: a statistic; the region's locks order it against other create/destroy calls.
                liveL1Tables.add(1, ordering: .relaxed)
                return .created(l1Address: l1Address)
            }
        }
    }

    /// Folds the L1 table of the L0 region at `region` back into a Block (FIRME_GM_L1_GPT_DESTROY, as
    /// RMI_GPT_L1_DESTROY uses it). Only a homogeneous table folds: every granule must share one GPI.
    ///
    /// When the table lies inside the region it describes (self-describing), its own granules are ignored
    /// (DEN0137 A2.3.9), and, if `selfDescribingGPI` is given, the common GPI must be it: the fold gives the
    /// table's memory the Block's GPI.
    public func destroyL1Table(
        forRegionAt region: PhysicalAddress, requiringSelfDescribing selfDescribingGPI: GPI? = nil
    ) -> GPTL1TableOutcome {
        guard region.isAligned(to: l0RegionSize.bytes) else { return .regionMisaligned }
        guard let index = l0Index(of: region) else { return .beyondPPS }
        return withRegionLocked(index) {
            switch GPTL0Descriptor(rawValue: memory.loadL0(index)) {
            case nil:
                return .malformedDescriptor
            case .block?:
                return .notTable
            case .table(let l1Address)?:
                guard let table = memory.l1(index) else { return .malformedDescriptor }
                let regionBase = UInt64(index) << UInt64(l0Shift)
                // The table's own granules, as granule indexes within the region, if it is self-describing.
                var own = 0..<0
                if l1Address.rawValue >= regionBase && l1Address.rawValue - regionBase < l0RegionSize.bytes {
                    let start = Int((l1Address.rawValue - regionBase) >> UInt64(granuleShift))
                    own = start..<start + Int(l1TableGranules)
                }
                var common: GPI?
                for word in 0..<table.count {
                    guard let descriptor = GPTL1Descriptor(rawValue: table.load(word)) else {
                        return .malformedDescriptor
                    }
                    for granule in 0..<16 where !own.contains(word << 4 + granule) {
                        let gpi = descriptor.gpi(ofGranule: granule)
                        if common == nil { common = gpi }
                        if gpi != common || (!own.isEmpty && selfDescribingGPI.map { $0 != gpi } ?? false) {
                            let granuleIndex = UInt64(word << 4 + granule)
                            return .notHomogeneous(
                                at: PhysicalAddress(regionBase + granuleIndex << UInt64(granuleShift)))
                        }
                    }
                }
                guard let first = common else { return .malformedDescriptor }
                memory.storeL0(index, GPTL0Descriptor.block(first).rawValue)
                // Relaxed: a statistic; the region's locks order it against other create/destroy calls.
                liveL1Tables.subtract(1, ordering: .relaxed)
                return .destroyed(l1Address: l1Address, gpi: first)
            }
        }
    }

    /// Runs `body` holding every lock block of L0 region `index`, taken in address order.
    private func withRegionLocked(_ index: Int, _ body: () -> GPTL1TableOutcome) -> GPTL1TableOutcome {
        let locksPerRegion = 1 << (l0Shift - options.lockBlockShift)
        let firstLock = index * locksPerRegion
        for lock in firstLock..<firstLock + locksPerRegion { memory.lock(lock) }
        defer { for lock in firstLock..<firstLock + locksPerRegion { memory.unlock(lock) } }
        return body()
    }
}
