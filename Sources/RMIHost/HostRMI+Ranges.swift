public import CCAArch

extension HostRMI {
    /// Whether granules that fail to undelegate are recorded in the leak ledger.
    public enum UndelegationFailurePolicy: Hashable, Sendable {
        /// Record the unfinished suffix `[outcome.top, base + size)` in the leak ledger: the host gives it up and
        /// the allocator will never hand it out (granule-delegation.md section 8 item 7). The default, for every
        /// failure the RMM caused, a stall included: the suffix may still be Realm PAS, and memory the caller then
        /// forgets would be lost silently, which the ledger exists to prevent.
        case leak
        /// Only report; the caller decides (for example to retry after a stall). The range of an abandoned
        /// stateful operation is quarantined all the same (`RangeOutcome.abandonedOperation`): no later call can
        /// reach granules it holds.
        case report
    }

    /// Delegates `[base, base + size)` with RMI_GRANULE_RANGE_DELEGATE (DEN0137 B4.5.17), as far as it can go.
    ///
    /// - A misaligned base or size, or a range past 2^64, fails before any SMC (`unaligned`, `overflow`): the RMM
    ///   would reject `top <= base` itself, but a host loop `while base < top` would never ask it.
    /// - Otherwise a size of 0 succeeds without issuing an SMC, the way `free(NULL)` is not an error (the review's
    ///   first question): nothing was asked, nothing moved. This holds before bring-up too.
    /// - Every RMI_SUCCESS must satisfy `base < out_top <= top` with out_top granule-aligned; otherwise the call
    ///   stops with `noProgress` naming the answer, never looping on an unchanged base.
    /// - RMI_BUSY / RMI_BLOCKED are retried within the retry policy, then `stalled`.
    /// - RMI_INCOMPLETE is driven through its handle to the final answer, whose X1 is out_top. An operation the
    ///   host has to leave unfinished (a budget ran out, or a step it could not serve nor cancel) may hold any
    ///   granule from the reported top on: that range is quarantined in the leak ledger and named in
    ///   `abandonedOperation`.
    /// - Any other status ends the request with `rmmError(status)`.
    ///
    /// In every case the outcome's `top` is the end of the prefix actually delegated; undelegate exactly
    /// `[base, top)` to roll back (`rollback(_:)`). With 2.0-bet3 skip semantics, already-delegated granules count
    /// as progress; `bookkeepingMismatchGranules` says how many of them the host's record already had.
    public func delegate(base: PhysicalAddress, size: UInt64) -> RangeOutcome {
        rangeCommand(.delegate, base: base, size: size, onFailure: .report)
    }

    /// Undelegates `[base, base + size)` with RMI_GRANULE_RANGE_UNDELEGATE (DEN0137 B4.5.18), as far as it can go.
    ///
    /// Same input rules, progress checks, retry bounds and stateful-operation handling as `delegate(base:size:)`.
    /// Undelegation fails on granules still in use by an RMM object (ERROR_INPUT, or SUCCESS stopping early and
    /// the error on the next call): by default the unfinished suffix goes to the leak ledger, because those
    /// granules may still be Realm PAS and must never be reused as Non-secure memory.
    public func undelegate(
        base: PhysicalAddress, size: UInt64, onFailure: UndelegationFailurePolicy = .leak
    ) -> RangeOutcome {
        rangeCommand(.undelegate, base: base, size: size, onFailure: onFailure)
    }

    /// Undelegates `range`, then gives what came back to the page allocator; the unfinished suffix of a failure is
    /// leaked, never freed.
    ///
    /// The safe way to return allocator memory the host delegated: a page is freed only after an undelegation
    /// covering it succeeded (granule-delegation.md section 8 item 7).
    public func undelegateAndRelease(_ range: GranuleRange) -> RangeOutcome {
        let outcome = undelegate(base: range.base, size: range.size, onFailure: .leak)
        allocator.free(GranuleRange(uncheckedBase: range.base, top: outcome.top, granuleSize: granuleSize))
        return outcome
    }

