import CCAArch
import Testing

@testable import RMM

private let base: UInt64 = 0x8000_0000
private let g = Harness.g

@Suite("RMI_GRANULE_RANGE_DELEGATE (B4.5.17)")
struct RangeDelegateTests {
    // MARK: Failure conditions, each changes nothing

    @Test("rmm_state: before activation the command answers RMI_ERROR_GLOBAL")
    func rmm_state() {
        let h = Harness(activate: false)
        #expect(h.status(h.delegate(base, base + g)) == .errorGlobal)
        #expect(h.port.gpi(base) == .nonSecure)
        #expect(h.port.el3Calls.isEmpty)
    }

    @Test(
        "base_align: a base not aligned to the granule answers RMI_ERROR_INPUT", arguments: [UInt64(1), 0x800, 0xFFF])
    func base_align(offset: UInt64) {
        let h = Harness()
        #expect(h.status(h.delegate(base + offset, base + 2 * g)) == .errorInput)
        #expect(h.states(base, base + 2 * g) == [.undelegated, .undelegated])
        #expect(h.port.el3Calls.isEmpty)
    }

    @Test("top_align: a top not aligned to the granule answers RMI_ERROR_INPUT", arguments: [UInt64(1), 0x800])
    func top_align(offset: UInt64) {
        let h = Harness()
        #expect(h.status(h.delegate(base, base + g + offset)) == .errorInput)
        #expect(h.state(base) == .undelegated)
        #expect(h.port.el3Calls.isEmpty)
    }

    @Test(
        "top_bound: top <= base (size 0, and a range that wrapped) answers RMI_ERROR_INPUT",
        arguments: [(base, base), (base + g, base), (base, UInt64(0))])
    func top_bound(from: UInt64, to: UInt64) {
        let h = Harness()
        #expect(h.status(h.delegate(from, to)) == .errorInput)
        #expect(h.states(base, base + 2 * g) == [.undelegated, .undelegated])
        #expect(h.port.el3Calls.isEmpty)
    }

    @Test(
        "populated: a base in a hole or in device memory answers RMI_ERROR_INPUT",
        arguments: [UInt64(0x1000), 0x7FFF_F000, 0x1_0020_0000, 0xF0_0000_0000])
    func populated(hole: UInt64) {
        let h = Harness()
        #expect(h.status(h.delegate(hole, hole + g)) == .errorInput)
        #expect(h.port.el3Calls.isEmpty)
    }

    @Test("tracking: a base in an untracked region answers RMI_ERROR_TRACKING with the failing address")
    func tracking() {
        let h = Harness()
        #expect(h.smc(.granuleTrackingSet, base, 0, UInt64(TrackingState.none.rawValue)).x0 == 0)
        let answer = h.delegate(base, base + g)
        let result = RMIResult(rawValue: answer.x0)
        #expect(result.status == .errorTracking)
        #expect(result.trackingAddress(granuleSize: .size4KB) == PhysicalAddress(base))
        #expect(h.port.gpi(base) == .nonSecure)
    }

    @Test("tracking: a coarse region delegated from inside, or only in part, answers RMI_ERROR_TRACKING")
    func trackingCoarseUnit() {
        let h = Harness()
        #expect(h.smc(.granuleTrackingSet, base, 0, UInt64(TrackingState.coarse.rawValue)).x0 == 0)
        #expect(h.status(h.delegate(base + g, base + 0x4000_0000)) == .errorTracking)
        #expect(h.status(h.delegate(base, base + 0x2000_0000)) == .errorTracking)
        #expect(h.port.el3Calls.isEmpty)
    }

    @Test(
        "state: a granule at base in another state answers RMI_ERROR_INPUT",
        arguments: [GranuleState.rd, .rec, .recAux, .rtt, .data, .internal])
    func state(other: GranuleState) {
        let h = Harness()
        h.force(base, GranuleWord(state: other))
        #expect(h.status(h.delegate(base, base + 4 * g)) == .errorInput)
        #expect(h.states(base + g, base + 4 * g) == [.undelegated, .undelegated, .undelegated])
        #expect(h.port.el3Calls.isEmpty)
    }

    @Test("state (2.0-bet2 reading): with strict range state, a DELEGATED granule at base answers RMI_ERROR_INPUT")
    func stateStrict() {
        let h = Harness(strict: true)
        h.delegateAll(base, base + g)
        #expect(h.status(h.delegate(base, base + 2 * g)) == .errorInput)
        #expect(h.state(base + g) == .undelegated)
    }

