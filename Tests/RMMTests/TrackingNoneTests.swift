import CCAArch
import Testing

@testable import RMM

private let base: UInt64 = 0x8000_0000
private let g = Harness.g
private let mb2: UInt64 = 0x20_0000
private let untracked = UInt64(TrackingState.none.rawValue)
private let coarse = UInt64(TrackingState.coarse.rawValue)
private let fine = UInt64(TrackingState.fine.rawValue)

/// Untracking memory (TRACKING_SET to NONE) must never leave a granule with the Realm GPI behind: the mutation
/// that removed the COARSE -> NONE granule-state check broke no test before these.
@Suite("TRACKING_SET to NONE keeps untracked memory Non-secure")
struct TrackingNoneTests {
    @Test("SET COARSE -> NONE of a DELEGATED COARSE unit answers RMI_ERROR_INPUT and changes nothing")
    func coarseDelegatedRefusesNone() {
        let h = Harness.configured(1)
        #expect(h.smc(.granuleTrackingSet, base, 0, coarse) == .result(.success))
        #expect(h.delegate(base, base + mb2) == SMCReturn(0, base + mb2))
        #expect(h.smc(.granuleTrackingSet, base, 0, untracked) == .result(.errorInput))
        #expect(h.smc(.granuleTrackingGet, base, base + mb2).x2 == coarse)
        #expect(h.states(base, base + mb2).allSatisfy { $0 == .delegated })
        #expect(h.invariantViolations(base, base + mb2).isEmpty)
    }

    @Test("SET COARSE -> NONE of an UNDELEGATED COARSE unit succeeds, and the memory stays Non-secure")
    func coarseUndelegatedToNone() {
        let h = Harness.configured(1)
        #expect(h.smc(.granuleTrackingSet, base, 0, coarse) == .result(.success))
        #expect(h.delegate(base, base + mb2) == SMCReturn(0, base + mb2))
        #expect(h.undelegate(base, base + mb2) == SMCReturn(0, base + mb2))
        #expect(h.smc(.granuleTrackingSet, base, 0, untracked) == .result(.success))
        #expect(h.smc(.granuleTrackingGet, base, base + mb2).x2 == untracked)
        #expect(h.invariantViolations(base, base + mb2).isEmpty)
    }

    @Test("SET FINE -> NONE with one DELEGATED granule answers RMI_ERROR_INPUT and changes nothing")
    func fineDelegatedRefusesNone() {
        let h = Harness.configured(1)
        #expect(h.delegate(base + mb2 - g, base + mb2) == SMCReturn(0, base + mb2))
        #expect(h.smc(.granuleTrackingSet, base, 0, untracked) == .result(.errorInput))
        #expect(h.smc(.granuleTrackingGet, base, base + mb2).x2 == fine)
        #expect(h.state(base + mb2 - g) == .delegated)
    }

    @Test("the harness's invariant holds untracked memory to the Non-secure GPI")
    func harnessChecksUntrackedGPI() {
        let h = Harness.configured(1)
        #expect(h.smc(.granuleTrackingSet, base, 0, untracked) == .result(.success))
        #expect(h.invariantViolations(base, base + mb2).isEmpty)
        h.port.state.withLock { $0.gpi[(base + g) >> 12] = .realm }
        #expect(h.invariantViolations(base, base + mb2) == [base + g])
    }
}