    /// Delegates one granule at `address`.
    public func delegatePage(_ address: PhysicalAddress) -> RangeOutcome {
        delegate(base: address, size: granuleSize.bytes)
    }

    /// Undelegates one granule at `address`, leaking it on failure by default.
    public func undelegatePage(
        _ address: PhysicalAddress, onFailure: UndelegationFailurePolicy = .leak
    ) -> RangeOutcome {
        undelegate(base: address, size: granuleSize.bytes, onFailure: onFailure)
    }

    /// Undelegates exactly the prefix a delegation reports as moved, `[outcome.base, outcome.top)`, leaking what
    /// cannot be undelegated.
    ///
    /// Undelegating the whole original range instead used to fail on the never-delegated suffix (2.0-bet2) and is
    /// wasteful under bet3 skip rules (granule-delegation.md section 8 item 6). An empty prefix issues no SMC.
    public func rollback(_ outcome: RangeOutcome) -> RangeOutcome {
        precondition(outcome.operation == .delegate, "only a delegation can be rolled back")
        return undelegate(base: outcome.base, size: outcome.top - outcome.base, onFailure: .leak)
    }

    // MARK: The loop

    func rangeCommand(
        _ operation: RangeOutcome.Operation, base: PhysicalAddress, size: UInt64,
        onFailure: UndelegationFailurePolicy
    ) -> RangeOutcome {
        let granule = granuleSize.bytes
        func rejected(_ failure: RangeFailure?) -> RangeOutcome {
            RangeOutcome(operation: operation, base: base, size: size, top: base, smcCount: 0, failure: failure)
        }
        guard base.isAligned(to: granule), size % granule == 0 else {
            return rejected(.unaligned(base: base, size: size))
        }
        guard let top = base.adding(size) else {
            return rejected(.overflow(base: base, size: size))
        }
        guard size != 0 else { return rejected(nil) }
        guard isAvailable else { return rejected(.notInitialized) }

        var smcCount = 0
        let progress = rangeLoop(operation, base: base, top: top, smcCount: &smcCount)
        var leaked: UInt64 = 0
        if operation == .undelegate, progress.failure != nil, onFailure == .leak {
            let suffix = GranuleRange(uncheckedBase: progress.top, top: top, granuleSize: granuleSize)
            leakLedger.record(suffix)
            leaked = suffix.granuleCount
        } else if let held = progress.abandoned {
            // Whatever the policy: no later call can reach granules an unfinished operation holds PARTIAL.
            leakLedger.record(held.range)
            leaked = held.range.granuleCount
        }
        return RangeOutcome(
            operation: operation, base: base, size: size, top: progress.top, smcCount: smcCount,
            failure: progress.failure, leakedGranules: leaked, abandonedOperation: progress.abandoned,
            bookkeepingMismatchGranules: progress.mismatch >> UInt64(granuleSize.shift))
    }

    struct RangeProgress {
        var top: PhysicalAddress
        var failure: RangeFailure?
        var mismatch: UInt64 = 0
        /// Set when a call went RMI_INCOMPLETE and its operation was left unfinished: `[top, request top)` may be
        /// held PARTIAL.
        var abandoned: AbandonedRangeOperation?
    }

