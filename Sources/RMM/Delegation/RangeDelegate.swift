import CCAArch

extension RealmManagementMonitor {
    /// RMI_GRANULE_RANGE_DELEGATE (DEN0137 B4.5.17): X1 base, X2 top; answers X1 out_top, with [base, out_top)
    /// now DELEGATED.
    ///
    /// Checked strictly at base, where any failure answers an error and changes nothing: `rmm_state`
    /// (RMI_ERROR_GLOBAL), `base_align`, `top_align`, `top_bound` (top <= base, so size 0 and wrap-around),
    /// `populated`, `state` (RMI_ERROR_INPUT), `tracking` (RMI_ERROR_TRACKING, the newest revision's reading).
    /// RMI_BUSY when a needed granule lock is held by another CPU (unless the platform asks the RMM to wait for it,
    /// `LockContention.spin`), or EL3 is busy; RMI_BLOCKED when a granule or the region belongs to an operation in
    /// flight; both only with zero progress.
    ///
    /// Past base, the call ends with RMI_SUCCESS and a partial out_top at the first granule that cannot move,
    /// the end of the tracking region, the end of populated memory, or the work budget. Granules already
    /// DELEGATED are skipped as progress, unless the platform asks for the 2.0-bet2 reading (`strictRangeState`).
    /// At most one EL3 call per SMC, for the run of granules the call locked.
    func rangeDelegate(base: UInt64, top: UInt64, cpu: Int) -> SMCReturn {
        rangeTransition(base: base, top: top, cpu: cpu, direction: .delegate)
    }

    /// RMI_GRANULE_RANGE_UNDELEGATE (DEN0137 B4.5.18): X1 base, X2 top; answers X1 out_top, with [base, out_top)
    /// now UNDELEGATED and wiped.
    ///
    /// The same shape as delegation, from DELEGATED to UNDELEGATED: `base_align`, `top_align`, `top_bound`,
    /// `tracking`, `state`; `rmm_state` (RMI_ERROR_GLOBAL) too, which the spec does not list. A granule in use
    /// by a realm object (RD, RTT, REC, DATA, ...) or with references is not DELEGATED, so it fails `state` at
    /// base and ends the call further along. Every granule of conventional memory is wiped through the Realm PAS
    /// before EL3 returns it to Non-secure; device memory (DEV_NCOH, DEV_COH) is never scrubbed (bet3.md section
    /// 6: the RMM cannot wipe device registers; resetting the device is the host's and the device's business). If EL3 refuses to undelegate memory the RMM owns, the RMM halts loudly: no state changes
    /// silently.
    func rangeUndelegate(base: UInt64, top: UInt64, cpu: Int) -> SMCReturn {
        rangeTransition(base: base, top: top, cpu: cpu, direction: .undelegate)
    }
}

/// Which way a range command moves granules.
enum RangeDirection {
    case delegate
    case undelegate

    var source: GranuleState { self == .delegate ? .undelegated : .delegated }
    var destination: GranuleState { self == .delegate ? .delegated : .undelegated }
    var targetGPI: GPI { self == .delegate ? .realm : .nonSecure }
}

/// A range command's answer: X0, the result, and X1, out_top or an operation's handle; it writes no other
/// register. Two words come back from a call in registers, where an `SMCReturn` (five) goes through memory at
/// every level, so the range path passes this and builds the `SMCReturn` once, in `rangeTransition`.
struct RangeAnswer: Equatable {
    var x0: UInt64
    var x1: UInt64

    init(_ result: RMIResult, _ x1: UInt64 = 0) {
        x0 = result.rawValue
        self.x1 = x1
    }

    /// The two registers of a whole answer, whose X2...X4 must be zero.
    init(_ registers: SMCReturn) {
        precondition(registers.x2 == 0 && registers.x3 == 0 && registers.x4 == 0, "a range answer is X0 and X1")
        x0 = registers.x0
        x1 = registers.x1
    }

    static func result(_ status: RMIStatus, _ x1: UInt64 = 0) -> RangeAnswer { RangeAnswer(RMIResult(status), x1) }

