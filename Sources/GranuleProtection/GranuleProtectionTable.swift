public import CCAArch
public import FirmwareSync
import Synchronization

/// The Granule Protection Table EL3 owns, laid out as the architecture defines it (Arm ARM, FEAT_RME, "GPT
/// formats"; gpt.md section 2).
///
/// An L0 table of 64-bit descriptors, one per L0 region of 2^(30 + GPCCR_EL3.L0GPTSZ) bytes below 2^PPS. A region
/// is a Block (one GPI, no per-granule control) or a Table pointing at an L1 table of 64-bit words, each a Granules
/// descriptor (sixteen 4-bit GPIs) or a Contiguous descriptor. The model keeps each region's L1 table by L0
/// index; the L1 address in a Table descriptor is the one the platform or Host supplied, shown in dumps.
///
/// The granule protection check reads descriptors with atomic loads and takes no lock. GPI transitions hold one
/// bit lock per lock block (512 MB by default), so transitions of disjoint blocks run in parallel.
public final class GranuleProtectionTable: Sendable {
    /// The GPCCR_EL3 value the table was built for.
    public let gpccr: GPCCR
    /// The options it was built with.
    public let options: GPTOptions
    /// GPCCR_EL3.PGS.
    public let granuleSize: GranuleSize
    /// GPCCR_EL3.PPS.
    public let protectedSize: ProtectedPhysicalAddressSize
    /// GPCCR_EL3.L0GPTSZ.
    public let l0RegionSize: L0GPTSize

    let granuleShift: Int
    let l0Shift: Int
    /// 2^PPS.
    let limit: UInt64
    /// log2 of the granules one L1 table covers.
    let granulesPerL1Shift: Int
    let memory: _GPTMemory
    /// When blocks above the eager limit are fused (the hysteresis of `GPTOptions.fuseDelay`).
    let fusing: _FuseDeferral
    /// Where the next visit to a quiet lock block starts looking (`visitPendingBlock`).
    let visitCursor: Atomic<Int>
    /// L0 regions that are currently Tables.
    let liveL1Tables: Atomic<Int>

