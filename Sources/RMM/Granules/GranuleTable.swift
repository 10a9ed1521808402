import CCAArch
import FirmwareSync

/// Every tracking region that holds memory, sorted by base. Built once, at activation.
///
/// With preallocated metadata, the metadata of all regions is one block from the platform (one allocation, however
/// small the regions), so a deactivation hands back exactly `metadata` and `metadataByteCount`. With host-supplied
/// metadata there is no block: each region is COARSE (one bank covers it whole) or NONE, and gets granule words
/// only when TRACKING_SET makes it FINE with memory the host donates.
@safe
final class GranuleTable: Sendable {
    /// The regions, sorted by base, lent without a retain to the lookup on the SMC path (`withRegion`).
    private let sortedRegions: UnretainedObjects<TrackingRegion>
    /// The regions, sorted by base.
    var regions: [TrackingRegion] { sortedRegions.all }
    let regionSize: UInt64
    /// The metadata block every region's granule words live in, and its size in bytes (`nil` and 0 with
    /// host-supplied metadata). Never dereferenced here (the regions' words are), only handed back: immutable, so
    /// safe to share.
    nonisolated(unsafe) let metadata: UnsafeMutableRawPointer?
    let metadataByteCount: Int
    /// Whether the host supplies the tracking metadata (by donation to TRACKING_SET).
    let metadataIsDonated: Bool

    init(
        manifest: RMMBootManifest, regionSize: UInt64, observer: (any SchedulingObserver)?,
        allocateMetadata: (Int) -> UnsafeMutableRawPointer
    ) {
        self.regionSize = regionSize
        let granuleShift = manifest.granuleSize.shift
        let count = Int(regionSize >> UInt64(granuleShift))
        // First the layout: each region with memory, the populated granule ranges in it, its category.
        var layout: [(base: PhysicalAddress, populated: [Range<Int>], category: TrackingCategory)] = []
        for bank in manifest.banks {
            var cursor = bank.base
            while cursor < bank.top {
                let regionBase = cursor.alignedDown(to: regionSize)
                if layout.last?.base != regionBase {
                    layout.append((regionBase, [], bank.category))
                }
                let end = Swift.min(bank.top, regionBase + regionSize)
                let first = Int((cursor - regionBase) >> UInt64(granuleShift))
                let last = Int((end - regionBase) >> UInt64(granuleShift))
                layout[layout.count - 1].populated.append(first..<last)
                cursor = end
            }
        }
        metadataIsDonated = manifest.trackingMetadata == .donated
        // Then, with preallocated metadata, one block for all of them: 4 bytes per granule of each region.
        let stride = count * 4
        if metadataIsDonated {
            metadataByteCount = 0
            unsafe metadata = nil
        } else {
            metadataByteCount = Swift.max(layout.count * stride, 1)
            unsafe metadata = unsafe allocateMetadata(metadataByteCount)
        }
        var regions: [TrackingRegion] = []
        for (index, entry) in layout.enumerated() {
            let memory = unsafe metadata.map { unsafe $0 + index * stride }
            let homogeneous = entry.populated.count == 1 && entry.populated[0] == 0..<count
            let region = unsafe TrackingRegion(
                base: entry.base, size: regionSize, granuleShift: granuleShift, category: entry.category,
                isHomogeneous: homogeneous, populated: entry.populated, metadata: memory,
                state: metadataIsDonated ? (homogeneous ? .coarse : .none) : .fine, observer: observer)
            regions.append(region)
        }
        sortedRegions = UnretainedObjects(regions)
    }

    /// The region holding `pa`, if it holds memory, retained: for callers that keep it beyond a borrow (inspection,
    /// TRACKING_SET); the SMC path borrows it with `withRegion`.
    @inline(__always)
    func region(containing pa: PhysicalAddress) -> TrackingRegion? {
        withRegion(containing: pa) { $0 }
    }

    /// Runs `body` with the region holding `pa`, without retaining it; `nil` if no region holds memory there. The
    /// region lives as long as the table, which the caller holds or borrows.
    @inline(__always)
    func withRegion<Result>(containing pa: PhysicalAddress, _ body: (TrackingRegion) -> Result) -> Result? {
        sortedRegions.withSortedSearch({ pa < $0.base ? .before : pa >= $0.top ? .after : .match }) { body($0) }
    }
}
