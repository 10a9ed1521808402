import CCAArch

extension RealmManagementMonitor {
    /// The tracking view at `pa`: category, state, and the end of the stretch that shares them.
    ///
    /// Before activation nothing is tracked: DRAM reads as its category with TRACKING_NONE. Holes read as
    /// category NONE, TRACKING_RESERVED.
    func trackingSegment(at pa: PhysicalAddress) -> (TrackingCategory, TrackingState, PhysicalAddress) {
        let limit = PhysicalAddress(manifest.physicalAddressLimit)
        if let bank = manifest.bank(containing: pa) {
            guard let table, let region = table.region(containing: pa) else {
                return (bank.category, .none, bank.top)
            }
            return (bank.category, region.state, Swift.min(bank.top, region.top))
        }
        // A hole runs to the next bank or the end of the address space.
        var end = limit
        for bank in manifest.banks where bank.base > pa {
            end = bank.base
            break
        }
        return (.none, .reserved, end)
    }

    /// RMI_GRANULE_TRACKING_GET, two-argument form (2.0-bet3, TF-RMM): X1 base, X2 top. Answers X1 category,
    /// X2 state, X3 out_top: the end of the longest prefix of [base, top) with one category and one state.
    ///
    /// Failure conditions: base or top not granule aligned, base >= top, top beyond the PA size: RMI_ERROR_INPUT.
    /// Allowed in every RMM state (the reference follows TF-RMM).
    func trackingGet(base: UInt64, top: UInt64) -> SMCReturn {
        guard isGranuleAligned(base), isGranuleAligned(top), base < top, top <= manifest.physicalAddressLimit else {
            return .result(.errorInput)
        }
        let (category, state, firstEnd) = trackingSegment(at: PhysicalAddress(base))
        var end = firstEnd
        while end.rawValue < top {
            let (nextCategory, nextState, nextEnd) = trackingSegment(at: end)
            guard nextCategory == category, nextState == state else { break }
            end = nextEnd
        }
        let outTop = Swift.min(end.rawValue, top)
        return .result(.success, UInt64(category.rawValue), UInt64(state.rawValue), outTop)
    }

    /// RMI_GRANULE_TRACKING_SET (DEN0137 B4.5.20): X1 region base, X2 category, X3 target state.
    ///
    /// Failure conditions: `rmm_state` (RMI_ERROR_GLOBAL); `state_valid`, `addr_align`, `addr_bound`, `category`,
    /// `reserved` (RMI_ERROR_INPUT). `in_state` and `in_loc_dram` concern donated metadata: with preallocated
    /// metadata (the default) they never arise; with host-supplied metadata a transition to FINE answers
    /// RMI_INCOMPLETE asking for the metadata by donation and OP_MEM_DONATE checks them, and a transition away from
    /// FINE answers RMI_INCOMPLETE asking the host to reclaim it (`TrackingMetadata.swift`). Then, as TF-RMM does:
    /// the same state succeeds with no change; a region another command is using answers RMI_BUSY, one a pending
    /// TRACKING_SET operation holds RMI_BLOCKED; a granule held by an incomplete operation answers RMI_BLOCKED;
    /// granules not in the state the transition requires answer RMI_ERROR_INPUT.
    func trackingSet(address: UInt64, category: UInt64, state: UInt64) -> SMCReturn {
        guard let table else { return .result(.errorGlobal) }
        guard state >> 3 == 0, let target = TrackingState(rawValue: UInt8(state)),
            target == .none || target == .fine || target == .coarse
        else { return .result(.errorInput) }
        guard address & (table.regionSize - 1) == 0 else { return .result(.errorInput) }
        guard address < manifest.physicalAddressLimit else { return .result(.errorInput) }
        let pa = PhysicalAddress(address)
        guard let region = table.region(containing: pa) else { return .result(.errorInput) }
        guard category >> 2 == 0, TrackingCategory(rawValue: UInt8(category)) == region.category else {
            return .result(.errorInput)
        }
        let claim = region.claimTransition()
        guard claim == .success else { return .result(claim) }
        let current = region.state
        if table.metadataIsDonated && current != target && (current == .fine || target == .fine) {
            return metadataTransition(region, from: current, to: target)
        }
        let outcome = transition(region, from: current, to: target)
        region.endTransition(state: outcome == .success ? target : current)
        // A granule word the transition rewrote or vetted stayed locked until the region's new state was out, so a
        // realm command that reads the old state and locks the granule finds the new one when it looks again.
        // Transitions out of FINE and out of COARSE hold the words; those out of NONE never touch them.
        if outcome == .success && current != target && (current == .fine || current == .coarse) && region.hasMetadata {
            let coarse = region.coarseWord.state
            for index in 0..<region.granuleCount where region.isPopulated(index) {
                region.words.unlock(index, as: current == .fine ? nil : coarse)
            }
        }
        return .result(outcome)
    }

