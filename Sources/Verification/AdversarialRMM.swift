public import CCAArch
public import RMIHost

/// An RMM that gives the host every answer the specification allows, chosen by a `Scheduler`.
///
/// It keeps a real model of a few granules (`ModelLayout`) and of the one stateful operation it may have pending,
/// and at every SMC lists the answers allowed at that point: RMI_SUCCESS with any legal out_top (the granules in
/// `[base, out_top)` really move), RMI_BUSY, RMI_BLOCKED, RMI_INCOMPLETE (then what OP_CONTINUE, OP_MEM_DONATE,
/// OP_MEM_RECLAIM and OP_CANCEL may answer), and each listed error (nothing changes); with
/// `AnswerRules.includingForbidden`, also answers the spec forbids. The first answer listed is always the
/// cooperative one (full progress), so answer 0 everywhere is a well-behaved RMM.
///
/// When there is exactly one allowed answer it is given (no choice). Otherwise the scheduler picks; once the
/// schedule has no more choices the adversary turns *stationary*: asked the same SMC in the same state, it repeats
/// the answer it gave last time, and otherwise answers cooperatively. A stationary RMM is still a legal RMM (its
/// answer is a function of its state and the call), and it is what makes "forever" observable from a finite
/// schedule: one zero-progress SUCCESS or one BUSY, repeated, is an RMM that never lets a naive loop finish.
///
/// What the stationary tail remembers from before it began is only the answers given since the model state last
/// changed (the state it begins in): the answers of the schedule in states the model left are forgotten when it
/// leaves them. From the tail's first answer on it remembers everything it answers, so a loop that comes back to a
/// state in the tail meets the same answer again. This keeps the tail's behaviour a function of the memo's key
/// (which holds those recent calls and answers), whatever path reached a choice point; see `Explorer`.
///
/// It records every SMC (`steps`), every granule a call named outside the region the helper may touch
/// (`outsideTouches`), and every call the SRO protocol forbids at that point (`protocolMisuses`).
///
/// Confined to the exploring thread (the host under test calls it synchronously): `@unchecked Sendable`. For the
/// same reason its stored properties skip the runtime's dynamic exclusivity checks (`@exclusivity(unchecked)`):
/// only one call touches them at a time, and the checks were an eighth of the explorer's time.
public final class AdversarialRMM: SMCConduit, @unchecked Sendable {
    public let layout: ModelLayout
    public let rules: AnswerRules
    let allowedRegion: AllowedRegion
    /// Whether donation requests are contiguous (the `tracking-set` helper's TRACKING_SET asks for one run).
    let contiguousDonations: Bool
    let scheduler: any Scheduler
    let memory: ModelMemory
    @exclusivity(unchecked) var state: ModelState
    /// Before `beginAdversarialPhase()`, the host's bring-up SMCs are answered cooperatively and not recorded.
    @exclusivity(unchecked) private var adversarial = false
    /// Every SMC of the adversarial phase.
    @exclusivity(unchecked) public private(set) var steps: [ScheduleStep] = []
    /// Calls that named memory outside the helper's region, described.
    @exclusivity(unchecked) public private(set) var outsideTouches: [String] = []
    /// Calls the SRO protocol forbids at that point (wrong handle, wrong OP_*, cancel when not cancellable).
    @exclusivity(unchecked) public private(set) var protocolMisuses: [String] = []
    /// Every stateful operation that ended, with its final registers, in order.
    @exclusivity(unchecked) public internal(set) var finishedOperations: [(handle: UInt64, final: SMCReturn)] = []
    /// Choices made in this run.
    @exclusivity(unchecked) public private(set) var choicesMade = 0
    /// The stationary tail's memory, by the fingerprint of an SMC in a state (a clash would only repeat an answer
    /// that is still checked to be allowed). Filled from `answersSinceChange` when the tail begins.
    @exclusivity(unchecked) private var stationary = [Fingerprint: AdversaryAnswer](minimumCapacity: 16)
    /// Whether the schedule has run out of choices (or was cut): the stationary tail has begun.
    @exclusivity(unchecked) private var stationaryPhase = false
    /// The calls since the model state last changed, with their answers: part of the memo's key, and all the tail
    /// remembers of the time before it.
    @exclusivity(unchecked) private var answersSinceChange: [RecentAnswer] = []
    /// What the SRO driver remembers of the memory-transferring operation's calls: part of the memo's key.
    @exclusivity(unchecked) private var transferConversation = TransferConversation()
    @exclusivity(unchecked) private var fingerprintAfterLastSMC: Fingerprint?
    @exclusivity(unchecked) var donationOffer: [Int] = []
    /// The answers to the current SMC that only `AnswerRules.includingForbidden` allows.
    @exclusivity(unchecked) private var forbiddenOffered: [AdversaryAnswer] = []
    /// The storage of the allowed answers, kept from one SMC to the next (see `allowedAnswers`).
    @exclusivity(unchecked) private var answerList: [AdversaryAnswer] = []
    var memo: NodeMemo?
    /// For `MemoAudit`: the memo key of every choice point the schedule chose at, and the SMCs before it.
    var keyLog: [(key: Fingerprint, smcsBefore: Int)]?
    /// For `MemoAudit`: another key to log instead of the memo's (to check that the audit catches a bad one).
    var auditKey: ((AdversarialRMM, SMCArguments) -> Fingerprint)?
    var hostDigest: () -> [UInt64] = { [] }

