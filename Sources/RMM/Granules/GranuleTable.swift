import CCAArch
import FirmwareSync

/// Every tracking region that holds memory, sorted by base. Built once, at activation.
final class GranuleTable: Sendable {
    let regions: [TrackingRegion]
    let regionSize: UInt64

    init(
        manifest: RMMBootManifest, regionSize: UInt64, observer: (any SchedulingObserver)?,
        allocateMetadata: (Int) -> UnsafeMutableRawPointer
    ) {
        self.regionSize = regionSize
        let granuleShift = manifest.granuleSize.shift
        var regions: [TrackingRegion] = []
        var regionBase = PhysicalAddress(0)
        var pending: [Range<Int>] = []
        var category = TrackingCategory.conventional
        var pendingBase: PhysicalAddress? = nil

        func flush() {
            guard let base = pendingBase else { return }
            let count = Int(regionSize >> UInt64(granuleShift))
            let homogeneous = pending.count == 1 && pending[0] == 0..<count
            let metadata = unsafe allocateMetadata(count * 4)
            unsafe regions.append(
                TrackingRegion(
                    base: base, size: regionSize, granuleShift: granuleShift, category: category,
                    isHomogeneous: homogeneous, populated: pending, metadata: metadata, state: .fine,
                    observer: observer))
            pending = []
            pendingBase = nil
        }

        for bank in manifest.banks {
            var cursor = bank.base
            while cursor < bank.top {
                regionBase = cursor.alignedDown(to: regionSize)
                if pendingBase != regionBase {
                    flush()
                    pendingBase = regionBase
                    category = bank.category
                }
                let end = Swift.min(bank.top, regionBase + regionSize)
                let first = Int((cursor - regionBase) >> UInt64(granuleShift))
                let last = Int((end - regionBase) >> UInt64(granuleShift))
                pending.append(first..<last)
                cursor = end
            }
        }
        flush()
        self.regions = regions
    }

    /// The region holding `pa`, if it holds memory.
    @inline(__always)
    func region(containing pa: PhysicalAddress) -> TrackingRegion? {
        regions.sortedSearch { pa < $0.base ? .before : pa >= $0.top ? .after : .match }
    }
}
