/// Why a granule range could not be formed.
@frozen
public enum GranuleRangeError: Error, Hashable, Sendable {
    /// `base` is not a multiple of the granule size.
    case unalignedBase(PhysicalAddress)
    /// `size` (or `top`) is not a multiple of the granule size.
    case unalignedSize(UInt64)
    /// `base + size` passes the top of the 64-bit address space.
    case overflow(base: PhysicalAddress, size: UInt64)
    /// `top <= base` where a non-empty range was required.
    case empty
}

/// A half-open run of whole granules `[base, top)`.
///
/// Construction checks alignment and arithmetic overflow with typed errors: the wrap-around case
/// `base + size > 2^64` is an error, never a silent empty range. An empty range (`base == top`) can be formed
/// from a size of 0; commands that need a non-empty one check `isEmpty`.
@frozen
public struct GranuleRange: Hashable, Sendable {
    /// The first byte of the range.
    public let base: PhysicalAddress
    /// One past the last byte of the range (exclusive).
    public let top: PhysicalAddress
    /// The granule size the range is aligned to.
    public let granuleSize: GranuleSize

    /// Forms `[base, base + size)`.
    @inlinable
    public init(base: PhysicalAddress, size: UInt64, granuleSize: GranuleSize = .size4KB) throws(GranuleRangeError) {
        guard base.isAligned(to: granuleSize.bytes) else { throw .unalignedBase(base) }
        guard size & (granuleSize.bytes &- 1) == 0 else { throw .unalignedSize(size) }
        guard let top = base.adding(size) else { throw .overflow(base: base, size: size) }
        self.base = base
        self.top = top
        self.granuleSize = granuleSize
    }

    /// Forms `[base, top)`; `top < base` is rejected as empty-or-reversed.
    @inlinable
    public init(
        base: PhysicalAddress, top: PhysicalAddress, granuleSize: GranuleSize = .size4KB
    ) throws(GranuleRangeError) {
        guard base.isAligned(to: granuleSize.bytes) else { throw .unalignedBase(base) }
        guard top.isAligned(to: granuleSize.bytes) else { throw .unalignedSize(top.rawValue) }
        guard top >= base else { throw .empty }
        self.base = base
        self.top = top
        self.granuleSize = granuleSize
    }

    /// Size in bytes.
    @inlinable
    public var size: UInt64 { top - base }

    /// Number of granules.
    @inlinable
    public var granuleCount: UInt64 { size >> UInt64(granuleSize.shift) }

    @inlinable
    public var isEmpty: Bool { base == top }

    /// Whether `address` lies in `[base, top)`.
    @inlinable
    public func contains(_ address: PhysicalAddress) -> Bool { address >= base && address < top }

    /// The part of the range at or above `address` (empty if `address >= top`); `address` must be aligned.
    @inlinable
    public func suffix(from address: PhysicalAddress) -> GranuleRange {
        let start = Swift.min(Swift.max(address, base), top)
        return GranuleRange(uncheckedBase: start, top: top, granuleSize: granuleSize)
    }

    /// Forms a range the caller has already checked.
    @inlinable
    public init(uncheckedBase base: PhysicalAddress, top: PhysicalAddress, granuleSize: GranuleSize) {
        self.base = base
        self.top = top
        self.granuleSize = granuleSize
    }
}