    init(
        layout: ModelLayout, rules: AnswerRules, allowedRegion: AllowedRegion, scheduler: any Scheduler,
        memory: ModelMemory, rangeState: ModelGranuleState, contiguousDonations: Bool = false
    ) {
        self.contiguousDonations = contiguousDonations
        self.layout = layout
        self.rules = rules
        self.allowedRegion = allowedRegion
        self.scheduler = scheduler
        self.memory = memory
        var granules = [ModelGranuleState](repeating: .undelegated, count: layout.granuleCount)
        for index in 0..<layout.rangeGranules { granules[index] = rangeState }
        unsafe state = ModelState(granules: granules)
    }

    /// From now on every SMC is an adversarial step.
    func beginAdversarialPhase() {
        unsafe adversarial = true
        // Sized once: growing them SMC by SMC was a run's most frequent allocation.
        unsafe steps.reserveCapacity(64)
        unsafe answersSinceChange.reserveCapacity(16)
        unsafe forbiddenOffered.reserveCapacity(8)
    }

    /// The model state of the granule at `address`, or `nil` when it is not modelled.
    public func granuleState(at address: PhysicalAddress) -> ModelGranuleState? {
        layout.index(of: address.rawValue).map { unsafe state.granules[$0] }
    }

    /// Whether a stateful operation is pending.
    public var hasPendingOperation: Bool { unsafe !state.operations.isEmpty }

    /// Whether the operation `handle` names is still pending.
    public func isPending(handle: UInt64) -> Bool { unsafe state.operations.contains { $0.handle == handle } }

    /// Whether the granule at model `index` lies in `[cursor, top)` of a range operation still pending: the host
    /// cannot tell which of those granules the operation holds, so quarantining any of them is not a needless leak.
    func isInUnfinishedRange(_ index: Int) -> Bool {
        let address = layout.address(of: index)
        return unsafe state.operations.contains { operation in
            guard case .range(_, let cursor, let top, _) = operation.kind else { return false }
            return (cursor..<top).contains(address)
        }
    }

    /// The handle the current OP_* call names (`nil` for an initiating call, until it starts an operation).
    @exclusivity(unchecked) var focus: UInt64?

    /// The operation the current SMC is about; assigning `nil` ends it, assigning a new one starts it.
    var focused: PendingOperation? {
        get { unsafe state.operations.first { unsafe $0.handle == focus } }
        set {
            if let index = unsafe state.operations.firstIndex(where: { unsafe $0.handle == focus }) {
                if let newValue {
                    unsafe state.operations[index] = newValue
                } else {
                    unsafe state.operations.remove(at: index)
                }
            } else if let newValue {
                unsafe state.operations.append(newValue)
                unsafe focus = newValue.handle
            }
        }
    }