    /// SMCCC's NOT_SUPPORTED, what a halted RMM answers.
    static var notSupported: RangeAnswer { RangeAnswer(SMCReturn.notSupported) }

    var registers: SMCReturn { SMCReturn(x0, x1) }
}

extension RealmManagementMonitor {
    /// The checks at base, shared by both directions, then the fine or coarse path.
    func rangeTransition(base: UInt64, top: UInt64, cpu: Int, direction: RangeDirection) -> SMCReturn {
        // The table and the region are borrowed, not retained: this runs inside `handle`, on every range SMC. The
        // answer travels as a `RangeAnswer` (two registers) and becomes an `SMCReturn` only here.
        let answer = withActiveTable { table in
            rangeTransition(in: table, base: base, top: top, cpu: cpu, direction: direction)
        }
        return (answer ?? .result(.errorGlobal)).registers
    }

    private func rangeTransition(
        in table: GranuleTable, base: UInt64, top: UInt64, cpu: Int, direction: RangeDirection
    ) -> RangeAnswer {
        guard isGranuleAligned(base), isGranuleAligned(top), top > base else { return .result(.errorInput) }
        let basePA = PhysicalAddress(base)
        let answer = table.withRegion(containing: basePA) { region in
            rangeTransition(in: region, base: basePA, top: PhysicalAddress(top), cpu: cpu, direction: direction)
        }
        return answer ?? .result(.errorInput)
    }

    private func rangeTransition(
        in region: TrackingRegion, base: PhysicalAddress, top: PhysicalAddress, cpu: Int, direction: RangeDirection
    ) -> RangeAnswer {
        guard region.isPopulated(region.index(of: base)) else { return .result(.errorInput) }
        guard region.enter() else { return .result(.blocked) }
        defer { region.leave() }
        switch region.state {
        case .fine:
            return fineTransition(region, base: base, top: top, cpu: cpu, direction: direction)
        case .coarse:
            return RangeAnswer(coarseTransition(region, base: base, top: top, cpu: cpu, direction: direction))
        default:
            return RangeAnswer(RMIResult.tracking(at: base, granuleSize: granuleSize))
        }
    }

    /// A FINE region: skip granules already in the destination state, lock the longest run in the source
    /// state, make one EL3 call for it, publish the outcome.
    ///
    /// With `LockContention.spin` a first granule locked by another CPU, met with no progress made, is waited for
    /// and the range looked at again (it may have changed meanwhile); the command holds no granule lock and no
    /// operation context while it waits, so it cannot be part of a deadlock (docs/concurrency.md, "Lock order").
    private func fineTransition(
        _ region: TrackingRegion, base: PhysicalAddress, top: PhysicalAddress, cpu: Int, direction: RangeDirection
    ) -> RangeAnswer {
        while true {
            if let answer = fineAttempt(region, base: base, top: top, cpu: cpu, direction: direction) { return answer }
        }
    }

    /// One look at the range for `fineTransition`: its answer, or `nil` when it waited for the first granule's
    /// lock (`spin`) and the range must be looked at again.
    private func fineAttempt(
        _ region: TrackingRegion, base: PhysicalAddress, top: PhysicalAddress, cpu: Int, direction: RangeDirection
    ) -> RangeAnswer? {
        let words = region.words
        let baseIndex = region.index(of: base)
        let budgetTop = base.adding(manifest.rangeWorkBudget << UInt64(granuleSize.shift)) ?? top
        let limitPA = Swift.min(top, region.top, budgetTop)
        let limit = region.index(of: limitPA)

        // Granules already in the destination state count as progress (2.0-bet3), unless strict.
        var index = baseIndex
        if !manifest.strictRangeState {
            let skippable = GranuleWord(state: direction.destination)
            while index < limit && words.load(index) == skippable { index += 1 }
        }
        let progressed = index > baseIndex
        func partial(_ at: Int) -> RangeAnswer { .result(.success, region.address(ofIndex: at).rawValue) }
        if index == limit { return partial(index) }

        let start = index
        guard let populatedEnd = region.populatedEnd(from: start) else {
            return progressed ? partial(start) : .result(.errorInput)
        }
        let runLimit = Swift.min(limit, populatedEnd)

        // Every run is a potential stateful operation: reserve its context first (TF-RMM's order), so running out
        // answers RMI_BLOCKED (all waiting for the host) or RMI_BUSY with nothing changed. Borrowed: this is the
        // range SMC path.
        do {
            return try operations.withReservedContext { context in
                claimRun(
                    region, from: start, to: runLimit, progressed: progressed, context: context, cpu: cpu,
                    direction: direction)
            }
        } catch {
            return progressed ? partial(start) : RangeAnswer(error.result)
        }
    }