    /// Re-issues the range command with base = out_top until out_top == top or something ends the request
    /// (granule-delegation.md section 7). Inputs are already checked; `base < top`.
    func rangeLoop(
        _ operation: RangeOutcome.Operation, base: PhysicalAddress, top: PhysicalAddress, smcCount: inout Int
    ) -> RangeProgress {
        let command = operation.command
        var cursor = base
        var mismatch: UInt64 = 0
        while cursor < top {
            let arguments = SMCArguments(command.rawValue, cursor.rawValue, top.rawValue)
            var answer: SMCReturn
            switch issue(arguments, smcCount: &smcCount) {
            case .stalled(let status):
                return RangeProgress(top: cursor, failure: .stalled(status), mismatch: mismatch)
            case .answered(let first):
                answer = first
            }
            if RMIResult(rawValue: answer.x0).status == .incomplete {
                // Range commands do not transfer memory (sro.md section 2): a memory request is a breach.
                let driven = driveIncomplete(answer, transfersMemory: false, smcCount: &smcCount)
                let held = AbandonedRangeOperation(
                    handle: answer.x1, range: GranuleRange(uncheckedBase: cursor, top: top, granuleSize: granuleSize))
                switch driven {
                case .completed(let final): answer = final
                case .stalled(let status):
                    return RangeProgress(top: cursor, failure: .stalled(status), mismatch: mismatch, abandoned: held)
                case .failed(let failure):
                    // A cancelled operation has ended (its roll-back was driven to a final answer); the others
                    // are left pending under their handle.
                    let ended = if case .cancelled = failure { true } else { false }
                    return RangeProgress(
                        top: cursor, failure: .statefulOperation(failure), mismatch: mismatch,
                        abandoned: ended ? nil : held)
                }
            }
            let status = RMIResult(rawValue: answer.x0).status
            guard status == .success else {
                return RangeProgress(top: cursor, failure: .rmmError(status), mismatch: mismatch)
            }
            let outTop = PhysicalAddress(answer.x1)
            if let bad = BadProgressAnswer.check(
                command: command, base: cursor, top: top, outTop: outTop, granuleSize: granuleSize)
            {
                return RangeProgress(top: cursor, failure: .noProgress(bad), mismatch: mismatch)
            }
            mismatch += record(operation, cursor.rawValue..<outTop.rawValue)
            cursor = outTop
        }
        return RangeProgress(top: cursor, failure: nil, mismatch: mismatch)
    }

    /// Updates the host's delegation record for a moved range; returns the bytes where the record disagreed.
    private func record(_ operation: RangeOutcome.Operation, _ moved: Range<UInt64>) -> UInt64 {
        shared.delegatedByHost.withLock { delegated in
            let known = delegated.overlap(with: moved)
            switch operation {
            case .delegate:
                delegated.insert(moved)
                return known
            case .undelegate:
                delegated.remove(moved)
                return moved.byteWidth - known
            }
        }
    }

    /// Delegates `range` (memory the host took from its allocator for its own purposes). On failure it gives the
    /// memory back: the delegated prefix undelegated and freed (or leaked, as `undelegateAndFree` does), the rest
    /// freed, or leaked if an abandoned stateful operation may still hold it. Returns where and why it stopped, `nil`
    /// when the whole range is delegated.
    func delegateOrGiveBack(
        _ range: GranuleRange, smcCount: inout Int
    ) -> (top: PhysicalAddress, failure: RangeFailure)? {
        let progress = rangeLoop(.delegate, base: range.base, top: range.top, smcCount: &smcCount)
        guard let failure = progress.failure else { return nil }
        undelegateAndFree(
            GranuleRange(uncheckedBase: range.base, top: progress.top, granuleSize: granuleSize), smcCount: &smcCount)
        let suffix = GranuleRange(uncheckedBase: progress.top, top: range.top, granuleSize: granuleSize)
        if progress.abandoned != nil {
            leakLedger.record(suffix)
        } else {
            allocator.free(suffix)
        }
        return (progress.top, failure)
    }

    /// Undelegates `range` (memory the host delegated for its own purposes) and frees what came back to the
    /// allocator; leaks the unfinished suffix on failure. Returns the granules leaked.
    @discardableResult
    func undelegateAndFree(_ range: GranuleRange, smcCount: inout Int) -> UInt64 {
        guard !range.isEmpty else { return 0 }
        let progress = rangeLoop(.undelegate, base: range.base, top: range.top, smcCount: &smcCount)
        let done = GranuleRange(uncheckedBase: range.base, top: progress.top, granuleSize: granuleSize)
        allocator.free(done)
        guard progress.failure != nil else { return 0 }
        let rest = GranuleRange(uncheckedBase: progress.top, top: range.top, granuleSize: granuleSize)
        leakLedger.record(rest)
        return rest.granuleCount
    }
}
