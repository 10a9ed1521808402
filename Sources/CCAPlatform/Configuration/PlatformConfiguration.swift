public import CCAArch
public import RMM

/// The static description of the simulated machine: its physical address space, GPT geometry, memory layout,
/// CPUs and the knobs of the model.
///
/// A value; nothing is checked until `validate()`, which every consumer calls before building a machine from it.
/// `PlatformConfiguration.default` is the default platform of the serve protocol (serve-protocol.md).
public struct PlatformConfiguration: Hashable, Sendable {
    /// The physical address sizes GPCCR_EL3.PPS can encode (gpt.md section 1).
    public static let supportedPhysicalAddressBits: [Int] = [32, 36, 40, 42, 44, 48, 52]
    /// The L0GPTSZ values the model supports, as the log2 of the bytes one L0 GPT entry covers
    /// (GPCCR_EL3.L0GPTSZ 0, 4, 6 and 9).
    public static let supportedL0GPTSizeBits: [Int] = [30, 34, 36, 39]
    /// The CPU counts the model supports.
    public static let supportedCPUCounts: ClosedRange<Int> = 1...64
    /// The default range work budget: 262,144 granules, 1 GiB of 4 KiB granules.
    public static let defaultRangeWorkBudget: UInt64 = 262_144

    /// The physical address size in bits (the protected physical address size, GPCCR_EL3.PPS).
    public var physicalAddressBits: Int
    /// The physical granule size (GPCCR_EL3.PGS), also the RMI granule size at boot.
    public var granuleSize: GranuleSize
    /// log2 of the bytes one L0 GPT entry covers (30 + GPCCR_EL3.L0GPTSZ).
    public var l0GPTSizeBits: Int
    /// The populated memory banks: DRAM (CONVENTIONAL) and device memory (DEV_COH, DEV_NCOH).
    public var dramRegions: [MemoryRegion]
    /// MMIO regions (category NONE): not memory, never delegable.
    public var mmioRegions: [MemoryRegion]
    /// The number of host CPUs (processing elements).
    public var cpuCount: Int
    /// The seed of every random choice the platform makes.
    public var seed: UInt64
    /// Whether a granule already in the destination state stops a range command as a state failure (the
    /// 2.0-bet2 text) instead of being skipped as progress (the newest revision, the default).
    public var strictRangeState: Bool
    /// The most granules one range delegation SMC processes before it yields with partial progress (the
    /// implementation-defined budget of A2.3.6.2 rule 4). The default, 262,144, is 1 GiB of 4 KiB granules: one
    /// tracking region, so with the defaults the budget never ends a call before the tracking region does.
    public var rangeWorkBudget: UInt64
    /// The largest block the GPT fuses into contiguous descriptors.
    public var largestContiguousBlock: ContiguousBlockSize
    /// Whether the host must create the GPT L1 tables (RMI_GPT_L1_CREATE) rather than the platform creating
    /// them at boot for every L0 region that holds DRAM.
    public var hostCreatedL1Tables: Bool
    /// Whether DRAM is also mapped as the host's view (`PhysicalMemory.hostView`): ordinary pointers for C host code,
    /// every granule the host may not access inaccessible (the CLI's `--host-view`).
    public var hostView = false
    /// The tracking region size the host library's bring-up configures with RMI_RMM_CONFIG_SET (the CLI's
    /// `--tracking-region`); `nil` for encoding 0, the granule's first size (1 GiB for 4 KiB granules). Must be a
    /// size RmiRmmConfig can encode for the granule size (1 GiB or 2 MiB for 4 KiB granules).
    public var trackingRegionSize: UInt64? = nil
    /// Stateful operation contexts the RMM keeps per CPU (the CLI's `--sro-contexts`), 1 to 64; the pool holds
    /// `cpuCount` times as many.
    public var operationContextsPerCPU = 4
    /// The most granules EL3 moves in one FIRME_GM_GPI_SET call (the CLI's `--el3-max-granules`), at least 1;
    /// `nil` for no limit, the default. With a limit a FINE run answers SUCCESS with what EL3 moved and a COARSE
    /// unit moves in pieces, one EL3 call per SMC (bet3.md section 5).
    public var el3MaxGranulesPerCall: UInt64? = nil
    /// Who supplies the RMM's tracking metadata (the CLI's `--tracking-metadata`): the platform (`preallocated`,
    /// the default: every region with memory is FINE at activation) or the host by donation to TRACKING_SET
    /// (`donated`: regions start COARSE or NONE, bet3.md section 3).
    public var trackingMetadata = TrackingMetadataSource.preallocated
    /// What a range command does when the first granule of its run is locked by another CPU (the CLI's
    /// `--lock-contention`): answer RMI_BUSY (`busy`, the default) or wait for the lock (`spin`).
    public var lockContention = LockContention.busy
    /// The operation context counts per CPU the model supports.
    public static let supportedOperationContextsPerCPU: ClosedRange<Int> = 1...64

