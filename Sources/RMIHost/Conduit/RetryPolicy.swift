#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How the host retries an SMC answered RMI_BUSY or RMI_BLOCKED, and how long it drives a stateful operation.
///
/// BUSY and BLOCKED mean "no progress, nothing changed" (rmi-abi.md section 3). The Linux helpers under review
/// retried both forever; granule-delegation.md section 8 item 4 requires a bound. BUSY is transient and may be
/// retried many times (spinning first, then yielding the CPU); BLOCKED means another operation, possibly the
/// caller's own unfinished one, holds the target, so it gets its own small budget (Linux retries it twice).
/// When a budget runs out the call ends `stalled`, with the progress made so far.
///
/// Budgets count SMCs for one step (one logical RMI call), the first attempt included: with `attemptBudget` N, a
/// BUSY storm issues exactly N SMCs and then stops.
public struct RetryPolicy: Sendable {
    /// SMCs one step may issue in all before it ends `stalled` (at least 1).
    public var attemptBudget: Int
    /// SMCs answered RMI_BLOCKED one step tolerates before it ends `stalled` (at least 1). The default, 3, is the
    /// first answer plus Linux's two retries.
    public var blockedAttemptBudget: Int
    /// Retries issued back to back before the host starts calling `yield` before each further retry.
    public var spinsBeforeYield: Int
    /// Operation steps (RMI_OP_CONTINUE, _MEM_DONATE, _MEM_RECLAIM, _CANCEL) one stateful operation may take
    /// before the driver gives up on it, so an RMM that answers RMI_INCOMPLETE forever cannot hang the host
    /// (sro.md section 7, "Bound the loop").
    public var continuationBudget: Int
    /// Gives up the CPU between retries: `sched_yield` on a real host. Injected so tests run fast and can count.
    public var yield: @Sendable () -> Void

    public init(
        attemptBudget: Int = 1024, blockedAttemptBudget: Int = 3, spinsBeforeYield: Int = 16,
        continuationBudget: Int = 4096, yield: @escaping @Sendable () -> Void = RetryPolicy.yieldProcessor
    ) {
        precondition(attemptBudget >= 1, "a step must be allowed at least one SMC")
        precondition(blockedAttemptBudget >= 1, "a step must tolerate at least one BLOCKED answer")
        precondition(spinsBeforeYield >= 0, "spin count cannot be negative")
        precondition(continuationBudget >= 1, "a stateful operation must be allowed at least one step")
        self.attemptBudget = attemptBudget
        self.blockedAttemptBudget = blockedAttemptBudget
        self.spinsBeforeYield = spinsBeforeYield
        self.continuationBudget = continuationBudget
        self.yield = yield
    }

    /// The default yield: `sched_yield()` where the C library has it, so a retrying host thread lets others run.
    public static let yieldProcessor: @Sendable () -> Void = {
        #if canImport(Glibc)
        _ = sched_yield()
        #elseif canImport(Musl)
        _ = sched_yield()
        #elseif canImport(Darwin)
        _ = sched_yield()
        #endif
    }
}
