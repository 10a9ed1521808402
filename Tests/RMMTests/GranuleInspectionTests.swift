import CCAArch
import Testing

@testable import RMM

private let g = Harness.g

@Suite("Granule inspection: the tracking fingerprint the fuzzers' oracle compares")
struct GranuleInspectionTests {
    @Test("the fingerprint is stable while nothing changes")
    func stable() {
        let h = Harness()
        #expect(h.rmm.trackingFingerprint() == h.rmm.trackingFingerprint())
        // A failing call changes nothing.
        let before = h.rmm.trackingFingerprint()
        #expect(h.status(h.undelegate(0x8000_0001, 0x8000_0000 + g)) == .errorInput)
        #expect(h.rmm.trackingFingerprint() == before)
    }

    @Test(
        "any one granule word changes it: the first, one in the middle, the last of each bank, at any word parity",
        arguments: [
            Harness.dram0.base.rawValue, Harness.dram0.base.rawValue + g, Harness.dram0.base.rawValue + 0x123 * g,
            Harness.dram0.top.rawValue - g, Harness.dram1.base.rawValue, Harness.dram1.top.rawValue - g,
        ])
    func anyWord(pa: UInt64) {
        let h = Harness()
        let before = h.rmm.trackingFingerprint()
        h.force(pa, GranuleWord(state: .delegated))
        let delegated = h.rmm.trackingFingerprint()
        #expect(delegated != before)
        // A reference count alone, and the lock bit alone, count too.
        h.force(pa, GranuleWord(state: .delegated, refcount: 1))
        #expect(h.rmm.trackingFingerprint() != delegated)
        h.force(pa, GranuleWord(state: .delegated).locked(true))
        #expect(h.rmm.trackingFingerprint() != delegated)
        h.force(pa, GranuleWord(state: .undelegated))
        #expect(h.rmm.trackingFingerprint() == before)
    }

    @Test("a region's tracking state and the lifecycle change it")
    func trackingAndLifecycle() {
        let h = Harness()
        let active = h.rmm.trackingFingerprint()
        // DRAM0 fills its 1 GB region, which may therefore go COARSE.
        let region = Harness.dram0.base.rawValue
        #expect(h.smc(.granuleTrackingSet, region, 0, UInt64(TrackingState.coarse.rawValue)) == .result(.success))
        let coarse = h.rmm.trackingFingerprint()
        #expect(coarse != active)
        #expect(h.smc(.rmmDeactivate) == .result(.success))
        #expect(h.rmm.trackingFingerprint() != coarse)
    }

    @Test("two lock bits in the high halves of 64-bit loads do not cancel (as they would in plain FNV-1a)")
    func twoHighBits() {
        let h = Harness()
        let before = h.rmm.trackingFingerprint()
        // Granules 1 and 9 share a lane of the hash; 1 and 3 are in two lanes.
        for pair in [(1, 9), (1, 3), (1, 17), (3, 5)] {
            for index in [pair.0, pair.1] {
                h.force(Harness.dram0.base.rawValue + UInt64(index) * g, GranuleWord(state: .undelegated, locked: true))
            }
            #expect(h.rmm.trackingFingerprint() != before, "granules \(pair)")
            for index in [pair.0, pair.1] {
                h.force(Harness.dram0.base.rawValue + UInt64(index) * g, GranuleWord(state: .undelegated))
            }
            #expect(h.rmm.trackingFingerprint() == before)
        }
    }

    @Test("with host-supplied metadata, regions without granule words (COARSE) are hashed by their unit")
    func donatedMetadata() {
        let h = Harness(trackingMetadata: .donated)
        let before = h.rmm.trackingFingerprint()
        // DRAM0's 1 GB region is one COARSE unit with no granule words: delegating it changes the unit.
        #expect(h.status(h.delegate(Harness.dram0.base.rawValue, Harness.dram0.top.rawValue)) == .success)
        #expect(h.rmm.trackingFingerprint() != before)
    }
}