    var granule: UInt64 { layout.granule }

    // MARK: The conduit

    public func smc(_ arguments: SMCArguments) -> SMCReturn {
        guard unsafe adversarial else { return bringUpAnswer(arguments) }
        let command = FunctionID(arguments.x0)
        switch command {
        case .opContinue, .opMemDonate, .opMemReclaim, .opCancel: unsafe focus = arguments.x1
        default: unsafe focus = nil
        }
        let options = allowedAnswers(arguments)
        let answer: AdversaryAnswer
        var chosen = false
        // Fingerprints rather than a copy of the state: keeping a copy made every change copy the arrays. Only an
        // SMC changes the state, so the fingerprint after one is the fingerprint before the next.
        let stateBefore = unsafe fingerprintAfterLastSMC ?? stateFingerprint()
        assert(stateBefore == stateFingerprint(), "the model changed outside an SMC")
        if options.count == 1 {
            answer = options[0]
        } else {
            if let memo, scheduler.nextChoiceIsFresh {
                let node = unsafe choicePointFingerprint(
                    arguments: arguments, recent: answersSinceChange, transfer: transferConversation)
                if !memo.visit(node) { scheduler.pruneHere() }
            }
            if unsafe !stationaryPhase, let index = scheduler.choose(among: options.count) {
                if keyLog != nil {
                    let key =
                        unsafe auditKey.map { $0(self, arguments) }
                        ?? choicePointFingerprint(
                            arguments: arguments, recent: answersSinceChange, transfer: transferConversation)
                    unsafe keyLog?.append((key, steps.count))
                }
                answer = options[index]
                chosen = true
                unsafe choicesMade += 1
            } else {
                if unsafe !stationaryPhase { beginStationaryPhase(state: stateBefore) }
                let key = stationaryFingerprint(arguments: arguments, state: stateBefore)
                if let previous = unsafe stationary[key], options.contains(previous) {
                    answer = previous
                } else {
                    answer = options[0]
                }
            }
        }
        // Before the tail, the recent answers are its memory; in the tail, the dictionary is.
        if unsafe stationaryPhase {
            unsafe stationary[stationaryFingerprint(arguments: arguments, state: stateBefore)] = answer
        }
        let transferCall = isTransferCall(arguments)
        let registers = apply(answer, to: arguments)
        if transferCall { unsafe transferConversation.record(arguments, registers) }
        // A refusal never changes the model (every `apply` path returns its registers untouched).
        let stateAfter: Fingerprint
        if case .refuse = answer { stateAfter = stateBefore } else { stateAfter = stateFingerprint() }
        unsafe fingerprintAfterLastSMC = stateAfter
        if stateAfter != stateBefore {
            unsafe answersSinceChange.removeAll(keepingCapacity: true)
        } else {
            unsafe answersSinceChange.append(RecentAnswer(arguments: arguments, answer: answer))
        }
        unsafe steps.append(
            ScheduleStep(
                arguments: arguments, answer: answer, chosen: chosen, alternatives: options.count,
                forbidden: forbiddenOffered.contains(answer)))
        return registers
    }

    /// Whether `arguments` is the transfer operation's initiating call (the transfer command's, or TRACKING_SET's for
    /// host-supplied metadata) or an OP_* call that does not name a range operation.
    private func isTransferCall(_ arguments: SMCArguments) -> Bool {
        switch FunctionID(arguments.x0) {
        case ExplorationTarget.transferCommand, ExplorationTarget.trackingCommand: return true
        case .opContinue, .opMemDonate, .opMemReclaim, .opCancel:
            guard let operation = focused, case .range = operation.kind else { return true }
            return false
        default: return false
        }
    }

    /// The schedule has no more choices: the tail starts out remembering the answers given in `state` since the
    /// model entered it (later ones win), and nothing from the states the model left before.
    private func beginStationaryPhase(state: Fingerprint) {
        unsafe stationaryPhase = true
        for recent in unsafe answersSinceChange {
            unsafe stationary[stationaryFingerprint(arguments: recent.arguments, state: state)] = recent.answer
        }
    }

