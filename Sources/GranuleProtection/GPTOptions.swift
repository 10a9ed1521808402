public import CCAArch

/// How EL3 manages the GPT: the largest contiguous block it fuses to and the size of the block one lock covers.
@frozen
public struct GPTOptions: Hashable, Sendable {
    /// The largest contiguous descriptor transitions fuse uniform blocks into; `nil` disables fusing (TF-A's
    /// RME_GPT_MAX_BLOCK, default 512 MB).
    public var largestContiguousBlock: GPTContiguousSize?
    /// log2 of the bytes one bit lock covers (TF-A: 512 MB, shift 29). At least the largest contiguous block and at
    /// most one L0 region, so a transition never needs two locks at once.
    public var lockBlockShift: Int

    @inlinable
    public init(largestContiguousBlock: GPTContiguousSize? = .size512MB, lockBlockShift: Int = 29) {
        self.largestContiguousBlock = largestContiguousBlock
        self.lockBlockShift = lockBlockShift
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
