import CCAArch
import Testing

@testable import RMM

private let base: UInt64 = 0x8000_0000
private let g = Harness.g

@Suite("RMI_RMM_CONFIG_SET / GET, RMI_RMM_ACTIVATE, RMI_RMM_STATE_GET")
struct ConfigTests {
    let page: UInt64 = 0x8010_0000

    func writeConfig(_ h: Harness, tracking: UInt64, granule: UInt64) {
        #expect(h.port.write64(tracking, at: PhysicalAddress(page), space: .nonSecure))
        #expect(h.port.write64(granule, at: PhysicalAddress(page + 8), space: .nonSecure))
    }

    @Test("CONFIG_SET success: a zeroed page selects 4 KB granules and 1 GB tracking regions")
    func configSetSuccess() {
        let h = Harness(activate: false)
        #expect(h.smc(.rmmConfigSet, page) == SMCReturn(0))
        #expect(h.rmm.trackingRegionSize == 1 << 30)
    }

    @Test("CONFIG_SET rmm_state: after activation answers RMI_ERROR_GLOBAL")
    func configSet_rmm_state() {
        let h = Harness()
        #expect(h.status(h.smc(.rmmConfigSet, page)) == .errorGlobal)
    }

    @Test("CONFIG_SET cfg_align: a misaligned pointer answers RMI_ERROR_INPUT", arguments: [UInt64(8), 0x800])
    func configSet_cfg_align(offset: UInt64) {
        let h = Harness(activate: false)
        #expect(h.status(h.smc(.rmmConfigSet, page + offset)) == .errorInput)
    }

    @Test("CONFIG_SET cfg_pas: a page not readable through the Non-secure PAS answers RMI_ERROR_INPUT")
    func configSet_cfg_pas() {
        let h = Harness(activate: false)
        h.port.state.withLock { $0.gpi[page >> 12] = .realm }
        #expect(h.status(h.smc(.rmmConfigSet, page)) == .errorInput)
        #expect(h.status(h.smc(.rmmConfigSet, 0)) == .errorInput)
        #expect(h.status(h.smc(.rmmConfigSet, 0x1000)) == .errorInput)
    }

    @Test(
        "CONFIG_SET cfg_supp: an unadvertised granule size or invalid tracking size answers RMI_ERROR_INPUT",
        arguments: [(UInt64(0), UInt64(1)), (0, 2), (0, 3), (1, 0), (0xFF, 0)])
    func configSet_cfg_supp(tracking: UInt64, granule: UInt64) {
        let h = Harness(activate: false)
        writeConfig(h, tracking: tracking, granule: granule)
        #expect(h.status(h.smc(.rmmConfigSet, page)) == .errorInput)
    }

    @Test("CONFIG_GET writes the configuration into the page, in any state")
    func configGet() {
        let h = Harness()
        writeConfig(h, tracking: 0xAA, granule: 0xBB)
        #expect(h.smc(.rmmConfigGet, page) == SMCReturn(0))
        #expect(h.port.word(page) == 0 && h.port.word(page + 8) == 0)
    }

    @Test("CONFIG_GET cfg_align and cfg_pas answer RMI_ERROR_INPUT")
    func configGetFailures() {
        let h = Harness()
        #expect(h.status(h.smc(.rmmConfigGet, page + 8)) == .errorInput)
        #expect(h.status(h.smc(.rmmConfigGet, 0x1000)) == .errorInput)
    }

    @Test("ACTIVATE success moves INIT to ACTIVE; STATE_GET reports 0 then 1")
    func activate() {
        let h = Harness(activate: false)
        #expect(h.smc(.rmmStateGet) == SMCReturn(0, 0))
        #expect(h.smc(.rmmActivate) == SMCReturn(0))
        #expect(h.rmm.lifecycleState == .active)
        #expect(h.smc(.rmmStateGet) == SMCReturn(0, 1))
    }

    @Test("ACTIVATE state: a second activation answers RMI_ERROR_GLOBAL")
    func activate_state() {
        let h = Harness()
        #expect(h.status(h.smc(.rmmActivate)) == .errorGlobal)
    }
}

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