    /// A clean bring-up (rmi-abi.md section 9): not part of any schedule.
    private func bringUpAnswer(_ arguments: SMCArguments) -> SMCReturn {
        let success = UInt64(RMIStatus.success.rawValue)
        switch FunctionID(arguments.x0) {
        case .version: return SMCReturn(success, 0x20000, 0x20000)
        case .features:
            // FEATURES0: 48-bit PA; FEATURES1: 4 KB granules, L0GPTSZ 1 GiB.
            return SMCReturn(success, arguments.x1 == 0 ? 48 | (1 << 14) | (1 << 20) : 0b1 | (1 << 3))
        case .granuleTrackingGet:
            return SMCReturn(
                success, UInt64(TrackingCategory.conventional.rawValue), UInt64(TrackingState.fine.rawValue),
                arguments.x2)
        case .gptL1Create: return SMCReturn(UInt64(RMIStatus.errorGlobal.rawValue))
        default: return SMCReturn(success)
        }
    }

    // MARK: Allowed answers

    /// Every answer allowed for `arguments` in the current state, the cooperative one first, without duplicates.
    func allowedAnswers(_ arguments: SMCArguments) -> [AdversaryAnswer] {
        unsafe forbiddenOffered.removeAll(keepingCapacity: true)
        // One array for every SMC of the run, emptied and refilled: the list the previous SMC returned is gone by
        // now, so no copy is made, and a run allocates it once instead of once per SMC.
        var options = unsafe answerList
        unsafe answerList = []
        options.removeAll(keepingCapacity: true)
        switch FunctionID(arguments.x0) {
        case .granuleRangeDelegate: rangeAnswers(.delegate, base: arguments.x1, top: arguments.x2, into: &options)
        case .granuleRangeUndelegate: rangeAnswers(.undelegate, base: arguments.x1, top: arguments.x2, into: &options)
        case .opContinue: continueAnswers(handle: arguments.x1, into: &options)
        case .opMemDonate: donateAnswers(handle: arguments.x1, list: arguments.x2, count: arguments.x3, into: &options)
        case .opMemReclaim: reclaimAnswers(handle: arguments.x1, list: arguments.x2, into: &options)
        case .opCancel: cancelAnswers(handle: arguments.x1, into: &options)
        case ExplorationTarget.transferCommand: transferStartAnswers(into: &options)
        case ExplorationTarget.trackingCommand: trackingStartAnswers(into: &options)
        default: options.append(.refuse(.errorNotSupported))
        }
        unsafe answerList = options
        // Only donations and reclaims can list an answer twice (a count of 0 or 1 offered two ways), and they remove
        // their duplicates; checking every list for them took a fifth of the explorer's time, so it is only checked
        // in debug builds.
        assert(
            options.indices.allSatisfy { !options[..<$0].contains(options[$0]) },
            "the adversary listed an answer twice")
        return options
    }

    private func modelIndex(_ address: UInt64, call: @autoclosure () -> String) -> Int? {
        guard let index = layout.index(of: address) else {
            unsafe outsideTouches.append(
                "\(call()) named 0x\(String(address, radix: 16)), which is not modelled memory")
            return nil
        }
        let inRange = index < layout.rangeGranules
        guard inRange == (allowedRegion == .range) else {
            unsafe outsideTouches.append(
                "\(call()) named 0x\(String(address, radix: 16)), outside the \(allowedRegion) the helper may touch")
            return nil
        }
        return index
    }