    /// The tracking_region_size encoding the host library's bring-up writes.
    public var trackingRegionSizeEncoding: UInt64 {
        trackingRegionSize.flatMap {
            RMMConfiguration.trackingRegionSizeEncoding(size: $0, granuleSize: granuleSize)
        } ?? 0
    }

    public init(
        physicalAddressBits: Int, granuleSize: GranuleSize = .size4KB, l0GPTSizeBits: Int = 30,
        dramRegions: [MemoryRegion], mmioRegions: [MemoryRegion] = [], cpuCount: Int = 4, seed: UInt64 = 0,
        strictRangeState: Bool = false, rangeWorkBudget: UInt64 = PlatformConfiguration.defaultRangeWorkBudget,
        largestContiguousBlock: ContiguousBlockSize = .size512MB, hostCreatedL1Tables: Bool = false
    ) {
        self.physicalAddressBits = physicalAddressBits
        self.granuleSize = granuleSize
        self.l0GPTSizeBits = l0GPTSizeBits
        self.dramRegions = dramRegions
        self.mmioRegions = mmioRegions
        self.cpuCount = cpuCount
        self.seed = seed
        self.strictRangeState = strictRangeState
        self.rangeWorkBudget = rangeWorkBudget
        self.largestContiguousBlock = largestContiguousBlock
        self.hostCreatedL1Tables = hostCreatedL1Tables
    }

    /// The default platform of serve-protocol.md: a 40-bit PA (1 TiB), 4 KiB granules, L0GPTSZ 30 (1 GiB per L0
    /// entry), DRAM0 [0x8000_0000, 0x1_0000_0000) and DRAM1 [0x8_8000_0000, 0x9_0000_0000), both 2 GiB of
    /// conventional memory, MMIO [0, 0x8000_0000), 4 CPUs, seed 0.
    public static let `default` = PlatformConfiguration(
        physicalAddressBits: 40, granuleSize: .size4KB, l0GPTSizeBits: 30,
        dramRegions: [
            MemoryRegion(name: "DRAM0", base: PhysicalAddress(0x8000_0000), size: 0x8000_0000),
            MemoryRegion(name: "DRAM1", base: PhysicalAddress(0x8_8000_0000), size: 0x8000_0000),
        ],
        mmioRegions: [MemoryRegion(name: "MMIO0", base: PhysicalAddress(0), size: 0x8000_0000, category: .none)],
        cpuCount: 4)

    /// The size of the physical address space in bytes, 2^physicalAddressBits (only meaningful once validated).
    public var physicalAddressSpaceSize: UInt64 { 1 << UInt64(physicalAddressBits) }

    /// The bytes one L0 GPT entry covers, 2^l0GPTSizeBits (only meaningful once validated).
    public var l0RegionSize: UInt64 { 1 << UInt64(l0GPTSizeBits) }

