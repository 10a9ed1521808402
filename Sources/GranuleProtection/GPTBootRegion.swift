public import CCAArch

/// One L0-region-aligned range of the boot-time GPT layout the platform hands EL3.
@frozen
public enum GPTBootRegion: Hashable, Sendable {
    /// Granule-protected: each L0 region gets a platform-created L1 table with every granule at `initialGPI`.
    case granular(GranuleRange, initialGPI: GPI)
    /// Block-mapped: each L0 region is a Block descriptor with `gpi`, no L1 table.
    case block(GranuleRange, gpi: GPI)

    /// The range the region covers.
    @inlinable
    public var range: GranuleRange {
        switch self {
        case .granular(let range, _), .block(let range, _): range
        }
    }
}

/// Why EL3 could not build a GPT: a platform configuration mistake found at boot.
@frozen
public enum GPTConfigurationError: Error, Hashable, Sendable {
    /// GPCCR_EL3 holds a reserved PPS, PGS or L0GPTSZ encoding.
    case reservedGPCCREncoding(GPCCR)
    /// The protected physical address space is smaller than one L0 region.
    case ppsSmallerThanL0Region(GPCCR)
    /// The lock block is not between the largest contiguous block (or one L1 word's span) and one L0 region.
    case invalidLockBlockShift(Int)
    /// A boot region does not start and end on L0 region boundaries.
    case regionNotL0Aligned(GranuleRange)
    /// A boot region is empty or reaches beyond the protected physical address size.
    case regionOutOfRange(GranuleRange)
    /// Two boot regions overlap; the second one given.
    case regionsOverlap(GranuleRange)
    /// A boot region's GPI is reserved (not usable in a descriptor).
    case reservedGPI(GPI)
    /// The platform's L1 table pool address is not 4 KB aligned below 2^52 (L0 Table descriptor bits 51:12).
    case l1BaseMisaligned(PhysicalAddress)
    /// The granule size of a boot range differs from GPCCR_EL3.PGS.
    case granuleSizeMismatch(GranuleRange)
}
