import CCAArch
import Testing

@testable import RMM

private let g = Harness.g
private let mb2: UInt64 = 0x20_0000
/// A 2 MB COARSE unit (2 MB tracking regions), away from the configuration page: 512 granules.
private let unit: UInt64 = 0x8040_0000
private let unitTop = unit + mb2
private let coarse = UInt64(TrackingState.coarse.rawValue)
private let success: Int32 = 0
private let denied: Int32 = -5
private let busy: Int32 = -6
private let conflict: Int32 = -7

/// An RMM with 2 MB tracking regions and the unit at `unit` COARSE (UNDELEGATED, or DELEGATED when `delegated`).
private func coarseUnit(delegated: Bool = false) -> Harness {
    let h = Harness.configured(1)
    precondition(h.smc(.granuleTrackingSet, unit, 0, coarse) == .result(.success))
    if delegated { precondition(h.delegate(unit, unitTop) == SMCReturn(0, unitTop)) }
    return h
}

/// Whether `answer` is RMI_INCOMPLETE with nothing to donate or reclaim and no cancel, as a moving unit answers.
private func isPending(_ answer: SMCReturn) -> Bool {
    let result = RMIResult(rawValue: answer.x0)
    return result.status == .incomplete && result.memoryRequest == OpMemRequest.none && !result.canCancel
}

/// The GPI of every granule of the unit, as one value when they all agree.
private func unitGPI(_ h: Harness) -> GPI? {
    let gpis = Set(stride(from: unit, to: unitTop, by: Int(g)).map { h.port.gpi($0) })
    return gpis.count == 1 ? gpis.first : nil
}

@Suite("A COARSE unit moved by EL3 in pieces (bet3.md section 5)")
struct CoarseUnitStepsTests {
    @Test("EL3 moving the whole unit at once: RMI_SUCCESS in one SMC with one EL3 call, no operation left")
    func wholeInOneCall() {
        let h = coarseUnit()
        #expect(h.delegate(unit, unitTop) == SMCReturn(0, unitTop))
        #expect(h.port.el3Calls.count == 1)
        #expect(h.rmm.pendingOperations().isEmpty)
    }

    @Test("EL3 moving part of the unit: RMI_INCOMPLETE (not cancellable), the unit PARTIAL, one EL3 call")
    func partialMoveIsIncomplete() {
        let h = coarseUnit()
        h.port.script((success, 100))
        let answer = h.delegate(unit, unitTop)
        #expect(isPending(answer))
        #expect(h.port.el3Calls.count == 1)
        #expect(h.state(unit) == .partial && h.state(unitTop - g) == .partial)
        #expect(h.rmm.pendingOperations().map(\.command) == [.granuleRangeDelegate])
        #expect(h.rmm.pendingOperations().first?.handle == answer.x1)
        #expect(h.invariantViolations(unit, unitTop).isEmpty)
    }

    @Test("RMI_OP_CONTINUE makes one EL3 call per SMC and ends with the command's out_top, the unit DELEGATED")
    func continueOneCallPerSMC() {
        let h = coarseUnit()
        h.port.script((success, 200), (success, 200), (success, 200))
        let handle = h.delegate(unit, unitTop).x1
        #expect(isPending(h.smc(.opContinue, handle)))
        #expect(h.port.el3Calls.count == 2)
        #expect(h.port.el3Calls[1] == SMCArguments(0xC400_0402, unit + 200 * g, 312, UInt64(GPI.realm.rawValue)))
        #expect(h.smc(.opContinue, handle) == SMCReturn(0, unitTop))
        #expect(h.port.el3Calls.count == 3)
        #expect(h.states(unit, unitTop).allSatisfy { $0 == .delegated })
        #expect(unitGPI(h) == .realm)
        #expect(h.smc(.opContinue, handle) == .result(.errorInput))
    }

    @Test("EL3 BUSY in a continuation leaves the operation pending: RMI_INCOMPLETE again, nothing moved")
    func busyInContinuationStaysPending() {
        let h = coarseUnit()
        h.port.script((success, 100), (busy, 0), (busy, 0))
        let handle = h.delegate(unit, unitTop).x1
        #expect(isPending(h.smc(.opContinue, handle)))
        #expect(isPending(h.smc(.opContinue, handle)))
        #expect(h.state(unit) == .partial)
        #expect(h.port.gpi(unit + 100 * g) == .nonSecure)
        #expect(h.smc(.opContinue, handle) == SMCReturn(0, unitTop))
        #expect(h.port.el3Calls.count == 4)
    }