    /// Builds the boot-time GPT from the platform's layout (TF-A gpt_init_l0_tables / gpt_init_pas_l1_tables).
    ///
    /// - Parameters:
    ///   - gpccr: the register value; PPS, PGS and L0GPTSZ must be defined encodings.
    ///   - regions: L0-region-aligned, non-overlapping ranges: granular ones get an L1 table, block ones a Block.
    ///   - defaultGPI: the Block GPI of every L0 region no boot region names.
    ///   - l1Base: where the platform's L1 tables live, one after another in region order (for the Table
    ///     descriptors' address field).
    ///   - options: fusing limit and lock block size.
    ///   - observer: who watches EL3's shared-memory steps (its bit locks), if anyone; it must outlive the table.
    public init(
        gpccr: GPCCR, regions: [GPTBootRegion], defaultGPI: GPI = .noAccess, l1Base: PhysicalAddress,
        options: GPTOptions = GPTOptions(), observer: (any SchedulingObserver)? = nil
    ) throws(GPTConfigurationError) {
        guard let pps = gpccr.pps, let pgs = gpccr.pgs, let l0Size = gpccr.l0gptsz else {
            throw .reservedGPCCREncoding(gpccr)
        }
        guard pps.bits >= l0Size.shift else { throw .ppsSmallerThanL0Region(gpccr) }
        let wordShift = pgs.shift + 4
        let smallestLock = max(wordShift, options.largestContiguousBlock?.shift ?? wordShift)
        guard options.lockBlockShift >= smallestLock && options.lockBlockShift <= l0Size.shift else {
            throw .invalidLockBlockShift(options.lockBlockShift)
        }
        guard defaultGPI.isValidDescriptorEncoding else { throw .reservedGPI(defaultGPI) }
        guard l1Base.rawValue & ~UInt64.mask(bits: 12..<52) == 0 else { throw .l1BaseMisaligned(l1Base) }

        let l0Bytes = l0Size.bytes
        var sorted: [GPTBootRegion] = []
        for region in regions {
            let range = region.range
            guard range.granuleSize == pgs else { throw .granuleSizeMismatch(range) }
            guard !range.isEmpty && range.top.rawValue <= pps.limit else { throw .regionOutOfRange(range) }
            guard range.base.isAligned(to: l0Bytes) && range.top.isAligned(to: l0Bytes) else {
                throw .regionNotL0Aligned(range)
            }
            switch region {
            case .granular(_, let gpi), .block(_, let gpi):
                guard gpi.isValidDescriptorEncoding else { throw .reservedGPI(gpi) }
            }
            for other in sorted where other.range.base < range.top && range.base < other.range.top {
                throw .regionsOverlap(range)
            }
            sorted.append(region)
        }
        sorted.sort { $0.range.base < $1.range.base }

        self.gpccr = gpccr
        self.options = options
        self.granuleSize = pgs
        self.protectedSize = pps
        self.l0RegionSize = l0Size
        self.granuleShift = pgs.shift
        self.l0Shift = l0Size.shift
        self.limit = pps.limit
        self.granulesPerL1Shift = l0Size.shift - pgs.shift
        let l0Count = 1 << (pps.bits - l0Size.shift)
        let l1WordCount = 1 << (l0Size.shift - wordShift)
        let lockCount = 1 << (pps.bits - options.lockBlockShift)
        let fusing = _FuseDeferral(
            options: options, granuleShift: pgs.shift, tableGranuleShift: l0Size.shift - pgs.shift)
        self.fusing = fusing
        self.memory = _GPTMemory(
            l0Count: l0Count, l1WordCount: l1WordCount, sideWordCount: fusing.sideWordCount, lockCount: lockCount,
            initialL0: GPTL0Descriptor.block(defaultGPI).rawValue, observer: observer)
        self.liveL1Tables = Atomic(0)
        self.visitCursor = Atomic(0)

        var nextL1 = l1Base
        let tableBytes = UInt64(l1WordCount) * 8
        for region in sorted {
            let first = Int(region.range.base.rawValue >> UInt64(l0Shift))
            let end = Int(region.range.top.rawValue >> UInt64(l0Shift))
            for index in first..<end {
                switch region {
                case .block(_, let gpi):
                    memory.storeL0(index, GPTL0Descriptor.block(gpi).rawValue)
                case .granular(_, let gpi):
                    _ = memory.l1Allocating(index, fill: filledL1Word(gpi))
                    memory.storeL0(index, GPTL0Descriptor.table(l1Address: nextL1).rawValue)
                    nextL1 = nextL1 + tableBytes
                    // Relaxed: nothing else can see the table before init returns.
                    liveL1Tables.add(1, ordering: .relaxed)
                }
            }
        }
    }

    // MARK: Geometry

    /// Number of L0 descriptors: 2^(PPS - (30 + L0GPTSZ)).
    public var l0EntryCount: Int { memory.l0Count }

    /// Bytes of one L1 table: 2^(30 + L0GPTSZ - PGS) granules at 4 bits each.
    public var l1TableBytes: UInt64 { UInt64(memory.l1WordCount) * 8 }

    /// Granules a table in memory occupies: at least one, even when the table is smaller than a granule.
    public var l1TableGranules: UInt64 { max(1, l1TableBytes >> UInt64(granuleShift)) }

    /// Bytes of the L0 table.
    public var l0TableBytes: UInt64 { UInt64(memory.l0Count) * 8 }

    /// Number of L0 regions that are Tables now.
    public var l1TableCount: Int {
        // Relaxed: a statistic; callers that need it exact do not race it with create/destroy.
        liveL1Tables.load(ordering: .relaxed)
    }

    /// Bytes of L1 table the current layout uses: one table per Table region, nothing for Block regions.
    public var l1MemoryBytes: UInt64 { UInt64(l1TableCount) * l1TableBytes }

    /// The index of the L0 descriptor covering `pa`, or `nil` at or beyond 2^PPS.
    public func l0Index(of pa: PhysicalAddress) -> Int? {
        pa.rawValue < limit ? Int(pa.rawValue >> UInt64(l0Shift)) : nil
    }

