import CCAArch

/// A COARSE unit that EL3 moves in pieces (bet3.md section 5): a stateful operation holds the unit PARTIAL from the
/// SMC that started it until EL3 has moved all of it, or has given back what it moved after a refusal.
struct CoarseOperation {
    var direction: RangeDirection
    var region: TrackingRegion
    /// Granules of the unit scrubbed so far (a conventional undelegation scrubs the whole unit before EL3 moves
    /// any of it).
    var scrubbed: UInt64
    /// Granules from the unit's base that EL3 has moved to the target GPI.
    var moved: UInt64
    /// Set when EL3 refused a delegation part way: the status the operation ends with once every moved granule is
    /// Non-secure again (RMI_ERROR_TRACKING for a refusal, RMI_BLOCKED for a conflict with another agent).
    var rollback: RMIStatus?
    /// Of the moved granules, those EL3 has already returned to Non-secure (roll-back).
    var returned: UInt64
}

extension RealmManagementMonitor {
    /// Moves a COARSE unit whose range checks passed at base (the range covers the unit, and the unit is not
    /// already in the destination state): one EL3 call per SMC (bet3.md section 5).
    ///
    /// The operation context is reserved first (TF-RMM's order): none free answers RMI_BLOCKED (all waiting for
    /// the host) or RMI_BUSY, with nothing changed. A unit not in the source state answers RMI_BUSY (locked),
    /// RMI_BLOCKED (PARTIAL: another operation moves it), RMI_SUCCESS (another CPU finished moving it since the
    /// caller looked, the skip rule) or RMI_ERROR_INPUT. Otherwise the unit is PARTIAL and the
    /// first step runs (`coarseStep`); if it does not finish the unit, the answer is RMI_INCOMPLETE (mem NONE, not
    /// cancellable) with the handle in X1, and RMI_OP_CONTINUE makes the next step.
    func startCoarseUnit(_ region: TrackingRegion, cpu: Int, direction: RangeDirection) -> SMCReturn {
        let context: OperationContext
        do {
            context = try operations.reserve()
        } catch {
            return SMCReturn(error.result.rawValue)
        }
        guard
            region.exchangeCoarse(
                expected: GranuleWord(state: direction.source), desired: GranuleWord(state: .partial))
        else {
            context.release()
            let word = region.coarseWord
            // Another CPU's operation may have finished the unit since the caller looked: skipped as progress.
            if !manifest.strictRangeState && word == GranuleWord(state: direction.destination) {
                return .result(.success, region.top.rawValue)
            }
            return .result(word.isLocked ? .busy : word.state == .partial ? .blocked : .errorInput)
        }
        var operation = CoarseOperation(
            direction: direction, region: region, scrubbed: 0, moved: 0, rollback: nil, returned: 0)
        if let answer = coarseStep(&operation, cpu: cpu, first: true) {
            context.release()
            return answer
        }
        context.operation = .coarse(operation)
        context.step = .proceed
        context.canCancel = false
        return SMCReturn(RMIResult.incomplete(.none, canCancel: false).rawValue, context.seal())
    }

    /// RMI_OP_CONTINUE of a COARSE unit: the next step; `nil` while the unit is still under way (the answer is
    /// RMI_INCOMPLETE again).
    ///
    /// The step does not register as a user of the region, as a resumed FINE run does not: while the unit is
    /// PARTIAL a tracking transition that takes the region answers RMI_BLOCKED without touching it, and the
    /// operation's context, RESERVED here, keeps RMI_RMM_DEACTIVATE away.
    func continueCoarseUnit(_ operation: inout CoarseOperation, cpu: Int) -> SMCReturn? {
        coarseStep(&operation, cpu: cpu, first: false)
    }

    /// One step of a COARSE unit: the scrub of an undelegation (which yields to a pending interrupt between
    /// `scrubChunk`-granule chunks, after at least one chunk per call), then at most one EL3 call. Answers the
    /// command's outcome when the operation ends, `nil` while it goes on.
    ///
    /// - EL3 moves the rest: the unit is in the destination state, RMI_SUCCESS with out_top the region's top.
    /// - EL3 moves part, or answers BUSY in a continuation: the operation goes on.
    /// - EL3 answers BUSY on the command's own call: nothing moved, the unit is back in the source state, RMI_BUSY.
    /// - EL3 refuses a delegation (DENIED or any permanent error) or reports a conflict: with nothing moved the unit
    ///   is back in the source state and the answer is RMI_ERROR_INPUT or RMI_BLOCKED; after some progress the
    ///   operation rolls back, an EL3 call per step, and ends with RMI_ERROR_TRACKING or RMI_BLOCKED.
    /// - EL3 refuses an undelegation, or the roll-back of a delegation: the RMM halts (it owns that memory).
    private func coarseStep(_ operation: inout CoarseOperation, cpu: Int, first: Bool) -> SMCReturn? {
        let region = operation.region
        let direction = operation.direction
        let shift = UInt64(granuleSize.shift)
        let count = region.size >> shift
        if direction == .undelegate && region.category == .conventional {
            switch scrubRun(
                from: region.base, count: count, scrubbed: &operation.scrubbed, interruptible: true, cpu: cpu)
            {
            case .done: break
            case .interrupted: return nil
            case .halted: return .notSupported
            }
        }
        if let status = operation.rollback { return coarseRollbackStep(&operation, status: status, cpu: cpu) }

        let outcome = el3SetGPI(
            base: region.base + (operation.moved << shift), count: count - operation.moved, to: direction.targetGPI,
            cpu: cpu)
        let source = GranuleWord(state: direction.source)
        switch outcome {
        case .done(let processed):
            operation.moved += processed
            guard operation.moved == count else { return nil }
            region.storeCoarse(GranuleWord(state: direction.destination))
            return .result(.success, region.top.rawValue)
        case .busy:
            guard first else { return nil }
            region.storeCoarse(source)
            return .result(.busy)
        case .conflict(let processed), .refused(let processed):
            if direction == .undelegate {
                halt(
                    "EL3 refused to undelegate granules the RMM owns", address: region.base + (operation.moved << shift)
                )
                return .notSupported
            }
            operation.moved += processed
            let conflict = if case .conflict = outcome { true } else { false }
            guard operation.moved > 0 else {
                region.storeCoarse(source)
                return .result(conflict ? .blocked : .errorInput)
            }
            operation.rollback = conflict ? .blocked : .errorTracking
            return nil
        }
    }

    /// One step of rolling back a delegation EL3 refused part way: one EL3 call returns moved granules to
    /// Non-secure; once all are back the unit is UNDELEGATED again and the operation ends with `status`.
    private func coarseRollbackStep(_ operation: inout CoarseOperation, status: RMIStatus, cpu: Int) -> SMCReturn? {
        let region = operation.region
        let shift = UInt64(granuleSize.shift)
        let from = region.base + (operation.returned << shift)
        switch el3SetGPI(base: from, count: operation.moved - operation.returned, to: .nonSecure, cpu: cpu) {
        case .done(let processed): operation.returned += processed
        case .busy: return nil
        case .conflict, .refused:
            halt("EL3 refused to roll back a coarse delegation", address: from)
            return .notSupported
        }
        guard operation.returned == operation.moved else { return nil }
        region.storeCoarse(GranuleWord(state: operation.direction.source))
        if status == .errorTracking {
            return SMCReturn(RMIResult.tracking(at: region.base, granuleSize: granuleSize).rawValue)
        }
        return .result(status)
    }
}
