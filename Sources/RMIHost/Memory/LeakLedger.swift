public import CCAArch
import Synchronization

/// The granules the host has given up on: an undelegation failed, so they may still be Realm PAS (any Non-secure
/// access faults) or still be in use by an RMM object.
///
/// granule-delegation.md section 8 item 7: never return such pages to the allocator; quarantine and report them.
/// The review of the Linux helpers (seed-review.txt) says the only reasonable answer to a failed undelegation is to
/// leak the pages; this ledger makes the leak explicit and queryable instead of silent. Entries are never removed:
/// the page allocator refuses every granule recorded here. Thread-safe.
public final class LeakLedger: Sendable {
    /// The granule size the ledger counts and lists in.
    public let granuleSize: GranuleSize
    private let leaked = Mutex(_ExtentSet())

    public init(granuleSize: GranuleSize = .size4KB) {
        self.granuleSize = granuleSize
    }

    /// Records every granule of `range` as leaked (already recorded granules stay recorded once).
    public func record(_ range: GranuleRange) {
        guard !range.isEmpty else { return }
        let extent = range.base.rawValue.alignedDown(granuleSize)..<range.top.rawValue.alignedUp(granuleSize)
        leaked.withLock { $0.insert(extent) }
    }

    /// Whether the granule holding `address` is leaked.
    public func isLeaked(_ address: PhysicalAddress) -> Bool {
        leaked.withLock { $0.contains(address.rawValue) }
    }

    /// Whether any granule of `range` is leaked.
    public func containsAny(of range: GranuleRange) -> Bool {
        leaked.withLock { $0.overlap(with: range.base.rawValue..<range.top.rawValue) != 0 }
    }

    /// Number of leaked granules.
    public var leakedGranuleCount: UInt64 {
        leaked.withLock { $0.byteCount } >> UInt64(granuleSize.shift)
    }

    /// The leaked memory as sorted, disjoint, non-adjacent ranges.
    public var leakedRanges: [GranuleRange] {
        leaked.withLock { $0.extents }.map {
            GranuleRange(
                uncheckedBase: PhysicalAddress($0.lowerBound), top: PhysicalAddress($0.upperBound),
                granuleSize: granuleSize)
        }
    }

    /// Every leaked granule's base address, ascending (the serve protocol's `host.leaks` answer).
    public var leakedGranules: [PhysicalAddress] {
        var granules: [PhysicalAddress] = []
        for range in leakedRanges {
            var address = range.base
            while address < range.top {
                granules.append(address)
                address = address + granuleSize.bytes
            }
        }
        return granules
    }
}

extension UInt64 {
    func alignedDown(_ granule: GranuleSize) -> UInt64 { self & ~(granule.bytes - 1) }
    func alignedUp(_ granule: GranuleSize) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(granule.bytes - 1)
        return overflow ? ~(granule.bytes - 1) : sum & ~(granule.bytes - 1)
    }
}
