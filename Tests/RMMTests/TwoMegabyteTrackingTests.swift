import CCAArch
import Testing

@testable import RMM

private let base: UInt64 = 0x8000_0000
private let g = Harness.g
private let mb2: UInt64 = 0x20_0000
private let page: UInt64 = 0x8010_0000
private let fine = UInt64(TrackingState.fine.rawValue)
private let untracked = UInt64(TrackingState.none.rawValue)
private let coarse = UInt64(TrackingState.coarse.rawValue)

@Suite("2 MB tracking regions for 4 KB granules (bet3.md section 2)")
struct TwoMegabyteTrackingTests {
    @Test("bet3 2: CONFIG_SET accepts tracking_region_size 1 (2 MB) for 4 KB granules; CONFIG_GET reports it")
    func configSetTwoMegabytes() {
        let h = Harness(activate: false)
        #expect(h.port.write64(1, at: PhysicalAddress(page), space: .nonSecure))
        #expect(h.smc(.rmmConfigSet, page) == .result(.success))
        #expect(h.rmm.trackingRegionSize == mb2)
        #expect(h.port.write64(0xAA, at: PhysicalAddress(page), space: .nonSecure))
        #expect(h.smc(.rmmConfigGet, page) == .result(.success))
        #expect(h.port.word(page) == 1 && h.port.word(page + 8) == 0)
    }

    @Test(
        "bet3 2: CONFIG_GET writes the whole 4 KB structure, zeros in every reserved byte",
        arguments: [0, 1] as [UInt64])
    func configGetWholeStructure(encoding: UInt64) {
        let h = Harness.configured(encoding)
        for offset in stride(from: UInt64(0), to: RMMConfiguration.size, by: 8) {
            #expect(h.port.write64(~0, at: PhysicalAddress(page + offset), space: .nonSecure))
        }
        #expect(h.smc(.rmmConfigGet, page) == .result(.success))
        #expect(h.port.word(page) == encoding && h.port.word(page + 8) == 0)
        let reserved = stride(from: UInt64(0x10), to: RMMConfiguration.size, by: 8).filter {
            h.port.word(page + $0) != 0
        }
        #expect(reserved.isEmpty, "reserved words not zeroed at offsets \(reserved)")
        // The granule after the structure is not touched.
        #expect(h.port.write64(7, at: PhysicalAddress(page + RMMConfiguration.size), space: .nonSecure))
        #expect(h.smc(.rmmConfigGet, page) == .result(.success))
        #expect(h.port.word(page + RMMConfiguration.size) == 7)
    }

    @Test("bet3 2: TRACKING_GET reports 2 MB regions and merges neighbours with the same category and state")
    func trackingGetTwoMegabytes() {
        let h = Harness.configured(1)
        #expect(h.smc(.granuleTrackingGet, base, base + 0x4000_0000) == SMCReturn(0, 0, fine, base + 0x4000_0000))
        #expect(h.smc(.granuleTrackingSet, base + mb2, 0, untracked) == .result(.success))
        #expect(h.smc(.granuleTrackingGet, base, base + 0x4000_0000) == SMCReturn(0, 0, fine, base + mb2))
        #expect(
            h.smc(.granuleTrackingGet, base + mb2, base + 0x4000_0000) == SMCReturn(0, 0, untracked, base + 2 * mb2))
        #expect(h.smc(.granuleTrackingGet, base + 2 * mb2, base + 3 * mb2) == SMCReturn(0, 0, fine, base + 3 * mb2))
    }

    @Test("bet3 2: TRACKING_SET addresses must be 2 MB aligned", arguments: [UInt64(0x10_0000), 0x1000, 0x1F_F000])
    func trackingSetAlignment(offset: UInt64) {
        let h = Harness.configured(1)
        #expect(h.smc(.granuleTrackingSet, base + offset, 0, untracked) == .result(.errorInput))
        #expect(h.smc(.granuleTrackingGet, base, base + mb2).x2 == fine)
        #expect(h.smc(.granuleTrackingSet, base + mb2, 0, untracked) == .result(.success))
    }

    @Test("bet3 2: a range command never crosses a 2 MB region boundary in one call")
    func rangeStopsAtRegionBoundary() {
        let h = Harness.configured(1)
        #expect(h.delegate(base + mb2 - 2 * g, base + 3 * mb2) == SMCReturn(0, base + mb2))
        #expect(h.delegate(base + mb2, base + 3 * mb2) == SMCReturn(0, base + 2 * mb2))
        #expect(h.undelegate(base + mb2 - 2 * g, base + 3 * mb2) == SMCReturn(0, base + mb2))
        #expect(h.invariantViolations(base, base + 3 * mb2).isEmpty)
    }

    @Test("bet3 2: a COARSE unit is one 2 MB region, delegated and undelegated only whole")
    func coarseUnitIsTwoMegabytes() {
        let h = Harness.configured(1)
        let unit = base + 4 * mb2
        #expect(h.smc(.granuleTrackingSet, unit, 0, coarse) == .result(.success))
        let tracking = RMIResult.tracking(at: PhysicalAddress(unit + g), granuleSize: .size4KB).rawValue
        #expect(h.delegate(unit + g, unit + mb2).x0 == tracking)
        #expect(h.status(h.delegate(unit, unit + mb2 - g)) == .errorTracking)
        #expect(h.delegate(unit, unit + 2 * mb2) == SMCReturn(0, unit + mb2))
        #expect(h.states(unit, unit + mb2).allSatisfy { $0 == .delegated })
        #expect(h.state(unit + mb2) == .undelegated)
        #expect(h.invariantViolations(unit - g, unit + mb2 + g).isEmpty)
        #expect(h.undelegate(unit, unit + mb2) == SMCReturn(0, unit + mb2))
        #expect(h.invariantViolations(unit, unit + mb2).isEmpty)
    }

    @Test("bet3 2: a 2 MB bank fills its region, so it may go COARSE (with 1 GB regions it may not)")
    func smallBankCoarse() {
        let bank = Harness.dram1.base.rawValue
        #expect(Harness.configured(1).smc(.granuleTrackingSet, bank, 0, coarse) == .result(.success))
        #expect(Harness.configured(0).smc(.granuleTrackingSet, bank, 0, coarse) == .result(.errorInput))
    }

    @Test("bet3 2: DEACTIVATE then CONFIG_SET switch 1 GB regions to 2 MB, as the newest TF-RMM's tests do")
    func reconfigure() {
        let h = Harness.configured(0)
        #expect(h.smc(.granuleTrackingSet, base + mb2, 0, untracked) == .result(.errorInput))
        #expect(h.smc(.rmmDeactivate) == .result(.success))
        #expect(h.port.write64(1, at: PhysicalAddress(page), space: .nonSecure))
        #expect(h.smc(.rmmConfigSet, page) == .result(.success))
        #expect(h.smc(.rmmActivate) == .result(.success))
        #expect(h.smc(.granuleTrackingSet, base + mb2, 0, untracked) == .result(.success))
        #expect(h.rmm.table?.regionSize == mb2)
    }
}
