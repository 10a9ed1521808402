public import CCAArch
import Synchronization

/// The host's allocator of Non-secure DRAM granules: memory to donate to stateful operations, list pages, the
/// configuration page, and memory for demos.
///
/// A sorted list of free extents: simple and obviously correct beats clever. Every allocation is granule-aligned
/// and a whole number of granules. Granules in the leak ledger are never handed out, and a free of a leaked granule
/// is refused (granule-delegation.md section 8 item 7). Thread-safe.
public final class HostPageAllocator: Sendable {
    /// The granule size of every allocation.
    public let granuleSize: GranuleSize
    /// The DRAM the allocator manages, sorted.
    public let regions: [GranuleRange]
    /// Where leaked granules are recorded; consulted on every free.
    public let leakLedger: LeakLedger
    private let freeExtents: Mutex<_ExtentSet>

    /// An allocator owning all of `regions` (initially free).
    ///
    /// The regions must be granule-aligned for `granuleSize` and pairwise disjoint: a programmer error otherwise.
    public init(regions: [GranuleRange], granuleSize: GranuleSize = .size4KB, leakLedger: LeakLedger? = nil) {
        let sorted = regions.filter { !$0.isEmpty }.sorted { $0.base < $1.base }
        for region in sorted {
            precondition(
                region.base.isAligned(to: granuleSize.bytes) && region.top.isAligned(to: granuleSize.bytes),
                "allocator region not aligned to the granule size")
        }
        for (left, right) in zip(sorted, sorted.dropFirst()) {
            precondition(left.top <= right.base, "allocator regions overlap")
        }
        self.granuleSize = granuleSize
        self.regions = sorted
        self.leakLedger = leakLedger ?? LeakLedger(granuleSize: granuleSize)
        var free = _ExtentSet()
        for region in sorted { free.insert(region.base.rawValue..<region.top.rawValue) }
        self.freeExtents = Mutex(free)
    }

    /// Free granules.
    public var freeGranuleCount: UInt64 {
        withFreeExtents { $0.byteCount } >> UInt64(granuleSize.shift)
    }

    /// Whether the granule at `address` is free.
    public func isFree(_ address: PhysicalAddress) -> Bool {
        withFreeExtents { $0.contains(address.rawValue) }
    }

    /// One granule, or `nil` when none is free.
    public func allocatePage() -> PhysicalAddress? {
        allocateBlock(bytes: granuleSize.bytes, alignment: granuleSize.bytes)?.base
    }

    /// `count` granules, anywhere, lowest first; all or nothing (`nil` when fewer are free).
    public func allocate(granules count: Int) -> [PhysicalAddress]? {
        precondition(count >= 0, "negative granule count")
        let bytes = granuleSize.bytes
        return withFreeExtents { free -> [PhysicalAddress]? in
            guard free.byteCount >> UInt64(granuleSize.shift) >= UInt64(count) else { return nil }
            var pages: [PhysicalAddress] = []
            pages.reserveCapacity(count)
            while pages.count < count {
                let extent = free.extents[0]
                let take = Swift.min(UInt64(count - pages.count), extent.byteWidth / bytes)
                for index in 0..<take { pages.append(PhysicalAddress(extent.lowerBound + index * bytes)) }
                free.remove(extent.lowerBound..<extent.lowerBound + take * bytes)
            }
            return pages
        }
    }

    /// One contiguous block of `bytes` whose base is a multiple of `alignment` (a power of two), lowest fit first;
    /// `nil` when no free extent holds one. `bytes` must be a non-zero multiple of the granule size.
    public func allocateBlock(bytes: UInt64, alignment: UInt64) -> GranuleRange? {
        precondition(bytes != 0 && bytes % granuleSize.bytes == 0, "block is not a whole number of granules")
        precondition(alignment != 0 && alignment & (alignment - 1) == 0, "alignment is not a power of two")
        let alignment = Swift.max(alignment, granuleSize.bytes)
        return withFreeExtents { free -> GranuleRange? in
            guard let base = free.firstFit(size: bytes, alignment: alignment) else { return nil }
            free.remove(base..<base + bytes)
            return GranuleRange(
                uncheckedBase: PhysicalAddress(base), top: PhysicalAddress(base + bytes), granuleSize: granuleSize)
        }
    }

    /// Takes every free granule of `range` out of circulation and returns the pieces taken, so the caller can give
    /// back exactly those (`free`). Bring-up uses it for memory the RMM does not track FINE yet.
    public func withdraw(_ range: GranuleRange) -> [GranuleRange] {
        guard !range.isEmpty else { return [] }
        let wanted = range.base.rawValue..<range.top.rawValue
        return withFreeExtents { free -> [GranuleRange] in
            var taken: [GranuleRange] = []
            for extent in free.extents where extent.overlaps(wanted) {
                let piece = extent.clamped(to: wanted)
                taken.append(
                    GranuleRange(
                        uncheckedBase: PhysicalAddress(piece.lowerBound), top: PhysicalAddress(piece.upperBound),
                        granuleSize: granuleSize))
            }
            for piece in taken { free.remove(piece.base.rawValue..<piece.top.rawValue) }
            return taken
        }
    }

    /// Gives `range` back and returns how many granules were taken back.
    ///
    /// Refused, granule by granule, and not counted: leaked granules (they stay out of circulation for good),
    /// granules outside the allocator's regions (an RMM may hand back memory the host never gave it), and granules
    /// already free (a hostile or buggy RMM must not make the host trap or double-allocate).
    @discardableResult
    public func free(_ range: GranuleRange) -> UInt64 {
        guard !range.isEmpty else { return 0 }
        let requested = range.base.rawValue.alignedDown(granuleSize)..<range.top.rawValue.alignedUp(granuleSize)
        var owned = _ExtentSet()
        for region in regions {
            let clamped = requested.clamped(to: region.base.rawValue..<region.top.rawValue)
            owned.insert(clamped)
        }
        for leak in leakLedger.leakedRanges { owned.remove(leak.base.rawValue..<leak.top.rawValue) }
        return withFreeExtents { free -> UInt64 in
            var accepted: UInt64 = 0
            for extent in owned.extents {
                var pieces = _ExtentSet()
                pieces.insert(extent)
                for already in free.extents where already.overlaps(extent) { pieces.remove(already) }
                for piece in pieces.extents {
                    free.insert(piece)
                    accepted += piece.byteWidth
                }
            }
            return accepted >> UInt64(granuleSize.shift)
        }
    }

    /// Runs `body` on the free extents with every leaked granule taken out first, so a granule leaked while it
    /// sat free (a caller undelegating memory it had already freed) is never handed out either.
    private func withFreeExtents<Result>(_ body: (inout _ExtentSet) -> Result) -> Result {
        let leaked = leakLedger.leakedRanges
        return freeExtents.withLock { free in
            for range in leaked { free.remove(range.base.rawValue..<range.top.rawValue) }
            return body(&free)
        }
    }

    /// Gives one granule back; `true` if it was taken back.
    @discardableResult
    public func freePage(_ address: PhysicalAddress) -> Bool {
        free(GranuleRange(uncheckedBase: address, top: address + granuleSize.bytes, granuleSize: granuleSize)) == 1
    }
}