    /// RMI_GRANULE_RANGE_DELEGATE / _UNDELEGATE (B4.5.17, B4.5.18; granule-delegation.md section 5).
    private func rangeAnswers(
        _ direction: RangeDirection, base: UInt64, top: UInt64, into options: inout [AdversaryAnswer]
    ) {
        // base_align, top_align, top_bound: deterministic ERROR_INPUT.
        guard base % granule == 0, top % granule == 0, top > base else { return options.append(.refuse(.errorInput)) }
        // Only a touch outside the region is described: building the text for every SMC would cost more than the
        // rest of the call.
        func call() -> String {
            "\(direction.command.rmiCommand!.name)(0x\(String(base, radix: 16)), 0x\(String(top, radix: 16)))"
        }
        guard (top - base) / granule <= UInt64(layout.granuleCount) else {
            unsafe outsideTouches.append("\(call()) spans more than the modelled memory")
            return options.append(.refuse(.errorInput))
        }
        for address in stride(from: base, to: top, by: Int(granule)) where modelIndex(address, call: call()) == nil {
            return options.append(.refuse(.errorInput))
        }
        let first = unsafe state.granules[layout.index(of: base)!]
        let reach = runEnd(from: base, top: top) { $0 == direction.source || $0 == direction.destination }
        guard reach > base else {
            // The granule at base is in neither state: `state` fails (ERROR_INPUT), or it is held by an incomplete
            // operation (BLOCKED, bet3 rule RBPKWX).
            guard first == .partial else { return options.append(.refuse(.errorInput)) }
            options.append(.refuse(.blocked))
            return options.append(.refuse(.busy))
        }
        // Appended answer by answer: literals appended in batches each cost an array.
        options.reserveCapacity(Int((reach - base) / granule) + 14)
        options.append(.progress(outTop: reach))
        for outTop in stride(from: reach - granule, to: base, by: -Int(granule)) {
            options.append(.progress(outTop: outTop))
        }
        options.append(.refuse(.busy))
        options.append(.refuse(.blocked))
        if first == direction.source {
            options.append(.incomplete(canCancel: false))
            options.append(.incomplete(canCancel: true))
        }
        options.append(.refuse(.errorInput))
        options.append(.refuse(.errorTracking))
        // rmm_state is listed for delegation only.
        if direction == .delegate { options.append(.refuse(.errorGlobal)) }
        if rules == .includingForbidden {
            offerForbidden(.progress(outTop: base), into: &options)
            offerForbidden(.progress(outTop: top + granule), into: &options)
            offerForbidden(.progress(outTop: base + granule / 2), into: &options)
            offerForbidden(.refuse(Self.undefinedStatus), into: &options)
            if first == direction.source {
                offerForbidden(.requestDonation(granules: 1, state: .delegated, canCancel: true), into: &options)
            }
        }
    }

    /// The end of the run of granules from `base` (below `top`) whose state satisfies `belongs`.
    private func runEnd(from base: UInt64, top: UInt64, _ belongs: (ModelGranuleState) -> Bool) -> UInt64 {
        var cursor = base
        while cursor < top, let index = layout.index(of: cursor), unsafe belongs(state.granules[index]) {
            cursor += granule
        }
        return cursor
    }

    /// The pending operation named by `handle`, or `nil` (a protocol misuse, recorded) when there is none.
    private func pending(_ handle: UInt64, call: StaticString) -> PendingOperation? {
        guard let pending = unsafe state.operations.first(where: { $0.handle == handle }) else {
            unsafe protocolMisuses.append(
                "\(call) with handle 0x\(String(handle, radix: 16)), which names no operation")
            return nil
        }
        return pending
    }