    /// The base address of L0 region `index`.
    public func l0RegionBase(_ index: Int) -> PhysicalAddress {
        precondition(index >= 0 && index < memory.l0Count, "L0 index out of the table")
        return PhysicalAddress(UInt64(index) << UInt64(l0Shift))
    }

    // MARK: Dumps

    /// The raw bits of L0 descriptor `index`.
    public func l0DescriptorBits(at index: Int) -> UInt64 { memory.loadL0(index) }

    /// L0 descriptor `index` decoded; `nil` if malformed.
    public func l0Descriptor(at index: Int) -> GPTL0Descriptor? { GPTL0Descriptor(rawValue: memory.loadL0(index)) }

    /// The raw bits of the L1 word covering `pa`, or `nil` if `pa` is beyond PPS or its region is not a Table.
    public func l1DescriptorBits(at pa: PhysicalAddress) -> UInt64? {
        guard let index = l0Index(of: pa), memory.loadL0(index)[bits: 0..<4] == GPTL0Descriptor.tableType,
            let table = memory.l1(index)
        else { return nil }
        return table.load(wordIndex(of: pa.rawValue))
    }

    /// Calls `body` with the first address and the raw bits of every L1 word covering [`base`, `top`), in address
    /// order; the bits are `nil` as for `l1DescriptorBits(at:)`. One L0 and table lookup per L0 region, for dumps
    /// and checkers that read many words. `base` is aligned down to a word's sixteen granules.
    public func forEachL1DescriptorBits(
        from base: PhysicalAddress, to top: PhysicalAddress, _ body: (PhysicalAddress, UInt64?) -> Void
    ) {
        let wordSpan = UInt64(1) << UInt64(granuleShift + 4)
        var pa = base.rawValue & ~(wordSpan - 1)
        let end = Swift.min(top.rawValue, limit)
        while pa < end {
            let index = Int(pa >> UInt64(l0Shift))
            let regionEnd = Swift.min(end, (UInt64(index) + 1) << UInt64(l0Shift))
            let table = memory.loadL0(index)[bits: 0..<4] == GPTL0Descriptor.tableType ? memory.l1(index) : nil
            while pa < regionEnd {
                body(PhysicalAddress(pa), table.map { $0.load(wordIndex(of: pa)) })
                pa += wordSpan
            }
        }
    }

    /// The L1 word covering `pa` decoded; `nil` as for `l1DescriptorBits(at:)` or if malformed.
    public func l1Descriptor(at pa: PhysicalAddress) -> GPTL1Descriptor? {
        l1DescriptorBits(at: pa).flatMap { GPTL1Descriptor(rawValue: $0) }
    }

    // MARK: Fault injection

    /// Overwrites L0 descriptor `index` with raw bits, modelling a corrupted GPT (for walk-fault paths). Writing
    /// a Table descriptor to a region that never had an L1 table traps.
    public func overwriteL0Descriptor(at index: Int, bits: UInt64) {
        if bits[bits: 0..<4] == GPTL0Descriptor.tableType {
            precondition(memory.l1(index) != nil, "a Table descriptor needs an L1 table behind it")
        }
        memory.storeL0(index, bits)
    }

    /// Overwrites the L1 word covering `pa` with raw bits, modelling a corrupted GPT. The region must be a Table.
    public func overwriteL1Descriptor(at pa: PhysicalAddress, bits: UInt64) {
        guard let index = l0Index(of: pa), let table = memory.l1(index) else {
            preconditionFailure("no L1 table covers the address")
        }
        table.store(wordIndex(of: pa.rawValue), bits)
    }

    // MARK: Internals

    /// The index within its L1 table of the word covering byte address `address`.
    @inline(__always)
    func wordIndex(of address: UInt64) -> Int {
        Int((address >> UInt64(granuleShift + 4)) & UInt64(memory.l1WordCount - 1))
    }

    /// The L1 word a table is filled with when every granule has `gpi`: the largest contiguous descriptor fusing
    /// allows, or a Granules word.
    func filledL1Word(_ gpi: GPI) -> UInt64 {
        if let size = options.largestContiguousBlock, size.shift <= l0Shift {
            return GPTL1Descriptor.contiguous(gpi, size: size).rawValue
        }
        return GPTL1Granules(repeating: gpi).rawValue
    }
}
