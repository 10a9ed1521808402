public import CCAArch

/// How EL3 manages the GPT: the largest contiguous block it fuses to, when it fuses, and the size of the block one
/// lock covers.
///
/// Fusing has two speeds (docs/gpt.md, "Fusing"). A transition fuses at once the uniform blocks around what it
/// changed up to `eagerFuseLimit` (2 MB by default: at most 32 L1 words to rewrite, and as many to shatter again
/// if the next call cuts the block). Larger blocks, up to `largestContiguousBlock`, are fused only once every
/// 32 MB (the next size above the eager limit) part of them has gone `fuseDelay` transitions of its lock block
/// without a change, or by an explicit `GranuleProtectionTable.compact()`. A granule flipping back and forth
/// therefore costs a bounded number of L1 word writes per call, and memory that stays Non-secure or Realm still
/// regains full TLB reach.
@frozen
public struct GPTOptions: Hashable, Sendable {
    /// The largest contiguous descriptor uniform blocks are fused into; `nil` disables fusing (TF-A's
    /// RME_GPT_MAX_BLOCK, default 512 MB).
    public var largestContiguousBlock: GPTContiguousSize?
    /// log2 of the bytes one bit lock covers (TF-A: 512 MB, shift 29). At least the largest contiguous block and at
    /// most one L0 region, so a transition never needs two locks at once.
    public var lockBlockShift: Int
    /// The largest contiguous block a transition fuses as soon as it is uniform; `nil` fuses nothing at once.
    /// Capped by `largestContiguousBlock`; set it equal (or larger) for TF-A's eager policy, which fuses all the way
    /// up after every change.
    public var eagerFuseLimit: GPTContiguousSize?
    /// How many transitions of its lock block a changed block must sit out, unchanged, before it is fused above
    /// `eagerFuseLimit`: the hysteresis that keeps a block one granule flips in from being fused and shattered
    /// again at every call. At least 1.
    public var fuseDelay: Int

    @inlinable
    public init(
        largestContiguousBlock: GPTContiguousSize? = .size512MB, lockBlockShift: Int = 29,
        eagerFuseLimit: GPTContiguousSize? = .size2MB, fuseDelay: Int = 64
    ) {
        self.largestContiguousBlock = largestContiguousBlock
        self.lockBlockShift = lockBlockShift
        self.eagerFuseLimit = eagerFuseLimit
        self.fuseDelay = fuseDelay
    }
}

/// What to do when a transition finds its lock block held by another CPU.
@frozen
public enum GPTLockPolicy: Hashable, Sendable {
    /// Spin until the lock is free (TF-A's behaviour for the GTSI calls).
    case wait
    /// Stop at the block with `GPTStopReason.lockContention`, reporting the granules done before it.
    case tryLock
}