    @Test("EL3 BUSY on the command's own EL3 call: RMI_BUSY, the unit as before and no operation left")
    func busyAtStart() {
        let h = coarseUnit()
        h.port.script((busy, 0))
        #expect(h.status(h.delegate(unit, unitTop)) == .busy)
        #expect(h.state(unit) == .undelegated)
        #expect(h.rmm.pendingOperations().isEmpty)
        #expect(h.delegate(unit, unitTop) == SMCReturn(0, unitTop))
    }

    @Test("a refusal part way through a delegation is rolled back and answers RMI_ERROR_TRACKING for the unit")
    func refusalPartWayRollsBack() {
        let h = coarseUnit()
        h.port.script((success, 100), (denied, 50))
        let handle = h.delegate(unit, unitTop).x1
        #expect(isPending(h.smc(.opContinue, handle)))
        #expect(h.state(unit) == .partial)
        #expect(h.port.el3Calls.count == 2)
        let tracking = RMIResult.tracking(at: PhysicalAddress(unit), granuleSize: .size4KB).rawValue
        #expect(h.smc(.opContinue, handle).x0 == tracking)
        #expect(h.port.el3Calls[2] == SMCArguments(0xC400_0402, unit, 150, UInt64(GPI.nonSecure.rawValue)))
        #expect(h.state(unit) == .undelegated)
        #expect(unitGPI(h) == .nonSecure)
        #expect(h.rmm.pendingOperations().isEmpty)
        #expect(h.invariantViolations(unit, unitTop).isEmpty)
    }

    @Test("the roll-back moves in pieces too, and an EL3 BUSY there leaves it pending")
    func rollbackInPieces() {
        let h = coarseUnit()
        h.port.script((success, 100), (denied, 50), (success, 60), (busy, 0), (success, 60))
        let handle = h.delegate(unit, unitTop).x1
        var answers: [RMIStatus] = []
        for _ in 0..<4 { answers.append(h.status(h.smc(.opContinue, handle))) }
        #expect(answers == [.incomplete, .incomplete, .incomplete, .incomplete])
        #expect(h.status(h.smc(.opContinue, handle)) == .errorTracking)
        #expect(h.port.el3Calls.count == 6)
        #expect(unitGPI(h) == .nonSecure)
        #expect(h.state(unit) == .undelegated)
    }

    @Test("a conflict with another agent part way is rolled back and answers RMI_BLOCKED")
    func conflictPartWay() {
        let h = coarseUnit()
        h.port.script((conflict, 30))
        let handle = h.delegate(unit, unitTop).x1
        #expect(h.state(unit) == .partial)
        #expect(h.smc(.opContinue, handle) == .result(.blocked))
        #expect(h.state(unit) == .undelegated)
        #expect(unitGPI(h) == .nonSecure)
    }

    @Test("a refusal with nothing moved answers RMI_ERROR_INPUT at once and changes nothing")
    func refusalAtStart() {
        let h = coarseUnit()
        h.port.script((denied, 0))
        #expect(h.delegate(unit, unitTop) == .result(.errorInput))
        #expect(h.state(unit) == .undelegated)
        #expect(h.rmm.pendingOperations().isEmpty)
    }

    @Test("an undelegation EL3 refuses part way halts the RMM")
    func undelegationRefusalIsFatal() {
        let h = coarseUnit(delegated: true)
        h.port.script((success, 100), (denied, 0))
        let handle = h.undelegate(unit, unitTop).x1
        #expect(h.state(unit) == .partial)
        #expect(h.smc(.opContinue, handle) == .notSupported)
        #expect(h.rmm.isHalted)
        #expect(h.port.fatalReasons.count == 1)
    }