    /// RMI_OP_CONTINUE (B4.5.22).
    private func continueAnswers(handle: UInt64, into options: inout [AdversaryAnswer]) {
        guard let pending = pending(handle, call: "RMI_OP_CONTINUE") else {
            return options.append(.refuse(.errorInput))
        }
        guard pending.expecting == .proceed else {
            unsafe protocolMisuses.append("RMI_OP_CONTINUE while the operation waits for \(pending.expecting)")
            return options.append(.refuse(.errorInput))
        }
        if let ending = pending.ending {
            options.append(.finish(ending))
            return options.append(.refuse(.busy))
        }
        switch pending.kind {
        case .range(_, let cursor, let top, let runEnd):
            options.reserveCapacity(Int((runEnd - cursor) / granule) + 8)
            for outTop in stride(from: runEnd, to: cursor, by: -Int(granule)) {
                options.append(.progress(outTop: outTop))
            }
            options.append(.incomplete(canCancel: pending.canCancel))
            options.append(.refuse(.busy))
            options.append(.finish(.errorInput))
            options.append(.finish(.errorTracking))
            if rules == .includingForbidden {
                offerForbidden(.progress(outTop: cursor), into: &options)
                offerForbidden(.progress(outTop: top + granule), into: &options)
                offerForbidden(.progress(outTop: cursor + granule / 2), into: &options)
                offerForbidden(.finish(Self.undefinedStatus), into: &options)
            }
        case .transfer:
            options.append(.finish(.success))
            options.append(.incomplete(canCancel: pending.canCancel))
            options.append(.requestDonation(granules: 1, state: .delegated, canCancel: pending.canCancel))
            options.append(.refuse(.busy))
            options.append(pending.donated.isEmpty ? .finish(.errorInput) : .failAndReclaim(.errorInput))
            if rules == .includingForbidden {
                offerForbidden(.finish(Self.undefinedStatus), into: &options)
                offerForbidden(.reservedMemoryRequest, into: &options)
            }
        }
    }

    /// RMI_OP_MEM_DONATE (B4.5.23): validates the list the way TF-RMM does, then may consume any prefix of it.
    private func donateAnswers(
        handle: UInt64, list: UInt64, count: UInt64, into options: inout [AdversaryAnswer]
    ) {
        // Refilled in place (one array per run, not one per donation); read only after a `consume` answer.
        unsafe donationOffer.removeAll(keepingCapacity: true)
        guard let pending = pending(handle, call: "RMI_OP_MEM_DONATE") else {
            return options.append(.refuse(.errorInput))
        }
        guard case .donation(let wanted, let wantedState) = pending.expecting else {
            unsafe protocolMisuses.append("RMI_OP_MEM_DONATE while the operation waits for \(pending.expecting)")
            return options.append(.refuse(.errorInput))
        }
        guard list % 8 == 0, count <= UInt64(AddressRangeDescriptor.maxListEntries) else {
            return options.append(.refuse(.errorInput))
        }
        var offered = unsafe donationOffer
        unsafe donationOffer = []
        defer { unsafe donationOffer = offered }
        for entry in 0..<count {
            let word = memory.word(at: list + 8 * entry)
            guard let descriptor = try? AddressRangeDescriptor(encoding: word, granule: layout.granuleSize),
                descriptor.state == wantedState
            else { return options.append(.refuse(.errorInput)) }
            let bytes = descriptor.byteCount(granule: layout.granuleSize)
            for address in stride(
                from: descriptor.base.rawValue, to: descriptor.base.rawValue + bytes, by: Int(granule))
            {
                guard let index = modelIndex(address, call: "RMI_OP_MEM_DONATE") else {
                    return options.append(.refuse(.errorInput))
                }
                let required: ModelGranuleState = wantedState == .delegated ? .delegated : .undelegated
                // mem_state: a described granule is not in the requested state.
                guard unsafe state.granules[index] == required, !offered.contains(index) else {
                    return options.append(.refuse(.errorInput))
                }
                offered.append(index)
            }
        }
        // mem_gt: more memory than asked for.
        guard offered.count <= wanted else { return options.append(.refuse(.errorInput)) }
        // mem_contig, mem_align: a contiguous request (TRACKING_SET's) takes one run aligned to its size.
        if contiguousDonations, let first = offered.first {
            let aligned = (layout.address(of: first) / granule) % UInt64(wanted) == 0
            guard offered.count == wanted, aligned, offered.elementsEqual(first..<(first + wanted)) else {
                return options.append(.refuse(.errorInput))
            }
        }
        options.append(.consume(offered.count))
        if offered.count >= 1 { options.append(.consume(0)) }
        if offered.count >= 2 { options.append(.consume(1)) }
        options.append(.refuse(.busy))
        options.append(.refuse(.errorInput))
    }

