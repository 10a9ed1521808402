/// The size of one block in a donation or reclaim (RmiAddrBlockSize, 2 bits): a translation level's block.
@frozen
public enum AddressBlockSize: UInt8, CaseIterable, Hashable, Sendable {
    /// L3 page: one granule (4 KB with 4 KB granules).
    case level3 = 0
    /// L2 block (2 MB with 4 KB granules).
    case level2 = 1
    /// L1 block (1 GB with 4 KB granules).
    case level1 = 2
    /// L0 block (512 GB with 4 KB granules; none with 64 KB granules).
    case level0 = 3

    /// log2 of the block size in bytes for `granule`, or `nil` where the architecture has no such block.
    @inlinable
    public func shift(granule: GranuleSize) -> Int? {
        let g = granule.shift
        let bitsPerLevel = g - 3
        let levels = Int(rawValue)
        if granule == .size64KB && self == .level0 { return nil }
        return g + levels * bitsPerLevel
    }

    /// The block size in bytes for `granule`, or `nil` where the architecture has no such block.
    @inlinable
    public func bytes(granule: GranuleSize) -> UInt64? {
        shift(granule: granule).map { 1 << UInt64($0) }
    }
}

/// The state memory must be in when donated, or was in when reclaimed (RmiOpMemState; 2 bits in 2.0-bet3).
@frozen
public enum OpMemState: UInt8, CaseIterable, Hashable, Sendable {
    /// DELEGATED (0): the memory is in the Realm PAS, GRAN_DELEGATED.
    case delegated = 0
    /// UNDELEGATED (1): the memory is Non-secure.
    case undelegated = 1
    /// CONDITIONAL (2): self-describing tracking metadata (RMI_GRANULE_TRACKING_SET only).
    case conditional = 2
}