    @Test("an undelegation in pieces ends UNDELEGATED, wiped, Non-secure")
    func undelegationInPieces() {
        let h = coarseUnit(delegated: true)
        #expect(h.port.write64(0x5A5A, at: PhysicalAddress(unit + 300 * g), space: .realm))
        h.port.script((success, 256), (success, 256))
        let handle = h.undelegate(unit, unitTop).x1
        #expect(h.port.gpi(unit) == .nonSecure && h.port.gpi(unitTop - g) == .realm)
        #expect(h.smc(.opContinue, handle) == SMCReturn(0, unitTop))
        #expect(h.state(unit) == .undelegated)
        #expect(h.port.read64(PhysicalAddress(unit + 300 * g), space: .nonSecure) == 0)
        #expect(h.invariantViolations(unit, unitTop).isEmpty)
    }

    @Test("a coarse undelegation yields to a pending interrupt between scrub chunks, then finishes")
    func undelegationYieldsWhileScrubbing() {
        // 1 GB regions: the unit is 512 chunks of 2 MB.
        let h = Harness()
        let base: UInt64 = 0x8000_0000
        #expect(h.smc(.granuleTrackingSet, base, 0, coarse) == .result(.success))
        #expect(h.delegate(base, base + 0x4000_0000) == SMCReturn(0, base + 0x4000_0000))
        let calls = h.port.el3Calls.count
        h.port.state.withLock { $0.interruptPending = true }
        let answer = h.undelegate(base, base + 0x4000_0000)
        #expect(isPending(answer))
        #expect(h.port.state.withLock { $0.zeroed.count } == 1)
        #expect(isPending(h.smc(.opContinue, answer.x1)))
        #expect(h.port.state.withLock { $0.zeroed.count } == 2)
        #expect(h.port.el3Calls.count == calls)
        h.port.state.withLock { $0.interruptPending = false }
        #expect(h.smc(.opContinue, answer.x1) == SMCReturn(0, base + 0x4000_0000))
        #expect(h.port.state.withLock { $0.zeroed.count } == 512)
        #expect(h.port.el3Calls.count == calls + 1)
        #expect(h.state(base) == .undelegated)
    }

    @Test("can_cancel: OP_CANCEL of a moving unit answers RMI_ERROR_INPUT; the unit stays PARTIAL and can finish")
    func cancelRefused() {
        let h = coarseUnit()
        h.port.script((success, 100))
        let handle = h.delegate(unit, unitTop).x1
        #expect(h.smc(.opCancel, handle) == .result(.errorInput))
        #expect(h.state(unit) == .partial)
        #expect(h.rmm.pendingOperations().count == 1)
        #expect(h.smc(.opContinue, handle) == SMCReturn(0, unitTop))
    }

    @Test("RMI_BLOCKED: other commands on a PARTIAL unit (range commands, TRACKING_SET to FINE) change nothing")
    func partialUnitBlocksOthers() {
        let h = coarseUnit()
        h.port.script((success, 100))
        let handle = h.delegate(unit, unitTop).x1
        #expect(h.status(h.delegate(unit, unitTop, cpu: 1)) == .blocked)
        #expect(h.status(h.undelegate(unit, unitTop, cpu: 2)) == .blocked)
        #expect(h.status(h.smc(.granuleTrackingSet, unit, 0, UInt64(TrackingState.fine.rawValue))) == .blocked)
        // The pending operation keeps RMI_RMM_DEACTIVATE away (bet3.md section 1).
        #expect(h.status(h.smc(.rmmDeactivate, cpu: 3)) == .busy)
        #expect(h.port.el3Calls.count == 1)
        #expect(h.smc(.opContinue, handle) == SMCReturn(0, unitTop))
    }

    @Test("no operation context free: RMI_BLOCKED when all wait for the host, nothing changed and no EL3 call")
    func noContextFree() {
        let h = Harness.configured(1)
        #expect(h.smc(.granuleTrackingSet, unit, 0, coarse) == .result(.success))
        // Seal every context (4 CPUs x 4) with interrupted FINE runs elsewhere.
        h.port.state.withLock { $0.interruptPending = true }
        for i in 0..<UInt64(16) {
            #expect(h.status(h.delegate(0x8080_0000 + i * g, 0x8080_0000 + (i + 1) * g)) == .incomplete)
        }
        h.port.state.withLock { $0.interruptPending = false }
        #expect(h.delegate(unit, unitTop) == .result(.blocked))
        #expect(h.state(unit) == .undelegated)
        #expect(h.port.el3Calls.isEmpty)
    }
}