    /// Claims the granules `start..<limit` of `region` that are in the direction's source state, in ascending
    /// order, holding `context` (reserved), and moves them (`finishRun`), or hands them to an operation when an
    /// interrupt is pending; `nil` when the range must be looked at again. Releases or seals `context`.
    private func claimRun(
        _ region: TrackingRegion, from start: Int, to runLimit: Int, progressed: Bool, context: OperationContext,
        cpu: Int, direction: RangeDirection
    ) -> RangeAnswer? {
        let words = region.words
        func partial(_ at: Int) -> RangeAnswer { .result(.success, region.address(ofIndex: at).rawValue) }
        // Claim the run in ascending PA order. Delegation holds the granule locks across the EL3 call (others
        // see BUSY); undelegation marks the run PARTIAL for the scrub and the EL3 call (others see BLOCKED).
        var index = start
        let source = GranuleWord(state: direction.source)
        let claimed = direction == .delegate ? source.locked(true) : GranuleWord(state: .partial)
        while index < runLimit && words.exchange(index, expected: source, desired: claimed) { index += 1 }
        if index == start {
            context.release()
            if progressed { return partial(start) }
            let word = words.load(start)
            if word.isLocked {
                guard manifest.lockContention == .spin else { return .result(.busy) }
                waitForRelease(words, start, region.address(ofIndex: start))
                return nil
            }
            if word.state == .partial { return .result(.blocked) }
            // The claim failed on a lock or PARTIAL word that another CPU has let go of since: the granule is now in
            // the source or destination state, so look again (skip it, or claim it) rather than fail `state`.
            if word == source || (!manifest.strictRangeState && word == GranuleWord(state: direction.destination)) {
                return nil
            }
            return .result(.errorInput)
        }

        // An interrupt is pending: hand the run to a stateful operation and let the host take the interrupt.
        if port.isInterruptPending(cpu: cpu) {
            if direction == .delegate {
                for i in start..<index { words.unlock(i, as: .partial) }
            }
            context.operation = .range(
                RangeOperation(
                    direction: direction, region: region, runStart: start, runEnd: index, scrubbed: 0,
                    progressed: progressed, heldLocked: false))
            context.step = .proceed
            context.canCancel = false
            return RangeAnswer(RMIResult.incomplete(.none, canCancel: false), context.seal())
        }
        var operation = RangeOperation(
            direction: direction, region: region, runStart: start, runEnd: index, scrubbed: 0, progressed: progressed,
            heldLocked: direction == .delegate)
        defer { context.release() }
        return finishRun(&operation, in: region, cpu: cpu, interruptible: false) ?? .notSupported
    }

