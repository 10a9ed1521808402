/// The architectural maintenance a GPT operation performed, counted (gpt.md section 3, TF-A lib/gpt_rme).
///
/// A range-aware transition invalidates each changed run, widened to 2 MB boundaries, with the fewest naturally
/// aligned TLBI RPALOS blocks (2 MB ... 512 GB), not one per granule. Each GPI write pass is followed by DSB OSHST,
/// the TLBIs, and DSB OSH; each clean+invalidate pass to the PoPA ends with a DSB. Cache lines are counted as 64-byte
/// lines per PAS pass: delegation cleans in the target (Realm) PAS then in Non-secure; undelegation in Realm then
/// Non-secure. A single-granule call is one TLBI per GPI write, as TF-A's one-granule sequence. Shattering a contiguous
/// block costs one more TLBI RPALOS (of the block's size) and DSB per outermost block, as TF-A's shatter_block;
/// fusing costs none.
@frozen
public struct GPTMaintenance: Hashable, Sendable {
    /// TLBI RPALOS operations issued.
    public var tlbiByPA: UInt64
    /// DSB barriers issued.
    public var dsb: UInt64
    /// 64-byte cache lines cleaned and invalidated to the Point of Physical Aliasing, summed over PAS passes.
    public var cleanedCacheLines: UInt64
    /// L1 GPT words stored: GPI writes, shattering and fusing (the measure of a fuse policy's thrash).
    public var l1DescriptorWrites: UInt64

    @inlinable
    public init(tlbiByPA: UInt64 = 0, dsb: UInt64 = 0, cleanedCacheLines: UInt64 = 0, l1DescriptorWrites: UInt64 = 0) {
        self.tlbiByPA = tlbiByPA
        self.dsb = dsb
        self.cleanedCacheLines = cleanedCacheLines
        self.l1DescriptorWrites = l1DescriptorWrites
    }

    /// No maintenance. Computed and inlinable rather than a stored global, which other modules reach through an
    /// accessor call with a one-time-initialisation check on every EL3 call.
    @inlinable public static var none: GPTMaintenance { GPTMaintenance() }

    /// The sum of two counts.
    @inlinable
    public static func + (lhs: GPTMaintenance, rhs: GPTMaintenance) -> GPTMaintenance {
        GPTMaintenance(
            tlbiByPA: lhs.tlbiByPA + rhs.tlbiByPA, dsb: lhs.dsb + rhs.dsb,
            cleanedCacheLines: lhs.cleanedCacheLines + rhs.cleanedCacheLines,
            l1DescriptorWrites: lhs.l1DescriptorWrites + rhs.l1DescriptorWrites)
    }

    @inlinable
    public static func += (lhs: inout GPTMaintenance, rhs: GPTMaintenance) { lhs = lhs + rhs }
}