    /// Whether granules in `state` may go through a tracking change to `target`: to NONE only UNDELEGATED ones;
    /// between FINE and COARSE, UNDELEGATED or DELEGATED ones.
    static func mayCross(_ state: GranuleState, to target: TrackingState) -> Bool {
        state == .undelegated || (target != .none && state == .delegated)
    }

    /// Locks every granule word of a FINE region that is leaving FINE for `target` (COARSE or NONE) and vets its
    /// granule, as TF-RMM does: a word another CPU holds answers RMI_BUSY; a PARTIAL granule RMI_BLOCKED; a
    /// referenced granule, one that may not cross (`mayCross`) or one in another state than the others
    /// RMI_ERROR_INPUT. The words at `own` (the region's own metadata granules) are locked but not vetted: they
    /// count as DELEGATED.
    ///
    /// - Returns: the state every vetted granule shares (`nil` when there is none); every word stays locked.
    /// - Throws: the refusal, every lock taken released.
    func lockLeavingFine(
        _ region: TrackingRegion, to target: TrackingState, except own: Range<Int> = 0..<0
    ) throws(RMIStatusError) -> GranuleState? {
        let words = region.words
        var common: GranuleState? = own.isEmpty ? nil : .delegated
        var failure: RMIStatus? = nil
        var locked = 0
        for index in 0..<region.granuleCount where region.isPopulated(index) {
            guard let word = words.tryLock(index) else {
                failure = .busy
                break
            }
            locked = index + 1
            if own.contains(index) { continue }
            if word.state == .partial {
                failure = .blocked
                break
            }
            guard word.refcount == 0, Self.mayCross(word.state, to: target), common == nil || common == word.state
            else {
                failure = .errorInput
                break
            }
            common = word.state
        }
        if let failure {
            for index in 0..<locked where region.isPopulated(index) { words.unlock(index, as: nil) }
            throw RMIStatusError(failure)
        }
        return common
    }

    /// Checks and performs a tracking transition on a region the caller owns. A transition from or to FINE
    /// tracking locks every granule word first (a held one answers RMI_BUSY, with every lock taken released) and,
    /// when it succeeds, leaves them locked for the caller to release once the region's new state is published.
    private func transition(
        _ region: TrackingRegion, from current: TrackingState, to target: TrackingState
    )
        -> RMIStatus
    {
        if current == target { return .success }
        switch (current, target) {
        case (.none, .fine):
            return .success  // Granules of an untracked region are all UNDELEGATED: the words are already zero.
        case (.none, .coarse):
            guard region.isHomogeneous else { return .errorInput }
            region.storeCoarse(GranuleWord(state: .undelegated))
            return .success
        case (.fine, .coarse), (.fine, .none):
            if target == .coarse && !region.isHomogeneous { return .errorInput }
            let common: GranuleState?
            do {
                common = try lockLeavingFine(region, to: target)
            } catch {
                return error.result.status
            }
            region.storeCoarse(GranuleWord(state: common ?? .undelegated))
            return .success
        case (.coarse, .fine), (.coarse, .none):
            let word = region.coarseWord
            if word.state == .partial { return .blocked }
            if word.isLocked { return .busy }
            guard Self.mayCross(word.state, to: target) else { return .errorInput }
            // Host-supplied metadata: a COARSE region has no granule words to vet.
            if !region.hasMetadata { return .success }
            // A realm command that saw FINE long ago may still hold a word for a look: it lets go on its own.
            for index in 0..<region.granuleCount where region.isPopulated(index) {
                guard region.words.tryLock(index) != nil else {
                    for taken in 0..<index where region.isPopulated(taken) { region.words.unlock(taken, as: nil) }
                    return .busy
                }
            }
            return .success
        default:
            return .errorInput
        }
    }
}
