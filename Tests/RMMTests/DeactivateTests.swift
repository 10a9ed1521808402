import CCAArch
import Testing

@testable import RMM

private let base: UInt64 = 0x8000_0000
private let g = Harness.g
private let page: UInt64 = 0x8010_0000

/// The answer of RMI_RMM_DEACTIVATE on a refusal: the status, X1...X3 zero.
private func refused(_ status: RMIStatus) -> SMCReturn { .result(status) }

@Suite("RMI_RMM_DEACTIVATE (bet3.md section 1)")
struct DeactivateTests {
    /// Expects the RMM still ACTIVE with its layout: STATE_GET 1, and the granule at `pa` in `state`.
    func expectUnchanged(_ h: Harness, _ pa: UInt64 = base, _ state: GranuleState = .undelegated) {
        #expect(h.rmm.lifecycleState == .active)
        #expect(h.smc(.rmmStateGet) == SMCReturn(0, 1))
        #expect(h.state(pa) == state)
    }

    @Test("bet3 1: not ACTIVE (INIT) answers RMI_ERROR_GLOBAL")
    func notActive() {
        let h = Harness(activate: false)
        #expect(h.smc(.rmmDeactivate) == refused(.errorGlobal))
        #expect(h.rmm.lifecycleState == .initial)
        #expect(h.smc(.rmmActivate) == .result(.success))
    }

    @Test("bet3 1: INTERMEDIATE (an activation in flight) answers RMI_ERROR_GLOBAL")
    func intermediate() {
        let h = Harness(activate: false)
        #expect(h.rmm.claimActivation())
        #expect(h.smc(.rmmDeactivate) == refused(.errorGlobal))
        #expect(h.rmm.lifecycleState == .intermediate)
    }

    @Test("bet3 1: a SEALED operation context answers RMI_BUSY; the pending handle stays valid")
    func sealedContext() {
        let h = Harness()
        h.delegateAll(base, base + 4 * g)
        h.port.state.withLock { $0.interruptPending = true }
        let pending = h.undelegate(base, base + 4 * g)
        #expect(h.status(pending) == .incomplete)
        h.port.state.withLock { $0.interruptPending = false }
        #expect(h.smc(.rmmDeactivate) == refused(.busy))
        expectUnchanged(h, base, .partial)
        #expect(h.smc(.opContinue, pending.x1).x0 == 0)
        #expect(h.smc(.rmmDeactivate) == .result(.success))
    }

    @Test("bet3 1: a RESERVED operation context answers RMI_BUSY")
    func reservedContext() throws {
        let h = Harness()
        let context = try h.rmm.operations.reserve()
        #expect(h.smc(.rmmDeactivate) == refused(.busy))
        expectUnchanged(h)
        context.release()
        #expect(h.smc(.rmmDeactivate) == .result(.success))
    }

    @Test("bet3 1: another CPU inside an RMI command answers RMI_BUSY", arguments: [1, 3])
    func otherCPUInFlight(cpu: Int) {
        let h = Harness()
        h.rmm.inFlight.enter(cpu: cpu)
        #expect(h.smc(.rmmDeactivate, cpu: 0) == refused(.busy))
        expectUnchanged(h)
        h.rmm.inFlight.leave(cpu: cpu)
        #expect(h.smc(.rmmDeactivate, cpu: 0) == .result(.success))
    }

    @Test("bet3 1: a DEACTIVATE that finds another one deciding answers RMI_BUSY")
    func anotherDeactivation() {
        let h = Harness()
        #expect(h.rmm.claimDeactivation() == nil)
        // A second CPU already past the gate (it entered before the claim) tries its own.
        #expect(h.rmm.deactivate(cpu: 1) == refused(.busy))
        h.rmm.endDeactivation(to: .active)
        expectUnchanged(h)
    }

    @Test(
        "bet3 1: a granule of a FINE region not UNDELEGATED answers RMI_ERROR_GLOBAL",
        arguments: [
            GranuleState.delegated, .rd, .rec, .recAux, .rtt, .data, .internal, .partial, .gptL1,
        ])
    func fineGranuleInUse(state: GranuleState) {
        let h = Harness()
        // The last granule of the second bank: the check covers every populated granule of every region.
        let pa = Harness.dram1.top.rawValue - g
        h.force(pa, GranuleWord(state: state))
        #expect(h.smc(.rmmDeactivate) == refused(.errorGlobal))
        expectUnchanged(h, pa, state)
        h.force(pa, GranuleWord(state: .undelegated))
        #expect(h.smc(.rmmDeactivate) == .result(.success))
    }