    /// Scrubs (undelegation) and moves a claimed run through EL3, then publishes the outcome; the last step of a
    /// range command, run at once or from RMI_OP_CONTINUE.
    ///
    /// When `interruptible`, the scrub checks for a pending interrupt every `scrubChunk` granules, and an EL3 BUSY
    /// leaves the run pending; either answers `nil` to say the operation must yield again, its progress recorded
    /// in `operation`. `region` is the operation's region, which the caller holds: taking it out of `operation`
    /// here would retain it on every range SMC, on a reference count every CPU delegating in the region shares.
    func finishRun(
        _ operation: inout RangeOperation, in region: TrackingRegion, cpu: Int, interruptible: Bool
    ) -> RangeAnswer? {
        let words = region.words
        let direction = operation.direction
        let start = operation.runStart
        let end = operation.runEnd
        let shift = UInt64(granuleSize.shift)
        let count = UInt64(end - start)
        let startPA = region.address(ofIndex: start)
        if direction == .undelegate && region.category == .conventional {
            switch scrubRun(
                from: startPA, count: count, scrubbed: &operation.scrubbed, interruptible: interruptible, cpu: cpu)
            {
            case .done: break
            case .interrupted: return nil
            case .halted: return .notSupported
            }
        }
        let outcome = el3SetGPI(base: startPA, count: count, to: direction.targetGPI, cpu: cpu)
        // A resumed run that finds EL3 busy stays pending, PARTIAL and unmoved (bet3.md section 5): RMI_INCOMPLETE
        // again rather than ending the operation.
        if interruptible && outcome == .busy { return nil }
        let processed: UInt64
        switch outcome {
        case .done(let n): processed = n
        case .busy: processed = 0
        case .conflict(let n), .refused(let n): processed = n
        }
        // Publish the outcome: a run claimed by its locks is unlocked; a PARTIAL run changes state only, as another
        // CPU may hold a granule's lock for a look (it will find the new state when it lets go).
        for i in start..<end {
            let state = i < start + Int(processed) ? direction.destination : direction.source
            if operation.heldLocked { words.unlock(i, as: state) } else { words.publish(i, state) }
        }

        if direction == .undelegate {
            switch outcome {
            case .done, .busy: break
            case .conflict, .refused:
                halt("EL3 refused to undelegate granules the RMM owns", address: startPA + (processed << shift))
                return .notSupported
            }
        }
        if processed > 0 || operation.progressed {
            return .result(.success, region.address(ofIndex: start + Int(processed)).rawValue)
        }
        switch outcome {
        case .busy: return .result(.busy)
        case .conflict: return .result(.blocked)
        default: return .result(.errorInput)
        }
    }

    /// Granules scrubbed between checks for a pending interrupt in a resumed undelegation (2 MiB of 4 KB).
    static var scrubChunk: Int { 512 }

    /// How `scrubRun` ended.
    enum ScrubProgress {
        case done
        /// An interrupt is pending: the operation yields, its progress kept.
        case interrupted
        /// The Realm PAS refused the wipe: the RMM has halted.
        case halted
    }

    /// Scrubs the `count` granules from `base` through the Realm PAS, `scrubChunk` at a time, from granule
    /// `scrubbed` on, counting them in `scrubbed`: the scrub of an undelegation's run or COARSE unit. When
    /// `interruptible`, a pending interrupt stops it between chunks, after at least one, so a resumed operation makes
    /// progress however often interrupts arrive. A wipe that fails halts the RMM: it owns that memory.
    func scrubRun(
        from base: PhysicalAddress, count: UInt64, scrubbed: inout UInt64, interruptible: Bool, cpu: Int
    ) -> ScrubProgress {
        let shift = UInt64(granuleSize.shift)
        var scrubbedThisCall = false
        while scrubbed < count {
            if interruptible && scrubbedThisCall && port.isInterruptPending(cpu: cpu) { return .interrupted }
            let chunk = Swift.min(UInt64(Self.scrubChunk), count - scrubbed)
            let chunkPA = base + (scrubbed << shift)
            guard port.zero(chunkPA, byteCount: chunk << shift, space: .realm) else {
                halt("RMM could not scrub granules it owns", address: chunkPA)
                return .halted
            }
            scrubbed += chunk
            scrubbedThisCall = true
        }
        return .done
    }

    /// A COARSE region: the whole region is one unit; the range must cover it from its base. EL3 may move the unit
    /// in pieces: it is then PARTIAL and the command answers RMI_INCOMPLETE (bet3.md section 5).
    private func coarseTransition(
        _ region: TrackingRegion, base: PhysicalAddress, top: PhysicalAddress, cpu: Int, direction: RangeDirection
    ) -> SMCReturn {
        guard base == region.base, top >= region.top else {
            return SMCReturn(RMIResult.tracking(at: base, granuleSize: granuleSize).rawValue)
        }
        let done = SMCReturn.result(.success, region.top.rawValue)
        if !manifest.strictRangeState && region.coarseWord == GranuleWord(state: direction.destination) { return done }
        // The unit moves in pieces, one EL3 call per SMC (CoarseUnitSteps.swift).
        return startCoarseUnit(region, cpu: cpu, direction: direction)
    }
}