    // MARK: Success conditions

    @Test("success: every granule in [base, out_top) is DELEGATED with GPI Realm, and out_top == top")
    func success() {
        let h = Harness()
        let answer = h.delegate(base, base + 16 * g)
        #expect(answer.x0 == 0)
        #expect(answer.x1 == base + 16 * g)
        #expect(h.states(base, base + 16 * g).allSatisfy { $0 == .delegated })
        #expect((0..<16).allSatisfy { h.port.gpi(base + $0 * g) == .realm })
        #expect(h.state(base + 16 * g) == .undelegated)
        #expect(h.invariantViolations(base, base + 32 * g).isEmpty)
    }

    @Test("success: one EL3 call moves the whole run")
    func oneEL3CallPerRun() {
        let h = Harness()
        _ = h.delegate(base, base + 512 * g)
        #expect(h.port.el3Calls.count == 1)
        #expect(h.port.el3Calls[0] == SMCArguments(0xC400_0402, base, 512, UInt64(GPI.realm.rawValue)))
    }

    @Test("success: unused output registers are zero")
    func outputsZero() {
        let h = Harness()
        let answer = h.delegate(base, base + g)
        #expect(answer.x2 == 0 && answer.x3 == 0 && answer.x4 == 0)
    }

    // MARK: Partial progress

    @Test("a granule further along that cannot move ends the call with SUCCESS at that granule")
    func partialAtStuckGranule() {
        let h = Harness()
        h.force(base + 3 * g, GranuleWord(state: .rtt))
        let answer = h.delegate(base, base + 8 * g)
        #expect(answer.x0 == 0 && answer.x1 == base + 3 * g)
        #expect(h.status(h.delegate(answer.x1, base + 8 * g)) == .errorInput)
    }

    @Test("the end of the tracking region ends the call with SUCCESS at the boundary")
    func partialAtRegionBoundary() {
        let h = Harness()
        let answer = h.delegate(0xBFFF_E000, 0xC000_2000)
        #expect(answer.x0 == 0 && answer.x1 == 0xC000_0000)
    }

    @Test("the end of populated memory ends the call; the next call fails populated")
    func partialAtEndOfMemory() {
        let h = Harness()
        let top = Harness.dram1.top.rawValue
        let answer = h.delegate(top - 2 * g, top + 2 * g)
        #expect(answer.x0 == 0 && answer.x1 == top)
        #expect(h.status(h.delegate(answer.x1, top + 2 * g)) == .errorInput)
    }

    @Test("the work budget ends the call with SUCCESS after that many granules")
    func partialAtBudget() {
        let h = Harness(budget: 8)
        let answer = h.delegate(base, base + 64 * g)
        #expect(answer.x0 == 0 && answer.x1 == base + 8 * g)
        #expect(h.state(base + 8 * g) == .undelegated)
    }

    @Test("an EL3 refusal after the first granule ends the call with SUCCESS and what EL3 did")
    func partialEL3Refusal() {
        let h = Harness()
        h.port.script((-5, 3))
        let answer = h.delegate(base, base + 8 * g)
        #expect(answer.x0 == 0 && answer.x1 == base + 3 * g)
        #expect(h.states(base, base + 5 * g) == [.delegated, .delegated, .delegated, .undelegated, .undelegated])
        #expect(h.invariantViolations(base, base + 8 * g).isEmpty)
    }

    @Test("already DELEGATED granules are skipped as progress, as in the reference's worked example")
    func skipWorkedExample() {
        let h = Harness()
        let gr = { (n: UInt64) in base + (n - 1) * g }  // G1 ... G10
        for n: UInt64 in [5, 6, 9] { h.delegateAll(gr(n), gr(n) + g) }
        let first = h.delegate(gr(1), gr(11))
        #expect(first.x0 == 0 && first.x1 == gr(5))
        let second = h.delegate(gr(5), gr(11))
        #expect(second.x0 == 0 && second.x1 == gr(9))
        let third = h.delegate(gr(9), gr(11))
        #expect(third.x0 == 0 && third.x1 == gr(11))
        #expect(h.states(gr(1), gr(11)).allSatisfy { $0 == .delegated })
    }

    @Test("repeating a completed delegation succeeds with out_top == top and no EL3 call")
    func repeatIsSkipped() {
        let h = Harness()
        h.delegateAll(base, base + 4 * g)
        let calls = h.port.el3Calls.count
        let answer = h.delegate(base, base + 4 * g)
        #expect(answer.x0 == 0 && answer.x1 == base + 4 * g)
        #expect(h.port.el3Calls.count == calls)
    }