    @Test("bet3 1: a DELEGATED granule answers RMI_ERROR_GLOBAL until the host undelegates it")
    func delegatedThenUndelegated() {
        let h = Harness()
        h.delegateAll(base + 8 * g, base + 9 * g)
        #expect(h.smc(.rmmDeactivate) == refused(.errorGlobal))
        expectUnchanged(h, base + 8 * g, .delegated)
        #expect(h.undelegate(base + 8 * g, base + 9 * g).x0 == 0)
        #expect(h.smc(.rmmDeactivate) == .result(.success))
    }

    @Test("bet3 1: an UNDELEGATED granule held locked or with references answers RMI_ERROR_GLOBAL")
    func lockedOrReferenced() {
        for word in [GranuleWord(state: .undelegated, locked: true), GranuleWord(state: .undelegated, refcount: 1)] {
            let h = Harness()
            h.force(base, word)
            #expect(h.smc(.rmmDeactivate) == refused(.errorGlobal))
            #expect(h.rmm.lifecycleState == .active)
        }
    }

    @Test("bet3 1: a COARSE unit not UNDELEGATED answers RMI_ERROR_GLOBAL")
    func coarseInUse() {
        let h = Harness()
        #expect(h.smc(.granuleTrackingSet, base, 0, UInt64(TrackingState.coarse.rawValue)).x0 == 0)
        let region = h.rmm.table!.region(containing: PhysicalAddress(base))!
        region.storeCoarse(GranuleWord(state: .delegated))
        #expect(h.smc(.rmmDeactivate) == refused(.errorGlobal))
        #expect(h.rmm.lifecycleState == .active)
        region.storeCoarse(GranuleWord(state: .undelegated))
        #expect(h.smc(.rmmDeactivate) == .result(.success))
    }

    @Test("bet3 1: a region tracked NONE never blocks it")
    func noneRegion() {
        let h = Harness()
        #expect(h.smc(.granuleTrackingSet, Harness.dram1.base.rawValue, 0, UInt64(TrackingState.none.rawValue)).x0 == 0)
        #expect(h.smc(.rmmDeactivate) == .result(.success))
    }

    @Test("bet3 1: success answers RMI_SUCCESS with X1..X3 zero, enters INIT, and hands the metadata back")
    func success() {
        let h = Harness()
        #expect(h.port.metadataBytes > 0)
        #expect(h.smc(.rmmDeactivate) == SMCReturn(0, 0, 0, 0))
        #expect(h.rmm.lifecycleState == .initial)
        #expect(h.smc(.rmmStateGet) == SMCReturn(0, 0))
        #expect(h.port.metadataBytes == 0)
        #expect(h.rmm.table == nil)
    }

    @Test(
        "bet3 1: after deactivation ACTIVE-gated commands answer RMI_ERROR_GLOBAL and the others work as at boot")
    func afterDeactivation() {
        let h = Harness()
        #expect(h.smc(.rmmDeactivate) == .result(.success))
        for row in RealmManagementMonitor.commands where row.gate == .active {
            #expect(h.smc(row.id, base, base + g, base + 2 * g) == .result(.errorGlobal), "\(row.name)")
        }
        #expect(h.status(h.smc(.version, RMIInterfaceVersion.v2_0.encoding)) == .success)
        #expect(h.status(h.smc(.features, 1)) == .success)
        #expect(h.smc(.rmmConfigGet, page) == .result(.success))
        let untracked = UInt64(TrackingState.none.rawValue)
        #expect(h.smc(.granuleTrackingGet, base, base + g) == SMCReturn(0, 0, untracked, base + g))
        #expect(h.smc(.gptInfo, 0, 1 << 30).x1 == 1 << 30)
        #expect(h.smc(.rmmStateGet) == SMCReturn(0, 0))
    }

    @Test("bet3 1: CONFIG_SET is accepted again and ACTIVATE builds a new layout")
    func reactivate() {
        let h = Harness()
        h.delegateAll(base, base + 2 * g)
        #expect(h.undelegate(base, base + 2 * g).x0 == 0)
        #expect(h.smc(.granuleTrackingSet, Harness.dram1.base.rawValue, 0, UInt64(TrackingState.none.rawValue)).x0 == 0)
        #expect(h.smc(.rmmDeactivate) == .result(.success))
        #expect(h.smc(.rmmConfigSet, page) == .result(.success))
        #expect(h.smc(.rmmActivate) == .result(.success))
        // The new layout starts over: the region the old one untracked is FINE again.
        let fine = UInt64(TrackingState.fine.rawValue)
        #expect(h.smc(.granuleTrackingGet, Harness.dram1.base.rawValue, Harness.dram1.top.rawValue).x2 == fine)
        #expect(h.delegate(base, base + g) == SMCReturn(0, base + g))
        #expect(h.smc(.rmmDeactivate) == refused(.errorGlobal))
    }
}
