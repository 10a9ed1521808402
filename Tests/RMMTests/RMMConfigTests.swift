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
        arguments: [(UInt64(0), UInt64(1)), (0, 2), (0, 3), (2, 0), (0xFF, 0)])
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
