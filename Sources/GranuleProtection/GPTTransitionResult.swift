public import CCAArch

/// Why a GPI transition of a run of granules stopped.
@frozen
public enum GPTStopReason: Hashable, Sendable {
    /// Every granule of the run changed.
    case completed
    /// The granule at `at` holds `found`, not the transition's source GPI; nothing from it on changed.
    case wrongSourceGPI(at: PhysicalAddress, found: GPI)
    /// The descriptor covering `at` is malformed (reserved GPI, reserved size, RES0 bits set).
    case malformedDescriptor(at: PhysicalAddress)
    /// The L0 region holding `at` is a Block: it has no L1 table, so no per-granule GPI to change.
    case noL1Table(at: PhysicalAddress)
    /// The run reaches `at` = 2^PPS or beyond; nothing was changed.
    case beyondPPS(at: PhysicalAddress)
    /// The base is not aligned to the physical granule size; nothing was changed.
    case misaligned(PhysicalAddress)
    /// The granule count is zero; nothing was changed.
    case invalidCount
    /// Another CPU held the lock of the block holding `at` (only with `GPTLockPolicy.tryLock`).
    case lockContention(at: PhysicalAddress)
}

/// The outcome of a GPI transition of a run of granules: how far it got, why it stopped, what it cost.
@frozen
public struct GPTTransitionResult: Hashable, Sendable {
    /// Granules from the base whose GPI changed (a prefix of the run).
    public var processed: UInt64
    /// Why the transition stopped.
    public var stop: GPTStopReason
    /// The maintenance it performed.
    public var maintenance: GPTMaintenance

    @inlinable
    public init(processed: UInt64, stop: GPTStopReason, maintenance: GPTMaintenance) {
        self.processed = processed
        self.stop = stop
        self.maintenance = maintenance
    }
}

/// The outcome of creating or destroying the L1 table of one L0 region.
@frozen
public enum GPTL1TableOutcome: Hashable, Sendable {
    /// The region is now a Table pointing at `l1Address`; every granule has the former Block's GPI.
    case created(l1Address: PhysicalAddress)
    /// The region is a Block with `gpi` again; the table at `l1Address` is no longer used by EL3.
    case destroyed(l1Address: PhysicalAddress, gpi: GPI)
    /// The address is not the base of an L0 region.
    case regionMisaligned
    /// The table address is not 4 KB aligned below 2^52.
    case backingMisaligned
    /// The region is at or beyond 2^PPS.
    case beyondPPS
    /// Create on a region that already has an L1 table.
    case alreadyTable
    /// Destroy on a region that is a Block.
    case notTable
    /// Destroy on a table whose granules do not all share one GPI; `at` is the first that differs.
    case notHomogeneous(at: PhysicalAddress)
    /// The L0 descriptor of the region is malformed.
    case malformedDescriptor
}