    /// RMI_OP_MEM_RECLAIM (B4.5.24): may hand back any prefix of the donated granules that fits the list.
    private func reclaimAnswers(handle: UInt64, list: UInt64, into options: inout [AdversaryAnswer]) {
        guard let pending = pending(handle, call: "RMI_OP_MEM_RECLAIM") else {
            return options.append(.refuse(.errorInput))
        }
        guard pending.expecting == .reclaim else {
            unsafe protocolMisuses.append("RMI_OP_MEM_RECLAIM while the operation waits for \(pending.expecting)")
            return options.append(.refuse(.errorInput))
        }
        guard list % 8 == 0, modelIndex(list & ~(granule - 1), call: "RMI_OP_MEM_RECLAIM") != nil else {
            return options.append(.refuse(.errorInput))
        }
        let all = pending.donated.count
        // All, one, none: as many of them as are different.
        options.append(.handBack(all))
        if all >= 2 { options.append(.handBack(1)) }
        if all >= 1 { options.append(.handBack(0)) }
        options.append(.refuse(.busy))
    }

    /// RMI_OP_CANCEL (B4.5.21): only when the latest RMI_INCOMPLETE allowed it.
    private func cancelAnswers(handle: UInt64, into options: inout [AdversaryAnswer]) {
        guard let pending = pending(handle, call: "RMI_OP_CANCEL") else { return options.append(.refuse(.errorInput)) }
        guard pending.canCancel else {
            unsafe protocolMisuses.append("RMI_OP_CANCEL when the latest RMI_INCOMPLETE said it cannot be cancelled")
            return options.append(.refuse(.errorInput))
        }
        options.append(.cancel)
        options.append(.refuse(.busy))
    }

    /// The initiating call of the abstract memory-transferring operation.
    private func transferStartAnswers(into options: inout [AdversaryAnswer]) {
        guard unsafe !state.operations.contains(where: { $0.kind == .transfer }) else {
            return options.append(.refuse(.blocked))
        }
        options.append(.finish(.success))
        options.append(.incomplete(canCancel: false))
        options.append(.incomplete(canCancel: true))
        options.append(.requestDonation(granules: 1, state: .delegated, canCancel: false))
        options.append(.requestDonation(granules: 2, state: .undelegated, canCancel: true))
        operationStartRefusals(into: &options)
    }

    /// The initiating TRACKING_SET(FINE) of the abstract operation, with host-supplied metadata: the region is FINE
    /// already (success), or the metadata is asked for as one contiguous run of DELEGATED granules, cancellable until
    /// it arrives (granule-delegation.md section 3).
    private func trackingStartAnswers(into options: inout [AdversaryAnswer]) {
        guard unsafe !state.operations.contains(where: { $0.kind == .transfer }) else {
            return options.append(.refuse(.blocked))
        }
        options.append(.requestDonation(granules: 2, state: .delegated, canCancel: true))
        options.append(.finish(.success))
        options.append(.requestDonation(granules: 1, state: .delegated, canCancel: true))
        operationStartRefusals(into: &options)
    }

    /// The refusals the initiating call of a memory-transferring operation may answer with, after its other
    /// answers: RMI_BUSY, RMI_BLOCKED, RMI_ERROR_INPUT; and, when the rules include them, two answers no call may
    /// give: a status DEN0137 does not define and RMI_INCOMPLETE with the reserved memory request.
    private func operationStartRefusals(into options: inout [AdversaryAnswer]) {
        options.append(.refuse(.busy))
        options.append(.refuse(.blocked))
        options.append(.refuse(.errorInput))
        if rules == .includingForbidden {
            offerForbidden(.refuse(Self.undefinedStatus), into: &options)
            offerForbidden(.reservedMemoryRequest, into: &options)
        }
    }

    /// Appends `answer` to `options` as one the specification forbids at the current SMC.
    private func offerForbidden(_ answer: AdversaryAnswer, into options: inout [AdversaryAnswer]) {
        unsafe forbiddenOffered.append(answer)
        options.append(answer)
    }

    /// A status DEN0137 does not define.
    static let undefinedStatus = RMIStatus(rawValue: 0x2A)
}
