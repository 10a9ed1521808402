import CCAArch
import Testing

@testable import RMM

private let base: UInt64 = 0x8000_0000
private let g = Harness.g

@Suite("RMI_GRANULE_TRACKING_GET / SET (B4.5.19, B4.5.20)")
struct TrackingTests {
    @Test("GET reports DRAM as CONVENTIONAL and FINE after activation, up to the end of the bank")
    func getFine() {
        let h = Harness()
        #expect(h.smc(.granuleTrackingGet, base, 0xF0_0000_0000) == SMCReturn(0, 0, 2, 0xC000_0000))
    }

    @Test("GET reports DRAM as TRACKING_NONE before activation")
    func getBeforeActivation() {
        let h = Harness(activate: false)
        #expect(h.smc(.granuleTrackingGet, base, base + g) == SMCReturn(0, 0, 1, base + g))
    }

    @Test("GET reports a hole as category NONE, TRACKING_RESERVED, up to the next bank")
    func getHole() {
        let h = Harness()
        #expect(h.smc(.granuleTrackingGet, 0, 0xF0_0000_0000) == SMCReturn(0, 3, 0, 0x8000_0000))
        #expect(h.smc(.granuleTrackingGet, 0xC000_0000, 0xF0_0000_0000) == SMCReturn(0, 3, 0, 0x1_0000_0000))
    }

    @Test(
        "GET rejects misaligned, empty and out-of-range arguments with RMI_ERROR_INPUT",
        arguments: [
            (base + 1, base + g), (base, base + 1), (base, base), (base + g, base), (0, 1 << 41),
        ] as [(UInt64, UInt64)])
    func getFailures(from: UInt64, to: UInt64) {
        #expect(Harness().status(Harness().smc(.granuleTrackingGet, from, to)) == .errorInput)
    }

    @Test("SET rmm_state: before activation answers RMI_ERROR_GLOBAL")
    func set_rmm_state() {
        let h = Harness(activate: false)
        #expect(h.status(h.smc(.granuleTrackingSet, base, 0, 2)) == .errorGlobal)
    }

    @Test(
        "SET state_valid: RESERVED, INTERMEDIATE, or SBZ bits answer RMI_ERROR_INPUT",
        arguments: [0, 4, 5, 1 << 3 | 2] as [UInt64])
    func set_state_valid(target: UInt64) {
        let h = Harness()
        #expect(h.status(h.smc(.granuleTrackingSet, base, 0, target)) == .errorInput)
    }

    @Test("SET addr_align: an address not aligned to the tracking region answers RMI_ERROR_INPUT")
    func set_addr_align() {
        let h = Harness()
        #expect(h.status(h.smc(.granuleTrackingSet, base + 0x20_0000, 0, 1)) == .errorInput)
    }

    @Test("SET addr_bound: an address beyond the PA size answers RMI_ERROR_INPUT")
    func set_addr_bound() {
        let h = Harness()
        #expect(h.status(h.smc(.granuleTrackingSet, 1 << 40, 0, 1)) == .errorInput)
    }

    @Test(
        "SET category: a category that does not match the memory answers RMI_ERROR_INPUT",
        arguments: [UInt64(1), 2, 3, 4])
    func set_category(category: UInt64) {
        let h = Harness()
        #expect(h.status(h.smc(.granuleTrackingSet, base, category, 1)) == .errorInput)
    }

    @Test("SET reserved: a region with no memory answers RMI_ERROR_INPUT")
    func set_reserved() {
        let h = Harness()
        #expect(h.status(h.smc(.granuleTrackingSet, 0x4000_0000, 0, 1)) == .errorInput)
    }

    @Test("SET success: FINE to NONE, to COARSE, to FINE again; GET follows; the same state changes nothing")
    func setTransitions() {
        let h = Harness()
        for target in [TrackingState.fine, .none, .coarse, .fine, .coarse, .none, .fine] {
            #expect(h.smc(.granuleTrackingSet, base, 0, UInt64(target.rawValue)) == SMCReturn(0))
            #expect(h.smc(.granuleTrackingGet, base, base + g).x2 == UInt64(target.rawValue))
        }
    }

    @Test("SET FINE to COARSE keeps a uniform DELEGATED state, and COARSE to FINE spreads it back")
    func setCoarseKeepsState() {
        let h = Harness()
        h.delegateAll(base, base + 0x4000_0000)
        #expect(h.smc(.granuleTrackingSet, base, 0, 3) == SMCReturn(0))
        #expect(h.state(base + 0x100_0000) == .delegated)
        #expect(h.smc(.granuleTrackingSet, base, 0, 2) == SMCReturn(0))
        #expect(h.state(base + 0x100_0000) == .delegated)
        #expect(h.undelegate(base, base + 2 * g).x1 == base + 2 * g)
    }

    @Test("SET refuses to coarsen mixed granule states, to untrack delegated memory, and a region with holes")
    func setRefusals() {
        let h = Harness()
        h.delegateAll(base, base + g)
        #expect(h.status(h.smc(.granuleTrackingSet, base, 0, 3)) == .errorInput)
        #expect(h.status(h.smc(.granuleTrackingSet, base, 0, 1)) == .errorInput)
        #expect(h.status(h.smc(.granuleTrackingSet, 0x1_0000_0000, 0, 3)) == .errorInput)
        #expect(h.smc(.granuleTrackingGet, base, base + g).x2 == 2)
    }

    @Test("SET answers RMI_BLOCKED while a granule belongs to an incomplete operation")
    func setBlocked() {
        let h = Harness()
        h.force(base + g, GranuleWord(state: .partial))
        #expect(h.status(h.smc(.granuleTrackingSet, base, 0, 1)) == .blocked)
    }

    @Test("SET answers RMI_BUSY while a granule lock is held")
    func setBusy() {
        let h = Harness()
        h.force(base + g, GranuleWord(state: .undelegated, locked: true))
        #expect(h.status(h.smc(.granuleTrackingSet, base, 0, 1)) == .busy)
    }
}
