public import CCAArch

/// A bank of memory the platform tells the RMM about at boot.
public struct MemoryBank: Hashable, Sendable {
    public var base: PhysicalAddress
    public var size: UInt64
    /// CONVENTIONAL for DRAM; DEV_NCOH or DEV_COH for device memory the platform declares assignable (tracked
    /// and delegable like DRAM, never scrubbed, never an RMM object).
    public var category: TrackingCategory

    public init(base: PhysicalAddress, size: UInt64, category: TrackingCategory = .conventional) {
        self.base = base
        self.size = size
        self.category = category
    }

    /// One past the last byte.
    public var top: PhysicalAddress { base + size }

    public func contains(_ pa: PhysicalAddress) -> Bool { pa >= base && pa < top }
}

/// Where the RMM keeps the per-granule metadata of its tracking regions (bet3.md section 3).
public enum TrackingMetadataSource: UInt8, Hashable, Sendable {
    /// The platform preallocates metadata for every region with memory: activation makes them all FINE and
    /// RMI_GRANULE_TRACKING_SET never asks for memory.
    case preallocated = 0
    /// The host supplies it: activation makes each region that lies wholly inside one bank COARSE and every other
    /// region with memory NONE; TRACKING_SET to FINE asks for the metadata by donation and away from FINE hands it
    /// back by reclaim.
    case donated = 1
}

/// What a range command does when the first granule of its run is locked by another CPU (bet3 allows both).
public enum LockContention: UInt8, Hashable, Sendable {
    /// Answer RMI_BUSY with no progress (the default).
    case busy = 0
    /// Wait for the lock, as commands that lock one granule do, then look at the granule again. Only while the
    /// command holds no granule lock; past the first granule a held lock still ends the call with partial progress.
    case spin = 1
}

/// What EL3 hands the RMM at boot: the memory layout view (DEN0137 A2.3.2) and the model's options.
public struct RMMBootManifest: Sendable {
    /// Protected physical address size in bits (GPCCR_EL3.PPS as a width: 32 ... 52).
    public var physicalAddressBits: Int
    /// The physical granule size (GPCCR_EL3.PGS); the RMI granule size starts equal to it.
    public var granuleSize: GranuleSize
    /// log2 of the size one L0 GPT entry covers (30 + GPCCR_EL3.L0GPTSZ).
    public var l0RegionBits: Int
    /// DRAM and assignable device memory banks, sorted by base, not overlapping. Everything else is a hole.
    public var banks: [MemoryBank]
    /// L0 regions (by base) whose L1 GPT table the platform created at boot.
    public var platformL1Regions: [PhysicalAddress]
    /// Number of processing elements that may call the RMM.
    public var cpuCount: Int
    /// Follow the 2.0-bet2 text: a granule already in the destination state stops a range command as a `state`
    /// failure, instead of being skipped as progress (the newest revision's rule and the default).
    public var strictRangeState: Bool
    /// Granules a range command moves at most in one SMC before it yields with a partial out_top.
    ///
    /// The default, 262,144, is 1 GiB of 4 KB granules: the size of a tracking region, so a range call is bounded
    /// by the region boundary first and by this budget only with larger tracking regions.
    public var rangeWorkBudget: UInt64

    /// Stateful operation contexts per CPU: the pool holds `cpuCount` times as many.
    public var operationContextsPerCPU: Int

    /// Who supplies the tracking metadata: the platform (the default) or the host by donation.
    public var trackingMetadata: TrackingMetadataSource

    /// What a range command does when the first granule of its run is locked by another CPU: RMI_BUSY (the
    /// default) or wait for the lock.
    public var lockContention: LockContention

    /// The default work budget: 1 GiB of 4 KB granules.
    public static let defaultRangeWorkBudget: UInt64 = 262_144
    /// The default number of operation contexts per CPU.
    public static let defaultOperationContextsPerCPU = 4

    public init(
        physicalAddressBits: Int, granuleSize: GranuleSize, l0RegionBits: Int, banks: [MemoryBank],
        platformL1Regions: [PhysicalAddress], cpuCount: Int, strictRangeState: Bool = false,
        rangeWorkBudget: UInt64 = RMMBootManifest.defaultRangeWorkBudget,
        operationContextsPerCPU: Int = RMMBootManifest.defaultOperationContextsPerCPU,
        trackingMetadata: TrackingMetadataSource = .preallocated, lockContention: LockContention = .busy
    ) {
        self.physicalAddressBits = physicalAddressBits
        self.granuleSize = granuleSize
        self.l0RegionBits = l0RegionBits
        self.banks = banks
        self.platformL1Regions = platformL1Regions
        self.cpuCount = cpuCount
        self.strictRangeState = strictRangeState
        self.rangeWorkBudget = rangeWorkBudget
        self.operationContextsPerCPU = operationContextsPerCPU
        self.trackingMetadata = trackingMetadata
        self.lockContention = lockContention
    }

    /// 2^physicalAddressBits: the first address past protected memory.
    public var physicalAddressLimit: UInt64 { 1 << UInt64(physicalAddressBits) }

    /// The bank holding `pa`, if any.
    public func bank(containing pa: PhysicalAddress) -> MemoryBank? {
        banks.sortedSearch { pa < $0.base ? .before : pa >= $0.top ? .after : .match }
    }
}
