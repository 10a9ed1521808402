import CCAArch
import Testing

@testable import RMM

private let base: UInt64 = 0x8000_0000
private let g = Harness.g

@Suite("RMI_GRANULE_RANGE_UNDELEGATE (B4.5.18)")
struct RangeUndelegateTests {
    /// A harness with [base, base + count granules) delegated and some Realm data written into it.
    func delegated(_ count: UInt64, strict: Bool = false) -> Harness {
        let h = Harness(strict: strict)
        h.delegateAll(base, base + count * g)
        for i in 0..<count {
            #expect(h.port.write64(0xDEAD_0000 + i, at: PhysicalAddress(base + i * g), space: .realm))
        }
        return h
    }

    @Test("rmm_state: before activation the command answers RMI_ERROR_GLOBAL")
    func rmm_state() {
        let h = Harness(activate: false)
        #expect(h.status(h.undelegate(base, base + g)) == .errorGlobal)
    }

    @Test("base_align: a misaligned base answers RMI_ERROR_INPUT and changes nothing")
    func base_align() {
        let h = delegated(2)
        #expect(h.status(h.undelegate(base + 0x800, base + 2 * g)) == .errorInput)
        #expect(h.states(base, base + 2 * g) == [.delegated, .delegated])
    }

    @Test("top_align: a misaligned top answers RMI_ERROR_INPUT and changes nothing")
    func top_align() {
        let h = delegated(2)
        #expect(h.status(h.undelegate(base, base + g + 8)) == .errorInput)
        #expect(h.states(base, base + 2 * g) == [.delegated, .delegated])
    }

    @Test("top_bound: size 0 and a wrapped range answer RMI_ERROR_INPUT", arguments: [(base, base), (base + g, base)])
    func top_bound(from: UInt64, to: UInt64) {
        let h = delegated(2)
        #expect(h.status(h.undelegate(from, to)) == .errorInput)
        #expect(h.states(base, base + 2 * g) == [.delegated, .delegated])
    }

    @Test("tracking: an untracked region answers RMI_ERROR_TRACKING")
    func tracking() {
        let h = Harness()
        #expect(h.smc(.granuleTrackingSet, base, 0, UInt64(TrackingState.none.rawValue)).x0 == 0)
        #expect(h.status(h.undelegate(base, base + g)) == .errorTracking)
    }

    @Test(
        "state: a granule in use by a realm object at base answers RMI_ERROR_INPUT and changes nothing",
        arguments: [GranuleState.rd, .rec, .recAux, .rtt, .data, .internal])
    func state(inUse: GranuleState) {
        let h = delegated(2)
        h.force(base, GranuleWord(state: inUse))
        #expect(h.status(h.undelegate(base, base + 2 * g)) == .errorInput)
        #expect(h.state(base + g) == .delegated)
        #expect(h.port.gpi(base + g) == .realm)
    }

    @Test("state: a DELEGATED granule with references is in use and cannot be undelegated")
    func stateReferenced() {
        let h = delegated(1)
        h.force(base, GranuleWord(state: .delegated, refcount: 1))
        #expect(h.status(h.undelegate(base, base + g)) == .errorInput)
    }

    @Test("state (2.0-bet2 reading): with strict range state an UNDELEGATED granule at base answers RMI_ERROR_INPUT")
    func stateStrict() {
        let h = delegated(2, strict: true)
        #expect(h.status(h.undelegate(base + 2 * g, base + 3 * g)) == .errorInput)
    }

    @Test("success: [base, out_top) is UNDELEGATED, Non-secure again, and wiped before EL3 gave it back")
    func successWipes() {
        let h = delegated(8)
        let answer = h.undelegate(base, base + 8 * g)
        #expect(answer.x0 == 0 && answer.x1 == base + 8 * g)
        #expect(h.states(base, base + 8 * g).allSatisfy { $0 == .undelegated })
        #expect((0..<8).allSatisfy { h.port.gpi(base + $0 * g) == .nonSecure })
        #expect((0..<8).allSatisfy { h.port.read64(PhysicalAddress(base + $0 * g), space: .nonSecure) == 0 })
        #expect(h.port.state.withLock { $0.zeroed.map(\.0) } == [base])
        #expect(h.invariantViolations(base, base + 8 * g).isEmpty)
    }

    @Test("an in-use granule further along ends the call with SUCCESS at it")
    func partialAtInUse() {
        let h = delegated(8)
        h.force(base + 5 * g, GranuleWord(state: .data))
        let answer = h.undelegate(base, base + 8 * g)
        #expect(answer.x0 == 0 && answer.x1 == base + 5 * g)
        #expect(h.state(base + 6 * g) == .delegated)
    }

    @Test("already UNDELEGATED granules are skipped as progress")
    func skip() {
        let h = delegated(4)
        let answer = h.undelegate(base + 4 * g, base + 6 * g)
        #expect(answer.x0 == 0 && answer.x1 == base + 6 * g)
    }

    @Test("RMI_BLOCKED: a granule held by an incomplete operation at base")
    func blocked() {
        let h = delegated(2)
        h.force(base, GranuleWord(state: .partial))
        #expect(h.status(h.undelegate(base, base + 2 * g)) == .blocked)
    }

    @Test("RMI_BUSY: EL3 busy leaves the granules DELEGATED")
    func busy() {
        let h = delegated(2)
        h.port.script((-6, 0))
        #expect(h.status(h.undelegate(base, base + 2 * g)) == .busy)
        #expect(h.states(base, base + 2 * g) == [.delegated, .delegated])
        #expect(h.invariantViolations(base, base + 2 * g).isEmpty)
    }

    @Test("an EL3 refusal on undelegate halts the RMM loudly and changes no granule silently")
    func el3RefusalIsFatal() {
        let h = delegated(4)
        h.port.script((-5, 1))
        #expect(h.undelegate(base, base + 4 * g) == .notSupported)
        #expect(h.port.fatalReasons.count == 1)
        #expect(h.rmm.isHalted)
        #expect(h.state(base) == .undelegated && h.port.gpi(base) == .nonSecure)
        #expect(h.states(base + g, base + 4 * g).allSatisfy { $0 == .delegated })
        #expect(h.invariantViolations(base, base + 4 * g).isEmpty)
        #expect(h.smc(.version, 0x2_0000) == .notSupported)
    }

    @Test("a coarse DELEGATED region is undelegated whole and wiped")
    func coarse() {
        let h = Harness()
        #expect(h.smc(.granuleTrackingSet, base, 0, UInt64(TrackingState.coarse.rawValue)).x0 == 0)
        h.delegateAll(base, base + 0x4000_0000)
        let answer = h.undelegate(base, base + 0x4000_0000)
        #expect(answer.x0 == 0 && answer.x1 == base + 0x4000_0000)
        #expect(h.state(base) == .undelegated)
        #expect(h.port.gpi(base + 0x2000_0000) == .nonSecure)
    }
}