    /// Checks that the machine can be modelled; every failure names what is wrong (and the region, if any).
    public func validate() throws(PlatformConfigurationError) {
        guard Self.supportedPhysicalAddressBits.contains(physicalAddressBits) else {
            throw .unsupportedPhysicalAddressBits(physicalAddressBits)
        }
        guard Self.supportedL0GPTSizeBits.contains(l0GPTSizeBits) else { throw .unsupportedL0GPTSize(l0GPTSizeBits) }
        guard l0GPTSizeBits <= physicalAddressBits else {
            throw .l0GPTSizeExceedsPhysicalAddressSize(
                l0GPTSizeBits: l0GPTSizeBits, physicalAddressBits: physicalAddressBits)
        }
        guard Self.supportedCPUCounts.contains(cpuCount) else { throw .cpuCountOutOfRange(cpuCount) }
        guard rangeWorkBudget > 0 else { throw .zeroRangeWorkBudget }
        guard el3MaxGranulesPerCall != 0 else { throw .zeroEL3MaxGranules }
        guard Self.supportedOperationContextsPerCPU.contains(operationContextsPerCPU) else {
            throw .operationContextsOutOfRange(operationContextsPerCPU)
        }
        if let trackingRegionSize,
            RMMConfiguration.trackingRegionSizeEncoding(size: trackingRegionSize, granuleSize: granuleSize) == nil
        {
            throw .unsupportedTrackingRegionSize(trackingRegionSize, granuleSize: granuleSize)
        }
        guard !dramRegions.isEmpty else { throw .noDRAM }

        for region in dramRegions where region.category == .none {
            throw .regionCategory(name: region.name, category: region.category)
        }
        for region in mmioRegions where region.category != .none {
            throw .regionCategory(name: region.name, category: region.category)
        }
        let regions = dramRegions + mmioRegions
        var names = Set<String>()
        for region in regions {
            guard names.insert(region.name).inserted else { throw .duplicateRegionName(region.name) }
            guard region.size > 0 else { throw .zeroSizeRegion(name: region.name) }
            let granule = granuleSize.bytes
            guard region.base.rawValue & (granule - 1) == 0, region.size & (granule - 1) == 0 else {
                throw .misalignedRegion(
                    name: region.name, base: region.base, size: region.size, granuleSize: granuleSize)
            }
            guard let top = region.top, top.rawValue <= physicalAddressSpaceSize else {
                throw .regionBeyondPhysicalAddressSize(
                    name: region.name, base: region.base, size: region.size, physicalAddressBits: physicalAddressBits)
            }
        }
        // Sizes are non-zero and tops do not wrap from here on, so half-open comparisons are exact.
        let sorted = regions.sorted { $0.base < $1.base }
        for (lower, upper) in zip(sorted, sorted.dropFirst())
        where upper.base.rawValue - lower.base.rawValue < lower.size {
            throw .overlappingRegions(first: lower.name, second: upper.name)
        }
        // A tracking region has one category: banks of different categories may not share the largest one the
        // granule size allows (1 GiB for 4 KiB granules), whichever size the host later configures.
        let largestTrackingRegion =
            (0...1).compactMap {
                RMMConfiguration.trackingRegionSize(encoding: $0, granuleSize: granuleSize)
            }.max() ?? granuleSize.bytes
        let banks = dramRegions.sorted { $0.base < $1.base }
        for (lower, upper) in zip(banks, banks.dropFirst()) where lower.category != upper.category {
            let lastOfLower = (lower.base.rawValue + lower.size - 1) & ~(largestTrackingRegion - 1)
            if upper.base.rawValue & ~(largestTrackingRegion - 1) == lastOfLower {
                throw .mixedTrackingRegion(first: lower.name, second: upper.name, size: largestTrackingRegion)
            }
        }
    }

    /// The bases of the L0 regions (2^l0GPTSizeBits-aligned blocks) that hold at least one byte of DRAM, in
    /// ascending order: where the platform creates GPT L1 tables at boot.
    ///
    /// Only meaningful for a validated configuration.
    public func l0RegionsContainingDRAM() -> [PhysicalAddress] {
        let size = l0RegionSize
        var bases = Set<UInt64>()
        for region in dramRegions where region.size > 0 {
            let first = region.base.rawValue & ~(size - 1)
            let last = (region.base.rawValue + (region.size - 1)) & ~(size - 1)
            var base = first
            while true {
                bases.insert(base)
                if base >= last { break }
                base += size
            }
        }
        return bases.sorted().map(PhysicalAddress.init(rawValue:))
    }

    /// The DRAM region that contains `pa`, if any.
    public func dramRegion(containing pa: PhysicalAddress) -> MemoryRegion? {
        dramRegions.first { $0.contains(pa) }
    }

    /// The MMIO region that contains `pa`, if any.
    public func mmioRegion(containing pa: PhysicalAddress) -> MemoryRegion? {
        mmioRegions.first { $0.contains(pa) }
    }
}
