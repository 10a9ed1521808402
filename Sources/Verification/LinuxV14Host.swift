public import CCAArch
public import RMIHost

/// The Linux range helpers exactly as `[PATCH v14 09/44] arm64: RMI: Provide functions to delegate/undelegate
/// ranges of memory` shapes them (seed-review.txt), for comparison with `HostRMI`.
///
/// ```c
/// while (phys < top) {
///     ret = rmi_granule_range_delegate(phys, top, &out_top);
///     if (ret == RMI_SUCCESS)
///         phys = out_top;
///     else if (ret != RMI_BUSY && ret != RMI_BLOCKED)
///         return ret;
/// }
/// return ret;
/// ```
///
/// BUSY and BLOCKED are retried without bound, any SUCCESS is taken as progress (`phys = out_top`), RMI_INCOMPLETE
/// is returned as if it were an error, and only the status comes back: a caller learns nothing about the prefix
/// that moved. The one addition is `smcCap`, a watchdog of the harness, not of the loop: without it "loops
/// forever" could not be observed, only suffered.
public struct LinuxV14Host: Sendable {
    /// What a call returned.
    public struct Result: Hashable, Sendable {
        /// `ret`: the raw X0 of the last answer (0 when the loop body never ran).
        public var ret: UInt64
        /// SMCs issued.
        public var smcCount: Int
        /// Whether the harness stopped the loop at `smcCap` SMCs (the loop itself would have carried on).
        public var hitCap: Bool
    }

    public let conduit: any SMCConduit
    /// The watchdog: SMCs after which the harness stops the loop.
    public let smcCap: Int

    public init(conduit: any SMCConduit, smcCap: Int) {
        self.conduit = conduit
        self.smcCap = smcCap
    }

    /// `rmi_delegate_range(phys, size)`.
    public func delegateRange(phys: PhysicalAddress, size: UInt64) -> Result {
        rangeLoop(.granuleRangeDelegate, phys: phys.rawValue, size: size)
    }

    /// `rmi_undelegate_range(phys, size)`; its `WARN_ON(size == 0)` only prints, so it is not modelled.
    public func undelegateRange(phys: PhysicalAddress, size: UInt64) -> Result {
        rangeLoop(.granuleRangeUndelegate, phys: phys.rawValue, size: size)
    }

    private func rangeLoop(_ command: FunctionID, phys start: UInt64, size: UInt64) -> Result {
        let success = UInt64(RMIStatus.success.rawValue)
        let busy = UInt64(RMIStatus.busy.rawValue)
        let blocked = UInt64(RMIStatus.blocked.rawValue)
        var ret: UInt64 = 0
        var phys = start
        // unsigned long arithmetic: wraps like C.
        let top = start &+ size
        var smcCount = 0
        while phys < top {
            guard smcCount < smcCap else { return Result(ret: ret, smcCount: smcCount, hitCap: true) }
            let answer = conduit.smc(SMCArguments(command.rawValue, phys, top))
            smcCount += 1
            ret = answer.x0
            if ret == success {
                phys = answer.x1
            } else if ret != busy && ret != blocked {
                return Result(ret: ret, smcCount: smcCount, hitCap: false)
            }
        }
        return Result(ret: ret, smcCount: smcCount, hitCap: false)
    }
}
