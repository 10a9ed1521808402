import CCAArch
import RMIHost

/// One run's helper call and checks.
struct Run {
    let rmm: AdversarialRMM
    let layout: ModelLayout
    let bound: Int
    /// Violations on the run's past: kept even when the run is cut by memoisation.
    var violations: [Violation] = []
    /// Violations on the run's end state: discarded when the run is cut.
    var endOfRun: [Violation] = []

    init(rmm: AdversarialRMM, layout: ModelLayout, bound: Int) {
        self.rmm = rmm
        self.layout = layout
        self.bound = bound
    }

    private var granule: UInt64 { layout.granule }

    func violation(_ kind: Violation.Kind, _ detail: String) -> Violation {
        unsafe Violation(kind: kind, detail: detail, schedule: rmm.steps)
    }

    func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }

    /// `[base, base + granules)` as text, or `nothing` for no granule.
    func prefix(_ granules: Int) -> String {
        let base = layout.rangeBase.rawValue
        return granules == 0 ? "nothing" : "[\(hex(base)), \(hex(base + UInt64(granules) * granule)))"
    }

    /// (b): `reported` (granules from base) against the prefix the adversary moved to `destination` within
    /// `[0, limit)`, and nothing in the rest of `[0, limit)` in `destination`. `claim` says who reported it and
    /// how, e.g. `delegate reported` or `rmi_delegate_range returned RMI_BUSY, which its caller reads as`.
    func progressCheck(
        reportedGranules reported: Int, destination: ModelGranuleState, limit: Int, claim: String
    ) -> [Violation] {
        var actual = 0
        while actual < limit, unsafe rmm.state.granules[actual] == destination { actual += 1 }
        let verb = destination == .delegated ? "delegated" : "undelegated"
        if reported != actual {
            return [
                violation(
                    .progressMismatch,
                    "\(claim) \(prefix(reported)) \(verb), but the RMM \(verb) \(prefix(actual))")
            ]
        }
        for index in actual..<limit where unsafe rmm.state.granules[index] == destination {
            return [
                violation(
                    .progressMismatch,
                    "\(claim) \(prefix(reported)) \(verb), but the RMM also \(verb) the granule at "
                        + "\(hex(layout.address(of: index))), beyond it")
            ]
        }
        return []
    }

    /// (d): the granules of the range that are not Non-secure must be exactly the leaked ones, except that a
    /// granule an unfinished range operation may hold can be quarantined while Non-secure: the host cannot tell.
    func leakCheck(ledger: [PhysicalAddress], what: String) -> [Violation] {
        var failed: [UInt64] = []
        for index in 0..<layout.rangeGranules where unsafe rmm.state.granules[index] != .undelegated {
            failed.append(layout.address(of: index))
        }
        let leaked = ledger.map(\.rawValue)
        guard failed != leaked else { return [] }
        let missing = failed.filter { !leaked.contains($0) }.map(hex)
        let needless = leaked.filter { address in
            !failed.contains(address) && !(layout.index(of: address).map(rmm.isInUnfinishedRange) ?? false)
        }.map(hex)
        guard !missing.isEmpty || !needless.isEmpty else { return [] }
        var parts: [String] = []
        if !missing.isEmpty {
            parts.append("\(missing.joined(separator: ", ")) did not come back but are not on the leak ledger")
        }
        if !needless.isEmpty {
            parts.append("\(needless.joined(separator: ", ")) are on the leak ledger but came back")
        }
        return [violation(.leakMismatch, "\(what): granules " + parts.joined(separator: "; granules "))]
    }

    /// (a), (c) and protocol: checks every run gets.
    mutating func commonChecks(returned: Bool) {
        for touch in unsafe rmm.outsideTouches.prefix(1) { violations.append(violation(.outsideRange, touch)) }
        for misuse in unsafe rmm.protocolMisuses.prefix(1) { violations.append(violation(.protocolMisuse, misuse)) }
        if unsafe rmm.steps.count > bound || !returned {
            endOfRun.append(
                violation(
                    .smcBoundExceeded,
                    returned
                        ? unsafe "the helper issued \(rmm.steps.count) SMCs; the bound is \(bound)"
                        : unsafe "the helper was still looping after \(rmm.steps.count) SMCs (the bound is \(bound)): "
                            + "it would not return"))
        }
    }

    mutating func linux(_ helper: HostHelper, host: LinuxV14Host) {
        let n = layout.rangeGranules
        let size = UInt64(n) * granule
        let undelegating = helper == .linuxV14Undelegate
        let result =
            undelegating
            ? host.undelegateRange(phys: layout.rangeBase, size: size)
            : host.delegateRange(phys: layout.rangeBase, size: size)
        commonChecks(returned: !result.hitCap)
        guard !result.hitCap else { return }
        // The loop returns a status only: a caller can only read it as all (0) or nothing (anything else).
        let status = RMIResult(rawValue: result.ret).status
        let what = "\(undelegating ? "rmi_undelegate_range" : "rmi_delegate_range") returned \(status.name)"
        endOfRun += progressCheck(
            reportedGranules: result.ret == 0 ? n : 0, destination: undelegating ? .undelegated : .delegated,
            limit: n, claim: "\(what), which its caller reads as")
        // Linux has no leak ledger: every granule that failed to come back is leaked silently.
        if undelegating { endOfRun += leakCheck(ledger: [], what: "\(what) and keeps no leak ledger") }
    }

    mutating func rmiHost(_ helper: HostHelper, host: HostRMI) {
        let n = layout.rangeGranules
        let base = layout.rangeBase
        let size = UInt64(n) * granule
        func granules(_ outcome: RangeOutcome) -> Int { Int((outcome.top - outcome.base) / granule) }
        switch helper {
        case .delegate:
            let outcome = host.delegate(base: base, size: size)
            endOfRun += progressCheck(
                reportedGranules: granules(outcome), destination: .delegated, limit: n, claim: "delegate reported")
        case .undelegate:
            let outcome = host.undelegate(base: base, size: size, onFailure: .leak)
            endOfRun += progressCheck(
                reportedGranules: granules(outcome), destination: .undelegated, limit: n,
                claim: "undelegate reported")
            endOfRun += leakCheck(ledger: host.leakLedger.leakedGranules, what: "undelegate")
        case .rollback:
            let delegation = host.delegate(base: base, size: size)
            // Checked now, on the state the delegation left: a cut later in the run does not undo this part.
            if !rmm.scheduler.pruned {
                violations += progressCheck(
                    reportedGranules: granules(delegation), destination: .delegated, limit: n,
                    claim: "delegate reported")
            }
            let rollback = host.rollback(delegation)
            endOfRun += progressCheck(
                reportedGranules: granules(rollback), destination: .undelegated, limit: granules(delegation),
                claim: "rollback reported")
            endOfRun += leakCheck(ledger: host.leakLedger.leakedGranules, what: "rollback")
        case .statefulOperation:
            let outcome = host.execute(SMCArguments(ExplorationTarget.transferCommand.rawValue), transfersMemory: true)
            endOfRun += operationCheck(outcome)
            endOfRun += accountingCheck(host)
        case .trackingSet:
            let outcome = host.execute(
                SMCArguments(
                    ExplorationTarget.trackingCommand.rawValue, ExplorationTarget.trackingRegion,
                    UInt64(TrackingCategory.conventional.rawValue), UInt64(TrackingState.fine.rawValue)),
                transfersMemory: true)
            endOfRun += operationCheck(outcome)
            endOfRun += accountingCheck(host)
        case .linuxV14Delegate, .linuxV14Undelegate:
            preconditionFailure("the Linux loops run through linux(_:host:)")
        }
        commonChecks(returned: true)
    }

    /// A stateful operation the host reports finished must be finished, with the registers the RMM gave.
    private func operationCheck(_ outcome: SROOutcome) -> [Violation] {
        switch outcome.end {
        case .completed(let answer):
            if let handle = outcome.handle, rmm.isPending(handle: handle) {
                return [violation(.operationMisreported, "reported a final answer while the RMM still holds it")]
            }
            if outcome.handle != nil, let last = unsafe rmm.finishedOperations.last, last.final != answer {
                return [violation(.operationMisreported, "reported \(answer), but the RMM ended with \(last.final)")]
            }
        case .failed(.cancelled):
            if let handle = outcome.handle, rmm.isPending(handle: handle) {
                return [violation(.operationMisreported, "reported cancelled while the operation is still pending")]
            }
        case .failed, .stalled:
            break
        }
        return []
    }

    /// (d) for the SRO driver: every spare granule is free and Non-secure, held by the RMM, or leaked and not
    /// Non-secure; nothing is lost, nothing Realm is handed out again.
    private func accountingCheck(_ host: HostRMI) -> [Violation] {
        var problems: [String] = []
        for index in layout.rangeGranules..<layout.granuleCount {
            let address = PhysicalAddress(layout.address(of: index))
            let free = host.allocator.isFree(address)
            let leaked = host.leakLedger.isLeaked(address)
            // Only a problem names the granule: its text at every run was a third of this check.
            var name: String { hex(address.rawValue) }
            switch unsafe rmm.state.granules[index] {
            case .internal:
                if free || leaked { problems.append("\(name) is held by the RMM yet \(free ? "free" : "leaked")") }
            case .undelegated:
                if leaked && !rmm.isInUnfinishedRange(index) {
                    problems.append("\(name) came back Non-secure yet is on the leak ledger")
                }
                if !free && !leaked { problems.append("\(name) came back Non-secure yet was never freed (lost)") }
            case .delegated, .partial:
                if free { problems.append("\(name) is still Realm memory yet was returned to the allocator") }
                if !leaked && !free { problems.append("\(name) did not come back yet is not on the leak ledger") }
            }
        }
        guard !problems.isEmpty else { return [] }
        return [violation(.leakMismatch, "sro: " + problems.joined(separator: "; "))]
    }
}
