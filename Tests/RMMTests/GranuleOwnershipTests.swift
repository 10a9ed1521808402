import CCAArch
import Testing

@testable import RMM

/// Who may change which field of a granule word (GranuleWords): the lock holder changes the state and the lock
/// bit, and nothing else; reference counts change only by atomic adds; an operation holding a granule PARTIAL
/// publishes its state without touching a lock bit another CPU set to look at it. Each test plays two CPUs in one
/// thread, in the order that lost an update before the rule: a lock taken for a look, the other CPU's change, the
/// look's release.
@Suite("Granule word ownership")
struct GranuleOwnershipTests {
    typealias F = RealmFixture
    let g = Harness.g

    struct NotTracked: Error {}

    /// Locks the granule at `pa` as another CPU's command would, to look at it.
    func look(_ h: Harness, _ pa: UInt64) throws -> LockedGranule {
        guard let granule = h.rmm.lockGranule(PhysicalAddress(pa)) else { throw NotTracked() }
        return granule
    }

    @Test("a reference added while another CPU holds the table's lock for a look survives that CPU's release")
    func referenceAddedDuringALookSurvives() throws {
        let f = F()
        #expect(f.status(f.createRealm()) == .success)
        // CPU 1 locks the realm's starting table, as RTT_CREATE of another realm naming it as its new table does
        // before it sees the state RTT and lets go.
        let look = try look(f.h, F.rtt)
        #expect(look.state == .rtt)
        // CPU 0, holding the realm's RD, adds an entry to that table: its reference count grows by one.
        #expect(f.status(f.call(.rttCreate, F.rd, F.rtt2, F.ipa, 2)) == .success)
        look.unlock()
        // Before the rule, the release wrote back the word seen at lock time: the count went back to 0 while the
        // table held a live entry, and RTT_DESTROY later broke the refcount precondition.
        #expect(f.h.rmm.inspectGranule(at: PhysicalAddress(F.rtt))?.refcount == 1)
        #expect(f.h.rmm.referenceCountViolations().isEmpty)
        #expect(f.status(f.call(.rttDestroy, F.rd, F.ipa, 2)) == .success)
        #expect(f.h.rmm.inspectGranule(at: PhysicalAddress(F.rtt))?.refcount == 0)
    }

    @Test("a REC's reference to its realm, dropped while the RD is locked for a look, stays dropped")
    func referenceDroppedDuringALookStaysDropped() throws {
        let f = F()
        #expect(f.status(f.createRealm()) == .success)
        #expect(f.status(f.createREC()) == .success)
        #expect(f.h.rmm.inspectGranule(at: PhysicalAddress(F.rd))?.refcount == 1)
        let look = try look(f.h, F.rd)
        // REC_DESTROY drops the REC's reference atomically, without the RD's lock.
        let start = f.call(.recDestroy, F.rec)
        #expect(RMIResult(rawValue: start.x0).status == .incomplete)
        look.unlock()
        #expect(f.h.rmm.inspectGranule(at: PhysicalAddress(F.rd))?.refcount == 0)
    }

    @Test("a look at a PARTIAL granule while its undelegation finishes leaves the finished state, unlocked")
    func lookAtPartialWhileItsOperationFinishes() throws {
        let h = Harness()
        let base: UInt64 = 0x8000_0000
        h.delegateAll(base, base + 4 * g)
        h.port.state.withLock { $0.interruptPending = true }
        let answer = h.undelegate(base, base + 4 * g)
        h.port.state.withLock { $0.interruptPending = false }
        #expect(RMIResult(rawValue: answer.x0).status == .incomplete)
        // Another CPU locks a granule of the run to look at it (it will answer RMI_BLOCKED).
        let look = try look(h, base + g)
        #expect(look.state == .partial)
        #expect(h.smc(.opContinue, answer.x1) == SMCReturn(0, base + 4 * g))
        look.unlock()
        // Before the rule the operation's store cleared the look's lock bit and the look's release wrote PARTIAL
        // back: the granule stayed PARTIAL for ever, Non-secure in the GPT.
        #expect(h.states(base, base + 4 * g) == Array(repeating: .undelegated, count: 4))
        #expect(h.invariantViolations(base, base + 4 * g).isEmpty)
    }

    @Test("a tracking transition answers RMI_BUSY while a granule of its region is locked, and changes nothing")
    func trackingTransitionWaitsForLocks() throws {
        let h = Harness()
        let base: UInt64 = 0x8000_0000
        let look = try look(h, base + 7 * g)
        // GRANULE_TRACKING_SET(base, conventional, COARSE = 3).
        #expect(h.status(h.smc(.granuleTrackingSet, base, 0, 3)) == .busy)
        look.unlock()
        #expect(h.rmm.inspectGranule(at: PhysicalAddress(base))?.tracking == .fine)
        #expect(h.status(h.smc(.granuleTrackingSet, base, 0, 3)) == .success)
        // Once COARSE, no granule of the region can be locked as a FINE granule.
        if let late = h.rmm.lockGranule(PhysicalAddress(base + 7 * g)) {
            Issue.record("a granule of a COARSE region was locked as FINE")
            late.unlock()
        }
    }

    @Test(
        "every round of tracking transitions leaves each granule word unlocked and usable",
        arguments: [[1, 2], [3, 2], [3, 1, 2], [1, 3, 2], [3, 1, 3, 2]] as [[UInt64]])
    func trackingTransitionsLeaveNoLock(states: [UInt64]) {
        let h = Harness()
        let base: UInt64 = 0x8000_0000
        // GRANULE_TRACKING_SET(base, conventional, state): NONE = 1, FINE = 2, COARSE = 3; the region starts FINE.
        for state in states { #expect(h.status(h.smc(.granuleTrackingSet, base, 0, state)) == .success) }
        #expect(h.delegate(base, base + 2 * g) == SMCReturn(0, base + 2 * g))
        #expect(h.states(base, base + 3 * g) == [.delegated, .delegated, .undelegated])
    }
}
