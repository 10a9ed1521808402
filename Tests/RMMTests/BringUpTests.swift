import CCAArch
import Testing

@testable import RMM

private let base: UInt64 = 0x8000_0000
private let g = Harness.g

@Suite("RMI dispatch")
struct DispatchTests {
    @Test("an unknown function ID answers SMCCC NOT_SUPPORTED (-1)", arguments: [UInt64(0xC400_0151), 0x8400_0000, 0])
    func unknown(fid: UInt64) {
        let h = Harness()
        #expect(h.rmm.handle(SMCArguments(fid), cpu: 0) == .notSupported)
    }

    @Test("an RMI v2.0 command the model does not implement answers RMI_ERROR_NOT_SUPPORTED")
    func notModelled() {
        let h = Harness()
        for command in FunctionID.rmiCommands where RealmManagementMonitor<TestPort>.command(command.id) == nil {
            #expect(h.smc(command.id) == .result(.errorNotSupported))
        }
    }

    @Test("the command table names each implemented command once, in function ID order, with a section")
    func table() {
        let rows = RealmManagementMonitor<TestPort>.commands
        #expect(rows.count == 29)
        #expect(zip(rows, rows.dropFirst()).allSatisfy { $0.id < $1.id })
        for row in rows {
            #expect(RealmManagementMonitor<TestPort>.command(row.id)?.id == row.id)
            #expect(row.id.rmiCommand != nil && "\(row.section)".count > 0)
        }
    }

    @Test("a command gated on ACTIVE answers RMI_ERROR_GLOBAL in INIT and changes nothing")
    func activeGateInInit() {
        let h = Harness(activate: false)
        for row in RealmManagementMonitor<TestPort>.commands where row.gate == .active {
            #expect(h.smc(row.id, base, base + g, base + 2 * g) == .result(.errorGlobal), "\(row.name)")
        }
        #expect(h.rmm.lifecycleState == .initial)
        #expect(h.smc(.rmmActivate) == .result(.success))
    }

    @Test("a command gated on INIT answers RMI_ERROR_GLOBAL once the RMM is ACTIVE")
    func initGateInActive() {
        let h = Harness()
        for row in RealmManagementMonitor<TestPort>.commands where row.gate == .initial {
            #expect(h.smc(row.id, base) == .result(.errorGlobal), "\(row.name)")
        }
    }

    @Test(
        "bet3 4: an OP_* command has no state gate: an unknown handle answers RMI_ERROR_INPUT in INIT",
        arguments: [FunctionID.opContinue, .opMemDonate, .opMemReclaim, .opCancel])
    func operationCommandsUngated(id: FunctionID) {
        let h = Harness(activate: false)
        #expect(h.smc(id, 0x1234) == .result(.errorInput))
        #expect(h.rmm.lifecycleState == .initial)
    }

    @Test("bet3 4: RMI_GPT_INFO answers in INIT")
    func gptInfoUngated() {
        let h = Harness(activate: false)
        let answer = h.smc(.gptInfo, 0, 1 << 30)
        #expect(answer.x0 == RMIResult(.success).rawValue && answer.x1 == 1 << 30)
    }

    @Test("the RMM takes X0 as its dispatcher delivers it: the SVE hint is the router's to clear")
    func sveHintIsTheRoutersJob() {
        let h = Harness()
        let hinted = FunctionID(FunctionID.version.rawValue | FunctionID.sveHintBit)
        #expect(h.rmm.handle(SMCArguments(hinted.rawValue, 0x2_0000), cpu: 0) == .notSupported)
        #expect(
            h.rmm.handle(SMCArguments(FunctionID(dispatching: hinted.rawValue).rawValue, 0x2_0000), cpu: 0)
                == SMCReturn(0, 0x2_0000, 0x2_0000))
    }
}

@Suite("RMI_VERSION (B4.5.92)")
struct VersionTests {
    @Test("a request for 2.0 succeeds with lower = 2.0 and higher = 2.0")
    func supported() {
        #expect(Harness(activate: false).smc(.version, 0x2_0000) == SMCReturn(0, 0x2_0000, 0x2_0000))
    }

    @Test(
        "any other revision answers RMI_ERROR_INPUT with lower = higher = 2.0",
        arguments: [0x1_0000, 0x2_0001, 0x3_0000, 0, 1 << 31 | 0x2_0000, ~0] as [UInt64])
    func unsupported(request: UInt64) {
        #expect(Harness(activate: false).smc(.version, request) == SMCReturn(1, 0x2_0000, 0x2_0000))
    }
}

@Suite("RMI_FEATURES (B4.5.14)")
struct FeaturesTests {
    @Test("register 1 advertises the platform's granule, L0GPTSZ and PPS")
    func register1() {
        let h = Harness(activate: false)
        let reg = FeatureRegister1(rawValue: h.smc(.features, 1).x1)
        #expect(reg.supports(.size4KB) && !reg.supports(.size16KB) && !reg.supports(.size64KB))
        #expect(reg.l0gptsz == 0)
        #expect(reg.pps == 0b010)
        #expect(reg.isValid)
    }

    @Test("register 0 is valid and reports the PA size as S2OASZ")
    func register0() {
        let reg = FeatureRegister0(rawValue: Harness(activate: false).smc(.features, 0).x1)
        #expect(reg.isValid)
        #expect(reg.s2oasz == 40)
        #expect(reg.s2sz == 48)
    }

    @Test("other indices read zero with RMI_SUCCESS", arguments: [2, 3, 4, 5, ~0] as [UInt64])
    func otherIndices(index: UInt64) {
        #expect(Harness(activate: false).smc(.features, index) == SMCReturn(0))
    }
}

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

@Suite("RMI_GPT_L1_CREATE / DESTROY (B4.5.15, B4.5.16) and RMI_GPT_INFO")
struct GPTL1Tests {
    @Test("CREATE entry_state: a region whose table the platform created answers RMI_ERROR_GPT")
    func create_entry_state() {
        #expect(Harness().status(Harness().smc(.gptL1Create, base)) == .errorGPT)
    }

    @Test("CREATE addr_bound and addr_align answer RMI_ERROR_INPUT", arguments: [1 << 40, base + 0x1000] as [UInt64])
    func create_addr(address: UInt64) {
        #expect(Harness().status(Harness().smc(.gptL1Create, address)) == .errorInput)
    }

    @Test("CREATE unfold_denied: a region without memory answers RMI_ERROR_GLOBAL")
    func create_unfold_denied() {
        #expect(Harness().status(Harness().smc(.gptL1Create, 0)) == .errorGlobal)
    }

    @Test("DESTROY entry_state: a Block region answers RMI_ERROR_INPUT; a platform table RMI_ERROR_GLOBAL")
    func destroy() {
        let h = Harness()
        #expect(h.status(h.smc(.gptL1Destroy, 0)) == .errorInput)
        #expect(h.status(h.smc(.gptL1Destroy, base)) == .errorGlobal)
        #expect(h.status(h.smc(.gptL1Destroy, base + 0x1000)) == .errorInput)
    }

    @Test("INFO walks L0 regions: X1 the next region, X2 the owner")
    func info() {
        let h = Harness()
        #expect(h.smc(.gptInfo, 0, 1 << 40) == SMCReturn(0, 0x4000_0000, 0))
        #expect(h.smc(.gptInfo, base, 1 << 40) == SMCReturn(0, 0xC000_0000, 1))
        #expect(h.status(h.smc(.gptInfo, base, base)) == .errorInput)
        #expect(h.status(h.smc(.gptInfo, base + 0x1000, 1 << 40)) == .errorInput)
    }
}