    @Test("with strict range state a DELEGATED granule further along ends the call there")
    func strictStopsAtDelegated() {
        let h = Harness(strict: true)
        h.delegateAll(base + 2 * g, base + 3 * g)
        let answer = h.delegate(base, base + 4 * g)
        #expect(answer.x0 == 0 && answer.x1 == base + 2 * g)
    }

    // MARK: BUSY and BLOCKED

    @Test("RMI_BUSY: a granule lock held by another CPU at base, with no progress and no change")
    func busyLock() {
        let h = Harness()
        h.force(base, GranuleWord(state: .undelegated, locked: true))
        #expect(h.status(h.delegate(base, base + 4 * g)) == .busy)
        #expect(h.port.el3Calls.isEmpty)
        h.force(base, GranuleWord(state: .undelegated))
        #expect(h.delegate(base, base + 4 * g).x1 == base + 4 * g)
    }

    @Test("RMI_BUSY: EL3 busy with no progress changes nothing")
    func busyEL3() {
        let h = Harness()
        h.port.script((-6, 0))
        #expect(h.status(h.delegate(base, base + 4 * g)) == .busy)
        #expect(h.states(base, base + 4 * g).allSatisfy { $0 == .undelegated })
        #expect(h.invariantViolations(base, base + 4 * g).isEmpty)
    }

    @Test("RMI_BLOCKED: a granule held by an incomplete operation at base")
    func blockedPartial() {
        let h = Harness()
        h.force(base, GranuleWord(state: .partial))
        #expect(h.status(h.delegate(base, base + 4 * g)) == .blocked)
        #expect(h.port.el3Calls.isEmpty)
    }

    @Test("RMI_BLOCKED: EL3 reports a conflicting operation with no progress")
    func blockedConflict() {
        let h = Harness()
        h.port.script((-7, 0))
        #expect(h.status(h.delegate(base, base + 4 * g)) == .blocked)
        #expect(h.states(base, base + 4 * g).allSatisfy { $0 == .undelegated })
    }

    @Test("an EL3 refusal at base answers RMI_ERROR_INPUT and changes nothing")
    func el3RefusalAtBase() {
        let h = Harness()
        h.port.script((-5, 0))
        #expect(h.status(h.delegate(base, base + 4 * g)) == .errorInput)
        #expect(h.states(base, base + 4 * g).allSatisfy { $0 == .undelegated })
        #expect(h.invariantViolations(base, base + 4 * g).isEmpty)
    }

    @Test("EL3 moving fewer granules than asked: RMI_SUCCESS with the partial out_top, the rest untouched")
    func el3MovesFewer() {
        let h = Harness()
        h.port.script((0, 3))
        #expect(h.delegate(base, base + 8 * g) == SMCReturn(0, base + 3 * g))
        #expect(h.states(base, base + 4 * g) == [.delegated, .delegated, .delegated, .undelegated])
        #expect(h.invariantViolations(base, base + 8 * g).isEmpty)
    }

    @Test("EL3 BUSY when OP_CONTINUE resumes an interrupted run leaves the operation pending, then it finishes")
    func el3BusyInContinuation() {
        let h = Harness()
        h.port.state.withLock { $0.interruptPending = true }
        let handle = h.delegate(base, base + 4 * g).x1
        h.port.state.withLock { $0.interruptPending = false }
        h.port.script((-6, 0))
        #expect(h.status(h.smc(.opContinue, handle)) == .incomplete)
        #expect(h.states(base, base + 4 * g).allSatisfy { $0 == .partial })
        #expect(h.smc(.opContinue, handle) == SMCReturn(0, base + 4 * g))
        #expect(h.states(base, base + 4 * g).allSatisfy { $0 == .delegated })
    }

    @Test("a coarse region is delegated whole, and a repeat is skipped")
    func coarseWhole() {
        let h = Harness()
        #expect(h.smc(.granuleTrackingSet, base, 0, UInt64(TrackingState.coarse.rawValue)).x0 == 0)
        let answer = h.delegate(base, base + 0x4000_0000)
        #expect(answer.x0 == 0 && answer.x1 == base + 0x4000_0000)
        #expect(h.state(base + 0x1234_5000) == .delegated)
        #expect(h.port.gpi(base + 0x3FFF_F000) == .realm)
        #expect(h.delegate(base, base + 0x4000_0000).x1 == base + 0x4000_0000)
    }
}
